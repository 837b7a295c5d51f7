"""IdentityServer 4.0's quickstart, end to end on the functions.

Its config declared only ApiResource("api1") and a client allowed scope "api1"; the
server answered invalid_scope, logged "Scopes": null, and discovery did not list api1.
tokenvend refuses that config with the fix, explains the same state when it meets it in
the store, and once ApiScope api1 exists issues a token a resource server accepts.
"""

from __future__ import annotations

import json

import jwt
import pytest

from support import EXAMPLES, ISSUER, body, load_event
from tokenvend.adapters.dynamodb_items import resource_to_item, scope_to_item, serialize
from tokenvend.config import ConfigError, load_config
from tokenvend.model import ApiResource, ApiScope
from tokenvend_cli.local.seed import config_items, put_items

HINT = ("'api1' is the name of an ApiResource, not an ApiScope — define an ApiScope 'api1' "
        "and list it in that resource's scopes")


def test_loader_refuses_the_broken_quickstart_with_the_fix():
    with pytest.raises(ConfigError) as caught:
        load_config(EXAMPLES / "quickstart-broken.yaml")
    assert caught.value.problems == [
        "clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api "
        "scope 'api1' and list it in the resource's scopes"]


def _write_broken_state(stack, quickstart):
    """The state a later deletion or a hand edit leaves: resource api1, no ApiScope api1."""
    items = [i for i in config_items(quickstart) if i["kind"] == "client"]
    items.append(resource_to_item(ApiResource("api1", "", ())))
    put_items(stack.dynamodb, stack.table, items)


def _log_lines(capsys):
    return [json.loads(l) for l in capsys.readouterr().out.splitlines() if l.startswith('{"level"')]


def test_the_story(deployed, stack, quickstart, capsys):
    # GIVEN the broken quickstart state in the table, written around the loader
    _write_broken_state(stack, quickstart)
    functions = deployed.start()

    # WHEN the quickstart client asks for api1
    response = functions.token_call(load_event("token-invalid-scope-quickstart.json"))

    # THEN 400 invalid_scope explains which scope and why...
    assert response["statusCode"] == 400
    assert body(response) == {
        "error": "invalid_scope",
        "error_description": "Refused scope 'api1' unknown: it is not a defined ApiScope."}
    # ...the log line says the same, with the parsed scopes (never null beside a raw value)
    # and the hint
    [line] = [l for l in _log_lines(capsys) if l["message"] == "token request"]
    assert line["error"] == "invalid_scope"
    assert line["error_description"] == body(response)["error_description"]
    assert line["requested_scopes"] == ["api1"]
    assert line["reasons"] == ["'api1' unknown: it is not a defined ApiScope"]
    assert HINT in line["hints"]
    # ...and discovery does not list api1 (there is no such scope)
    assert body(functions.discovery_call(load_event("discovery.json")))["scopes_supported"] == []

    # WHEN ApiScope api1 is added and listed in the resource (a new container reads it)
    put_items(stack.dynamodb, stack.table, [scope_to_item(ApiScope("api1", "My API")),
                                            resource_to_item(ApiResource("api1", "", ("api1",)))])
    functions = deployed.start()
    response = functions.token_call(load_event("token-invalid-scope-quickstart.json"))

    # THEN a token with scope api1 and aud api1, which verifies through the published JWKS
    # exactly as a resource server would check it
    assert response["statusCode"] == 200
    token = body(response)["access_token"]
    assert body(response)["scope"] == "api1"
    jwks = jwt.PyJWKSet.from_dict(body(functions.discovery_call(load_event("jwks.json"))))
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    document = body(functions.discovery_call(load_event("discovery.json")))
    claims = jwt.decode(token, key.key, algorithms=[header["alg"]], audience="api1",
                        issuer=document["issuer"], options={"require": ["exp", "iss", "aud", "sub", "jti"]})
    assert claims["iss"] == ISSUER
    assert (claims["aud"], claims["scope"], claims["client_id"], claims["sub"]) == ("api1", "api1", "client", "client")
    assert claims["exp"] - claims["iat"] == 3600
    # ...and discovery lists api1
    assert document["scopes_supported"] == ["api1"]
