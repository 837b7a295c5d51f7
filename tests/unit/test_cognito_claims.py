"""The claims an API fed by Cognito may read: ``client_id`` and ``scope`` as Cognito writes
them, and ``token_use: access`` when a client asks for it through ``claims`` with an empty
``client_claims_prefix`` (README "Coming from Cognito")."""

from __future__ import annotations

from tokenvend.config import parse_config

from .fakes import InMemoryStore
from .world import decode, make_world

API = "https://orders.example.com"
SECRET = "cognito-client-secret-0123456789abcdefghij"


def cognito_style(**client) -> dict:
    return {
        "api_scopes": [{"name": f"{API}/read"}],
        "api_resources": [{"name": API, "scopes": [f"{API}/read"]}],
        "clients": [{"client_id": "4k2f9cognitoclientid", "secrets": [{"value": SECRET}],
                     "allowed_scopes": [f"{API}/read"], **client}],
    }


def token_claims(config: dict) -> dict:
    world = make_world(store=InMemoryStore.from_config(parse_config(config)))
    body, _ = world.token(world.post(grant_type="client_credentials", client_id="4k2f9cognitoclientid",
                                     client_secret=SECRET, scope=f"{API}/read"))
    return decode(world, body["access_token"], API)


def test_an_empty_prefix_puts_token_use_access_in_the_token_as_cognito_does():
    claims = token_claims(cognito_style(client_claims_prefix="", claims={"token_use": "access"}))

    assert claims["token_use"] == "access"
    assert (claims["client_id"], claims["sub"], claims["scope"]) == ("4k2f9cognitoclientid",) * 2 + (f"{API}/read",)


def test_without_it_there_is_no_token_use_and_the_default_prefix_would_rename_it():
    assert "token_use" not in token_claims(cognito_style())
    prefixed = token_claims(cognito_style(claims={"token_use": "access"}))
    assert ("token_use" in prefixed, prefixed["client_token_use"]) == (False, "access")
