"""Every method but the served ones is 405 with Allow, every error carries the no-store
headers, and every token request's log line ends with its outcome (DESIGN.md step 1,
"What every answer obeys", "Shape")."""

from __future__ import annotations

import json

import pytest

from support import basic, body, form_event, load_event

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
# Methods the resolver routes nowhere, and a lower-case one (RFC 9110 §9.1: "The method token
# is case-sensitive").
UNROUTED = ["FOO", "PROPFIND", "QUERY", "TRACE"]


def audit_lines(functions) -> list[dict]:
    lines = [json.loads(line) for line in functions.log_lines]
    return [line for line in lines if line.get("message") == "token request"]


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD", "OPTIONS", "post", *UNROUTED])
def test_any_method_but_post_at_the_token_endpoint_is_405_with_allow_post(functions, method):
    response = functions.token_call(form_event({"grant_type": "client_credentials"}, method=method))
    assert response["statusCode"] == 405
    assert response["headers"] == {**NO_STORE, "Allow": "POST"}
    assert body(response) == {"error": "invalid_request", "error_description": "The token endpoint accepts only POST."}
    [line] = audit_lines(functions)
    assert (line["outcome"], line["error"]) == ("rejected", "invalid_request")


@pytest.mark.parametrize("event_file,method", [
    ("discovery.json", "POST"), ("discovery.json", "FOO"), ("discovery.json", "get"),
    ("jwks.json", "PROPFIND"), ("jwks.json", "head"), ("discovery-oauth-authorization-server.json", "QUERY"),
])
def test_any_method_but_get_or_head_at_discovery_is_405_with_allow_get_head(functions, event_file, method):
    event = load_event(event_file)
    event["requestContext"]["http"]["method"] = method
    response = functions.discovery_call(event)
    assert response["statusCode"] == 405
    assert response["headers"] == {**NO_STORE, "Allow": "GET, HEAD"}
    assert body(response) == {"error": "invalid_request", "error_description": "This endpoint accepts only GET."}


@pytest.mark.parametrize("method", ["GET", "POST", "FOO"])
def test_an_unknown_path_is_404_with_the_no_store_headers(functions, method):
    for call, base in ((functions.token_call, "token-client-secret-post.json"), (functions.discovery_call, "discovery.json")):
        event = load_event(base)
        event["rawPath"] = event["requestContext"]["http"]["path"] = "/nothing/here"
        event["requestContext"]["http"]["method"] = method
        response = call(event)
        assert response["statusCode"] == 404
        assert response["headers"] == NO_STORE
        assert body(response) == {"error": "not_found", "error_description": "No such endpoint."}


def test_an_unexpected_exception_ends_the_audit_line_with_outcome_error_and_reason(functions, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("internals")
    monkeypatch.setattr(functions.token.container.token_endpoint.catalog, "get_catalog", boom)
    response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert response["statusCode"] == 500
    assert response["headers"] == NO_STORE
    [line] = audit_lines(functions)
    assert (line["outcome"], line["error"], line["reasons"]) == ("failed", "server_error", ["unexpected RuntimeError"])
    assert line["error_description"] == "The authorization server could not complete the request."
    assert line["client_id"] == "client"


def test_a_hostile_grant_type_is_logged_in_full_as_ascii_json(functions):
    hostile = '"\\\r\n\x1b[2J\u202e'
    response = functions.token_call(form_event({"grant_type": hostile}))
    assert body(response)["error_description"] == (
        "The grant type '%22%5C%0D%0A%1B[2J%E2%80%AE' is not supported; use client_credentials.")
    [raw] = [line for line in functions.log_lines if '"token request"' in line]
    assert raw.isascii() and "\r" not in raw and "\n" not in raw and "\x1b" not in raw
    assert json.loads(raw)["grant_type"] == hostile


def test_an_authorization_header_that_is_not_basic_gets_the_challenge(functions):
    response = functions.token_call(form_event({"grant_type": "client_credentials"}, authorization="Bearer abc"))
    assert response["statusCode"] == 401
    assert response["headers"] == {**NO_STORE, "WWW-Authenticate": 'Basic realm="tokenvend", charset="UTF-8"'}


def test_a_raw_basic_header_as_requests_sends_it_gets_a_token(functions):
    # the quickstart secret holds no character §2.3.1 encodes, so raw and decoded agree
    response = functions.token_call(form_event({"grant_type": "client_credentials"}, authorization=basic("client", "secret")))
    assert response["statusCode"] == 200


def test_the_method_is_checked_before_the_body_is_read(functions):
    # step 1's order: a GET whose body is not even base64 is still 405, not 400
    event = form_event({"grant_type": "client_credentials"}, method="GET")
    event["body"] = "@@not base64@@"
    response = functions.token_call(event)
    assert (response["statusCode"], response["headers"].get("Allow")) == (405, "POST")
