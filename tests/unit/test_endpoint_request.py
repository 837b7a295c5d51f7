"""Token endpoint steps 1–3: method, body, parameters and grant_type (RFC 6749 §3.2, RFC 8707)."""

from __future__ import annotations

import base64

import pytest

from tokenvend.errors import (
    InvalidRequest, MethodNotAllowed, UnsupportedGrantType, error_body, error_headers,
)
from tokenvend.client_secrets import hash_secret
from tokenvend.model import ApiResource, ApiScope, Client, ClientSecret
from tokenvend.token_request import decode_body

from .fakes import basic, form, http
from .world import (
    AUDIT, JWT_BEARER, ORDERS, RESOURCES, SCOPES, SECRET, World, app_params, assertion, make_world,
)

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


def assert_invalid_request(err, audit, description: str):
    assert (err.error, err.status_code, err.description) == ("invalid_request", 400, description)
    assert err.headers == {}
    assert error_headers(err) == NO_STORE
    assert error_body(err) == {"error": "invalid_request", "error_description": description}
    assert (audit.outcome, audit.error, audit.error_description) == ("rejected", "invalid_request", description)


# --- step 1: method and body -------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_a_method_other_than_post_is_405_with_allow_post(world: World, method):
    # GIVEN a valid form body sent with another method
    request = http(form(**app_params()), method=method)
    # WHEN / THEN
    err, audit = world.refuse(MethodNotAllowed, request)
    assert (err.error, err.status_code) == ("invalid_request", 405)
    assert err.description == "The token endpoint accepts only POST."
    assert err.headers == {"Allow": "POST"}
    assert error_headers(err) == {**NO_STORE, "Allow": "POST"}
    assert (audit.outcome, audit.error) == ("rejected", "invalid_request")


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain", "multipart/form-data"])
def test_a_body_that_is_not_a_form_is_invalid_request(world: World, content_type):
    err, audit = world.refuse(InvalidRequest, http(form(**app_params()), content_type=content_type))
    assert_invalid_request(err, audit, "The request body must be application/x-www-form-urlencoded.")


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded; charset=UTF-8",
    "application/x-www-form-urlencoded;charset=utf-8",
    "Application/X-WWW-Form-Urlencoded",
])
def test_a_charset_parameter_and_any_case_are_accepted(world: World, content_type):
    body, audit = world.token(http(form(**app_params(scope="orders.read")), content_type=content_type))
    assert body["scope"] == "orders.read"
    assert audit.outcome == "issued"


@pytest.mark.parametrize("body", [
    b"grant_type=client_credentials&client_id=app&client_secret=x&scope=caf\xe9",  # Latin-1 byte
    b"grant_type=client_credentials&client_id=app&client_secret=x&scope=caf%E9",  # %-encoded Latin-1
    b"grant_type=client_credentials&client_id=%C3%28",  # invalid UTF-8 sequence
])
def test_a_body_that_is_not_utf8_is_invalid_request(world: World, body):
    err, audit = world.refuse(InvalidRequest, http(body))
    assert_invalid_request(err, audit, "The request body is not valid UTF-8.")


def test_a_body_over_64_kib_is_invalid_request(world: World):
    body = form(**app_params(scope="orders.read"))
    err, audit = world.refuse(InvalidRequest, http(body + b"&" * (64 * 1024 + 1 - len(body))))
    assert_invalid_request(err, audit, "The request body is larger than 65536 bytes.")


def test_a_body_of_exactly_64_kib_is_accepted(world: World):
    # GIVEN a valid request padded with empty pairs to 65536 bytes
    body = form(**app_params(scope="orders.read"))
    padded = body + b"&" * (64 * 1024 - len(body))
    assert len(padded) == 65536
    # THEN a token is issued
    assert world.token(http(padded))[0]["scope"] == "orders.read"


def test_decode_body_decodes_api_gateway_base64():
    body = form(**app_params())
    assert decode_body(base64.b64encode(body).decode("ascii"), True) == body
    assert decode_body(body.decode("ascii"), False) == body
    assert decode_body(None, True) == b""


@pytest.mark.parametrize("body", ["not base64!", "Z3JhbnRfdHlwZT1j=bGllbnQ", "abc"])
def test_decode_body_refuses_invalid_base64(body):
    with pytest.raises(InvalidRequest) as info:
        decode_body(body, True)
    assert (info.value.error, info.value.status_code) == ("invalid_request", 400)
    assert info.value.description == "The request body is not valid base64."


# --- step 2: parameters --------------------------------------------------------------------

SINGLE_PARAMETERS = ["grant_type", "client_id", "client_secret", "scope", "client_assertion",
                     "client_assertion_type"]


@pytest.mark.parametrize("name", SINGLE_PARAMETERS)
def test_a_parameter_sent_twice_is_invalid_request_naming_it(world: World, name):
    # GIVEN an otherwise valid request in which `name` appears twice
    pairs = [(k, v) for k, v in app_params().items() if k != name] + [(name, "one"), (name, "two")]
    # WHEN / THEN
    err, audit = world.refuse(InvalidRequest, http(form(*pairs)))
    assert_invalid_request(err, audit, f"The '{name}' parameter is included more than once.")


def test_resource_may_be_sent_twice(world: World):
    request = world.post(("resource", ORDERS), ("resource", AUDIT), **app_params(scope="orders.read"))
    body, audit = world.token(request)
    assert audit.aud == [ORDERS, AUDIT] == sorted([ORDERS, AUDIT])
    assert audit.granted_scopes == ["orders.read"]


LIMITS = {"client_id": 100, "scope": 300, "client_secret": 100, "client_assertion": 51200, "resource": 512}


@pytest.mark.parametrize("name,limit", sorted(LIMITS.items()))
def test_a_parameter_over_its_length_limit_is_invalid_request_naming_it(world: World, name, limit):
    params = {**app_params(), name: "x" * (limit + 1)}
    err, audit = world.refuse(InvalidRequest, http(form(*params.items())))
    assert_invalid_request(err, audit, f"The '{name}' parameter is longer than {limit} characters.")


def test_empty_values_are_treated_as_omitted(world: World):
    # GIVEN Basic credentials and an empty client_secret and scope in the body
    request = world.post(authorization=basic("app", SECRET), grant_type="client_credentials",
                         client_secret="", scope="")
    # THEN neither counts: one authentication method, and the default scopes
    body, audit = world.token(request)
    assert audit.auth_method == "client_secret_basic"
    assert audit.scope_omitted is True and audit.requested_scopes is None
    assert body["scope"] == "orders.read orders.write invoices.read"


def test_an_empty_value_does_not_make_a_parameter_repeated(world: World):
    body, _ = world.token(world.post(("scope", ""), ("scope", "orders.read"), **app_params()))
    assert body["scope"] == "orders.read"


# --- step 3: grant_type ----------------------------------------------------------------------

@pytest.mark.parametrize("grant_type", [None, ""])
def test_a_missing_grant_type_is_invalid_request(world: World, grant_type):
    params = {k: v for k, v in app_params().items() if k != "grant_type"}
    if grant_type is not None:
        params["grant_type"] = grant_type
    err, audit = world.refuse(InvalidRequest, world.post(**params))
    assert_invalid_request(err, audit, "The 'grant_type' parameter is missing.")


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token", "Client_Credentials"])
def test_another_grant_type_is_unsupported_grant_type(world: World, grant_type):
    err, audit = world.refuse(UnsupportedGrantType, world.post(**app_params(grant_type=grant_type)))
    assert (err.error, err.status_code) == ("unsupported_grant_type", 400)
    assert err.description == f"The grant type '{grant_type}' is not supported; use client_credentials."
    assert error_headers(err) == NO_STORE
    assert (audit.outcome, audit.error, audit.grant_type) == ("rejected", "unsupported_grant_type", grant_type)


def test_grant_type_is_checked_before_the_client_is_authenticated(world: World):
    # GIVEN a wrong secret AND an unsupported grant type: step 3 answers first
    err, audit = world.refuse(UnsupportedGrantType,
                              world.post(**app_params(grant_type="password", client_secret="wrong")))
    assert audit.auth_method is None


def test_every_parameter_at_its_length_limit_is_accepted():
    # GIVEN a client, a scope and a resource whose names are as long as the limits allow
    long = {"client_id": "c" * 100, "client_secret": "y" * 100, "scope": "s" * 300,
            "resource": "urn:" + "r" * 508}
    client = Client(long["client_id"], secrets=(ClientSecret(hash_secret(long["client_secret"])),),
                    allowed_scopes=(long["scope"],))
    world = make_world(clients=(client,), scopes=SCOPES + (ApiScope(long["scope"]),),
                       resources=RESOURCES + (ApiResource(long["resource"], scopes=(long["scope"],)),))
    assert {name: len(value) for name, value in long.items()} == {
        name: LIMITS[name] for name in long}
    # WHEN each is sent at its limit
    body, audit = world.token(world.post(grant_type="client_credentials", **long))
    # THEN a token is issued
    assert (body["scope"], audit.aud, audit.client_id) == (long["scope"], long["resource"], long["client_id"])


def padded_assertion(length: int) -> str:
    """A valid client assertion of exactly ``length`` characters (a filler claim pads it)."""
    for kid in ("k1", None):
        base = len(assertion(kid=kid, pad=""))
        for pad in range(max(0, (length - base) * 3 // 4 - 8), (length - base) * 3 // 4 + 8):
            token = assertion(kid=kid, pad="p" * pad)
            if len(token) == length:
                return token
    raise AssertionError(f"no assertion of {length} characters")


def test_a_client_assertion_at_its_length_limit_is_accepted(world: World):
    token = padded_assertion(51200)
    body, audit = world.token(world.post(grant_type="client_credentials", client_assertion_type=JWT_BEARER,
                                         client_assertion=token))
    assert (audit.client_id, audit.auth_method) == ("jwt-app", "private_key_jwt")


def test_unrecognised_parameters_are_ignored_even_repeated_or_long(world: World):
    # RFC 6749 §3.2: "The authorization server MUST ignore unrecognized request parameters."
    body, audit = world.token(http(form(("extra", "a"), ("extra", "b"), ("note", "x" * 5000),
                                        **app_params(scope="orders.read"))))
    assert body["scope"] == "orders.read"
    assert audit.outcome == "issued"
