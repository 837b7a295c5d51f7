"""What a presented credential must be to verify: no unregistered string (NUL padding, a
long key's digest), the raw and the §2.3.1-decoded Basic forms, and the Basic challenge on
every attempted Authorization header (RFC 6749 §2.3.1, §5.2, Appendix A.2)."""

from __future__ import annotations

import base64

import pytest

from tokenvend.client_secrets import hash_secret, identityserver_sha256, pbkdf2_hash
from tokenvend.errors import InvalidClient, InvalidRequest, error_headers
from tokenvend.model import Client, ClientSecret

from .fakes import basic
from .world import SECRET, World, make_world

GENERIC = "Client authentication failed."
BASIC_CHALLENGE = 'Basic realm="tokenvend", charset="UTF-8"'
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


def raw_basic(user_pass: str) -> str:
    """What requests' ``auth=(id, secret)`` and ``curl -u id:secret`` send: no §2.3.1 encoding."""
    return "Basic " + base64.b64encode(user_pass.encode("utf-8")).decode("ascii")


def one_client(client_id: str, stored: str) -> World:
    return make_world(clients=(Client(client_id, secrets=(ClientSecret(stored),), allowed_scopes=("orders.read",)),))


@pytest.mark.parametrize("form", ["hmac", "pbkdf2", "sha256"])
@pytest.mark.parametrize("how", ["post", "basic"])
@pytest.mark.parametrize("suffix", ["\0", "\0\0", "\0" * 20])
def test_a_secret_with_nul_padding_never_verifies(form, how, suffix):
    # GIVEN the quickstart client whose secret is 'secret', stored in each form
    stored = {"hmac": hash_secret, "pbkdf2": pbkdf2_hash, "sha256": identityserver_sha256}[form]("secret")
    world = one_client("client", stored)
    # WHEN 'secret%00%00' is presented
    if how == "post":
        request = world.post(grant_type="client_credentials", client_id="client", client_secret="secret" + suffix)
    else:
        request = world.post(authorization=basic("client", "secret" + suffix), grant_type="client_credentials")
    err, audit = world.refuse(InvalidClient, request)
    # THEN it is refused, and 'secret' itself still verifies
    assert (err.status_code, err.description, audit.reasons) == (401, GENERIC, ["client_secret matches no stored hash"])
    world.token(world.post(grant_type="client_credentials", client_id="client", client_secret="secret"))


@pytest.mark.parametrize("header", [
    "Basic\t" + base64.b64encode(b"app:" + SECRET.encode()).decode(),
    "Bearer abc.def.ghi", "", "   ", "Basic", "Basic ", "Basic !!!", "Digest username=app",
    "Basic " + base64.b64encode(b"no-colon").decode(), "Basic " + base64.b64encode(b"\xff:\xfe").decode(),
    "Basic\u00a0" + base64.b64encode(b"app:x").decode(), "Basic " + base64.b64encode(b"app:x").decode() + " extra",
])
def test_an_unusable_authorization_header_is_401_with_the_basic_challenge(world: World, header):
    err, audit = world.refuse(InvalidClient, world.post(authorization=header, grant_type="client_credentials"))
    assert (err.error, err.status_code, err.description) == ("invalid_client", 401, GENERIC)
    assert error_headers(err) == {**NO_STORE, "WWW-Authenticate": BASIC_CHALLENGE}
    assert audit.reasons == ["the Authorization header is not usable Basic credentials"]


def test_an_unusable_authorization_header_beside_a_body_secret_is_still_a_failed_basic_attempt(world: World):
    request = world.post(authorization="Bearer x", grant_type="client_credentials", client_id="app",
                         client_secret=SECRET)
    err, _ = world.refuse(InvalidClient, request)
    assert error_headers(err)["WWW-Authenticate"] == BASIC_CHALLENGE


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "bAsIc"])
def test_the_basic_scheme_is_case_insensitive(world: World, scheme):
    # RFC 7235 §2.1: "It uses a case-insensitive token as a means to identify the authentication scheme."
    header = scheme + " " + basic("app", SECRET).split(" ", 1)[1]
    _, audit = world.token(world.post(authorization=header, grant_type="client_credentials", scope="orders.read"))
    assert audit.auth_method == "client_secret_basic"


@pytest.mark.parametrize("secret", ["p+ss word%41-0123456789abcdefghijklm", "100%-sure+plus sign-abcdefghijklmnop"])
def test_a_raw_basic_secret_with_plus_percent_or_space_verifies_and_the_log_says_raw(secret):
    # GIVEN a client whose secret holds characters §2.3.1's encoding changes
    world = one_client("svc", hash_secret(secret))
    # WHEN it is sent raw, as requests' auth= and curl -u do
    _, audit = world.token(world.post(authorization=raw_basic("svc:" + secret), grant_type="client_credentials"))
    # THEN it verifies, and the log says which form matched
    assert (audit.outcome, audit.auth_method, audit.basic_form) == ("issued", "client_secret_basic", "raw")
    # and the §2.3.1 form verifies too, logged as decoded
    _, audit = world.token(world.post(authorization=basic("svc", secret), grant_type="client_credentials"))
    assert audit.basic_form == "decoded"


@pytest.mark.parametrize("client_id,raw_form", [
    ("svc:one", "raw"), ("svc+one", "raw"), ("svc%41one", "raw"), ("svc%one", "decoded"),
    ("svc one", "decoded"),  # decoding these changes nothing: both forms are one
])
def test_a_client_id_with_colon_space_plus_or_percent_verifies_raw_and_decoded(client_id, raw_form):
    world = one_client(client_id, hash_secret(SECRET))
    _, audit = world.token(world.post(authorization=raw_basic(f"{client_id}:{SECRET}"), grant_type="client_credentials"))
    assert (audit.client_id, audit.basic_form) == (client_id, raw_form)
    _, audit = world.token(world.post(authorization=basic(client_id, SECRET), grant_type="client_credentials"))
    assert (audit.client_id, audit.basic_form) == (client_id, "decoded")


def test_a_failed_basic_secret_holding_encoded_characters_gets_a_section_2_3_1_hint():
    world = one_client("svc", hash_secret("right+secret-0123456789abcdefghijkl"))
    err, audit = world.refuse(InvalidClient, world.post(authorization=raw_basic("svc:wrong+secret"),
                                                        grant_type="client_credentials"))
    assert err.description == GENERIC
    assert audit.hints == ["the Basic credentials hold '+', '%', ':' or a space, which RFC 6749 §2.3.1 "
                           "form-urlencodes before base64; neither the decoded nor the raw form matched"]


def test_a_failed_plain_basic_secret_gets_no_hint(world: World):
    _, audit = world.refuse(InvalidClient, world.post(authorization=basic("app", "wrong"), grant_type="client_credentials"))
    assert audit.hints == []


def test_a_body_client_id_must_match_one_form_of_the_basic_header():
    world = one_client("svc+one", hash_secret(SECRET))
    _, audit = world.token(world.post(authorization=raw_basic(f"svc+one:{SECRET}"), client_id="svc+one",
                                      grant_type="client_credentials"))
    assert audit.basic_form == "raw"
    err, _ = world.refuse(InvalidRequest, world.post(authorization=raw_basic(f"svc+one:{SECRET}"),
                                                     client_id="other", grant_type="client_credentials"))
    assert err.description == "client_id in the body does not match the Authorization header."
