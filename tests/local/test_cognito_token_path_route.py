"""The local stack honours the CognitoTokenPath condition as CloudFormation does: the
alias route /oauth2/token reaches the token function only when the parameter is "true"."""

from __future__ import annotations

import pytest

from tokenvend_cli.local.front import ApiFront
from tokenvend_cli.local.template import Template


def served(parameters: dict) -> dict[str, str]:
    return {route.route_key: spec.logical_id for spec in Template(parameters=parameters).functions()
            for route in spec.routes if "token" in route.path}


def test_the_alias_route_is_off_by_default():
    assert served({}) == {"ANY /connect/token": "TokenFunction"}
    assert served({"CognitoTokenPath": "false"}) == {"ANY /connect/token": "TokenFunction"}


def test_cognito_token_path_true_routes_oauth2_token_to_the_token_function():
    assert served({"CognitoTokenPath": "true"}) == {"ANY /connect/token": "TokenFunction",
                                                    "ANY /oauth2/token": "TokenFunction"}


@pytest.mark.parametrize("alias,found", [("true", ("ANY /oauth2/token", "TokenFunction")), ("false", None)])
def test_the_front_finds_the_alias_only_when_it_is_on(alias, found):
    specs = Template(parameters={"CognitoTokenPath": alias}).functions()
    front = ApiFront([(route, spec.logical_id) for spec in specs for route in spec.routes])

    match = front.find("POST", "/oauth2/token")

    assert (match and (match[0].route_key, match[1])) == found
