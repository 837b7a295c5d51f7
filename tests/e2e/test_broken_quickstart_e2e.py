"""IdentityServer 4's broken quickstart — api1 only an ApiResource — is refused when the
stack starts with it, and explained when the table gets into that state afterwards."""

import json

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from dev_stack import ROOT, delete_api_scope, free_port, run_cli

pytestmark = pytest.mark.slow


def test_the_broken_quickstart_config_is_refused_at_start(tmp_path):
    state_file = tmp_path / "stack.json"
    result = run_cli("dev", "--port", str(free_port()), "--state-file", str(state_file),
                     "--config", str(ROOT / "examples" / "quickstart-broken.yaml"))
    assert result.returncode == 1
    assert result.stdout == ""
    headline, line = result.stderr.splitlines()  # one line per problem, no traceback
    assert headline == "Error: examples/quickstart-broken.yaml is not a valid tokenvend config (1 problem):"
    assert line.startswith("  clients[0].allowed_scopes[0]: 'api1' ")
    assert "api resource, not an api scope" in line
    assert not state_file.exists()


def test_a_table_edited_into_the_broken_state_answers_the_explained_invalid_scope(start_stack, no_cache_env_file):
    # GIVEN a quickstart stack whose functions do not cache the catalog
    stack = start_stack("--env-vars", str(no_cache_env_file))
    client = OAuth2Session("client", "secret", scope="api1")
    assert client.fetch_token(f"{stack.url}/connect/token", grant_type="client_credentials")["scope"] == "api1"

    # WHEN someone deletes the ApiScope api1, leaving the ApiResource api1
    delete_api_scope(stack, "api1")

    # THEN the client gets invalid_scope naming api1 and why
    response = requests.post(f"{stack.url}/connect/token", auth=("client", "secret"),
                             data={"grant_type": "client_credentials", "scope": "api1"}, timeout=5)
    assert response.status_code == 400
    assert {k: response.headers[k] for k in ("Content-Type", "Cache-Control", "Pragma")} == {
        "Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
    body = response.json()
    assert body["error"] == "invalid_scope"
    assert "'api1' unknown" in body["error_description"]
    with pytest.raises(OAuthError) as refused:  # and a client library sees the same error
        client.fetch_token(f"{stack.url}/connect/token", grant_type="client_credentials")
    assert refused.value.error == "invalid_scope"

    # AND the log line says what the operator should do about it
    request_id = response.headers["Apigw-Requestid"]
    log_line, = [json.loads(line) for line in stack.lines_after(request_id)
                 if line.startswith("{") and request_id in line]
    assert (log_line["error"], log_line["requested_scopes"], log_line["granted_scopes"]) == ("invalid_scope", ["api1"], [])
    assert any("is the name of an ApiResource, not an ApiScope" in hint for hint in log_line["hints"])
