"""`tokenvend invoke`: every event file in events/ runs cleanly against the local stack,
with the status its scenario expects."""

import json
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
from click.testing import CliRunner

from dev_stack import ROOT, DevStack, delete_api_scope, run_cli
from tokenvend_cli.main import cli
from tokenvend_cli.local.template import Template

pytestmark = pytest.mark.slow
EVENTS = ROOT / "events"
# event file -> (the table state it runs against, status, OAuth error code)
EXPECTED = {
    "token-client-secret-basic.json": ("quickstart", 200, None),
    "token-client-secret-post.json": ("quickstart", 200, None),
    "token-invalid-client.json": ("quickstart", 401, "invalid_client"),
    "token-unsupported-grant-type.json": ("quickstart", 400, "unsupported_grant_type"),
    "token-invalid-scope-quickstart.json": ("broken", 400, "invalid_scope"),
    "discovery.json": ("quickstart", 200, None),
    "discovery-oauth-authorization-server.json": ("quickstart", 200, None),
    "jwks.json": ("quickstart", 200, None),
    "introspect-inactive.json": ("introspection", 200, None),
    "introspect-invalid-client.json": ("introspection", 401, "invalid_client"),
    "revocation-client-secret-basic.json": ("introspection", 200, None),
    "revocation-unsupported-token-type.json": ("introspection", 400, "unsupported_token_type"),
}
EMPTY_BODY = {"revocation-client-secret-basic.json"}  # RFC 7009 §2.2: a 200 with no content
SCHEDULED = {"rotation-scheduled.json": "RotationFunction"}  # not HTTP: what the schedule sends


def function_for(event: dict) -> str:
    """The template function whose HttpApi route has the event's routeKey."""
    owners = [spec.logical_id for spec in Template().functions()
              if any(route.route_key == event["routeKey"] for route in spec.routes)]
    assert len(owners) == 1, event["routeKey"]
    return owners[0]


@pytest.fixture(scope="module")
def invocations(quickstart_stack, tmp_path_factory):
    """Run every event file once, in parallel (each `tokenvend invoke` is its own process):
    the quickstart ones against the quickstart stack, the broken one against a copy of it
    whose ApiScope api1 has been deleted, the introspection and revocation ones against
    examples/introspection.yaml."""
    broken = DevStack(tmp_path_factory.mktemp("broken") / "stack.json").wait_ready()
    introspection = DevStack(tmp_path_factory.mktemp("introspection") / "stack.json", "--containers", "1",
                             "--config", str(ROOT / "examples" / "introspection.yaml")).wait_ready()
    try:
        delete_api_scope(broken, "api1")
        stacks = {"quickstart": quickstart_stack, "broken": broken, "introspection": introspection}

        def invoke(name):
            event = json.loads((EVENTS / name).read_text())
            state = stacks[EXPECTED[name][0]].state_file
            return name, run_cli("invoke", function_for(event), str(EVENTS / name), "--state-file", str(state))

        with ThreadPoolExecutor(4) as pool:  # each is an interpreter starting: a few at a time on 2 cores
            return dict(pool.map(invoke, EXPECTED))
    finally:
        broken.stop()
        introspection.stop()


def test_every_event_file_has_an_expectation():
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted([*EXPECTED, *SCHEDULED])


def test_the_scheduled_event_runs_the_rotation_of_a_stack_with_key_rotation_days(tmp_path):
    stack = DevStack(tmp_path / "stack.json", "--parameter-overrides", "KeyRotationDays=30").wait_ready()
    try:
        def run():
            result = run_cli("invoke", SCHEDULED["rotation-scheduled.json"], str(EVENTS / "rotation-scheduled.json"),
                             "--state-file", str(stack.state_file))
            assert result.returncode == 0, result.stderr
            return json.loads(result.stdout)  # the steps, nothing else

        first, second = run(), run()
        listed = run_cli("key", "list", "--json", "--state-file", str(stack.state_file))
    finally:
        stack.stop()
    # the first run records the stack's key as the active one; the next has nothing to do for 30 days
    (record,) = json.loads(listed.stdout)
    assert (record["status"], record["key_id"]) == ("active", stack.state["signing_key_arn"])
    assert first == {"rotation_days": 30, "steps": [{"action": "record_stack_key", "kid": record["kid"], "alg": "RS256"}]}
    assert second == {"rotation_days": 30, "steps": []}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_event_file_invokes_cleanly(invocations, name):
    _, status, error = EXPECTED[name]
    result = invocations[name]
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)  # stdout is the Lambda result, nothing else
    assert response["statusCode"] == status
    if name in EMPTY_BODY:
        assert (response["body"], response["headers"]) == ("", {"Cache-Control": "no-store", "Pragma": "no-cache"})
        return
    body = json.loads(response["body"])
    assert body.get("error") == error
    assert response["headers"]["Content-Type"] == "application/json"
    if name.startswith("token-"):  # the token function's log line goes to stderr, not into the result
        assert '"message":"token request"' in result.stderr and '"message":"token request"' not in result.stdout


def test_the_quickstart_invalid_scope_event_is_explained(invocations):
    body = json.loads(json.loads(invocations["token-invalid-scope-quickstart.json"].stdout)["body"])
    assert "'api1' unknown" in body["error_description"]


def test_without_a_running_stack_invoke_says_how_to_start_one(tmp_path):
    result = CliRunner().invoke(cli, ["invoke", "TokenFunction", str(EVENTS / "jwks.json"),
                                      "--state-file", str(tmp_path / "stack.json")])
    assert result.exit_code == 2  # target trouble, as the operator commands answer it
    assert result.output == f"Error: no local stack is running (no {tmp_path / 'stack.json'}): start one with `tokenvend dev`\n"


def test_an_unknown_function_is_named_with_the_ones_there_are(quickstart_stack):
    result = CliRunner().invoke(cli, ["invoke", "Nope", str(EVENTS / "jwks.json"),
                                      "--state-file", str(quickstart_stack.state_file)])
    assert result.exit_code == 2
    assert result.output == ("Error: no function 'Nope' in template.yaml: it has TokenFunction, "
                             "DiscoveryFunction, IntrospectFunction, RevocationFunction\n")


def test_aws_mode_needs_the_deployed_stacks_variables():
    result = CliRunner().invoke(cli, ["invoke", "TokenFunction", str(EVENTS / "jwks.json"), "--aws"])
    assert result.exit_code == 2
    assert "--aws needs --env-vars" in result.output


def test_aws_mode_takes_everything_from_the_env_file(quickstart_stack, tmp_path):
    # a deployed stack's variables, here naming the local moto server so no real AWS is reached
    state = quickstart_stack.state
    env_file = tmp_path / "deployed.json"
    env_file.write_text(json.dumps({"Parameters": {
        "TOKENVEND_TABLE": state["table"], "TOKENVEND_SIGNING_KEY_ID": state["signing_key_arn"],
        "TOKENVEND_ISSUER": "https://auth.example.com", "AWS_ENDPOINT_URL": state["endpoint_url"],
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": state["region"]}}))
    result = run_cli("invoke", "TokenFunction", str(EVENTS / "token-client-secret-basic.json"),
                     "--aws", "--env-vars", str(env_file), "--state-file", str(tmp_path / "none.json"))
    assert result.returncode == 0, result.stderr
    token = json.loads(json.loads(result.stdout)["body"])["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == "https://auth.example.com"


def test_env_local_json_names_the_table_and_key_of_the_local_stack(quickstart_stack, tmp_path):
    # GIVEN env.local.json as sam local would hand it to the functions, its Docker host
    # name and fixed moto port swapped for this stack's moto server
    env_file = json.loads((ROOT / "env.local.json").read_text())
    for section in env_file.values():
        section["AWS_ENDPOINT_URL"] = quickstart_stack.state["endpoint_url"]
        section.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    path = tmp_path / "env.json"
    path.write_text(json.dumps(env_file))
    # WHEN the token function runs with nothing but those variables
    result = run_cli("invoke", "TokenFunction", str(EVENTS / "token-client-secret-basic.json"), "--aws", "--env-vars", str(path))
    # THEN it finds the table and signs with the key by its alias
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200, response["body"]
    claims = jwt.decode(json.loads(response["body"])["access_token"], options={"verify_signature": False})
    assert claims["iss"] == env_file["TokenFunction"]["TOKENVEND_ISSUER"]
