"""The introspection and revocation functions fed API Gateway events (events/ files and
variations of them), over examples/introspection.yaml on moto."""

from __future__ import annotations

import base64
import copy
import json
from urllib.parse import urlencode

import pytest

from support import basic, body, form_event, load_event

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
CHALLENGE = 'Basic realm="tokenvend", charset="UTF-8"'


def with_form(event_file: str, params: dict, authorization: str | None = None) -> dict:
    """An events/ file with another form body (and Authorization header)."""
    event = copy.deepcopy(load_event(event_file))
    raw = urlencode(params).encode()
    event["body"] = base64.b64encode(raw).decode()
    event["headers"]["content-length"] = str(len(raw))
    if authorization:
        event["headers"]["authorization"] = authorization
    return event


def get_token(functions, client="client", secret="secret", scope="api1") -> str:
    response = functions.token_call(form_event({"grant_type": "client_credentials", "scope": scope},
                                               authorization=basic(client, secret)))
    assert response["statusCode"] == 200
    return body(response)["access_token"]


def introspect(functions, token, resource="api1", secret=None):
    event = with_form("introspect-inactive.json", {"token": token},
                      basic(resource, secret or f"{resource}-secret"))
    return functions.introspect_call(event)


def revoke(functions, token, client="client", secret="secret"):
    return functions.revocation_call(with_form("revocation-client-secret-basic.json", {"token": token},
                                               basic(client, secret)))


def log_records(functions, message: str) -> list[dict]:
    return [json.loads(line) for line in functions.log_lines if f'"message":"{message}"' in line]


@pytest.fixture
def functions(introspection_functions):
    return introspection_functions


def test_the_introspect_event_file_is_inactive(functions):
    response = functions.introspect_call(load_event("introspect-inactive.json"))
    assert response["statusCode"] == 200
    assert response["headers"] == NO_STORE
    assert body(response) == {"active": False}
    (record,) = log_records(functions, "introspection request")
    assert (record["caller"], record["auth_method"], record["outcome"], record["reason"]) == (
        "api1", "client_secret_basic", "inactive", "not a JWS compact serialization")
    assert record["token_type_hint"] == "access_token"


def test_a_wrong_resource_secret_is_401_with_the_basic_challenge(functions):
    response = functions.introspect_call(load_event("introspect-invalid-client.json"))
    assert response["statusCode"] == 401
    assert response["headers"] == {**NO_STORE, "WWW-Authenticate": CHALLENGE}
    assert body(response) == {"error": "invalid_client", "error_description": "Client authentication failed."}
    (record,) = log_records(functions, "introspection request")
    assert (record["outcome"], record["reasons"]) == ("rejected", ["client_secret matches no stored hash"])


def test_a_token_is_active_for_its_audience_only(functions):
    token = get_token(functions)
    response = introspect(functions, token)
    assert (response["statusCode"], response["headers"]) == (200, NO_STORE)
    result = body(response)
    assert (result["active"], result["aud"], result["client_id"], result["scope"], result["token_type"]) == (
        True, "api1", "client", "api1", "Bearer")
    assert set(result) == {"active", "scope", "client_id", "token_type", "exp", "iat", "nbf", "sub", "aud",
                           "iss", "jti"}
    assert body(introspect(functions, token, "api2")) == {"active": False}
    records = log_records(functions, "introspection request")
    assert [(r["outcome"], r.get("reason"), r["jti"]) for r in records] == [
        ("active", None, result["jti"]), ("inactive", "aud does not include the calling resource", result["jti"])]


def test_revocation_then_introspection_is_inactive(functions):
    token = get_token(functions)
    jti = body(introspect(functions, token))["jti"]

    response = revoke(functions, token)

    assert response["statusCode"] == 200
    assert response["headers"] == {"Cache-Control": "no-store", "Pragma": "no-cache"}
    assert response["body"] == ""
    assert body(introspect(functions, token)) == {"active": False}
    (record,) = log_records(functions, "revocation request")
    assert (record["caller"], record["outcome"], record["jti"], record["token_client_id"]) == (
        "client", "revoked", jti, "client")
    assert log_records(functions, "introspection request")[-1]["reason"] == "revoked"


def test_the_revocation_record_expires_with_the_token(functions, stack):
    token = get_token(functions)
    claims = body(introspect(functions, token))
    revoke(functions, token)
    item = stack.dynamodb.get_item(TableName=stack.table,
                                   Key={"pk": {"S": f"REVOKED#{claims['jti']}"}, "sk": {"S": "REVOKED"}})["Item"]
    assert item == {"pk": {"S": f"REVOKED#{claims['jti']}"}, "sk": {"S": "REVOKED"},
                    "client_id": {"S": "client"}, "expires_at": {"N": str(claims["exp"])}}


def test_another_clients_revocation_leaves_the_token_active(functions):
    token = get_token(functions)
    response = revoke(functions, token, "other", "other-secret")
    assert (response["statusCode"], response["body"]) == (200, "")
    assert body(introspect(functions, token))["active"] is True
    (record,) = log_records(functions, "revocation request")
    assert (record["caller"], record["outcome"], record["reason"]) == (
        "other", "left alone", "the token was issued to another client")


def test_the_revocation_event_file_is_200_for_garbage(functions):
    response = functions.revocation_call(load_event("revocation-client-secret-basic.json"))
    assert (response["statusCode"], response["body"]) == (200, "")
    (record,) = log_records(functions, "revocation request")
    assert (record["outcome"], record["reason"]) == ("left alone", "not a JWS compact serialization")


def test_a_refresh_token_hint_is_unsupported_token_type(functions):
    response = functions.revocation_call(load_event("revocation-unsupported-token-type.json"))
    assert response["statusCode"] == 400
    assert response["headers"] == NO_STORE
    assert body(response) == {"error": "unsupported_token_type",
                              "error_description": "tokenvend issues no refresh tokens; only access tokens can be revoked."}


def test_a_wrong_client_secret_at_revocation_is_401(functions):
    response = revoke(functions, get_token(functions), "client", "wrong")
    assert response["statusCode"] == 401
    assert response["headers"] == {**NO_STORE, "WWW-Authenticate": CHALLENGE}


@pytest.mark.parametrize("call, path", [("introspect_call", "introspect-inactive.json"),
                                        ("revocation_call", "revocation-client-secret-basic.json")])
def test_get_is_405_with_allow_post(functions, call, path):
    event = load_event(path)
    event["requestContext"]["http"]["method"] = "GET"
    response = getattr(functions, call)(event)
    assert response["statusCode"] == 405
    assert response["headers"] == {**NO_STORE, "Allow": "POST"}
    assert body(response)["error"] == "invalid_request"


def test_a_dynamodb_failure_is_server_error_never_active(functions):
    from botocore.stub import Stubber

    token = get_token(functions)
    revocations = functions.introspect.container.introspection_endpoint.revocations
    with Stubber(revocations._ddb) as stub:
        stub.add_client_error("get_item", service_error_code="InternalServerError", http_status_code=500)
        response = introspect(functions, token)
    assert response["statusCode"] == 500
    assert body(response) == {"error": "server_error",
                              "error_description": "The authorization server could not complete the request."}


def test_a_resource_secret_added_behind_a_warm_function_works_at_once(functions, stack):
    # GIVEN a warm introspection function with the catalog (api1 and its one secret) cached
    from dataclasses import replace

    from tokenvend import client_secrets
    from tokenvend.adapters.dynamodb import DynamoDBStore
    from tokenvend.adapters.dynamodb_items import resource_to_item, serialize
    from tokenvend.model import ClientSecret

    store = functions.introspect.container.store
    store._clock = lambda: 5000.0
    token = get_token(functions)
    assert body(introspect(functions, token))["active"] is True  # the catalog read at 5000, cached
    # WHEN `tokenvend resource secret add api1` writes a second secret, a second later
    api1 = DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_catalog().api_resources["api1"]
    rotated = replace(api1, secrets=(*api1.secrets, ClientSecret(client_secrets.hash_secret("api1-rotated-secret"))))
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(resource_to_item(rotated)))
    store._clock = lambda: 5001.1
    # THEN the new secret authenticates at once (a second look before invalid_client)
    response = introspect(functions, token, secret="api1-rotated-secret")
    assert (response["statusCode"], body(response)["active"]) == (200, True)
