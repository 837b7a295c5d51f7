"""The token function at Amazon Cognito's path, /oauth2/token (routed to it when the stack
sets CognitoTokenPath=true): the same endpoint, the same answers."""

from __future__ import annotations

import jwt

from support import body, form_event, load_event


def at_cognito_path(event: dict) -> dict:
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/oauth2/token"
    event["routeKey"] = event["requestContext"]["routeKey"] = "ANY /oauth2/token"
    return event


def test_the_quickstart_client_gets_a_token_at_cognitos_path(functions):
    response = functions.token_call(at_cognito_path(load_event("token-client-secret-basic.json")))

    assert response["statusCode"] == 200
    result = body(response)
    assert (result["token_type"], result["expires_in"], result["scope"]) == ("Bearer", 3600, "api1")
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["client_id"] == "client"


def test_a_get_at_cognitos_path_is_405_with_allow_post(functions):
    response = functions.token_call(at_cognito_path(form_event({}, method="GET")))

    assert (response["statusCode"], response["headers"]["Allow"]) == (405, "POST")
    assert body(response)["error"] == "invalid_request"
