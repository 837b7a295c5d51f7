"""No secret, Authorization header value, client assertion or access token reaches a log."""

from __future__ import annotations

import base64

from support import basic, body, form_event, load_event
from tokenvend.adapters.dynamodb_items import client_to_item
from tokenvend.client_secrets import hash_secret
from tokenvend.model import Client, ClientSecret
from tokenvend_cli.local.seed import put_items, seed

SECRET = "Zq8-unique-client-secret-value-4f1c9e"
CLIENT_ID = "orders-worker"


def test_token_request_logs_hold_no_credentials_or_tokens(deployed, stack, quickstart, capsys):
    # GIVEN the quickstart plus a client with a distinctive secret
    seed(stack.dynamodb, stack.table, quickstart)
    put_items(stack.dynamodb, stack.table, [client_to_item(Client(
        CLIENT_ID, secrets=(ClientSecret(hash_secret(SECRET)),), allowed_scopes=("api1",)))])
    functions = deployed.start()
    authorization = basic(CLIENT_ID, SECRET)
    wrong = basic(CLIENT_ID, SECRET + "x")
    assertion = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJvcmRlcnMtd29ya2VyIn0.c2lnbmF0dXJlLXZhbHVl"

    # WHEN every kind of token request is made
    responses = [functions.token_call(load_event(name)) for name in (
        "token-client-secret-basic.json", "token-client-secret-post.json",
        "token-invalid-scope-quickstart.json", "token-invalid-client.json", "token-unsupported-grant-type.json")]
    responses += [functions.token_call(e) for e in (
        form_event({"grant_type": "client_credentials", "scope": "api1"}, authorization=authorization),
        form_event({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}),
        form_event({"grant_type": "client_credentials"}, authorization=wrong),
        form_event({"grant_type": "client_credentials", "scope": "nope"}, authorization=authorization),
        form_event({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET},
                   authorization=authorization),
        form_event({"grant_type": "client_credentials", "client_assertion": assertion,
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}),
    )]
    out, err = capsys.readouterr()
    logs = out + err

    # THEN tokens were issued and refused...
    statuses = [r["statusCode"] for r in responses]
    assert statuses == [200, 200, 200, 401, 400, 200, 200, 401, 400, 400, 401]
    tokens = [body(r)["access_token"] for r in responses if r["statusCode"] == 200]
    assert len(tokens) == 5
    # ...one log line per request...
    assert logs.count('"message":"token request"') == len(responses)
    # ...and none of the credentials or tokens appear, whole or as their parts
    forbidden = [SECRET, "secret\"", authorization, authorization.split()[1], wrong.split()[1],
                 base64.b64encode(b"client:secret").decode(), assertion, *tokens,
                 *(t.split(".")[2] for t in tokens), *(t.split(".")[1] for t in tokens)]
    for value in forbidden:
        assert value not in logs
    assert "pbkdf2-sha256$" not in logs and "hmac-sha256$" not in logs
