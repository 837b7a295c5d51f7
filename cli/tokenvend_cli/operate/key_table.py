"""The signing-key records as the key commands read and write them: every write is
conditional on the state the command checked (an activation is one transaction), so two
operators at once cannot lose a key; and a key is proven as the functions will prove it
(``tokenvend.adapters.key_proof``) before it is recorded or activated."""

from __future__ import annotations

import contextlib

from botocore.exceptions import ClientError

from tokenvend.adapters.dynamodb import query_partition
from tokenvend.adapters.dynamodb_items import (
    SIGNING_KEYS_PK, item_to_signing_key, serialize, signing_key_key, signing_key_to_item,
)
from tokenvend.adapters.key_proof import KeyRefused, prove
from tokenvend.adapters.kms import KmsSigner
from tokenvend.errors import OAuthError
from tokenvend.model import ACTIVE, SigningKeyRecord

from .output import OpsError, warn
from .target import Target


def _unchanged(record: SigningKeyRecord) -> dict:
    """A write condition: the record is still in the state it was checked in."""
    names, values, terms = {"#status": "status"}, {":status": {"S": record.status}}, ["#status = :status"]
    for name in ("activated_at", "retired_at"):
        if getattr(record, name) is not None:
            names[f"#{name}"], values[f":{name}"] = name, {"N": str(getattr(record, name))}
            terms.append(f"#{name} = :{name}")
    return {"ConditionExpression": " AND ".join(terms), "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values}


@contextlib.contextmanager
def _checked_state(kid: str):
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ConditionalCheckFailedException",
                                                          "TransactionCanceledException"):
            raise OpsError(f"signing key {kid} changed meanwhile (another key command?); nothing was "
                           "written: look again with `tokenvend key list`") from None
        raise


class KeyTable:
    def __init__(self, target: Target):
        self.target, self.ddb, self.kms = target, target.client("dynamodb"), target.client("kms")

    def records(self) -> list[SigningKeyRecord]:
        """The well-formed records; a malformed one is named on stderr (the functions skip it)."""
        records = []
        for item in query_partition(self.ddb, self.target.table, SIGNING_KEYS_PK):
            try:
                records.append(item_to_signing_key(item))
            except ValueError as exc:
                warn(f"key record {item.get('sk')!r} is malformed ({exc}); the functions skip it")
        return sorted(records, key=lambda r: (r.created_at, r.kid))

    def put_new(self, record: SigningKeyRecord) -> None:
        with _checked_state(record.kid):
            self.ddb.put_item(TableName=self.target.table, Item=serialize(signing_key_to_item(record)),
                              ConditionExpression="attribute_not_exists(pk)")

    def replace(self, changes: list[tuple[SigningKeyRecord, SigningKeyRecord]]) -> None:
        """Write each (checked, new) pair in one transaction, each only if still as checked."""
        items = [{"Put": {"TableName": self.target.table, "Item": serialize(signing_key_to_item(new)),
                          **_unchanged(checked)}} for checked, new in changes]
        with _checked_state(", ".join(new.kid for _, new in changes)):
            self.ddb.transact_write_items(TransactItems=items)

    def delete(self, checked: SigningKeyRecord) -> None:
        with _checked_state(checked.kid):
            self.ddb.delete_item(TableName=self.target.table, Key=serialize(signing_key_key(checked.kid)),
                                 **_unchanged(checked))

    def prove(self, record: SigningKeyRecord) -> None:
        """Refuse a record the functions would refuse: its public half must be proven."""
        try:
            prove(record, self.kms)
        except (KeyRefused, OAuthError) as exc:
            reasons = getattr(exc, "reasons", None) or [str(exc)]
            raise OpsError(f"signing key {record.kid} cannot be used: {'; '.join(reasons)}") from None

    def record_for(self, key_id: str, alg: str, status: str, now: int) -> SigningKeyRecord:
        jwk = KmsSigner(key_id, alg, self.kms).public_jwk()
        arn = self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        return SigningKeyRecord(jwk["kid"], arn, alg, status, jwk, created_at=now,
                                activated_at=now if status == ACTIVE else None)
