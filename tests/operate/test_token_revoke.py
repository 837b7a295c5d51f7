"""``tokenvend token revoke``: the operator revokes a client's token as the client would,
against the real handlers over HTTP on 127.0.0.1 (examples/introspection.yaml applied)."""

from __future__ import annotations

import jwt
import pytest
import requests

from cli_lambda_server import serve_functions
from cli_support import invoke, lines
from support import EXAMPLES

pytestmark = pytest.mark.filterwarnings("ignore:Dimension 'error' has already been added")


@pytest.fixture
def issuer(tokenvend, stack):
    assert tokenvend("apply", str(EXAMPLES / "introspection.yaml"), "--allow-development").exit_code == 0
    with serve_functions(stack) as url:
        yield url


def token_of(issuer, client, secret) -> str:
    response = requests.post(f"{issuer}/connect/token", auth=(client, secret),
                             data={"grant_type": "client_credentials", "scope": "api1"}, timeout=10)
    return response.json()["access_token"]


def active(issuer, token) -> bool:
    response = requests.post(f"{issuer}/connect/introspect", auth=("api1", "api1-secret"), data={"token": token},
                             timeout=10)
    return response.json()["active"]


def test_the_operator_revokes_a_clients_token_read_from_stdin(tokenvend, issuer):
    token = token_of(issuer, "client", "secret")
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert active(issuer, token) is True

    result = tokenvend("token", "revoke", "--client", "client", "--issuer", issuer, "-", input=token + "\n")

    assert result.exit_code == 0, result.stderr
    (line,) = lines(result.stdout)
    assert line.startswith(f"revoked token {jti} of client 'client' in table ")
    assert token not in result.stdout + result.stderr
    assert active(issuer, token) is False


def test_another_clients_token_is_refused_and_left_alone(tokenvend, issuer):
    token = token_of(issuer, "other", "other-secret")
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]

    result = tokenvend("token", "revoke", "--client", "client", "--issuer", issuer, token)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: token {jti} was issued to client 'other', not 'client'; left alone\n"
    assert active(issuer, token) is True


def test_garbage_is_refused_with_the_reason(tokenvend, issuer):
    result = tokenvend("token", "revoke", "--client", "client", "--issuer", issuer, "not-a-token")
    assert (result.exit_code, result.stderr) == (
        1, f"Error: not a valid access token of {issuer}: not a JWS compact serialization\n")


def test_token_without_a_subcommand_still_needs_client(tokenvend):
    result = tokenvend("token", "--secret", "x")
    assert result.exit_code == 2 and "Missing option '--client'." in result.stderr
