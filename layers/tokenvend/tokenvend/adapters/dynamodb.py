"""The DynamoDB store: one GetItem per client, one Query for the whole catalog, both
cached on a warm function for ``ttl`` seconds (default 60) so ``tokenvend apply`` takes
effect within a minute without a redeploy.

Unknown client ids are cached too (as absent), so repeating an unknown id costs one read
per TTL, not one per request (each *new* random id still costs a GetItem). The client
cache is bounded (least recently used out first), so a flood of random ids cannot grow it
without limit, and clients in steady use stay in it.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from botocore.exceptions import ClientError

from ..model import Catalog, Client
from .aws import aws_errors
from .dynamodb_items import (
    CATALOG_PK, client_key, deserialize, item_to_client, item_to_resource, item_to_scope, serialize,
)

DEFAULT_TTL = 10.0
MAX_CACHED_CLIENTS = 1024


class DynamoDBStore:
    """ClientStore and CatalogStore over the tokenvend table."""

    def __init__(self, table_name: str, client, *, ttl: float = DEFAULT_TTL, clock=time.monotonic):
        self.table_name, self._ddb, self.ttl, self._clock = table_name, client, ttl, clock
        self._clients: OrderedDict[str, tuple[float, Client | None]] = OrderedDict()
        self._catalog: tuple[float, Catalog] | None = None

    def get_client(self, client_id: str) -> Client | None:
        now = self._clock()
        cached = self._clients.get(client_id)
        if cached and cached[0] > now:
            self._clients.move_to_end(client_id)
            return cached[1]
        with aws_errors("dynamodb:GetItem"):
            response = self._ddb.get_item(TableName=self.table_name, Key=serialize(client_key(client_id)))
        item = response.get("Item")
        client = item_to_client(deserialize(item)) if item else None
        self._clients[client_id] = (now + self.ttl, client)
        self._clients.move_to_end(client_id)
        while len(self._clients) > MAX_CACHED_CLIENTS:
            self._clients.popitem(last=False)
        return client

    def get_catalog(self) -> Catalog:
        now = self._clock()
        if self._catalog and self._catalog[0] > now:
            return self._catalog[1]
        scopes, resources = [], []
        for item in query_partition(self._ddb, self.table_name, CATALOG_PK):
            if item["sk"].startswith("SCOPE#"):
                scopes.append(item_to_scope(item))
            elif item["sk"].startswith("RESOURCE#"):
                resources.append(item_to_resource(item))
        catalog = Catalog.of(scopes, resources)
        self._catalog = (now + self.ttl, catalog)
        return catalog


def query_partition(dynamodb, table_name: str, pk: str):
    """Every item of one partition (the catalog, the signing keys), as plain values,
    following DynamoDB's pagination."""
    kwargs = {"TableName": table_name, "KeyConditionExpression": "pk = :pk",
              "ExpressionAttributeValues": {":pk": {"S": pk}}}
    while True:
        with aws_errors("dynamodb:Query"):
            page = dynamodb.query(**kwargs)
        yield from (deserialize(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoDBReplayCache:
    """ReplayCache: a conditional put per assertion ``jti``; the table's TTL removes it later."""

    def __init__(self, table_name: str, client):
        self.table_name, self._ddb = table_name, client

    def add_once(self, key: str, expires_at: int) -> bool:
        item = {"pk": f"JTI#{key}", "sk": "JTI", "expires_at": expires_at}
        with aws_errors("dynamodb:PutItem"):
            try:
                self._ddb.put_item(TableName=self.table_name, Item=serialize(item),
                                   ConditionExpression="attribute_not_exists(pk)")
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                    return False
                raise
        return True
