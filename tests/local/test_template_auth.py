"""Which authorizer and scopes each HttpApi route of a template gets, as SAM wires them:
DefaultAuthorizer, a route's own Authorizer and AuthorizationScopes, Authorizer: NONE, the
authorizer's AuthorizationScopes as the route's default; Lambda/IAM authorizers refused."""

import pytest

from tokenvend_cli.local.jwt_authorizer import JwtAuthorizer, RouteAuth
from tokenvend_cli.local.template import Template
from tokenvend_cli.local.template_auth import UnsupportedAuthorizer

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Issuer: {Type: String, Default: "https://issuer.example"}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Main
        Authorizers:
          Main:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: !Ref Issuer, audience: [api1]}
          Admin:
            IdentitySource: $request.header.X-Admin-Token
            AuthorizationScopes: [admin]
            JwtConfiguration: {issuer: !Ref Issuer, audience: [api1, admin-api]}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.13
      Events:
        Default: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /a, Method: GET}}
        Scoped: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /b, Method: GET, Auth: {AuthorizationScopes: [b]}}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /health, Method: GET, Auth: {Authorizer: NONE}}}
        Admin: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /admin, Method: POST, Auth: {Authorizer: Admin}}}
        Implicit: {Type: HttpApi, Properties: {Path: /other, Method: GET}}
"""
MAIN = JwtAuthorizer("Main", "https://issuer.example", ("api1",))


def routes(tmp_path, text=TEMPLATE, **parameters):
    path = tmp_path / "template.yaml"
    path.write_text(text)
    spec, = Template(path, parameters=parameters).functions()
    return {route.route_key: route.auth for route in spec.routes}


def test_each_route_gets_its_authorizer_and_scopes(tmp_path):
    assert routes(tmp_path) == {
        "GET /a": RouteAuth(MAIN, ()),
        "GET /b": RouteAuth(MAIN, ("b",)),
        "GET /health": None,
        "POST /admin": RouteAuth(JwtAuthorizer("Admin", "https://issuer.example", ("api1", "admin-api"),
                                               "$request.header.X-Admin-Token"), ("admin",)),
        "GET /other": None,  # the implicit API, without Globals.HttpApi.Auth
    }


def test_the_issuer_follows_the_template_parameter(tmp_path):
    assert routes(tmp_path, Issuer="http://127.0.0.1:3000")["GET /a"].authorizer.issuer == "http://127.0.0.1:3000"


@pytest.mark.parametrize("auth, message", [
    ("{DefaultAuthorizer: L, Authorizers: {L: {FunctionArn: arn}}}",
     "authorizer L is not a JWT authorizer: tokenvend dev enforces JWT authorizers only"),
    ("{DefaultAuthorizer: Missing, Authorizers: {}}",
     "route GET /a names authorizer Missing, which its HttpApi does not define"),
    ("{DefaultAuthorizer: AWS_IAM, EnableIamAuthorizer: true}",
     "an AWS_IAM route cannot be served locally: tokenvend dev enforces JWT authorizers only"),
])
def test_an_authorizer_the_front_cannot_enforce_is_refused_in_one_line(tmp_path, auth, message):
    text = f"""
Resources:
  Api: {{Type: AWS::Serverless::HttpApi, Properties: {{Auth: {auth}}}}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Events: {{A: {{Type: HttpApi, Properties: {{ApiId: !Ref Api, Path: /a, Method: GET}}}}}}
"""
    with pytest.raises(UnsupportedAuthorizer) as raised:
        routes(tmp_path, text)
    assert str(raised.value) == message
