"""The discovery document and its caching (OpenID Connect Discovery 1.0, RFC 8414)."""

from __future__ import annotations

import json
import re

import pytest

from tokenvend.discovery import cacheable, discovery_document, jwks_document
from tokenvend.model import ApiScope, Catalog

from .fakes import LocalSigner
from .world import ISSUER, RESOURCES, SCOPES

CATALOG = Catalog.of(SCOPES + (ApiScope("internal", show_in_discovery_document=False),), RESOURCES)


@pytest.fixture
def document() -> dict:
    return discovery_document(ISSUER, CATALOG, ["RS256"])


def test_the_endpoints_are_under_the_issuer(document):
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == "https://tokens.example.com/connect/token"
    assert document["jwks_uri"] == "https://tokens.example.com/.well-known/openid-configuration/jwks"


def test_scopes_supported_lists_enabled_scopes_shown_in_discovery(document):
    # legacy is disabled; internal is hidden from discovery
    assert document["scopes_supported"] == ["admin", "invoices.read", "loose", "orders.read", "orders.write"]


def test_only_the_client_credentials_grant_and_no_response_type(document):
    assert document["grant_types_supported"] == ["client_credentials"]
    assert document["response_types_supported"] == []


def test_the_token_endpoint_auth_methods_and_assertion_algorithms(document):
    assert document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post", "private_key_jwt"]
    algs = document["token_endpoint_auth_signing_alg_values_supported"]
    assert {"RS256", "ES256", "ES384", "ES512"} <= set(algs)
    assert not {"none", "HS256", "HS384", "HS512"} & set(algs)


def test_introspection_and_revocation_endpoints_and_their_auth_methods(document):
    # RFC 8414 §2: the endpoints under the issuer, IdentityServer's paths
    assert document["introspection_endpoint"] == "https://tokens.example.com/connect/introspect"
    assert document["revocation_endpoint"] == "https://tokens.example.com/connect/revocation"
    # an api resource authenticates with its secrets only; a client revokes as it gets tokens
    assert document["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert document["revocation_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post", "private_key_jwt"]
    assert document["revocation_endpoint_auth_signing_alg_values_supported"] == \
        document["token_endpoint_auth_signing_alg_values_supported"]


def test_jwks_publishes_public_keys_only():
    keys = [LocalSigner("RS256").public_jwk(), LocalSigner("ES256").public_jwk()]
    document = jwks_document(keys)
    assert [k["kid"] for k in document["keys"]] == [k["kid"] for k in keys]
    for key in document["keys"]:
        assert key["use"] == "sig" and key["alg"] in ("RS256", "ES256")
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_jwks_drops_private_members_whatever_a_key_source_holds():
    public = LocalSigner("RS256").public_jwk()
    leaky = {**public, "d": "ZA", "p": "cA", "q": "cQ", "dp": "ZHA", "dq": "ZHE", "qi": "cWk", "oth": [], "k": "aw"}
    assert jwks_document([leaky]) == {"keys": [public]}


def test_cacheable_answers_200_with_public_caching_and_an_etag(document):
    status, headers, body = cacheable(document, None)
    assert status == 200
    assert json.loads(body) == document
    assert set(headers) == {"Content-Type", "Cache-Control", "ETag"}
    assert headers["Content-Type"] == "application/json"
    max_age = re.fullmatch(r"public, max-age=(\d+)", headers["Cache-Control"])
    assert max_age and int(max_age.group(1)) > 0
    assert re.fullmatch(r'"[0-9a-f]+"', headers["ETag"])


def test_the_etag_changes_with_the_document(document):
    etag = cacheable(document, None)[1]["ETag"]
    assert cacheable(dict(document), None)[1]["ETag"] == etag
    assert cacheable({**document, "scopes_supported": []}, None)[1]["ETag"] != etag


@pytest.mark.parametrize("if_none_match", ["{etag}", '"other", {etag}', '{etag},"other"'])
def test_a_matching_if_none_match_is_304_without_a_body(document, if_none_match):
    etag = cacheable(document, None)[1]["ETag"]
    status, headers, body = cacheable(document, if_none_match.format(etag=etag))
    assert (status, body) == (304, "")
    assert headers["ETag"] == etag and headers["Cache-Control"].startswith("public, max-age=")


def test_a_stale_if_none_match_is_200(document):
    status, _, body = cacheable(document, '"stale"')
    assert status == 200 and json.loads(body) == document


def test_if_none_match_uses_the_weak_comparison(document):
    etag = cacheable(document, None)[1]["ETag"]
    assert cacheable(document, "W/" + etag)[0] == 304


def test_if_none_match_star_is_304(document):
    assert cacheable(document, "*")[0] == 304
