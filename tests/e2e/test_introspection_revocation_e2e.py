"""Introspection and revocation on the real local stack, over HTTP: Authlib revokes as a
client does (OAuth2Session.revoke_token), an API introspects with `requests` and its
ApiSecrets (examples/introspection.yaml)."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from dev_stack import ROOT

pytestmark = pytest.mark.slow
CONFIG = str(ROOT / "examples" / "introspection.yaml")
SECRETS = {"client": "secret", "other": "other-secret", "brief": "brief-secret"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from dev_stack import DevStack

    stack = DevStack(tmp_path_factory.mktemp("introspection") / "stack.json", "--config", CONFIG, "--containers", "1")
    try:
        yield stack.wait_ready()
    finally:
        stack.stop()


def session(client: str) -> OAuth2Session:
    return OAuth2Session(client, SECRETS[client], scope="api1", token_endpoint_auth_method="client_secret_basic",
                         revocation_endpoint_auth_method="client_secret_basic")


def fetch(stack, client="client") -> tuple[OAuth2Session, dict]:
    oauth = session(client)
    return oauth, oauth.fetch_token(f"{stack.url}/connect/token", grant_type="client_credentials")


def introspect(stack, access_token, resource="api1", secret="api1-secret") -> requests.Response:
    return requests.post(f"{stack.url}/connect/introspect", auth=(resource, secret),
                         data={"token": access_token, "token_type_hint": "access_token"}, timeout=10)


def test_discovery_names_both_endpoints(stack):
    document = requests.get(f"{stack.url}/.well-known/openid-configuration", timeout=10).json()
    assert (document["introspection_endpoint"], document["revocation_endpoint"]) == (
        f"{stack.url}/connect/introspect", f"{stack.url}/connect/revocation")


def test_a_token_is_active_for_its_own_audience_and_inactive_for_another(stack):
    _, token = fetch(stack)
    own = introspect(stack, token["access_token"])
    assert own.status_code == 200 and own.headers["Cache-Control"] == "no-store"
    body = own.json()
    assert (body["active"], body["aud"], body["client_id"], body["scope"], body["iss"]) == (
        True, "api1", "client", "api1", stack.url)
    assert introspect(stack, token["access_token"], "api2", "api2-secret").json() == {"active": False}


def test_garbage_is_inactive_and_a_wrong_secret_is_401(stack):
    assert introspect(stack, "garbage").json() == {"active": False}
    refused = introspect(stack, "garbage", secret="wrong")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="tokenvend", charset="UTF-8"'
    assert refused.json() == {"error": "invalid_client", "error_description": "Client authentication failed."}


def test_authlib_revokes_and_introspection_then_says_inactive(stack):
    oauth, token = fetch(stack)
    assert introspect(stack, token["access_token"]).json()["active"] is True

    response = oauth.revoke_token(f"{stack.url}/connect/revocation", token=token["access_token"],
                                  token_type_hint="access_token")

    assert (response.status_code, response.text) == (200, "")
    assert introspect(stack, token["access_token"]).json() == {"active": False}


def test_another_clients_revocation_leaves_the_token_active(stack):
    _, token = fetch(stack)
    response = session("other").revoke_token(f"{stack.url}/connect/revocation", token=token["access_token"])
    assert response.status_code == 200
    assert introspect(stack, token["access_token"]).json()["active"] is True


def test_a_refresh_token_hint_is_unsupported_token_type(stack):
    oauth, token = fetch(stack)
    response = oauth.revoke_token(f"{stack.url}/connect/revocation", token=token["access_token"],
                                  token_type_hint="refresh_token")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_token_type"


def test_an_expired_token_is_inactive(stack):
    _, token = fetch(stack, "brief")  # access_token_lifetime: 2
    assert introspect(stack, token["access_token"]).json()["active"] is True
    time.sleep(3)
    assert introspect(stack, token["access_token"]).json() == {"active": False}


def test_the_log_carries_jti_and_reason_but_no_token_or_secret(stack):
    _, token = fetch(stack)
    jti = introspect(stack, token["access_token"]).json()["jti"]
    session("client").revoke_token(f"{stack.url}/connect/revocation", token=token["access_token"])
    introspect(stack, token["access_token"])
    # the last introspection's line, written by another process after the revocation's
    lines = stack.lines_after('"reason":"revoked"')
    records = [json.loads(line) for line in lines if line.startswith("{") and f'"jti":"{jti}"' in line]
    assert [(r["message"], r["outcome"], r.get("reason")) for r in records][-3:] == [
        ("introspection request", "active", None), ("revocation request", "revoked", None),
        ("introspection request", "inactive", "revoked")]
    text = "\n".join(stack.stdout + stack.stderr)
    assert not re.search(r"eyJ", text)
    for secret in ("api1-secret", "api2-secret", "other-secret", "brief-secret", token["access_token"]):
        assert secret not in text
