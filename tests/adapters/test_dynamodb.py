"""The DynamoDB store on moto: item round trips, one read per client and per catalog,
the warm cache and its TTL, the replay cache, and AWS failures as OAuth errors."""

from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import Stubber

from tokenvend.adapters.aws import CONNECT_TIMEOUT, MAX_ATTEMPTS, READ_TIMEOUT, aws_client
from tokenvend.adapters.dynamodb import DynamoDBReplayCache, DynamoDBStore
from tokenvend.adapters.dynamodb_items import client_key, scope_key, serialize
from tokenvend.errors import ServerError, TemporarilyUnavailable
from tokenvend.model import ApiResource, ApiScope, Client, ClientSecret
from tokenvend_cli.local.seed import seed


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_client_round_trips_through_the_table(stack, quickstart):
    # GIVEN a client with every field set
    client = Client(
        client_id="orders-worker", client_name="Orders worker", enabled=False,
        secrets=(ClientSecret("sha256:K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", "old",
                              datetime(2027, 1, 1, tzinfo=timezone.utc)),),
        allowed_grant_types=("client_credentials",), allowed_scopes=("orders.read",),
        access_token_lifetime=600, claims=(("tenant", "acme"), ("tier", 3), ("roles", ("a", "b"))),
        client_claims_prefix="x_", jwks={"keys": [{"kty": "oct"}]},
    )
    from tokenvend.adapters.dynamodb_items import client_to_item
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(client_to_item(client)))
    # WHEN it is read back
    read = DynamoDBStore(stack.table, stack.dynamodb).get_client("orders-worker")
    # THEN every field survives
    assert read == client


def test_catalog_is_read_with_one_query(stack, quickstart):
    seed(stack.dynamodb, stack.table, quickstart)
    catalog = DynamoDBStore(stack.table, stack.dynamodb).get_catalog()
    assert catalog.api_scopes == {"api1": ApiScope("api1", "My API")}
    assert catalog.api_resources == {"api1": ApiResource("api1", "", ("api1",))}


def test_unknown_client_is_none(stack):
    assert DynamoDBStore(stack.table, stack.dynamodb).get_client("nobody") is None


def test_warm_cache_serves_until_ttl_then_rereads(stack, quickstart):
    # GIVEN a store with a 60 s TTL that has read the client and the catalog
    seed(stack.dynamodb, stack.table, quickstart)
    clock = Clock()
    store = DynamoDBStore(stack.table, stack.dynamodb, ttl=60, clock=clock)
    assert store.get_client("client").enabled is True
    assert store.get_catalog().discovery_scopes() == ["api1"]
    # WHEN the table changes behind it (an apply, a hand edit)
    stack.dynamodb.update_item(TableName=stack.table, Key=serialize(client_key("client")),
                               UpdateExpression="SET enabled = :f",
                               ExpressionAttributeValues={":f": {"BOOL": False}})
    stack.dynamodb.delete_item(TableName=stack.table, Key=serialize(scope_key("api1")))
    # THEN the cached values stand within the TTL...
    clock.now += 59
    assert store.get_client("client").enabled is True
    assert store.get_catalog().discovery_scopes() == ["api1"]
    # ...and the new ones are read once it has passed
    clock.now += 2
    assert store.get_client("client").enabled is False
    assert store.get_catalog().discovery_scopes() == []


def test_unknown_client_is_cached_as_absent(stack, quickstart):
    clock = Clock()
    store = DynamoDBStore(stack.table, stack.dynamodb, ttl=60, clock=clock)
    assert store.get_client("client") is None
    seed(stack.dynamodb, stack.table, quickstart)
    assert store.get_client("client") is None
    clock.now += 61
    assert store.get_client("client").client_id == "client"


def test_replay_cache_accepts_a_key_once(stack):
    replay = DynamoDBReplayCache(stack.table, stack.dynamodb)
    assert replay.add_once("client#jti-1", 2_000_000_000) is True
    assert replay.add_once("client#jti-1", 2_000_000_000) is False
    assert replay.add_once("client#jti-2", 2_000_000_000) is True


def test_throttling_is_503_with_retry_after(aws_credentials):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(ddb) as stub:
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException", http_status_code=400)
        with pytest.raises(TemporarilyUnavailable) as caught:
            DynamoDBStore("t", ddb).get_client("client")
    assert caught.value.status_code == 503
    assert caught.value.error == "temporarily_unavailable"
    assert caught.value.headers == {"Retry-After": "1"}
    assert caught.value.reasons == ["dynamodb:GetItem: ProvisionedThroughputExceededException"]


def test_other_aws_failures_are_server_error(aws_credentials):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(ddb) as stub:
        stub.add_client_error("query", "ResourceNotFoundException", http_status_code=400)
        with pytest.raises(ServerError) as caught:
            DynamoDBStore("t", ddb).get_catalog()
    assert caught.value.status_code == 500
    assert caught.value.error == "server_error"
    assert caught.value.description == "The authorization server could not complete the request."


def test_aws_clients_have_timeouts_and_leave_retries_to_the_deadline(aws_credentials):
    config = aws_client("dynamodb").meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT, READ_TIMEOUT) == (0.5, 1.0)
    # botocore makes one attempt; tokenvend's own hook retries once within the deadline
    assert (config.retries, MAX_ATTEMPTS) == ({"mode": "standard", "total_max_attempts": 1}, 2)


def test_client_cache_is_bounded_and_keeps_clients_in_use(stack, quickstart, monkeypatch):
    # GIVEN a cache of 3 clients that has read the quickstart client, whose item then goes
    import tokenvend.adapters.dynamodb as module
    monkeypatch.setattr(module, "MAX_CACHED_CLIENTS", 3)
    seed(stack.dynamodb, stack.table, quickstart)
    store = DynamoDBStore(stack.table, stack.dynamodb, ttl=60, clock=Clock())
    assert store.get_client("client").client_id == "client"
    stack.dynamodb.delete_item(TableName=stack.table, Key=serialize(client_key("client")))
    # WHEN random ids flood the cache while the client keeps being used
    for i in range(10):
        assert store.get_client(f"random-{i}") is None
        # THEN the client in use is never pushed out (a re-read would find no item)
        assert store.get_client("client").client_id == "client"
    # and the cache holds no more than its bound
    assert len(store._clients) == 3


def test_catalog_query_follows_pagination(aws_credentials):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    page = {"pk": {"S": "CATALOG"}, "kind": {"S": "api_scope"}}
    with Stubber(ddb) as stub:
        stub.add_response("query", {"Items": [{**page, "sk": {"S": "SCOPE#a"}, "name": {"S": "a"}}],
                                    "LastEvaluatedKey": {"pk": {"S": "CATALOG"}, "sk": {"S": "SCOPE#a"}}})
        stub.add_response("query", {"Items": [{**page, "sk": {"S": "SCOPE#b"}, "name": {"S": "b"}}]})
        catalog = DynamoDBStore("t", ddb).get_catalog()
        stub.assert_no_pending_responses()
    assert sorted(catalog.api_scopes) == ["a", "b"]
