"""Token endpoint steps 8 and 9: the audience, the response and the RFC 9068 JWT."""

from __future__ import annotations

from dataclasses import replace

import jwt
import pytest

from tokenvend.errors import InvalidRequest
from tokenvend.model import MAX_ACCESS_TOKEN_LIFETIME, ApiResource, Client, ClientSecret

from .fakes import FIXED_NOW, SIGNING_ALGORITHMS
from .world import (
    APP, AUDIT, INVOICES, ISSUER, ORDERS, RESOURCES, SECRET, SECRET_HASH, World, app_params,
    decode, make_world,
)


# --- step 8: aud -------------------------------------------------------------------------------

def test_one_named_resource_is_a_string_aud(world: World):
    body, audit = world.token(world.post(**app_params(scope="orders.read", resource=ORDERS)))
    assert audit.aud == ORDERS
    assert decode(world, body["access_token"], ORDERS)["aud"] == ORDERS


def test_several_named_resources_are_a_sorted_aud_array(world: World):
    body, audit = world.token(world.post(("resource", ORDERS), ("resource", INVOICES), ("resource", AUDIT),
                                         **app_params(scope="orders.read invoices.read")))
    assert decode(world, body["access_token"], ORDERS)["aud"] == [INVOICES, ORDERS, AUDIT]


def test_implicit_aud_is_every_enabled_resource_holding_a_granted_scope(world: World):
    # orders.read is in ORDERS, in AUDIT (requires an indicator) and in RETIRED (disabled)
    body, audit = world.token(world.post(**app_params(scope="orders.read")))
    assert decode(world, body["access_token"], ORDERS)["aud"] == ORDERS


def test_implicit_aud_of_scopes_in_two_resources_is_a_sorted_array(world: World):
    body, _ = world.token(world.post(**app_params(scope="orders.write invoices.read")))
    assert decode(world, body["access_token"], ORDERS)["aud"] == [INVOICES, ORDERS]


def test_a_resource_requiring_an_indicator_is_in_aud_only_when_named(world: World):
    body, audit = world.token(world.post(**app_params(scope="orders.read", resource=AUDIT)))
    assert audit.aud == AUDIT
    assert decode(world, body["access_token"], AUDIT)["aud"] == AUDIT


def test_aud_falls_back_to_issuer_resources_when_no_resource_holds_a_scope():
    client = Client("loner", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("loose",))
    world = make_world(clients=(client,))
    body, audit = world.token(world.post(grant_type="client_credentials", client_id="loner", client_secret=SECRET))
    assert audit.aud == f"{ISSUER}/resources"
    assert decode(world, body["access_token"], f"{ISSUER}/resources")["aud"] == "https://tokens.example.com/resources"


# --- step 9: the response and the token ------------------------------------------------------

def test_the_success_body_has_exactly_the_rfc_6749_members(world: World):
    body, audit = world.token(world.post(**app_params(scope="orders.read")))
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "orders.read")
    assert (audit.outcome, audit.error, audit.expires_in) == ("issued", None, 3600)


def test_the_header_has_alg_kid_and_typ_at_jwt(world: World):
    body, audit = world.token(world.post(**app_params(scope="orders.read")))
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "RS256", "kid": world.signer.kid(), "typ": "at+jwt"}
    assert audit.kid == world.signer.kid()


def test_the_claims_are_rfc_9068s(world: World):
    body, audit = world.token(world.post(**app_params(scope="orders.read orders.write")))
    claims = decode(world, body["access_token"], ORDERS)
    iat = int(FIXED_NOW)
    assert claims == {
        "iss": ISSUER, "sub": "app", "aud": ORDERS, "exp": iat + 3600, "iat": iat, "nbf": iat,
        "jti": audit.jti, "client_id": "app", "scope": "orders.read orders.write",
    }


def test_exp_follows_the_client_access_token_lifetime():
    world = make_world(clients=(replace(APP, access_token_lifetime=300),))
    body, _ = world.token(world.post(**app_params(scope="orders.read")))
    claims = decode(world, body["access_token"], ORDERS)
    assert (body["expires_in"], claims["exp"] - claims["iat"]) == (300, 300)


def test_jti_has_at_least_128_bits_and_is_unique(world: World):
    first, _ = world.token(world.post(**app_params(scope="orders.read")))
    second, _ = world.token(world.post(**app_params(scope="orders.read")))
    jtis = [decode(world, b["access_token"], ORDERS)["jti"] for b in (first, second)]
    assert all(len(j) >= 22 and set(j) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
               for j in jtis)
    assert jtis[0] != jtis[1]


@pytest.mark.parametrize("prefix,expected", [
    ("client_", {"client_tier": "gold", "client_regions": ["eu", "us"]}),
    ("x-", {"x-tier": "gold", "x-regions": ["eu", "us"]}),
])
def test_client_claims_are_added_under_the_prefix(prefix, expected):
    client = replace(APP, claims=(("tier", "gold"), ("regions", ("eu", "us"))), client_claims_prefix=prefix)
    world = make_world(clients=(client,))
    body, _ = world.token(world.post(**app_params(scope="orders.read")))
    claims = decode(world, body["access_token"], ORDERS)
    registered = {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope"}
    assert {k: v for k, v in claims.items() if k not in registered} == expected


@pytest.mark.parametrize("alg", SIGNING_ALGORITHMS)
def test_tokens_of_every_signing_algorithm_verify_with_the_published_jwk(alg):
    world = make_world(alg=alg)
    body, _ = world.token(world.post(**app_params(scope="orders.read")))
    header = jwt.get_unverified_header(body["access_token"])
    assert (header["alg"], header["kid"]) == (alg, world.signer.public_jwk()["kid"])
    assert decode(world, body["access_token"], ORDERS)["scope"] == "orders.read"
    # and with the signer's public key directly
    jwt.decode(body["access_token"], world.signer.public_key, algorithms=[alg], audience=ORDERS)


def test_a_token_too_large_for_kms_is_invalid_request():
    # GIVEN eight resources of 500 characters each, all holding the granted scope
    big = tuple(ApiResource(f"urn:{i}:" + "r" * 494, scopes=("orders.read",)) for i in range(8))
    world = make_world(resources=RESOURCES + big)
    pairs = [("resource", r.name) for r in big]
    # WHEN all are named
    err, audit = world.refuse(InvalidRequest, world.post(*pairs, **app_params(scope="orders.read")))
    # THEN no token is signed
    assert err.description == "The token would be too large to sign; request fewer resources or scopes."
    assert audit.jti is None and audit.outcome == "rejected"


def test_static_claims_never_overwrite_registered_claims():
    # GIVEN a record the loader would refuse (a hand edit): claims named exp and aud, no prefix
    client = replace(APP, client_claims_prefix="", claims=(("exp", 4_102_444_800), ("aud", "urn:anything")))
    world = make_world(clients=(client,))
    body, _ = world.token(world.post(**app_params(scope="orders.read")))
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["exp"], claims["aud"]) == (int(FIXED_NOW) + 3600, ORDERS)


def test_the_access_token_lifetime_is_capped():
    # GIVEN a stored client with a ten-day lifetime (a hand edit the loader would refuse)
    world = make_world(clients=(replace(APP, access_token_lifetime=10 * 86400),))
    body, _ = world.token(world.post(**app_params(scope="orders.read")))
    claims = decode(world, body["access_token"], ORDERS)
    assert body["expires_in"] == claims["exp"] - claims["iat"] == MAX_ACCESS_TOKEN_LIFETIME
