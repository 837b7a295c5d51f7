"""A client record whose jwks a table write made unusable: private_key_jwt answers
invalid_client for that client, never 500 (RFC 7523 §3; DESIGN.md step 4)."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from support import ISSUER, body, form_event
from tokenvend.adapters.dynamodb_items import client_to_item, serialize
from tokenvend.model import Client
from unit.fakes import private_key

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.mark.parametrize("jwks", ["not json", '{"keys": "x"}', "[1, 2]", '{"keys": [{"kty": "RSA"}]}'])
def test_a_malformed_jwks_in_the_table_is_invalid_client_not_500(functions, stack, jwks):
    # GIVEN a client record written directly, its jwks attribute not a usable JWK Set
    item = serialize({**client_to_item(Client("jwt-client", allowed_scopes=("api1",))), "jwks": jwks})
    stack.dynamodb.put_item(TableName=stack.table, Item=item)
    now = int(time.time())
    assertion = jwt.encode({"iss": "jwt-client", "sub": "jwt-client", "aud": ISSUER, "exp": now + 60, "jti": jwks},
                           private_key("RS256", "unregistered client"), "RS256")
    # WHEN it presents an assertion
    response = functions.token_call(form_event({"grant_type": "client_credentials", "client_assertion": assertion,
                                                "client_assertion_type": JWT_BEARER}))
    # THEN one generic invalid_client
    assert response["statusCode"] == 401
    assert body(response) == {"error": "invalid_client", "error_description": "Client authentication failed."}
    [line] = [json.loads(l) for l in functions.log_lines if '"token request"' in l]
    assert line["reasons"] == ["client jwks holds no usable public key"]
