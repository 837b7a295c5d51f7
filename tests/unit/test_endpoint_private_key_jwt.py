"""Token endpoint step 4 with private_key_jwt (RFC 7523 §2.2 and §3)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tokenvend.errors import InvalidClient, InvalidRequest, error_headers

import jwt

from .fakes import FIXED_NOW, FixedClock, private_key
from .world import ISSUER, JWT_APP, JWT_BEARER, SECRET, TOKEN_ENDPOINT, World, assertion, client_jwk, make_world

GENERIC = "Client authentication failed."
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


def jwt_request(world: World, token: str, **params):
    return world.post(grant_type="client_credentials", client_assertion_type=JWT_BEARER,
                      client_assertion=token, **params)


@pytest.mark.parametrize("aud", [ISSUER, TOKEN_ENDPOINT, [ISSUER], [TOKEN_ENDPOINT]])
def test_a_valid_assertion_gets_a_token(world: World, aud):
    body, audit = world.token(jwt_request(world, assertion(aud=aud)))
    assert body["scope"] == "orders.read"
    assert (audit.client_id, audit.auth_method, audit.outcome) == ("jwt-app", "private_key_jwt", "issued")


def test_a_matching_client_id_in_the_body_is_accepted(world: World):
    body, audit = world.token(jwt_request(world, assertion(), client_id="jwt-app"))
    assert audit.client_id == "jwt-app"


def refused(world: World, request, reason: str):
    err, audit = world.refuse(InvalidClient, request)
    assert (err.error, err.status_code, err.description) == ("invalid_client", 401, GENERIC)
    assert err.headers == {} and error_headers(err) == NO_STORE  # no Basic was used
    assert audit.reasons == [reason]
    return audit


def test_a_replayed_jti_is_refused(world: World):
    token = assertion(jti="once")
    world.token(jwt_request(world, token))
    refused(world, jwt_request(world, token), "client assertion jti was already used")


def test_the_same_jti_from_a_new_assertion_is_refused(world: World):
    world.token(jwt_request(world, assertion(jti="once", exp_in=60)))
    refused(world, jwt_request(world, assertion(jti="once", exp_in=120)), "client assertion jti was already used")


AUD_REFUSED = "client assertion aud must be one value: the issuer or the token endpoint"


@pytest.mark.parametrize("aud", ["https://elsewhere.example", ISSUER + "/", ISSUER + "/connect/token/x", [], 42])
def test_a_wrong_audience_is_refused(world: World, aud):
    refused(world, jwt_request(world, assertion(aud=aud)), AUD_REFUSED)


@pytest.mark.parametrize("aud", [
    [TOKEN_ENDPOINT, "https://elsewhere.example"], ["https://attacker.example", ISSUER], [ISSUER, TOKEN_ENDPOINT],
])
def test_an_audience_list_naming_anyone_else_or_two_audiences_is_refused(world: World, aud):
    # draft-ietf-oauth-rfc7523bis: an assertion minted for another party must not work here
    refused(world, jwt_request(world, assertion(aud=aud)), AUD_REFUSED)


@pytest.mark.parametrize("exp_in", [331, 3600, 86400])
def test_an_expiry_too_far_ahead_is_refused(world: World, exp_in):
    # the rule is five minutes, with 30 s of clock-skew leeway
    refused(world, jwt_request(world, assertion(exp_in=exp_in)),
            "client assertion expires more than 300 s from now")


def test_an_expiry_five_minutes_ahead_is_accepted(world: World):
    assert world.token(jwt_request(world, assertion(exp_in=300)))[1].outcome == "issued"


def test_an_expired_assertion_is_refused(world: World):
    refused(world, jwt_request(world, assertion(exp_in=-120)), "client assertion has expired")


@pytest.mark.parametrize("iss,sub", [("jwt-app", "someone-else"), ("someone-else", "jwt-app")])
def test_iss_different_from_sub_is_refused(world: World, iss, sub):
    refused(world, jwt_request(world, assertion(iss=iss, sub=sub)),
            "client assertion iss and sub must both be the client_id")


def test_an_assertion_for_another_client_id_in_the_body_is_refused(world: World):
    refused(world, jwt_request(world, assertion(), client_id="app"), "client assertion iss does not match client_id")


def test_an_assertion_signed_with_another_key_is_refused(world: World):
    forged = assertion(key=private_key("RS256", "attacker"))
    refused(world, jwt_request(world, forged), "client assertion rejected: InvalidSignatureError")


def test_an_assertion_with_an_unknown_kid_is_refused(world: World):
    refused(world, jwt_request(world, assertion(kid="k2")), "no key of the client's jwks matches the assertion's kid")


def test_an_assertion_without_jti_is_refused(world: World):
    refused(world, jwt_request(world, assertion(jti=None)), "client assertion rejected: MissingRequiredClaimError")


def test_an_assertion_of_an_unknown_client_is_refused(world: World):
    refused(world, jwt_request(world, assertion(iss="nobody")), "unknown client")


def test_a_client_without_jwks_cannot_use_private_key_jwt(world: World):
    refused(world, jwt_request(world, assertion(iss="app")), "client has no jwks for private_key_jwt")


def test_a_non_jwt_assertion_is_refused(world: World):
    refused(world, jwt_request(world, "not-a-jwt"), "client assertion is not a JWT")


@pytest.mark.parametrize("assertion_type", [None, "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"])
def test_a_missing_or_wrong_client_assertion_type_is_invalid_request(world: World, assertion_type):
    params = {"grant_type": "client_credentials", "client_assertion": assertion()}
    if assertion_type:
        params["client_assertion_type"] = assertion_type
    err, audit = world.refuse(InvalidRequest, world.post(**params))
    assert (err.error, err.status_code) == ("invalid_request", 400)
    assert err.description == f"client_assertion_type must be {JWT_BEARER}."


def test_an_assertion_and_a_secret_are_two_methods(world: World):
    err, _ = world.refuse(InvalidRequest, jwt_request(world, assertion(), client_secret=SECRET))
    assert err.description == ("Use exactly one client authentication method; "
                               "this request used client_secret_post and private_key_jwt.")


def test_a_disabled_client_is_refused():
    world = make_world(clients=(replace(JWT_APP, enabled=False),))
    refused(world, jwt_request(world, assertion()), "client disabled")


def test_an_assertion_is_judged_by_the_endpoint_clock():
    # GIVEN an endpoint whose clock reads 2023-11-14 and an assertion valid at that instant
    world = make_world()
    world.endpoint.clock = world.clock = world.replay.clock = FixedClock(1_700_000_000.0)
    token = assertion(now=1_700_000_000, exp_in=60)
    # THEN it is accepted (it is expired only by the wall clock, which the endpoint does not use)
    assert world.token(jwt_request(world, token))[1].outcome == "issued"


def signed(alg: str, claims_json: bytes | None = None, **claims) -> str:
    """An assertion of jwt-app signed with its RSA key under ``alg`` (or raw claims bytes)."""
    key = private_key("RS256", "client")
    if claims_json is not None:
        return jwt.api_jws.encode(claims_json, key, alg, headers={"kid": "k1"})
    base = {"iss": "jwt-app", "sub": "jwt-app", "aud": TOKEN_ENDPOINT, "exp": int(FIXED_NOW) + 60, "jti": alg}
    return jwt.encode({**base, **claims}, key, alg, headers={"kid": "k1"})


@pytest.mark.parametrize("alg", ["PS256", "RS512", "RS384"])
def test_an_algorithm_other_than_the_one_the_jwk_names_is_refused(world: World, alg):
    # GIVEN jwt-app's JWK says alg RS256; WHEN the same key signs under another RSA algorithm
    refused(world, jwt_request(world, signed(alg)),
            f"client assertion alg '{alg}' is not the one the client's JWK names")


def test_a_jwk_without_alg_allows_its_key_types_family():
    jwk = {k: v for k, v in client_jwk().items() if k != "alg"}
    world = make_world(clients=(replace(JWT_APP, jwks={"keys": [jwk]}),))
    assert world.token(jwt_request(world, signed("PS256")))[1].outcome == "issued"
    assert world.token(jwt_request(world, signed("RS512")))[1].outcome == "issued"


@pytest.mark.parametrize("jwks", [
    {"keys": "not a list"}, "not json", ["a", "list"], {"keys": [None]}, {"keys": [{"kty": "RSA"}]},
    {"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB", "kid": "k1"}]}, {"nokeys": []}, {"keys": [{"kty": "oct", "k": "AAAA"}]},
])
def test_a_client_record_with_malformed_jwks_is_invalid_client_not_500(jwks):
    world = make_world(clients=(replace(JWT_APP, jwks=jwks),))
    refused(world, jwt_request(world, assertion()), "client jwks holds no usable public key")


@pytest.mark.parametrize("claims_json,reason", [
    (b'"exp":1e400', "client assertion has expired"),
    (b'"exp":' + b"1" + b"0" * 400, "client assertion has expired"),
    (b'"exp":NOW,"nbf":1e400', "client assertion is not yet valid"),
    (b'"exp":NOW,"nbf":' + b"1" + b"0" * 400, "client assertion is not yet valid"),
    (b'"exp":-1e400', "client assertion has expired"),
])
def test_an_exp_or_nbf_beyond_any_number_is_invalid_client_not_500(world: World, claims_json, reason):
    body = (b'{"iss":"jwt-app","sub":"jwt-app","aud":"' + TOKEN_ENDPOINT.encode() + b'","jti":"big",'
            + claims_json.replace(b"NOW", str(int(FIXED_NOW) + 60).encode()) + b"}")
    refused(world, jwt_request(world, signed("RS256", body)), reason)
