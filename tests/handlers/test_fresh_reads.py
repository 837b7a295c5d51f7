"""A warm function's caches never refuse what the table allows (DESIGN.md "Shape"): the
table is edited behind the function's back (on moto), as `tokenvend` does from another
machine, and the function answers from a second look before refusing — at most once a
second per record and container, so random client ids cannot force a read per request."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb import MAX_REFRESHES, DynamoDBStore
from tokenvend.adapters.dynamodb_items import client_to_item, resource_to_item, scope_to_item, serialize
from tokenvend.model import ApiResource, ApiScope, Client, ClientSecret

from support import basic, form_event

NEW_SECRET = "a-new-secret-handed-out-with-client-secret-add"


class Clock:
    def __init__(self):
        self.now = 5000.0

    def __call__(self):
        return self.now


@pytest.fixture
def warm(functions, stack):
    """The token function, warm, with the store's clock in the test's hands."""
    clock = Clock()
    store = functions.token.container.store
    store._clock = clock
    reads = []
    get_item = store._ddb.get_item

    def counted(**kwargs):
        reads.append(kwargs["Key"]["sk"]["S"])
        return get_item(**kwargs)

    store._ddb.get_item = counted
    functions.clock, functions.reads = clock, reads
    return functions


def token(functions, client_id, secret, **params):
    response = functions.token_call(form_event({"grant_type": "client_credentials", **params},
                                               authorization=basic(client_id, secret)))
    return response["statusCode"], json.loads(response["body"])


def put(stack, item):
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(item))


def stored_client(stack, client_id) -> Client:
    return DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_client(client_id)


def test_a_secret_added_behind_the_functions_back_works_at_once(warm, stack):
    # GIVEN a warm function that has the quickstart client cached
    assert token(warm, "client", "secret")[0] == 200
    # WHEN a second secret is added to the table, a second later
    client = stored_client(stack, "client")
    put(stack, client_to_item(replace(client, secrets=(*client.secrets,
                                                       ClientSecret(client_secrets.hash_secret(NEW_SECRET), "new")))))
    warm.clock.now += 1.1

    # THEN the new secret gets a token, and the old one still does
    assert token(warm, "client", NEW_SECRET)[0] == 200
    assert token(warm, "client", "secret")[0] == 200


def test_a_new_scope_resource_and_client_work_at_once(warm, stack):
    # GIVEN a warm function with the catalog cached
    assert token(warm, "client", "secret", scope="api1")[0] == 200
    # WHEN scope add + resource add + client add happen in the table
    put(stack, scope_to_item(ApiScope("orders.read")))
    put(stack, resource_to_item(ApiResource("urn:orders", scopes=("orders.read",))))
    put(stack, client_to_item(Client("billing", secrets=(ClientSecret(client_secrets.hash_secret(NEW_SECRET)),),
                                     allowed_scopes=("orders.read",))))
    warm.clock.now += 1.1

    # THEN the new client gets its new scope, with the new resource as aud
    status, body = token(warm, "billing", NEW_SECRET, scope="orders.read", resource="urn:orders")
    assert (status, body["scope"]) == (200, "orders.read")


def test_a_re_enabled_client_works_at_once(warm, stack):
    client = stored_client(stack, "client")
    put(stack, client_to_item(replace(client, enabled=False)))
    assert token(warm, "client", "secret") == (401, {"error": "invalid_client",
                                                    "error_description": "Client authentication failed."})
    put(stack, client_to_item(client))
    warm.clock.now += 1.1
    assert token(warm, "client", "secret")[0] == 200


def test_what_the_table_no_longer_allows_stops_within_the_ttl(warm, stack):
    # GIVEN a cached client; WHEN it is disabled in the table
    assert token(warm, "client", "secret")[0] == 200
    client = stored_client(stack, "client")
    put(stack, client_to_item(replace(client, enabled=False)))
    # THEN it is refused once the cache TTL (10 s) has passed
    warm.clock.now += 10.0
    assert token(warm, "client", "secret")[0] == 401


def test_one_unknown_client_id_costs_at_most_one_read_a_second(warm):
    for _ in range(50):
        assert token(warm, "ghost", "secret")[0] == 401
    assert warm.reads == ["CLIENT"]  # the miss; every second look came within the second
    warm.clock.now += 1.1
    for _ in range(50):
        token(warm, "ghost", "secret")
    assert len(warm.reads) == 2


def test_random_client_ids_cannot_force_more_than_one_read_each_nor_many_second_looks(warm):
    # GIVEN 30 random unknown ids, each read once (its miss) and none read twice
    ids = [f"random-{n}" for n in range(30)]
    for client_id in ids:
        token(warm, client_id, "x")
    assert len(warm.reads) == 30
    # WHEN all of them come back a second later
    warm.clock.now += 1.1
    for client_id in ids:
        token(warm, client_id, "x")
    # THEN the second looks are bounded per container and second
    assert len(warm.reads) == 30 + MAX_REFRESHES
