"""`tokenvend dev` stops everything it started, and refuses a busy port in one line."""

import json
import signal
import socket
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from dev_stack import DevStack, free_port, port_is_free, run_cli

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_signal_stops_the_stack_and_frees_its_ports(tmp_path, signum):
    stack = DevStack(tmp_path / "stack.json").wait_ready()
    moto_port = urlsplit(stack.state["endpoint_url"]).port
    assert not port_is_free(stack.port) and not port_is_free(moto_port)

    assert stack.stop(signum) == 0

    assert port_is_free(stack.port) and port_is_free(moto_port)
    assert not stack.state_file.exists()
    assert stack.stdout[-1] == "tokenvend dev: stopping"
    assert not [line for line in stack.stderr if "Traceback" in line]


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("dev", "--port", str(port), "--state-file", str(tmp_path / "stack.json"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(port in use: stop what holds it or pick another with --port)"]
    assert not (tmp_path / "stack.json").exists()


def test_a_moto_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        moto_port = busy.getsockname()[1]
        port = free_port()
        result = run_cli("dev", "--port", str(port), "--moto-port", str(moto_port),
                         "--state-file", str(tmp_path / "stack.json"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: cannot start moto on 127.0.0.1:{moto_port}: Address already in use (pick another --moto-port)"]
    assert port_is_free(port)  # the API port it had bound is released


def test_a_second_stack_on_the_same_state_file_is_refused(quickstart_stack):
    result = run_cli("dev", "--port", str(free_port()), "--state-file", str(quickstart_stack.state_file))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: a local stack is already running (pid {quickstart_stack.proc.pid}, {quickstart_stack.url}); "
        "stop it, or give this one another --state-file"]
    assert json.loads(quickstart_stack.state_file.read_text())["pid"] == quickstart_stack.proc.pid


def test_the_state_file_tells_other_tools_where_the_stack_is(quickstart_stack):
    state = quickstart_stack.state
    assert set(state) >= {"endpoint_url", "region", "table", "signing_key_arn", "issuer", "pid"}
    assert (state["region"], state["table"], state["issuer"]) == ("us-east-1", "tokenvend-local-Table", quickstart_stack.url)
    key = quickstart_stack.client("kms").describe_key(KeyId=state["signing_key_arn"])["KeyMetadata"]
    assert (key["KeyUsage"], key["KeySpec"]) == ("SIGN_VERIFY", "RSA_2048")
    table = quickstart_stack.client("dynamodb").describe_table(TableName=state["table"])["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]


def test_the_signing_key_is_the_one_the_template_declares_for_the_algorithm(start_stack):
    # GIVEN a stack started with another SigningAlgorithm: the template maps it to a key spec
    stack = start_stack("--parameter-overrides", "SigningAlgorithm=ES256")
    key = stack.client("kms").describe_key(KeyId=stack.state["signing_key_arn"])["KeyMetadata"]
    assert key["KeySpec"] == "ECC_NIST_P256"
    # THEN its tokens are ES256 and verify against the published key
    token = OAuth2Session("client", "secret", scope="api1").fetch_token(
        f"{stack.url}/connect/token", grant_type="client_credentials")["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    jwks_uri = requests.get(f"{stack.url}/.well-known/openid-configuration", timeout=5).json()["jwks_uri"]
    signing_key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(token)
    assert jwt.decode(token, signing_key.key, algorithms=["ES256"], audience="api1")["sub"] == "client"
