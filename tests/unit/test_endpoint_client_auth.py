"""Token endpoint step 4 with secrets: client_secret_basic, client_secret_post, and the one
generic invalid_client (RFC 6749 §2.3.1, §5.2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tokenvend.client_secrets import hash_secret, identityserver_sha256
from tokenvend.errors import InvalidClient, InvalidRequest, UnauthorizedClient, error_headers
from tokenvend.model import Client, ClientSecret

from tokenvend.audit import TokenAudit

from .fakes import FIXED_NOW, basic
from .world import APP, ISSUER, SECRET, SECRET_HASH, World, app_params, make_world

GENERIC = "Client authentication failed."
BASIC_CHALLENGE = 'Basic realm="tokenvend", charset="UTF-8"'
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
NOW = datetime.fromtimestamp(FIXED_NOW, timezone.utc)


def basic_request(world: World, user: str, password: str, **params):
    return world.post(authorization=basic(user, password), grant_type="client_credentials", **params)


def post_request(world: World, user: str, password: str, **params):
    return world.post(grant_type="client_credentials", client_id=user, client_secret=password, **params)


def test_client_secret_basic_decodes_form_urlencoded_id_and_secret():
    # GIVEN a client id with a space and a secret with ':' and '%' (§2.3.1 encodes both)
    secret = "p:ss%word+plus"
    world = make_world(clients=(Client("my client", secrets=(ClientSecret(hash_secret(secret)),),
                                       allowed_scopes=("orders.read",)),))
    request = basic_request(world, "my client", secret)
    assert request.header("authorization") == "Basic bXkrY2xpZW50OnAlM0FzcyUyNXdvcmQlMkJwbHVz"
    # WHEN
    body, audit = world.token(request)
    # THEN
    assert (audit.client_id, audit.auth_method, body["scope"]) == ("my client", "client_secret_basic", "orders.read")


def test_client_secret_post_authenticates(world: World):
    body, audit = world.token(post_request(world, "app", SECRET, scope="orders.read"))
    assert (audit.client_id, audit.auth_method, audit.outcome) == ("app", "client_secret_post", "issued")


def test_basic_with_a_matching_client_id_in_the_body_is_accepted(world: World):
    body, audit = world.token(basic_request(world, "app", SECRET, client_id="app", scope="orders.read"))
    assert audit.auth_method == "client_secret_basic"


def test_basic_with_a_different_client_id_in_the_body_is_invalid_request(world: World):
    err, _ = world.refuse(InvalidRequest, basic_request(world, "app", SECRET, client_id="other"))
    assert err.description == "client_id in the body does not match the Authorization header."


def test_no_client_authentication_is_401_without_a_challenge(world: World):
    # GIVEN only a client_id: no secret, no Basic header, no assertion
    err, audit = world.refuse(InvalidClient, world.post(grant_type="client_credentials", client_id="app"))
    assert (err.error, err.status_code, err.description) == ("invalid_client", 401, GENERIC)
    assert "WWW-Authenticate" not in error_headers(err)
    assert error_headers(err) == NO_STORE
    assert audit.reasons == ["no client authentication"]


def test_two_authentication_methods_are_invalid_request(world: World):
    request = world.post(authorization=basic("app", SECRET), **app_params())
    err, audit = world.refuse(InvalidRequest, request)
    assert (err.error, err.status_code) == ("invalid_request", 400)
    assert err.description == ("Use exactly one client authentication method; "
                               "this request used client_secret_basic and client_secret_post.")


# Each failure gets the same description; only the audit says which part failed.
EXPIRED = ClientSecret(hash_secret("expired-secret"), expiration=NOW - timedelta(seconds=1))
FAILURES = {
    "unknown client": ("nobody", SECRET, "unknown client"),
    "wrong secret": ("app", "wrong-secret", "client_secret matches no stored hash"),
    "expired secret": ("expired", "expired-secret", "the matching client_secret has expired"),
    "disabled client": ("disabled", SECRET, "client disabled"),
}


def failures_world() -> World:
    return make_world(clients=(
        APP,
        Client("expired", secrets=(EXPIRED,), allowed_scopes=("orders.read",)),
        Client("disabled", enabled=False, secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("orders.read",)),
    ))


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failures_with_basic_are_one_generic_401_with_a_basic_challenge(case):
    client_id, secret, reason = FAILURES[case]
    world = failures_world()
    err, audit = world.refuse(InvalidClient, basic_request(world, client_id, secret))
    assert (err.error, err.status_code, err.description) == ("invalid_client", 401, GENERIC)
    assert err.headers == {"WWW-Authenticate": BASIC_CHALLENGE}
    assert error_headers(err) == {**NO_STORE, "WWW-Authenticate": BASIC_CHALLENGE}
    assert (audit.outcome, audit.error, audit.error_description) == ("rejected", "invalid_client", GENERIC)
    assert (audit.client_id, audit.reasons) == (client_id, [reason])


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failures_with_post_are_one_generic_401_without_a_challenge(case):
    client_id, secret, reason = FAILURES[case]
    world = failures_world()
    err, audit = world.refuse(InvalidClient, post_request(world, client_id, secret))
    assert (err.error, err.status_code, err.description) == ("invalid_client", 401, GENERIC)
    assert err.headers == {}
    assert error_headers(err) == NO_STORE
    assert (audit.client_id, audit.reasons) == (client_id, [reason])


def test_an_undecodable_basic_header_is_invalid_client_with_a_challenge(world: World):
    err, audit = world.refuse(InvalidClient, world.post(authorization="Basic !!!", grant_type="client_credentials"))
    assert (err.status_code, err.description, err.headers) == (401, GENERIC, {"WWW-Authenticate": BASIC_CHALLENGE})
    assert audit.reasons == ["the Authorization header is not usable Basic credentials"]


def test_secret_rollover_an_expired_and_a_valid_secret_side_by_side():
    # GIVEN a client whose old secret has expired and whose new one is valid
    fresh = ClientSecret(hash_secret("fresh-secret"), expiration=NOW + timedelta(days=30))
    world = make_world(clients=(Client("rolling", secrets=(EXPIRED, fresh), allowed_scopes=("orders.read",)),))
    # THEN the new secret works and the old one no longer does
    assert world.token(post_request(world, "rolling", "fresh-secret"))[1].outcome == "issued"
    _, audit = world.refuse(InvalidClient, post_request(world, "rolling", "expired-secret"))
    assert audit.reasons == ["the matching client_secret has expired"]


def test_a_secret_expiring_exactly_now_is_expired():
    at_now = ClientSecret(hash_secret("edge-secret"), expiration=NOW)
    world = make_world(clients=(Client("edge", secrets=(at_now,), allowed_scopes=("orders.read",)),))
    _, audit = world.refuse(InvalidClient, post_request(world, "edge", "edge-secret"))
    assert audit.reasons == ["the matching client_secret has expired"]


@pytest.mark.parametrize("stored", [identityserver_sha256("secret"), "sha256:" + identityserver_sha256("secret")])
def test_identityserver_sha256_secrets_verify(stored):
    # GIVEN a secret imported from IdentityServer as "secret".Sha256()
    assert identityserver_sha256("secret") == "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols="
    world = make_world(clients=(Client("client", secrets=(ClientSecret(stored),), allowed_scopes=("orders.read",)),))
    # THEN the plain secret authenticates, and another does not
    assert world.token(basic_request(world, "client", "secret"))[1].outcome == "issued"
    world.refuse(InvalidClient, basic_request(world, "client", "Secret"))


def test_a_client_not_allowed_client_credentials_is_unauthorized_client():
    # GIVEN an authenticated client whose allowed grant types lack client_credentials
    world = make_world(clients=(Client("no-grant", secrets=(ClientSecret(SECRET_HASH),), allowed_grant_types=(),
                                       allowed_scopes=("orders.read",)),))
    err, audit = world.refuse(UnauthorizedClient, post_request(world, "no-grant", SECRET))
    assert (err.error, err.status_code) == ("unauthorized_client", 400)
    assert err.description == "The client is not allowed the client_credentials grant."
    assert error_headers(err) == NO_STORE
    assert (audit.client_id, audit.auth_method) == ("no-grant", "client_secret_post")
    assert (audit.outcome, audit.error) == ("rejected", "unauthorized_client")


@pytest.mark.parametrize("password", [SECRET, SECRET + "-wrong"])
@pytest.mark.parametrize("request_with", [basic_request, post_request])
def test_the_audit_never_holds_the_secret_or_the_authorization_header(world: World, request_with, password):
    audit = TokenAudit()
    try:
        world.endpoint.handle(request_with(world, "app", password), ISSUER, audit)
    except InvalidClient:
        assert audit.outcome == "rejected"
    logged = repr(audit.as_log())
    assert password not in logged
    assert basic("app", password).split()[1] not in logged
