"""The IdentityModel discovery policy helper catches what IdentityModel would refuse."""

import pytest

from identitymodel_policy import discovery_policy_violations

AUTHORITY = "https://auth.example.com"
JWKS = {"keys": [{"kty": "RSA", "kid": "k1", "n": "...", "e": "AQAB"}]}


def document(base=AUTHORITY, **overrides):
    return {"issuer": base, "token_endpoint": f"{base}/connect/token",
            "jwks_uri": f"{base}/.well-known/openid-configuration/jwks", **overrides}


def test_a_conforming_document_passes():
    assert discovery_policy_violations(document(), AUTHORITY, JWKS) == []


def test_http_is_allowed_on_loopback_only():
    assert discovery_policy_violations(document("http://127.0.0.1:3000"), "http://127.0.0.1:3000", JWKS) == []
    assert discovery_policy_violations(document("http://localhost:3000"), "http://localhost:3000", JWKS) == []
    assert discovery_policy_violations(document("http://auth.example.com"), "http://auth.example.com", JWKS) == [
        "Authority does not use HTTPS: http://auth.example.com",
        "Endpoint does not use HTTPS: http://auth.example.com/connect/token",
        "Endpoint does not use HTTPS: http://auth.example.com/.well-known/openid-configuration/jwks",
    ]


def test_the_issuer_must_equal_the_authority_but_a_trailing_slash():
    assert discovery_policy_violations(document(issuer=AUTHORITY + "/"), AUTHORITY, JWKS) == []
    assert discovery_policy_violations(document(issuer="https://abc.execute-api.us-east-1.amazonaws.com"),
                                       AUTHORITY, JWKS) == [
        "Issuer name does not match authority: https://abc.execute-api.us-east-1.amazonaws.com"]


@pytest.mark.parametrize("endpoint, problem", [
    ("https://other.example.com/connect/token", "Endpoint is on a different host than authority"),
    ("https://auth.example.com:8443/connect/token", "Endpoint is on a different host than authority"),
    ("urn:token", "Malformed endpoint"),
])
def test_every_endpoint_must_be_under_the_authority(endpoint, problem):
    assert discovery_policy_violations(document(token_endpoint=endpoint), AUTHORITY, JWKS) == [f"{problem}: {endpoint}"]


def test_an_endpoint_on_the_host_but_outside_the_authority_path_is_refused():
    authority = "https://auth.example.com/tenant"
    doc = document(authority, token_endpoint="https://auth.example.com/other/connect/token")
    assert discovery_policy_violations(doc, authority, JWKS) == [
        "Endpoint belongs to different authority: https://auth.example.com/other/connect/token"]


def test_a_key_set_with_keys_each_with_a_kid_is_required():
    doc = document()
    del doc["jwks_uri"]
    assert discovery_policy_violations(doc, AUTHORITY) == ["Keyset is missing"]
    assert discovery_policy_violations(document(), AUTHORITY, {"keys": []}) == ["Keyset is empty"]
    assert discovery_policy_violations(document(), AUTHORITY, {"keys": [{"kty": "RSA"}]}) == ["Key 0 has no kid"]
