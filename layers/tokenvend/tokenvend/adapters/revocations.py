"""Revoked access tokens in the tokenvend table: pk ``REVOKED#<jti>``, sk ``REVOKED``,
``client_id`` and ``expires_at`` (the token's ``exp``; the table's TTL attribute removes
the record once the token would have expired anyway).

A revocation must show at once: ``is_revoked`` reads with ``ConsistentRead`` and never
caches a "not revoked". A revocation cannot be undone, so a "revoked" answer is kept on
the warm function (bounded, least recently used out first) and spares the next read.
"""

from __future__ import annotations

from collections import OrderedDict

from .aws import aws_errors
from .dynamodb_items import serialize

MAX_CACHED = 4096


def revoked_key(jti: str) -> dict:
    return {"pk": f"REVOKED#{jti}", "sk": "REVOKED"}


class DynamoDBRevocations:
    """RevocationList over the tokenvend table."""

    def __init__(self, table_name: str, client):
        self.table_name, self._ddb = table_name, client
        self._revoked: OrderedDict[str, None] = OrderedDict()

    def revoke(self, jti: str, client_id: str, expires_at: int) -> None:
        item = {**revoked_key(jti), "client_id": client_id, "expires_at": int(expires_at)}
        with aws_errors("dynamodb:PutItem"):
            self._ddb.put_item(TableName=self.table_name, Item=serialize(item))
        self._remember(jti)

    def is_revoked(self, jti: str) -> bool:
        if jti in self._revoked:
            self._revoked.move_to_end(jti)
            return True
        with aws_errors("dynamodb:GetItem"):
            response = self._ddb.get_item(TableName=self.table_name, Key=serialize(revoked_key(jti)),
                                          ConsistentRead=True)
        if not response.get("Item"):
            return False
        self._remember(jti)
        return True

    def _remember(self, jti: str) -> None:
        self._revoked[jti] = None
        while len(self._revoked) > MAX_CACHED:
            self._revoked.popitem(last=False)
