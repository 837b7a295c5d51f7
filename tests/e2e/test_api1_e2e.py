"""The API the token is for, end to end on the real local stack (`tokenvend dev --api
examples/api1/template.yaml`) with real clients: Authlib gets the token, `requests` calls
GET /identity. Each denial is API Gateway's 401/403, one log line names its check, and
`tokenvend explain-token` gives the same answer for the same token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from dev_stack import CLI, ROOT, DevStack, free_port
from jwt_support import OTHER_RSA_KEY

pytestmark = pytest.mark.slow
API1 = ROOT / "examples" / "api1" / "template.yaml"
CONFIG = """
development: true
api_scopes: [{name: api1}, {name: api1.admin}, {name: api2}]
api_resources:
  - {name: api1, scopes: [api1, api1.admin]}
  - {name: api2, scopes: [api2]}
clients:
  - {client_id: client, secrets: [{value: secret}], allowed_grant_types: [client_credentials],
     allowed_scopes: [api1, api2]}
  - {client_id: admin, secrets: [{value: secret}], allowed_grant_types: [client_credentials],
     allowed_scopes: [api1.admin]}
  - {client_id: brief, secrets: [{value: secret}], allowed_grant_types: [client_credentials],
     allowed_scopes: [api1], access_token_lifetime: 1}
"""
UNAUTHORIZED, FORBIDDEN = {"message": "Unauthorized"}, {"message": "Forbidden"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api1")
    (folder / "config.yaml").write_text(CONFIG)
    dev = DevStack(folder / "stack.json", "--config", str(folder / "config.yaml"), "--api", str(API1),
                   "--api-port", str(free_port()))
    try:
        yield dev.wait_ready()
    finally:
        dev.stop()


def test_the_readmes_python_client_gets_a_token_and_calls_identity(stack):
    # examples/python_client.py as the README runs it, with this stack's two URLs
    env = {**os.environ, "TOKENVEND_CLIENT_ID": "client", "TOKENVEND_CLIENT_SECRET": "secret"}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "python_client.py"), stack.url,
                             stack.state["mounted_api"]["url"]], capture_output=True, text=True, timeout=30, env=env)

    assert (result.returncode, result.stderr) == (0, "")
    answer = json.loads(result.stdout)
    assert answer["scopes"] == ["api1"]
    assert {k: answer["claims"][k] for k in ("iss", "sub", "aud", "client_id", "scope")} == {
        "iss": stack.url, "sub": "client", "aud": "api1", "client_id": "client", "scope": "api1"}


def test_the_readmes_python_client_says_why_a_token_is_refused(stack):
    env = {**os.environ, "TOKENVEND_CLIENT_ID": "client", "TOKENVEND_CLIENT_SECRET": "secret",
           "TOKENVEND_SCOPE": "https://orders.example.com"}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "python_client.py"), stack.url,
                             stack.state["mounted_api"]["url"]], capture_output=True, text=True, timeout=30, env=env)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("token refused: invalid_scope: Refused scope 'https://orders.example.com' unknown: "
                             "it is not a defined ApiScope.\n")


def access_token(stack, client_id="client", scope="api1") -> str:
    session = OAuth2Session(client_id, "secret", scope=scope)
    return session.fetch_token(f"{stack.url}/connect/token", grant_type="client_credentials")["access_token"]


def identity(stack, authorization: str | None) -> requests.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.get(f"{stack.state['mounted_api']['url']}/identity", headers=headers, timeout=10)


def explain(stack, value: str) -> tuple[int, dict]:
    result = subprocess.run([*CLI, "explain-token", "-", "--api", str(API1), "--route", "GET /identity",
                             "--state-file", str(stack.state_file), "--json"],
                            input=value + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    if value:
        assert value.split()[-1] not in result.stdout + result.stderr  # the token, never echoed
    return result.returncode, json.loads(result.stdout)


def resigned(value: str, **header) -> str:
    """The same claims signed with a key that is not the issuer's."""
    original = jwt.get_unverified_header(value)
    claims = jwt.decode(value, options={"verify_signature": False})
    return jwt.encode(claims, OTHER_RSA_KEY, algorithm="RS256", headers={**original, **header})


def denial_line(stack, marker: str) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [line for line in stack.stdout if "authorizer TokenvendJwt denied" in line and marker in line]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no denial line with {marker!r}:\n" + "\n".join(stack.stdout[-20:]))


def test_a_token_from_authlib_gets_the_callers_claims_as_api_gateway_hands_them(stack):
    value = access_token(stack)
    response = identity(stack, f"Bearer {value}")
    assert response.status_code == 200
    body = response.json()
    assert (body["claims"]["client_id"], body["claims"]["aud"], body["claims"]["scope"]) == ("client", "api1", "api1")
    assert body["claims"]["iss"] == stack.state["issuer"] and body["claims"]["exp"].isdigit()
    assert body["scopes"] == ["api1"]
    code, data = explain(stack, value)
    assert (code, data["status"], data["failed"]) == (0, 200, None)


@pytest.mark.parametrize("case, check, status", [
    ("no header", "token", 401),
    ("garbage", "jwt", 401),
    ("another audience", "aud", 401),
    ("a foreign signature", "signature", 401),
    ("an unknown kid", "kid", 401),
    ("an expired token", "exp", 401),
    ("the right audience without the route's scope", "scope", 403),
])
def test_each_denial_is_api_gateways_answer_a_log_line_and_explain_tokens_answer(stack, case, check, status):
    value = {
        "no header": lambda: None,
        "garbage": lambda: "Bearer garbage",
        "another audience": lambda: "Bearer " + access_token(stack, scope="api2"),
        "a foreign signature": lambda: "Bearer " + resigned(access_token(stack)),
        "an unknown kid": lambda: "Bearer " + resigned(access_token(stack), kid="not-published"),
        "an expired token": lambda: "Bearer " + (access_token(stack, "brief"), time.sleep(2.1))[0],
        "the right audience without the route's scope": lambda: "Bearer " + access_token(stack, "admin", "api1.admin"),
    }[case]()

    response = identity(stack, value)

    assert response.status_code == status
    assert response.json() == (FORBIDDEN if status == 403 else UNAUTHORIZED)
    line = denial_line(stack, f"denied: {check} (")
    assert line.startswith(f"{status} GET /identity: ")
    if value:
        assert value.split()[-1] not in "\n".join(stack.stdout)
    code, data = explain(stack, value or "")
    assert (code, data["status"], data["failed"]) == (1, status, check)
    assert data["www_authenticate"] == response.headers["www-authenticate"]
    if check == "scope":
        assert "client admin is allowed only api1.admin: add api1 to its allowed_scopes" in line
        assert data["hints"] == [line.split("; hint: ", 1)[1]]
    if check == "exp":
        assert "hint: expired " in line
