"""The discovery function: one document on both well-known paths, the JWKS, caching."""

from __future__ import annotations

import pytest

from support import ISSUER, body, load_event

EXPECTED_DOCUMENT = {
    "issuer": ISSUER,
    "token_endpoint": ISSUER + "/connect/token",
    "jwks_uri": ISSUER + "/.well-known/openid-configuration/jwks",
    "scopes_supported": ["api1"],
    "grant_types_supported": ["client_credentials"],
    "response_types_supported": [],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    "token_endpoint_auth_signing_alg_values_supported": [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"],
    "introspection_endpoint": ISSUER + "/connect/introspect",
    "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    "revocation_endpoint": ISSUER + "/connect/revocation",
    "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    "revocation_endpoint_auth_signing_alg_values_supported": [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "subject_types_supported": ["public"],
    "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope"],
}


@pytest.mark.parametrize("event_file", ["discovery.json", "discovery-oauth-authorization-server.json"])
def test_discovery_document(functions, event_file):
    response = functions.discovery_call(load_event(event_file))
    assert response["statusCode"] == 200
    assert body(response) == EXPECTED_DOCUMENT
    assert response["headers"]["Cache-Control"] == "public, max-age=300"
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["ETag"].startswith('"') and len(response["headers"]["ETag"]) == 34


def test_both_paths_serve_the_same_document(functions):
    a = functions.discovery_call(load_event("discovery.json"))
    b = functions.discovery_call(load_event("discovery-oauth-authorization-server.json"))
    assert a["body"] == b["body"] and a["headers"]["ETag"] == b["headers"]["ETag"]


def test_jwks_publishes_the_signing_key(functions, stack):
    response = functions.discovery_call(load_event("jwks.json"))
    assert response["statusCode"] == 200
    keys = body(response)["keys"]
    assert len(keys) == 1
    assert set(keys[0]) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (keys[0]["kty"], keys[0]["alg"], keys[0]["use"], keys[0]["e"]) == ("RSA", "RS256", "sig", "AQAB")
    assert response["headers"]["Cache-Control"] == "public, max-age=300"


def test_matching_if_none_match_is_304(functions):
    first = functions.discovery_call(load_event("jwks.json"))
    event = load_event("jwks.json")
    event["headers"]["if-none-match"] = first["headers"]["ETag"]
    response = functions.discovery_call(event)
    assert response["statusCode"] == 304
    assert response["body"] == ""
    assert response["headers"]["ETag"] == first["headers"]["ETag"]


def test_configured_issuer_wins_over_the_domain(deployed, stack, quickstart, monkeypatch):
    from tokenvend_cli.local.seed import seed
    seed(stack.dynamodb, stack.table, quickstart)
    monkeypatch.setenv("TOKENVEND_ISSUER", "https://auth.example.com")
    functions = deployed.start()
    document = body(functions.discovery_call(load_event("discovery.json")))
    assert document["issuer"] == "https://auth.example.com"
    assert document["token_endpoint"] == "https://auth.example.com/connect/token"


def test_post_is_405(functions):
    event = load_event("discovery.json")
    event["requestContext"]["http"]["method"] = "POST"
    response = functions.discovery_call(event)
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET, HEAD"
    assert body(response)["error"] == "invalid_request"


def test_unknown_path_is_json_404(functions):
    event = load_event("discovery.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/.well-known/nothing"
    response = functions.discovery_call(event)
    assert response["statusCode"] == 404
    assert body(response) == {"error": "not_found", "error_description": "No such endpoint."}
