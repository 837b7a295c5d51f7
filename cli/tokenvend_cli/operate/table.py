"""The config items of the tokenvend table, as the operator commands read and change them.

The item layout is ``tokenvend.adapters.dynamodb_items``'s, so what is written here is
exactly what the token endpoint reads. Single-record changes are conditional writes or
in-place updates (``list_append`` for a new secret, a guarded ``REMOVE`` to revoke one),
so two operators working at once cannot silently undo each other.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from tokenvend.adapters.dynamodb_items import (
    CATALOG_PK, CONFIG_KEYS, ITEM_TO_RECORD, RECORD_TO_ITEM, config_item_kind, deserialize, serialize,
)
from tokenvend.model import Catalog

from .output import OpsError, error_code
from .target import Target

KINDS = ("api_scope", "api_resource", "client")  # write order; deletes go the other way
LABELS = {"api_scope": "api scope", "api_resource": "api resource", "client": "client"}


def record_name(record) -> str:
    return getattr(record, "client_id", None) or record.name


@dataclass
class TableState:
    """Every ApiScope, ApiResource and Client in the table, by kind and name."""

    records: dict[str, dict[str, object]] = field(default_factory=lambda: {k: {} for k in KINDS})

    @property
    def api_scopes(self) -> dict:
        return self.records["api_scope"]

    @property
    def api_resources(self) -> dict:
        return self.records["api_resource"]

    @property
    def clients(self) -> dict:
        return self.records["client"]

    def catalog(self) -> Catalog:
        return Catalog(dict(self.api_scopes), dict(self.api_resources))


class ConfigTable:
    def __init__(self, target: Target):
        self.name, self._ddb = target.table, target.client("dynamodb")

    def read_all(self) -> TableState:
        state = TableState()
        pages = self._ddb.get_paginator("scan").paginate(
            TableName=self.name, FilterExpression="pk = :catalog OR sk = :client",
            ExpressionAttributeValues={":catalog": {"S": CATALOG_PK}, ":client": {"S": "CLIENT"}})
        for page in pages:
            for raw in page.get("Items", []):
                item = deserialize(raw)
                kind = config_item_kind(item)
                if kind:
                    record = ITEM_TO_RECORD[kind](item)
                    state.records[kind][record_name(record)] = record
        for kind in KINDS:
            state.records[kind] = dict(sorted(state.records[kind].items()))
        return state

    def get(self, kind: str, name: str):
        item = self._ddb.get_item(TableName=self.name, Key=self._key(kind, name)).get("Item")
        return ITEM_TO_RECORD[kind](deserialize(item)) if item else None

    def require(self, kind: str, name: str):
        record = self.get(kind, name)
        if record is None:
            raise OpsError(f"no {LABELS[kind]} {name!r} in table {self.name}")
        return record

    def put(self, kind: str, record) -> None:
        self._ddb.put_item(TableName=self.name, Item=serialize(RECORD_TO_ITEM[kind](record)))

    def transact(self, puts: list[tuple[str, object]], deletes: list[tuple[str, str]]) -> None:
        """Puts and deletes in one DynamoDB transaction: all of them happen, or none."""
        items = [{"Put": {"TableName": self.name, "Item": serialize(RECORD_TO_ITEM[kind](record))}}
                 for kind, record in puts]
        items += [{"Delete": {"TableName": self.name, "Key": self._key(kind, name)}} for kind, name in deletes]
        if items:
            self._ddb.transact_write_items(TransactItems=items)

    def put_new(self, kind: str, record) -> None:
        with _condition(f"{LABELS[kind]} {record_name(record)!r} already exists in table {self.name}"):
            self._ddb.put_item(TableName=self.name, Item=serialize(RECORD_TO_ITEM[kind](record)),
                               ConditionExpression="attribute_not_exists(pk)")

    def delete(self, kind: str, name: str) -> None:
        with _condition(f"no {LABELS[kind]} {name!r} in table {self.name}"):
            self._ddb.delete_item(TableName=self.name, Key=self._key(kind, name),
                                  ConditionExpression="attribute_exists(pk)")

    def set_enabled(self, kind: str, name: str, enabled: bool) -> None:
        self._update(kind, name, "SET enabled = :enabled", {":enabled": enabled})

    def append_secret(self, name: str, secret_item: dict, kind: str = "client") -> int:
        """Add a secret at the end of a client's (or an api resource's) list; return its index."""
        response = self._update(
            kind, name, "SET secrets = list_append(if_not_exists(secrets, :none), :new)",
            {":none": [], ":new": [secret_item]}, ReturnValues="UPDATED_NEW")
        return len(response["Attributes"]["secrets"]["L"]) - 1

    def remove_secret(self, name: str, index: int, stored_hash: str, kind: str = "client") -> None:
        """Remove secret ``index`` only if it is still the one with ``stored_hash``."""
        word = "client" if kind == "client" else "resource"
        with _condition(f"{LABELS[kind]} {name!r} changed meanwhile; look again with `tokenvend {word} show`"):
            self._ddb.update_item(
                TableName=self.name, Key=self._key(kind, name),
                UpdateExpression=f"REMOVE secrets[{index}]",
                ConditionExpression=f"secrets[{index}].#hash = :hash",
                ExpressionAttributeNames={"#hash": "hash"},
                ExpressionAttributeValues=serialize({":hash": stored_hash}))

    def _update(self, kind, name, expression, values, **kwargs):
        with _condition(f"no {LABELS[kind]} {name!r} in table {self.name}"):
            return self._ddb.update_item(
                TableName=self.name, Key=self._key(kind, name), UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues=serialize(values),
                **kwargs)

    @staticmethod
    def _key(kind: str, name: str) -> dict:
        return serialize(CONFIG_KEYS[kind](name))


@contextlib.contextmanager
def _condition(message: str):
    """Turn a failed write condition into the operator's error; leave other errors alone."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise OpsError(message) from None
        raise
