"""``tokenvend explain-token``: API Gateway's JWT authorizer answer for a token, check by
check, against explicit settings, a template route or a deployed API (moto's
apigatewayv2); exit 0 allowed / 1 denied / 2 trouble; the token never printed."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from moto import mock_aws

from jwt_support import OTHER_RSA_KEY, IssuerServer, token
from tokenvend_cli.local import state as local_state
from tokenvend_cli.local.template import PROJECT_ROOT

from cli_support import invoke

API1 = str(PROJECT_ROOT / "examples" / "api1" / "template.yaml")


@pytest.fixture(scope="module")
def issuer():
    server = IssuerServer()
    yield server.url
    server.stop()


def explain_json(*args, input=None):
    result = invoke("explain-token", *args, "--json", input=input)
    return result, json.loads(result.stdout) if result.stdout else None


def test_a_good_token_is_allowed_exit_0_and_never_printed(issuer):
    value = token(iss=issuer)
    result = invoke("explain-token", value, "--issuer", issuer, "--audience", "api1", "--scope", "api1")
    assert (result.exit_code, result.stderr) == (0, "")
    assert "answer: 200 the function is invoked" in result.stdout
    assert value not in result.stdout and value.split(".")[2] not in result.stdout


def test_another_audience_is_denied_exit_1_with_the_check_the_header_and_the_hint(issuer):
    value = token(iss=issuer, aud="urn:api1")
    result = invoke("explain-token", value, "--issuer", issuer, "--audience", "api1")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    aud_row = next(line for line in lines if line.startswith("aud "))
    assert aud_row.split() == ["aud", "FAILED", "urn:api1", "one", "of", "api1"]
    assert 'answer: 401 {"message":"Unauthorized"}' in lines
    assert ('  www-authenticate: Bearer scope="" error="invalid_token" '
            'error_description="the token does not have a valid audience"') in lines
    assert lines[-1].startswith("hint: the token's aud is the ApiResource name 'urn:api1'")
    assert value not in result.stdout


def test_json_lists_every_check_and_reads_the_token_from_stdin(issuer):
    value = token(iss=issuer, scope="api2")
    result, data = explain_json("-", "--issuer", issuer, "--audience", "api1", "--scope", "api1", input=value + "\n")
    assert result.exit_code == 1
    assert (data["status"], data["allowed"], data["failed"]) == (403, False, "scope")
    assert [c["check"] for c in data["checks"]] == ["token", "jwt", "alg", "iss", "kid", "signature", "aud", "exp",
                                                    "nbf", "iat", "scope"]
    assert data["www_authenticate"] == ('Bearer scope="api1" error="insufficient_scope" '
                                        'error_description="the token does not have the required scope"')
    assert value not in result.stdout


def test_a_foreign_signature_and_an_unknown_kid_are_named(issuer):
    _, forged = explain_json(token(iss=issuer, key=OTHER_RSA_KEY), "--issuer", issuer, "--audience", "api1")
    _, unknown = explain_json(token(iss=issuer, kid="key-9"), "--issuer", issuer, "--audience", "api1")
    assert (forged["failed"], unknown["failed"]) == ("signature", "kid")


def test_a_template_route_takes_the_issuer_as_its_issuer_parameter(issuer):
    result, data = explain_json(token(iss=issuer), "--api", API1, "--route", "get /identity", "--issuer", issuer)
    assert (result.exit_code, data["route"], data["authorizer"], data["issuer"]) == \
        (0, "GET /identity", "TokenvendJwt", issuer)
    assert (data["audience"], data["scopes"]) == (["api1"], ["api1"])


def test_a_template_route_defaults_to_the_running_local_stacks_issuer(issuer):
    local_state.write_state({"issuer": issuer, "pid": os.getpid()}, local_state.STATE_FILE)
    result, data = explain_json(token(iss=issuer), "--api", API1, "--route", "GET /identity")
    assert (result.exit_code, data["issuer"]) == (0, issuer)


@pytest.mark.parametrize("args, message", [
    (["--api", API1, "--route", "GET /identity"],
     f"no issuer for {API1}: give --issuer URL, or start the local stack (`tokenvend dev`)"),
    (["--api", API1, "--route", "POST /nope", "--issuer", "https://i"],
     f"no route 'POST /nope' in {API1}: it has GET /identity"),
    (["--api", API1], '--api and --api-id need --route "METHOD /path"'),
    ([], "give --api TEMPLATE --route R, --api-id ID --route R, or --issuer URL --audience A"),
])
def test_missing_settings_are_trouble_exit_2(args, message):
    result = invoke("explain-token", "x.y.z", *args)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


@pytest.fixture
def deployed_api(aws_credentials, issuer):
    with mock_aws():
        client = boto3.client("apigatewayv2")
        api_id = client.create_api(Name="api1", ProtocolType="HTTP")["ApiId"]
        authorizer_id = client.create_authorizer(
            ApiId=api_id, AuthorizerType="JWT", Name="TokenvendJwt", IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Issuer": issuer, "Audience": ["api1"]})["AuthorizerId"]
        client.create_route(ApiId=api_id, RouteKey="GET /identity", AuthorizationType="JWT",
                            AuthorizerId=authorizer_id, AuthorizationScopes=["api1"])
        client.create_route(ApiId=api_id, RouteKey="GET /health", AuthorizationType="NONE")
        yield api_id


def test_a_deployed_routes_authorizer_is_read_with_apigatewayv2(deployed_api, issuer):
    allowed, data = explain_json(token(iss=issuer), "--api-id", deployed_api, "--route", "GET /identity")
    assert (allowed.exit_code, data["authorizer"], data["audience"], data["scopes"]) == \
        (0, "TokenvendJwt", ["api1"], ["api1"])
    denied, data = explain_json(token(iss=issuer, scope="other"), "--api-id", deployed_api, "--route", "GET /identity")
    assert (denied.exit_code, data["status"], data["failed"]) == (1, 403, "scope")
    open_route = invoke("explain-token", "x", "--api-id", deployed_api, "--route", "GET /health")
    assert (open_route.exit_code, open_route.stdout) == \
        (0, "GET /health: no authorizer: API Gateway invokes the function for any request\n")


def test_a_route_the_deployed_api_lacks_is_exit_2(deployed_api):
    result = invoke("explain-token", "x", "--api-id", deployed_api, "--route", "GET /nope")
    assert (result.exit_code, result.stderr) == \
        (2, f"Error: no route 'GET /nope' in API {deployed_api}: it has GET /health, GET /identity\n")


def test_a_revoked_token_is_reported_as_such_while_the_authorizer_still_allows_it(aws_credentials, issuer):
    from tokenvend.adapters.revocations import DynamoDBRevocations

    from support import make_stack

    with mock_aws():
        stack = make_stack()
        revoked_token, live_token = token(iss=issuer, jti="revoked-jti"), token(iss=issuer, jti="live-jti")
        DynamoDBRevocations(stack.table, stack.dynamodb).revoke("revoked-jti", "client", 2_000_000_000)
        settings = ("--issuer", issuer, "--audience", "api1", "--table", stack.table, "--region", "us-east-1")
        revoked = invoke("explain-token", revoked_token, *settings)
        live, data = explain_json(live_token, *settings)
        _, revoked_data = explain_json(revoked_token, *settings)
    assert revoked.exit_code == 0  # API Gateway's authorizer cannot see a revocation
    assert revoked.stdout.splitlines()[-1] == (
        "revoked   yes, at /connect/revocation — the JWT authorizer cannot see that and allows the token "
        "until its exp; only introspection (/connect/introspect) answers active: false")
    assert (live.exit_code, data["revoked"], revoked_data["revoked"]) == (0, False, True)
