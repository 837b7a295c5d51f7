"""The signing-key records as their writers see them: the operator's ``tokenvend key``
commands and the scheduled rotation function (``tokenvend.key_rotation``).

Every write is conditional on the state the writer checked (an activation is one
transaction), so two writers at once cannot lose a key: the loser gets ``KeyChanged`` and
nothing of its change is written. A key is proven as the functions will prove it
(``tokenvend.adapters.key_proof``) before it is recorded or activated.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from ..model import ACTIVE, SigningKeyRecord
from .dynamodb import query_partition
from .dynamodb_items import SIGNING_KEYS_PK, item_to_signing_key, serialize, signing_key_key, signing_key_to_item
from .key_proof import prove
from .kms import KEY_SPECS, KmsSigner

STACK_TAG = "tokenvend:stack"  # the functions' policy signs only with keys tagged with their stack's name
CREATED_BY_TAG = "tokenvend:created-by"  # on the keys the rotation function creates (and may delete)
CONFLICT_CODES = ("ConditionalCheckFailedException", "TransactionCanceledException")


class KeyChanged(Exception):
    """A signing-key record changed between the read and the conditional write."""

    def __init__(self, kids: str):
        super().__init__(kids)
        self.kids = kids


def _unchanged(record: SigningKeyRecord) -> dict:
    """A write condition: the record is still in the state it was checked in."""
    names, values, terms = {"#status": "status"}, {":status": {"S": record.status}}, ["#status = :status"]
    for name in ("activated_at", "retired_at"):
        if getattr(record, name) is not None:
            names[f"#{name}"], values[f":{name}"] = name, {"N": str(getattr(record, name))}
            terms.append(f"#{name} = :{name}")
    return {"ConditionExpression": " AND ".join(terms), "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values}


def _conditional(kids: str, write) -> None:
    try:
        write()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in CONFLICT_CODES:
            raise KeyChanged(kids) from None
        raise


class SigningKeyTable:
    def __init__(self, table: str, dynamodb, kms):
        self.table, self.ddb, self.kms = table, dynamodb, kms

    def read(self) -> tuple[list[SigningKeyRecord], list[tuple[str, str]]]:
        """The well-formed records, oldest first, and each malformed one as (sort key, why):
        the functions skip those."""
        records, malformed = [], []
        for item in query_partition(self.ddb, self.table, SIGNING_KEYS_PK):
            try:
                records.append(item_to_signing_key(item))
            except ValueError as exc:
                malformed.append((str(item.get("sk")), str(exc)))
        return sorted(records, key=lambda r: (r.created_at, r.kid)), malformed

    def put_new(self, record: SigningKeyRecord) -> None:
        _conditional(record.kid, lambda: self.ddb.put_item(
            TableName=self.table, Item=serialize(signing_key_to_item(record)),
            ConditionExpression="attribute_not_exists(pk)"))

    def replace(self, changes: list[tuple[SigningKeyRecord, SigningKeyRecord]]) -> None:
        """Write each (checked, new) pair in one transaction, each only if still as checked."""
        items = [{"Put": {"TableName": self.table, "Item": serialize(signing_key_to_item(new)),
                          **_unchanged(checked)}} for checked, new in changes]
        _conditional(", ".join(new.kid for _, new in changes),
                     lambda: self.ddb.transact_write_items(TransactItems=items))

    def delete(self, checked: SigningKeyRecord) -> None:
        _conditional(checked.kid, lambda: self.ddb.delete_item(
            TableName=self.table, Key=serialize(signing_key_key(checked.kid)), **_unchanged(checked)))

    def prove(self, record: SigningKeyRecord) -> None:
        """Raise ``KeyRefused`` (or a dependency failure) for a record the functions would refuse."""
        prove(record, self.kms)

    def record_for(self, key_id: str, alg: str, status: str, now: int) -> SigningKeyRecord:
        """The record of a KMS key (ValueError if its key spec cannot sign ``alg``)."""
        return self._record(self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"], alg, status, now)

    def _record(self, arn: str, alg: str, status: str, now: int) -> SigningKeyRecord:
        jwk = KmsSigner(arn, alg, self.kms).public_jwk()
        return SigningKeyRecord(jwk["kid"], arn, alg, status, jwk, created_at=now,
                                activated_at=now if status == ACTIVE else None)

    def stack_key_record(self, key_id: str, now: int) -> SigningKeyRecord:
        """The stack's own KMS key as the active record, recorded before the first new key so
        it stays the one that signs (and is published) until an activation. ValueError if
        its key spec is none tokenvend signs with."""
        meta = self.kms.describe_key(KeyId=key_id)["KeyMetadata"]
        alg = next((a for a, spec in KEY_SPECS.items() if spec == meta.get("KeySpec")), None)
        if alg is None:
            raise ValueError(f"the stack's signing key has key spec {meta.get('KeySpec')}, which tokenvend "
                             "does not sign with")
        return self._record(meta["Arn"], alg, ACTIVE, now)

    def tags(self, key_id: str) -> dict[str, str]:
        """A KMS key's tags, by tag key."""
        return {t["TagKey"]: t["TagValue"] for t in self.kms.list_resource_tags(KeyId=key_id).get("Tags", [])}

    def create_kms_key(self, alg: str, stack: str, *, created_by: str | None = None) -> str:
        """A new KMS signing key for ``alg``, tagged with its stack's name (and with who made
        it, when a function does); its ARN."""
        tags = [{"TagKey": STACK_TAG, "TagValue": stack}]
        if created_by:
            tags.append({"TagKey": CREATED_BY_TAG, "TagValue": created_by})
        return self.kms.create_key(
            KeyUsage="SIGN_VERIFY", KeySpec=KEY_SPECS[alg], Description=f"{stack} access token signing key ({alg})",
            Tags=tags)["KeyMetadata"]["Arn"]
