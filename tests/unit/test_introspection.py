"""RFC 7662 introspection: who may ask, and exactly what the answer says."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from tokenvend.errors import InvalidClient, InvalidRequest, MethodNotAllowed

from .fakes import FIXED_NOW, LocalSigner, basic, form, http, private_key
from .token_checks import INVOICES_SECRET, ORDERS_SECRET, make_checks
from .world import AUDIT, INVOICES, ISSUER, ORDERS, RETIRED, SECRET

INACTIVE = {"active": False}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="tokenvend", charset="UTF-8"'}


@pytest.fixture
def checks():
    return make_checks()


def test_a_token_for_the_calling_resource_is_active_with_the_rfc_7662_members(checks):
    token = checks.token(scope="orders.read")
    claims = jwt.decode(token, options={"verify_signature": False})

    body, audit = checks.introspect(token)

    assert body == {"active": True, "scope": "orders.read", "client_id": "app", "token_type": "Bearer",
                    "exp": claims["exp"], "iat": claims["iat"], "nbf": claims["nbf"], "sub": "app",
                    "aud": ORDERS, "iss": ISSUER, "jti": claims["jti"]}
    assert list(body) == ["active", "scope", "client_id", "token_type", "exp", "iat", "nbf", "sub", "aud",
                          "iss", "jti"]
    assert (audit.outcome, audit.caller, audit.auth_method) == ("active", ORDERS, "client_secret_basic")
    assert (audit.jti, audit.token_client_id, audit.aud) == (claims["jti"], "app", ORDERS)


def test_client_secret_post_authenticates_a_resource_too(checks):
    body, audit = checks.introspect(checks.token(scope="orders.read"), basic_auth=False)
    assert body["active"] is True and audit.auth_method == "client_secret_post"


def test_every_resource_in_a_multi_audience_token_may_introspect_it(checks):
    token = checks.token(scope="orders.read invoices.read")
    for resource, secret in ((ORDERS, ORDERS_SECRET), (INVOICES, INVOICES_SECRET)):
        body, _ = checks.introspect(token, resource=resource, secret=secret)
        assert (body["active"], body["aud"]) == (True, sorted([ORDERS, INVOICES]))


def test_a_token_for_another_resource_is_inactive_with_no_hint(checks):
    body, audit = checks.introspect(checks.token(scope="orders.read"), resource=INVOICES, secret=INVOICES_SECRET)
    assert body == INACTIVE
    assert (audit.outcome, audit.reason) == ("inactive", "aud does not include the calling resource")


@pytest.mark.parametrize("garbage, reason", [
    ("not-a-token", "not a JWS compact serialization"),
    ("eyJhbGciOiJub25lIn0.e30.", "typ is not at+jwt"),
    ("a.b.c", "not a JWS compact serialization"),
])
def test_garbage_is_inactive(checks, garbage, reason):
    body, audit = checks.introspect(garbage)
    assert body == INACTIVE
    assert (audit.outcome, audit.reason, audit.jti) == ("inactive", reason, None)


def test_an_expired_token_is_inactive(checks):
    token = checks.token(scope="orders.read")
    claims = jwt.decode(token, options={"verify_signature": False})
    checks.world.clock.now = claims["exp"]
    body, audit = checks.introspect(token)
    assert body == INACTIVE
    assert (audit.reason, audit.jti) == ("expired", claims["jti"])


def test_a_revoked_token_is_inactive(checks):
    token = checks.token(scope="orders.read")
    checks.revoke(token)
    body, audit = checks.introspect(token)
    assert body == INACTIVE
    assert audit.reason == "revoked"


def _resign(token: str, *, key=None, kid=None, **changes) -> str:
    """The token's claims and header with ``changes``, signed with ``key``."""
    header = jwt.get_unverified_header(token)
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    signer = LocalSigner("RS256")
    headers = {"kid": kid or header["kid"], "typ": changes.pop("typ", header["typ"])}
    claims.pop("typ", None)
    return jwt.encode(claims, key or signer.private_key, "RS256", headers=headers)


@pytest.mark.parametrize("changes, reason", [
    ({"iss": "https://elsewhere.example.com"}, "iss is not this issuer"),
    ({"typ": "JWT"}, "typ is not at+jwt"),
    ({"nbf": FIXED_NOW + 60}, "not yet valid (nbf)"),
    ({"client_id": 7}, "jti or client_id is not a string"),
])
def test_a_token_signed_by_the_key_but_not_an_access_token_of_this_issuer_is_inactive(checks, changes, reason):
    body, audit = checks.introspect(_resign(checks.token(scope="orders.read"), **changes))
    assert body == INACTIVE
    assert audit.reason == reason


def test_application_at_jwt_is_an_access_token_type_too(checks):
    body, _ = checks.introspect(_resign(checks.token(scope="orders.read"), typ="application/at+jwt"))
    assert body["active"] is True


def test_a_token_signed_by_an_unpublished_key_is_inactive(checks):
    token = checks.token(scope="orders.read")
    other = private_key("RS256", "someone else")
    body, audit = checks.introspect(_resign(token, key=other))
    assert body == INACTIVE and audit.reason == "the signature does not verify"
    body, audit = checks.introspect(_resign(token, key=other, kid="unknown-kid"))
    assert body == INACTIVE and audit.reason == "no published key has the token's kid"


def test_a_tampered_payload_is_inactive(checks):
    header, payload, signature = checks.token(scope="orders.read").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "orders.write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    body, audit = checks.introspect(f"{header}.{forged}.{signature}")
    assert body == INACTIVE and audit.reason == "the signature does not verify"


def test_token_type_hint_is_accepted_and_ignored_when_wrong(checks):
    body, audit = checks.introspect(checks.token(scope="orders.read"), token_type_hint="refresh_token")
    assert body["active"] is True and audit.token_type_hint == "refresh_token"


@pytest.mark.parametrize("resource, secret, reason", [
    (ORDERS, "wrong-secret", "client_secret matches no stored hash"),
    ("https://unknown.example.com", ORDERS_SECRET, "unknown client"),
    ("app", SECRET, "unknown client"),  # a client is not an api resource
    (RETIRED, ORDERS_SECRET, "client disabled"),
    (INVOICES, "expired-invoices-secret-0123456789-ab", "the matching client_secret has expired"),
    (AUDIT, "anything-at-all", "client_secret matches no stored hash"),  # a resource without secrets
])
def test_a_caller_that_is_not_an_enabled_resource_with_that_secret_is_invalid_client(checks, resource, secret, reason):
    token = checks.token(scope="orders.read")
    err, audit = checks.refuse(checks.introspection, InvalidClient,
                               http(form(token=token), authorization=basic(resource, secret)))
    assert (err.status_code, err.description, err.headers) == (401, "Client authentication failed.", CHALLENGE)
    assert (audit.outcome, audit.reasons) == ("rejected", [reason])


def test_post_credentials_that_fail_get_no_basic_challenge(checks):
    err, _ = checks.refuse(checks.introspection, InvalidClient,
                           http(form(token="t", client_id=ORDERS, client_secret="wrong")))
    assert (err.status_code, err.headers) == (401, {})


def test_no_credentials_is_invalid_client(checks):
    err, audit = checks.refuse(checks.introspection, InvalidClient, http(form(token="t")))
    assert audit.reasons == ["no client authentication"]


def test_a_client_assertion_is_not_a_resource_credential(checks):
    # only the parameters of introspection are read: a client_assertion is ignored
    err, audit = checks.refuse(checks.introspection, InvalidClient, http(form(
        token="t", client_assertion="x.y.z", client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")))
    assert audit.reasons == ["no client authentication"]


@pytest.mark.parametrize("body", [b"", b"token="])  # RFC 6749 §3.1: an empty value is omitted
def test_a_missing_token_is_invalid_request(checks, body):
    err, _ = checks.refuse(checks.introspection, InvalidRequest,
                           http(body, authorization=basic(ORDERS, ORDERS_SECRET)))
    assert err.description == "The 'token' parameter is missing."


def test_token_twice_or_too_long_is_invalid_request(checks):
    auth = basic(ORDERS, ORDERS_SECRET)
    err, _ = checks.refuse(checks.introspection, InvalidRequest, http(form(("token", "a"), ("token", "b")),
                                                                      authorization=auth))
    assert err.description == "The 'token' parameter is included more than once."
    err, _ = checks.refuse(checks.introspection, InvalidRequest, http(form(token="a" * 51201), authorization=auth))
    assert err.description == "The 'token' parameter is longer than 51200 characters."


def test_get_is_405_with_allow_post(checks):
    err, _ = checks.refuse(checks.introspection, MethodNotAllowed, http(b"", method="GET"))
    assert (err.status_code, err.description, err.headers) == (
        405, "The introspection endpoint accepts only POST.", {"Allow": "POST"})


def test_a_urn_resource_authenticates_with_its_name_form_urlencoded_in_basic(checks):
    # RFC 6749 §2.3.1: the id is form-urlencoded, so "urn:audit" survives the ':' of Basic
    from dataclasses import replace

    from tokenvend.client_secrets import hash_secret
    from tokenvend.model import ClientSecret

    catalog = checks.world.store.catalog
    audit_resource = replace(catalog.api_resources[AUDIT], secrets=(ClientSecret(hash_secret("audit-api-secret")),))
    catalog.api_resources[AUDIT] = audit_resource
    token = checks.token(scope="orders.read", resource=AUDIT)
    body, audit = checks.introspect(token, resource=AUDIT, secret="audit-api-secret")
    assert (body["active"], body["aud"], audit.caller) == (True, AUDIT, AUDIT)
