"""`tokenvend dev` refusals that come before anything starts, and the ready-to-paste curl."""

import json

import pytest
from click.testing import CliRunner

from tokenvend.config import load_config
from tokenvend_cli.local.stack import demo_client, demo_curl
from tokenvend_cli.main import cli
from tokenvend_cli.local.template import PROJECT_ROOT, Template

QUICKSTART = PROJECT_ROOT / "examples" / "quickstart.yaml"


def run_dev(*args, tmp_path):
    return CliRunner().invoke(cli, ["dev", "--state-file", str(tmp_path / "stack.json"), *args])


def test_the_broken_quickstart_prints_each_problem_on_one_line_and_exits_1(tmp_path):
    result = run_dev("--config", str(PROJECT_ROOT / "examples" / "quickstart-broken.yaml"), tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [  # the words `tokenvend apply` uses for the same file
        "Error: examples/quickstart-broken.yaml is not a valid tokenvend config (1 problem):",
        "  clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api "
        "scope — add an api scope 'api1' and list it in the resource's scopes"]


PARAMETERS = Template().data["Parameters"]


@pytest.mark.parametrize("override, message", [
    ("Nope=1", f"--parameter-overrides 'Nope=1': the template's parameters are {', '.join(PARAMETERS)}"),
    ("SigningAlgorithm=HS256", "--parameter-overrides SigningAlgorithm=HS256: allowed values are "
                               + ", ".join(PARAMETERS["SigningAlgorithm"]["AllowedValues"])),
])
def test_a_parameter_the_template_does_not_allow_is_refused(tmp_path, override, message):
    result = run_dev("--parameter-overrides", override, tmp_path=tmp_path)
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"


def test_a_malformed_env_file_is_refused(tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"TokenFunction": "TOKENVEND_CACHE_TTL=0"}))
    result = run_dev("--env-vars", str(env_file), tmp_path=tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith("Error: --env-vars ") and "expected {" in result.output


def test_the_help_shows_examples():
    for command in ("dev", "invoke"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Examples:" in result.output and f"tokenvend {command}" in result.output


def test_the_quickstart_curl_uses_basic_auth():
    client = demo_client(QUICKSTART, load_config(QUICKSTART))
    assert client == ("client", "secret", "api1")
    assert demo_curl(client, "http://127.0.0.1:3000/connect/token") == (
        "curl -s -u client:secret -d grant_type=client_credentials -d scope=api1 http://127.0.0.1:3000/connect/token")


def test_credentials_basic_auth_would_mangle_are_posted_url_encoded():
    assert demo_curl(("svc:a", "p@ss word", "read write"), "http://h/connect/token") == (
        "curl -s --data-urlencode client_id=svc:a --data-urlencode 'client_secret=p@ss word' "
        "-d grant_type=client_credentials --data-urlencode 'scope=read write' http://h/connect/token")


def test_a_production_config_shows_no_secret(tmp_path):
    config_path = tmp_path / "prod.yaml"
    config_path.write_text("api_scopes: [{name: api1}]\napi_resources: [{name: urn:api1, scopes: [api1]}]\n"
                           "clients: [{client_id: svc, secrets: [{value: vR7kQ2xN9pL4wZ8mT1cY6hB3fJ0sD5gAeU}],"
                           " allowed_grant_types: [client_credentials], allowed_scopes: [api1]}]\n")
    assert demo_client(config_path, load_config(config_path)) is None
    assert demo_curl(None, "http://h/t") == "curl -s -u CLIENT_ID:SECRET -d grant_type=client_credentials http://h/t"


def test_sams_space_separated_overrides_are_one_value_each_pair_checked(tmp_path):
    # `--parameter-overrides A=x B=y`, the README's syntax: click used to stop at B=y
    # ("Got unexpected extra argument"); now each pair is read, so the bad second one is named.
    result = run_dev("--parameter-overrides", "CacheTtlSeconds=0", "SigningAlgorithm=HS256", tmp_path=tmp_path)
    assert result.exit_code == 2
    assert result.output == ("Error: --parameter-overrides SigningAlgorithm=HS256: allowed values are "
                             + ", ".join(PARAMETERS["SigningAlgorithm"]["AllowedValues"]) + "\n")


def test_overrides_take_sams_forms_and_repeated_options():
    from tokenvend_cli.local.dev import _parameters
    from tokenvend_cli.local.commands import greedy_pairs

    assert greedy_pairs(["--parameter-overrides", "A=1", "B=2", "--port", "0", "--parameter-overrides=C=3", "D=4"]) \
        == ["--parameter-overrides", "A=1 B=2", "--port", "0", "--parameter-overrides", "C=3 D=4"]
    template = PROJECT_ROOT / "template.yaml"
    assert _parameters(template, ("CacheTtlSeconds=0 SigningAlgorithm=ES256", "LogLevel=DEBUG")) == \
        {"CacheTtlSeconds": "0", "SigningAlgorithm": "ES256", "LogLevel": "DEBUG"}
    assert _parameters(template, ("ParameterKey=Issuer,ParameterValue=https://a.example",)) == \
        {"Issuer": "https://a.example"}


def test_an_api_with_a_non_python_function_is_refused_in_one_line(tmp_path):
    api = tmp_path / "api.yaml"
    api.write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                   "      CodeUri: .\n      Handler: index.handler\n      Runtime: nodejs20.x\n")
    result = run_dev("--api", str(api), tmp_path=tmp_path)
    assert result.exit_code == 2
    assert result.output == f"Error: --api {api}: Fn has runtime nodejs20.x; tokenvend dev runs Python functions only\n"


def test_the_api_banner_prints_the_two_curls_that_call_identity():
    from tokenvend_cli.local.front import ApiFront
    from tokenvend_cli.local.mounted import MountedApi, call_lines
    from tokenvend_cli.local.runtime import LocalFunction

    template = MountedApi(PROJECT_ROOT / "examples" / "api1" / "template.yaml").template("http://127.0.0.1:3000")
    spec, = template.functions()
    front = ApiFront([(route, LocalFunction(spec, {})) for route in spec.routes], authorizer=object())
    curl = demo_curl(("client", "secret", "api1"), "http://127.0.0.1:3000/connect/token")
    assert call_lines(curl, "http://127.0.0.1:3001", front).splitlines() == [
        "  GET  http://127.0.0.1:3001/identity  IdentityFunction  TokenvendJwt: aud api1, scope api1",
        "",
        "Get a token and call /identity with it:",
        f"  TOKEN=$({curl} | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
        '  curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3001/identity',
    ]


def test_the_mounted_apis_issuer_is_the_local_one_unless_overridden():
    from tokenvend_cli.local.mounted import MountedApi

    api1 = PROJECT_ROOT / "examples" / "api1" / "template.yaml"
    local = MountedApi(api1).template("http://127.0.0.1:3000").functions()[0].routes[0].auth.authorizer
    deployed = MountedApi(api1, {"Issuer": "https://auth.example.com"}).template("http://127.0.0.1:3000")
    assert local.issuer == "http://127.0.0.1:3000"
    assert deployed.functions()[0].routes[0].auth.authorizer.issuer == "https://auth.example.com"
