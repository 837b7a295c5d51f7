"""RFC 7009 revocation: a client takes back its own token, and only its own."""

from __future__ import annotations

import jwt
import pytest

from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import InvalidClient, InvalidRequest, MethodNotAllowed, UnsupportedTokenType
from tokenvend.revocation import revoke_own_token

from .fakes import basic, form, http
from .token_checks import OTHER_SECRET, make_checks
from .world import ISSUER, JWT_BEARER, SECRET, TOKEN_ENDPOINT, assertion

CHALLENGE = {"WWW-Authenticate": 'Basic realm="tokenvend", charset="UTF-8"'}


@pytest.fixture
def checks():
    return make_checks()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_a_client_revokes_its_own_token_until_the_token_expires(checks):
    token = checks.token(scope="orders.read")
    claims = _claims(token)

    audit = checks.revoke(token)

    assert checks.revocations.revoked == {claims["jti"]: ("app", claims["exp"])}
    assert (audit.outcome, audit.caller, audit.auth_method, audit.jti) == (
        "revoked", "app", "client_secret_post", claims["jti"])
    body, _ = checks.introspect(token)
    assert body == {"active": False}


def test_basic_authentication_revokes_too(checks):
    token = checks.token(scope="orders.read")
    audit = TokenCheckAudit("revocation")
    checks.revocation.handle(http(form(token=token), authorization=basic("app", SECRET)), ISSUER, audit)
    assert (audit.outcome, audit.auth_method) == ("revoked", "client_secret_basic")


def test_private_key_jwt_revokes_and_its_assertion_cannot_be_replayed(checks):
    token = checks.token(scope="orders.read")
    jwt_token, _ = checks.world.token(checks.world.post(
        grant_type="client_credentials", client_assertion_type=JWT_BEARER, client_assertion=assertion(jti="a-1")))
    request = http(form(token=jwt_token["access_token"], client_assertion_type=JWT_BEARER,
                        client_assertion=assertion(aud=TOKEN_ENDPOINT, jti="a-2")))
    audit = TokenCheckAudit("revocation")
    checks.revocation.handle(request, ISSUER, audit)
    assert (audit.outcome, audit.caller, audit.auth_method) == ("revoked", "jwt-app", "private_key_jwt")
    # the same assertion again is a replay
    err, audit = checks.refuse(checks.revocation, InvalidClient, request)
    assert err.status_code == 401
    # and app's own token was never touched
    assert list(checks.revocations.revoked) == [_claims(jwt_token["access_token"])["jti"]]


def test_another_clients_token_is_left_alone_with_200(checks):
    token = checks.token(scope="orders.read")
    audit = checks.revoke(token, client_id="other", secret=OTHER_SECRET)
    assert checks.revocations.revoked == {}
    assert (audit.outcome, audit.reason, audit.token_client_id) == (
        "left alone", "the token was issued to another client", "app")
    body, _ = checks.introspect(token)
    assert body["active"] is True


@pytest.mark.parametrize("garbage, reason", [
    ("not-a-token", "not a JWS compact serialization"),
    ("eyJhbGciOiJub25lIn0.e30.", "typ is not at+jwt"),
])
def test_a_token_it_cannot_revoke_is_200_and_nothing_is_recorded(checks, garbage, reason):
    audit = checks.revoke(garbage)
    assert checks.revocations.revoked == {}
    assert (audit.outcome, audit.reason) == ("left alone", reason)


def test_an_expired_token_is_left_alone(checks):
    token = checks.token(scope="orders.read")
    checks.world.clock.now = _claims(token)["exp"]
    audit = checks.revoke(token)
    assert checks.revocations.revoked == {}
    assert (audit.outcome, audit.reason, audit.jti) == ("left alone", "expired", _claims(token)["jti"])


def test_a_refresh_token_hint_is_unsupported_token_type(checks):
    token = checks.token(scope="orders.read")
    err, audit = checks.refuse(checks.revocation, UnsupportedTokenType, http(form(
        token=token, token_type_hint="refresh_token", client_id="app", client_secret=SECRET)))
    assert (err.status_code, err.error, err.description) == (
        400, "unsupported_token_type", "tokenvend issues no refresh tokens; only access tokens can be revoked.")
    assert checks.revocations.revoked == {}


@pytest.mark.parametrize("hint", ["access_token", "something_else"])
def test_any_other_hint_is_ignored(checks, hint):
    audit = checks.revoke(checks.token(scope="orders.read"), token_type_hint=hint)
    assert (audit.outcome, audit.token_type_hint) == ("revoked", hint)


@pytest.mark.parametrize("client_id, secret, reason", [
    ("app", "wrong", "client_secret matches no stored hash"),
    ("nobody", SECRET, "unknown client"),
])
def test_a_client_that_fails_authentication_is_invalid_client(checks, client_id, secret, reason):
    token = checks.token(scope="orders.read")
    err, audit = checks.refuse(checks.revocation, InvalidClient,
                               http(form(token=token), authorization=basic(client_id, secret)))
    assert (err.status_code, err.description, err.headers) == (401, "Client authentication failed.", CHALLENGE)
    assert audit.reasons == [reason]
    assert checks.revocations.revoked == {}


def test_no_credentials_is_invalid_client(checks):
    err, audit = checks.refuse(checks.revocation, InvalidClient, http(form(token="t")))
    assert (err.headers, audit.reasons) == ({}, ["no client authentication"])


def test_a_missing_token_is_invalid_request(checks):
    err, _ = checks.refuse(checks.revocation, InvalidRequest, http(form(client_id="app", client_secret=SECRET)))
    assert err.description == "The 'token' parameter is missing."


def test_get_is_405_with_allow_post(checks):
    err, _ = checks.refuse(checks.revocation, MethodNotAllowed, http(b"", method="GET"))
    assert (err.description, err.headers) == ("The revocation endpoint accepts only POST.", {"Allow": "POST"})


def test_revoke_own_token_is_what_the_operator_command_runs(checks):
    token = checks.token(scope="orders.read")
    keys = [checks.world.signer.public_jwk()]
    audit = TokenCheckAudit("operator")
    assert revoke_own_token(token, "other", keys, ISSUER, checks.revocations, checks.world.clock(), audit) is None
    assert audit.reason == "the token was issued to another client"
    assert revoke_own_token(token, "app", keys, ISSUER, checks.revocations, checks.world.clock(), audit) == _claims(token)
    assert list(checks.revocations.revoked) == [_claims(token)["jti"]]
