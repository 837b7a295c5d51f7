"""The DynamoDB store: one GetItem per client, one Query for the whole catalog, both
cached on a warm function for ``ttl`` seconds (default 10, template.yaml's
CacheTtlSeconds), so what the table stops allowing stops within that time.

``fresh=True`` is the core's second look before a refusal that a fresher read could change
(DESIGN.md: "before answering invalid_client ... or invalid_scope/invalid_target, it
re-reads that record once (at most once a second per record and container)"): the record
is read again unless it was read less than ``REFRESH_INTERVAL`` ago, or more than
``MAX_REFRESHES`` second looks were already made in this second — so neither one id nor
many random ones can force a read per request.

Unknown client ids are cached too (as absent), so repeating an unknown id costs one read
per TTL, not one per request (each *new* random id still costs its one GetItem; its second
look comes within the same second and is refused by the interval). The client cache is
bounded (least recently used out first), so a flood of random ids cannot grow it without
limit, and clients in steady use stay in it. A failed or malformed read raises and caches
nothing, so the next request reads again.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from botocore.exceptions import ClientError

from ..model import Catalog, Client
from .aws import MalformedResponse, aws_errors
from .dynamodb_items import (
    CATALOG_PK, client_key, deserialize, item_to_client, item_to_resource, item_to_scope, serialize,
)

DEFAULT_TTL = 10.0
MAX_CACHED_CLIENTS = 1024
REFRESH_INTERVAL = 1.0
MAX_REFRESHES = 10  # second looks per container per second, across every record


class RefreshBudget:
    """At most ``limit`` second looks in any one-second window of the container."""

    def __init__(self, limit: int = MAX_REFRESHES):
        self.limit, self._window, self._used = limit, -1, 0

    def take(self, now: float) -> bool:
        window = int(now)
        if window != self._window:
            self._window, self._used = window, 0
        if self._used >= self.limit:
            return False
        self._used += 1
        return True


class DynamoDBStore:
    """ClientStore and CatalogStore over the tokenvend table."""

    def __init__(self, table_name: str, client, *, ttl: float = DEFAULT_TTL, clock=time.monotonic):
        self.table_name, self._ddb, self.ttl, self._clock = table_name, client, ttl, clock
        # client_id -> (read at, client or None)
        self._clients: OrderedDict[str, tuple[float, Client | None]] = OrderedDict()
        self._catalog: tuple[float, Catalog] | None = None
        self._refreshes = RefreshBudget()

    def forget(self) -> None:
        """Drop every cached read (SnapStart's after-restore hook: their times are the snapshot's)."""
        self._clients.clear()
        self._catalog = None

    def aws_clients(self) -> list:
        return [self._ddb]

    def _usable(self, read_at: float, now: float, fresh: bool) -> bool:
        """Whether a cached read answers: within the TTL and, for a second look, too recent
        to read again (or over this second's budget)."""
        if now - read_at >= self.ttl:
            return False
        return not fresh or now - read_at < REFRESH_INTERVAL or not self._refreshes.take(now)

    def get_client(self, client_id: str, *, fresh: bool = False) -> Client | None:
        now = self._clock()
        cached = self._clients.get(client_id)
        if cached and self._usable(cached[0], now, fresh):
            self._clients.move_to_end(client_id)
            return cached[1]
        with aws_errors("dynamodb:GetItem"):
            response = self._ddb.get_item(TableName=self.table_name, Key=serialize(client_key(client_id)))
        item = response.get("Item")
        client = item_to_client(deserialize(item)) if item else None
        self._clients[client_id] = (now, client)
        self._clients.move_to_end(client_id)
        while len(self._clients) > MAX_CACHED_CLIENTS:
            self._clients.popitem(last=False)
        return client

    def get_catalog(self, *, fresh: bool = False) -> Catalog:
        now = self._clock()
        if self._catalog and self._usable(self._catalog[0], now, fresh):
            return self._catalog[1]
        scopes, resources = [], []
        for item in query_partition(self._ddb, self.table_name, CATALOG_PK):
            if item["sk"].startswith("SCOPE#"):
                scopes.append(item_to_scope(item))
            elif item["sk"].startswith("RESOURCE#"):
                resources.append(item_to_resource(item))
        catalog = Catalog.of(scopes, resources)
        self._catalog = (now, catalog)
        return catalog


def query_partition(dynamodb, table_name: str, pk: str):
    """Every item of one partition (the catalog, the signing keys), as plain values,
    following DynamoDB's pagination."""
    kwargs = {"TableName": table_name, "KeyConditionExpression": "pk = :pk",
              "ExpressionAttributeValues": {":pk": {"S": pk}}}
    while True:
        with aws_errors("dynamodb:Query"):
            page = dynamodb.query(**kwargs)
            if not isinstance(page.get("Items"), list):  # every Query answer holds Items
                raise MalformedResponse(service="DynamoDB", operation="Query", status=200)
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
