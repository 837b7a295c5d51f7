"""What the local tools read from template.yaml: the routes the front serves, and the
functions' handler, layer, timeout and memory."""

import pytest

from tokenvend_cli.local.template import DEFAULT_ROUTE, PROJECT_ROOT, Route, Template


def test_the_front_serves_exactly_the_templates_httpapi_routes():
    routes = {route.route_key: spec.logical_id for spec in Template().functions() for route in spec.routes}
    assert routes == {
        "ANY /connect/token": "TokenFunction",
        "ANY /.well-known/openid-configuration": "DiscoveryFunction",
        "ANY /.well-known/oauth-authorization-server": "DiscoveryFunction",
        "ANY /.well-known/openid-configuration/jwks": "DiscoveryFunction",
        "ANY /connect/introspect": "IntrospectFunction",
        "ANY /connect/revocation": "RevocationFunction",
    }


def test_each_function_has_its_code_handler_layer_and_globals():
    specs = {spec.logical_id: spec for spec in Template().functions()}
    for name, folder in (("TokenFunction", "token"), ("DiscoveryFunction", "discovery"),
                         ("IntrospectFunction", "introspect"), ("RevocationFunction", "revocation")):
        spec = specs[name]
        assert spec.code_uri == PROJECT_ROOT / "functions" / folder
        assert (spec.code_uri / "app.py").is_file() and spec.handler == "app.lambda_handler"
        assert spec.layers == [PROJECT_ROOT / "layers" / "tokenvend"]
        # the discovery function's own MemorySize overrides Globals (one vCPU for its cold answer)
        assert (spec.timeout, spec.memory_size) == (10, 1769 if name == "DiscoveryFunction" else 512)


@pytest.mark.parametrize("route, path, expected", [
    (Route("ANY", "/connect/token"), "/connect/token", {}),
    (Route("ANY", "/connect/token"), "/connect/token/", {}),
    (Route("ANY", "/connect/token"), "/connect", None),
    (Route("ANY", "/clients/{id}"), "/clients/c1", {"id": "c1"}),
    (Route("ANY", "/clients/{id}"), "/clients/c1/x", None),
    (Route("ANY", "/clients/{id}"), "/clients/", None),
    (Route("ANY", "/files/{path+}"), "/files/a/b", {"path": "a/b"}),
    (Route("ANY", "/files/{path+}"), "/files", None),
    (Route("ANY", DEFAULT_ROUTE), "/anything", {}),
])
def test_route_paths_match_as_api_gateways_do(route, path, expected):
    assert route.path_parameters(path) == expected


def test_a_route_matches_its_method_or_any():
    assert Route("GET", "/x").matches("get", "/x") and not Route("GET", "/x").matches("POST", "/x")
    assert Route("ANY", "/x").matches("DELETE", "/x")
    assert Route("ANY", DEFAULT_ROUTE).route_key == "$default"


def test_an_httpapi_event_without_path_and_method_is_the_default_route(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("""
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      Events:
        Catchall:
          Type: HttpApi
""")
    spec, = Template(template).functions()
    assert spec.routes == [Route("ANY", DEFAULT_ROUTE)]
    assert (spec.timeout, spec.memory_size) == (3, 128)  # Lambda's defaults
