"""Coming from Cognito, end to end: a user pool on moto's cognito-idp (the local stack's own
moto server), ``tokenvend import-cognito``, ``tokenvend apply`` to the local stack started
with CognitoTokenPath=true, and every imported client gets a token over HTTP with its old
secret and its old scope strings — at Cognito's path and at tokenvend's."""

from __future__ import annotations

import json

import jwt
import pytest
import requests
import yaml
from click.testing import CliRunner

from tokenvend_cli.local import state as local_state
from tokenvend_cli.main import cli

from cognito_pool import ORDERS, REPORTS, make_pool
from dev_stack import DevStack

pytestmark = pytest.mark.slow


def tokenvend(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2+ keeps stderr apart already
        runner = CliRunner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """The pool imported and applied to a local stack serving Cognito's token path, its
    cache off; shared by the tests of this module, which only read from it."""
    tmp = tmp_path_factory.mktemp("cognito")
    (tmp / "empty.yaml").write_text("{}\n")
    (tmp / "env.json").write_text(json.dumps({"Parameters": {"TOKENVEND_CACHE_TTL": "0"}}))
    stack = DevStack(tmp / "stack.json", "--config", str(tmp / "empty.yaml"), "--env-vars", str(tmp / "env.json"),
                     "--parameter-overrides", "CognitoTokenPath=true")
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            stack.wait_ready()
            monkeypatch.setattr(local_state, "STATE_FILE", stack.state_file)  # the CLI targets this stack
            pool = make_pool(stack.client("cognito-idp"))
            output = tmp / "tokenvend.yaml"
            imported = tokenvend("import-cognito", "--user-pool-id", pool.pool_id, "--output", str(output),
                                 "--endpoint-url", stack.state["endpoint_url"])
            assert imported.exit_code == 0, imported.stderr
            applied = tokenvend("apply", str(output))
            assert applied.exit_code == 0, applied.stderr
            yield stack, pool, output, imported, applied
        finally:
            stack.stop()


def verified(stack, access_token: str, audience: str) -> dict:
    discovery = requests.get(f"{stack.url}/.well-known/openid-configuration", timeout=5).json()
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(access_token)
    return jwt.decode(access_token, key.key, algorithms=["RS256"], audience=audience, issuer=discovery["issuer"])


@pytest.mark.parametrize("path", ["/oauth2/token", "/connect/token"])
def test_each_imported_client_gets_a_token_with_its_cognito_secret_and_scopes(moved, path):
    stack, pool, *_ = moved
    for app, scope, aud, lifetime in (
        (pool.billing, f"{ORDERS}/read {ORDERS}/write", ORDERS, 1800),
        (pool.reporting, f"{REPORTS}/export {ORDERS}/read", [ORDERS, REPORTS], 7200),
    ):
        response = requests.post(f"{stack.url}{path}", auth=(app["ClientId"], app["ClientSecret"]),
                                 data={"grant_type": "client_credentials", "scope": scope}, timeout=10)
        assert response.status_code == 200, response.text
        token = response.json()
        assert (token["token_type"], token["expires_in"], token["scope"]) == ("Bearer", lifetime, scope)
        claims = verified(stack, token["access_token"], aud if isinstance(aud, str) else aud[0])
        assert (claims["client_id"], claims["sub"], claims["aud"], claims["scope"]) == \
            (app["ClientId"], app["ClientId"], aud, scope)
        assert claims["iss"] == stack.state["issuer"]


def test_the_clients_left_behind_get_no_token(moved):
    stack, pool, *_ = moved
    for app, secret in ((pool.web, pool.web["ClientSecret"]), (pool.no_secret, "x" * 40)):
        response = requests.post(f"{stack.url}/oauth2/token", auth=(app["ClientId"], secret),
                                 data={"grant_type": "client_credentials"}, timeout=10)
        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_nothing_secret_in_any_output_and_the_file_holds_only_hashes(moved):
    stack, pool, output, imported, applied = moved
    # a token request each, so the function logs have seen the secrets too
    for app in (pool.billing, pool.reporting):
        assert requests.post(f"{stack.url}/oauth2/token", auth=(app["ClientId"], app["ClientSecret"]),
                             data={"grant_type": "client_credentials"}, timeout=10).status_code == 200
    stack.lines_after("/oauth2/token")
    seen = "\n".join([imported.stdout, imported.stderr, applied.stdout, applied.stderr, output.read_text(),
                      *stack.stdout, *stack.stderr])
    for secret in pool.secrets:
        assert secret not in seen
    secrets = [s for c in yaml.safe_load(output.read_text())["clients"] for s in c["secrets"]]
    assert [sorted(s) for s in secrets] == [["description", "hash"]] * 2


def test_the_checklist_names_the_new_token_url_issuer_and_audiences(moved):
    stack, pool, output, imported, _ = moved
    issuer, billing, reporting = stack.state["issuer"], pool.billing["ClientId"], pool.reporting["ClientId"]
    out = imported.stdout.splitlines()
    assert out[0] == f"Wrote {output}: 2 api resources, 3 api scopes, 2 clients (secrets as hashes only)."
    assert out[4] == f"  token URL  https://acme-m2m.auth.us-east-1.amazoncognito.com/oauth2/token  ->  " \
                     f"{issuer}/oauth2/token"
    assert out[7:] == [
        f"  {ORDERS}",
        f"    issuer    {pool.issuer}  ->  {issuer}",
        f"    audience  {billing}, {reporting}  ->  {ORDERS}",
        f"  {REPORTS}",
        f"    issuer    {pool.issuer}  ->  {issuer}",
        f"    audience  {reporting}  ->  {REPORTS}",
    ]
