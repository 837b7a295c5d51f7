"""Revoked tokens in the table on moto: the record, its TTL, consistent reads, what is
cached, and an AWS failure as an OAuth error (never "not revoked")."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.stub import Stubber

from tokenvend.adapters.dynamodb import DynamoDBStore
from tokenvend.adapters.dynamodb_items import resource_to_item, serialize
from tokenvend.adapters.revocations import DynamoDBRevocations
from tokenvend.errors import ServerError
from tokenvend.model import ApiResource, ClientSecret


def test_a_revocation_is_one_item_that_expires_with_the_token(stack):
    revocations = DynamoDBRevocations(stack.table, stack.dynamodb)
    assert revocations.is_revoked("jti-1") is False

    revocations.revoke("jti-1", "client", 1795989417)

    item = stack.dynamodb.get_item(TableName=stack.table, Key=serialize({"pk": "REVOKED#jti-1", "sk": "REVOKED"}))
    assert item["Item"] == serialize({"pk": "REVOKED#jti-1", "sk": "REVOKED", "client_id": "client",
                                      "expires_at": 1795989417})
    # another container sees it at once: "not revoked" was never cached
    assert DynamoDBRevocations(stack.table, stack.dynamodb).is_revoked("jti-1") is True


def test_not_revoked_is_never_cached_and_revoked_is(stack):
    reader, writer = DynamoDBRevocations(stack.table, stack.dynamodb), DynamoDBRevocations(stack.table, stack.dynamodb)
    assert reader.is_revoked("jti-2") is False
    writer.revoke("jti-2", "client", 1795989417)
    assert reader.is_revoked("jti-2") is True
    with Stubber(reader._ddb):  # no call may be made now: a revocation cannot be undone
        assert reader.is_revoked("jti-2") is True


def test_a_failed_read_is_server_error_not_not_revoked(stack):
    revocations = DynamoDBRevocations(stack.table, stack.dynamodb)
    with Stubber(revocations._ddb) as stub:
        stub.add_client_error("get_item", service_error_code="InternalServerError", http_status_code=500)
        with pytest.raises(ServerError) as info:
            revocations.is_revoked("jti-3")
    assert info.value.reasons == ["dynamodb:GetItem: InternalServerError"]


def test_an_api_resource_round_trips_with_its_secrets(stack):
    resource = ApiResource("https://orders.example.com", "Orders", ("orders.read",), secrets=(
        ClientSecret("sha256:" + "A" * 43 + "=", "imported"),
        ClientSecret("pbkdf2-sha256$10000$c2FsdA==$aGFzaA==", "", datetime(2030, 1, 1, tzinfo=timezone.utc))))
    bare = ApiResource("urn:bare", scopes=("orders.read",))
    for record in (resource, bare):
        stack.dynamodb.put_item(TableName=stack.table, Item=serialize(resource_to_item(record)))
    catalog = DynamoDBStore(stack.table, stack.dynamodb).get_catalog()
    assert catalog.api_resources == {resource.name: resource, bare.name: bare}
    assert "secrets" not in serialize(resource_to_item(bare))  # an item without secrets stays as it was
