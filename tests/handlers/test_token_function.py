"""The token function fed API Gateway events (events/ files and variations of them)."""

from __future__ import annotations

import json

import jwt
import pytest
from botocore.stub import Stubber

from support import ISSUER, basic, body, form_event, load_event

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


@pytest.mark.parametrize("event_file", ["token-client-secret-basic.json", "token-client-secret-post.json"])
def test_quickstart_client_gets_a_token(functions, event_file):
    response = functions.token_call(load_event(event_file))
    assert response["statusCode"] == 200
    assert response["headers"] == NO_STORE
    result = body(response)
    assert set(result) == {"access_token", "token_type", "expires_in", "scope"}
    assert (result["token_type"], result["expires_in"], result["scope"]) == ("Bearer", 3600, "api1")
    header = jwt.get_unverified_header(result["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "RS256"


def test_wrong_secret_is_invalid_client_with_basic_challenge(functions):
    response = functions.token_call(load_event("token-invalid-client.json"))
    assert response["statusCode"] == 401
    assert response["headers"] == {**NO_STORE, "WWW-Authenticate": 'Basic realm="tokenvend", charset="UTF-8"'}
    assert body(response) == {"error": "invalid_client", "error_description": "Client authentication failed."}


def test_password_grant_is_unsupported(functions):
    response = functions.token_call(load_event("token-unsupported-grant-type.json"))
    assert response["statusCode"] == 400
    assert response["headers"] == NO_STORE
    assert body(response) == {
        "error": "unsupported_grant_type",
        "error_description": "The grant type 'password' is not supported; use client_credentials."}


def test_get_is_405_with_allow_post(functions):
    response = functions.token_call(form_event({}, method="GET"))
    assert response["statusCode"] == 405
    assert response["headers"] == {**NO_STORE, "Allow": "POST"}
    assert body(response)["error"] == "invalid_request"


def test_unknown_path_is_json_404(functions):
    event = load_event("token-client-secret-post.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/connect/nothing"
    response = functions.token_call(event)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"error": "not_found", "error_description": "No such endpoint."}
    assert response["headers"]["Content-Type"] == "application/json"


def test_body_that_is_not_base64_is_invalid_request(functions):
    event = load_event("token-client-secret-post.json")
    event["body"] = "grant_type=client_credentials&%%%"
    response = functions.token_call(event)
    assert response["statusCode"] == 400
    assert body(response) == {"error": "invalid_request", "error_description": "The request body is not valid base64."}


def test_plain_text_body_is_accepted(functions):
    event = load_event("token-client-secret-post.json")
    event["body"] = "grant_type=client_credentials&client_id=client&client_secret=secret"
    event["isBase64Encoded"] = False
    response = functions.token_call(event)
    assert response["statusCode"] == 200
    assert body(response)["scope"] == "api1"


def test_resource_indicator_sets_aud(functions):
    response = functions.token_call(form_event({"grant_type": "client_credentials", "resource": "api1"},
                                               authorization=basic("client", "secret")))
    assert response["statusCode"] == 200
    claims = jwt.decode(body(response)["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "api1" and claims["iss"] == ISSUER


def test_unknown_resource_is_invalid_target(functions):
    response = functions.token_call(form_event({"grant_type": "client_credentials", "resource": "urn:nope"},
                                               authorization=basic("client", "secret")))
    assert response["statusCode"] == 400
    assert body(response) == {"error": "invalid_target",
                              "error_description": "Refused resource 'urn:nope' is not an enabled ApiResource."}


def test_dynamodb_throttling_is_503_with_retry_after(functions):
    ddb = functions.token.container.store._ddb
    with Stubber(ddb) as stub:
        stub.add_client_error("get_item", "ThrottlingException", http_status_code=400)
        response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert response["statusCode"] == 503
    assert response["headers"] == {**NO_STORE, "Retry-After": "1"}
    assert body(response) == {"error": "temporarily_unavailable",
                              "error_description": "The authorization server is busy; retry shortly."}


def test_kms_failure_is_500_without_token_or_trace(functions):
    kms = functions.token.container.keys.default._kms
    functions.token.container.keys.default.public_jwk()  # a warm container knows its key
    with Stubber(kms) as stub:
        stub.add_client_error("sign", "KMSInternalException", http_status_code=500)
        response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert response["statusCode"] == 500
    assert response["headers"] == NO_STORE
    assert body(response) == {"error": "server_error",
                              "error_description": "The authorization server could not complete the request."}


def test_unexpected_exception_is_500_server_error(functions, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(functions.token.container.token_endpoint, "handle", boom)
    response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert response["statusCode"] == 500
    assert body(response) == {"error": "server_error",
                              "error_description": "The authorization server could not complete the request."}
    assert "secret internals" not in response["body"]


def test_metrics_count_issued_and_rejected_by_error(functions, capsys):
    functions.token_call(load_event("token-client-secret-basic.json"))
    functions.token_call(load_event("token-invalid-client.json"))
    lines = [json.loads(l) for l in capsys.readouterr().out.splitlines() if l.startswith("{")]
    emf = [l for l in lines if "_aws" in l]
    assert [l.get("TokensIssued") for l in emf] == [[1.0], None]
    assert emf[1]["RequestsRejected"] == [1.0] and emf[1]["error"] == "invalid_client"
