"""examples/api1/template.yaml, the quickstart's protected API: lint, validate, build, and
the authorizer the local front and API Gateway enforce (issuer parameter, audience api1,
GET /identity with scope api1)."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from cfn_tools import load_yaml

from test_template import _run, _sam_env, sam  # noqa: F401  (the sam fixture)
from tokenvend_cli.local.jwt_authorizer import JwtAuthorizer, RouteAuth
from tokenvend_cli.local.runtime import LocalFunction
from tokenvend_cli.local.template import Template

ROOT = Path(__file__).resolve().parents[2]
API1 = ROOT / "examples" / "api1" / "template.yaml"


@pytest.mark.slow  # runs cfn-lint
def test_cfn_lint_reports_nothing():
    beside = Path(sys.executable).parent / "cfn-lint"
    result = _run([str(beside) if beside.is_file() else shutil.which("cfn-lint"), str(API1)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert (result.stdout, result.stderr) == ("", "")


@pytest.mark.slow  # runs sam validate --lint
def test_sam_validate_lint_passes(sam):  # noqa: F811
    result = _run([sam, "validate", "--lint", "--template-file", str(API1)], env=_sam_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{API1} is a valid SAM Template" in result.stdout.splitlines()


@pytest.mark.slow
def test_sam_build_builds_the_identity_function(sam, tmp_path):  # noqa: F811
    result = _run([sam, "build", "--template-file", str(API1), "--build-dir", str(tmp_path / "build")],
                  env=_sam_env(), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "build" / "IdentityFunction" / "app.py").is_file()


def test_the_http_api_has_the_jwt_authorizer_the_issue_describes():
    api = load_yaml(API1.read_text(encoding="utf-8"))["Resources"]["Api"]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    auth = api["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "TokenvendJwt"
    assert auth["Authorizers"]["TokenvendJwt"] == {
        "IdentitySource": "$request.header.Authorization",
        "JwtConfiguration": {"issuer": {"Ref": "Issuer"}, "audience": ["api1"]},
    }


def test_the_local_front_reads_get_identity_with_scope_api1_and_the_issuer_parameter():
    issuer = "https://abc.execute-api.us-east-1.amazonaws.com"
    spec, = Template(API1, parameters={"Issuer": issuer}).functions()
    route, = spec.routes
    assert (route.route_key, spec.runtime, spec.handler) == ("GET /identity", "python3.13", "app.lambda_handler")
    assert route.auth == RouteAuth(JwtAuthorizer("TokenvendJwt", issuer, ("api1",)), ("api1",))


def test_the_function_answers_the_claims_and_scopes_as_api_gateway_hands_them():
    spec, = Template(API1, parameters={"Issuer": "https://x"}).functions()
    jwt = {"claims": {"aud": "api1", "scope": "api1", "exp": "1700000000"}, "scopes": ["api1"]}
    result = LocalFunction(spec, {}).load().invoke({"requestContext": {"authorizer": {"jwt": jwt}}})
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"claims": jwt["claims"], "scopes": ["api1"]}
