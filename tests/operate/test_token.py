"""``tokenvend token`` against the real token and discovery handlers, over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import textwrap
from datetime import datetime

import jwt
import pytest

from tokenvend_cli.local import state as local_state
from tokenvend_cli.operate.token import basic_authorization

from cli_lambda_server import serve_functions
from cli_support import invoke, lines

# With metrics off (see cli_lambda_server) Powertools keeps the last request's dimension.
pytestmark = pytest.mark.filterwarnings("ignore:Dimension 'error' has already been added")

# §2.3.1 form-urlencodes id and secret before base64: ':' '+' '%' ' ' survive; a secret is VSCHAR
# (printable ASCII, RFC 6749 Appendix A.2), so no non-ASCII one.
AWKWARD_SECRET = "p@ss:w+rd %41 &=?#/and-long-enough-for-prod-use"


@pytest.fixture
def issuer(quickstart_applied, stack):
    with serve_functions(stack) as url:
        yield url


def test_token_prints_the_decoded_token_and_checks_its_signature(issuer):
    result = invoke("token", "--client", "client", "--secret", "secret", "--scope", "api1", "--issuer", issuer)

    assert (result.exit_code, result.stderr) == (0, "")
    out = lines(result.stdout)
    assert out[0] == f"endpoint  {issuer}/connect/token"
    header = json.loads(out[1].removeprefix("header    "))
    assert (header["alg"], header["typ"]) == ("RS256", "at+jwt")
    claims_end = out.index("          }")
    claims = json.loads("\n".join(out[2:claims_end + 1]).removeprefix("claims    "))
    assert {k: claims[k] for k in ("iss", "sub", "aud", "client_id", "scope")} == {
        "iss": issuer, "sub": "client", "aud": "api1", "client_id": "client", "scope": "api1"}
    assert claims["exp"] - claims["iat"] == 3600
    local_expiry = datetime.fromtimestamp(claims["exp"]).astimezone()
    assert re.fullmatch(rf"expires   {local_expiry:%Y-%m-%d %H:%M:%S %Z} \(in 3(600|599|598) s\)", out[claims_end + 1])
    assert out[claims_end + 2] == (f"signature valid (kid {header['kid']} from "
                                   f"{issuer}/.well-known/openid-configuration/jwks)")


def test_raw_prints_only_the_token(issuer):
    result = invoke("token", "--client", "client", "--secret", "secret", "--issuer", issuer, "--raw")

    (token,) = lines(result.stdout)
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "api1"


def test_the_secret_can_come_from_the_environment_or_stdin(issuer):
    from_env = invoke("token", "--client", "client", "--issuer", issuer, "--raw",
                      env={"TOKENVEND_CLIENT_SECRET": "secret"})
    from_stdin = invoke("token", "--client", "client", "--secret", "-", "--issuer", issuer, "--raw",
                        input="secret\n")

    assert (from_env.exit_code, from_stdin.exit_code) == (0, 0)
    assert len(lines(from_env.stdout)) == len(lines(from_stdin.stdout)) == 1


def test_client_secret_basic_form_urlencodes_the_id_and_secret(issuer, tmp_path):
    config = tmp_path / "awkward.yaml"
    config.write_text(textwrap.dedent(f"""\
        api_scopes: [{{name: api1}}]
        clients:
          - client_id: "odd id:+"
            secrets: [{{value: "{AWKWARD_SECRET}"}}]
            allowed_scopes: [api1]
        """), encoding="utf-8")
    assert invoke("apply", str(config)).exit_code == 0

    result = invoke("token", "--client", "odd id:+", "--secret", AWKWARD_SECRET, "--issuer", issuer, "--raw")

    assert (result.exit_code, result.stderr) == (0, "")
    assert basic_authorization("odd id:+", "a b") == "Basic b2RkK2lkJTNBJTJCOmErYg=="


@pytest.mark.parametrize("args, message", [
    (["--secret", "secret", "--scope", "nope"], "invalid_scope: Refused scope 'nope' unknown: it is not a defined ApiScope."),
    (["--secret", "wrong"], "invalid_client: Client authentication failed."),
])
def test_a_refusal_is_the_servers_error_and_exit_1(issuer, args, message):
    result = invoke("token", "--client", "client", "--issuer", issuer, *args)

    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")


def test_an_issuer_that_does_not_match_its_discovery_document_is_refused(issuer):
    other = issuer.replace("127.0.0.1", "localhost")

    result = invoke("token", "--client", "client", "--secret", "secret", "--issuer", other)

    assert result.exit_code == 2
    assert result.stderr == f"Error: the discovery document's issuer '{issuer}' is not '{other}'\n"


def test_the_default_issuer_is_the_local_stacks(issuer):
    local_state.write_state({"issuer": issuer, "table": "t", "pid": os.getpid()}, local_state.STATE_FILE)

    result = invoke("token", "--client", "client", "--secret", "secret", "--raw")

    assert jwt.decode(result.stdout.strip(), options={"verify_signature": False})["iss"] == issuer


def test_no_secret_and_no_server(aws_credentials):
    no_secret = invoke("token", "--client", "client", "--issuer", "http://127.0.0.1:9")
    no_server = invoke("token", "--client", "client", "--secret", "s", "--issuer", "http://127.0.0.1:9")

    assert (no_secret.exit_code, no_secret.stderr) == (
        1, "Error: no secret: give --secret S, --secret - (read from stdin) or TOKENVEND_CLIENT_SECRET\n")
    assert no_server.exit_code == 2
    assert no_server.stderr.startswith(
        "Error: cannot read http://127.0.0.1:9/.well-known/openid-configuration: HTTPConnectionPool(")
