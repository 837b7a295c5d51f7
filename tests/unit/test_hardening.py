"""Inputs that once became a 500 or slipped past a rule: each now answers in the
protocol's own terms (from a review of the token endpoint)."""

from __future__ import annotations

import json

import jwt
import pytest

from tokenvend.config import ConfigError, load_config, parse_config
from tokenvend.errors import InvalidClient, InvalidRequest, InvalidScope
from tokenvend.model import Client

from .fakes import basic, private_key
from .world import SECRET, World, app_params, assertion, client_jwk, make_world
from .test_endpoint_private_key_jwt import jwt_request


def config_with_jwks(jwks) -> dict:
    return {"api_scopes": [{"name": "a"}], "clients": [{"client_id": "c", "allowed_scopes": ["a"], "jwks": jwks}]}


@pytest.mark.parametrize("key,problem", [
    ({**client_jwk(), "d": "AQAB"}, "holds private key material; give only the public key"),
    ({"kty": "oct", "k": "c2VjcmV0"}, "must be a public RSA or EC key (kty RSA or EC)"),
])
def test_a_client_jwks_holds_public_rsa_or_ec_keys_only(key, problem):
    with pytest.raises(ConfigError) as caught:
        parse_config(config_with_jwks({"keys": [key]}))
    assert caught.value.problems == [f"clients[0].jwks.keys[0]: {problem}"]


def test_an_empty_jwks_is_refused():
    with pytest.raises(ConfigError) as caught:
        parse_config(config_with_jwks({"keys": []}))
    assert caught.value.problems == ["clients[0].jwks: must be a JWK Set: a mapping with a non-empty 'keys' list"]


def test_a_private_key_edited_into_the_store_is_invalid_client_not_500():
    # GIVEN a client whose stored jwks holds its private key (written around the loader)
    private_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key("RS256", "client")))
    world = make_world(clients=(Client("jwt-app", jwks={"keys": [{**private_jwk, "kid": "k1"}]},
                                       allowed_scopes=("orders.read",)),))
    # WHEN it presents an assertion signed with that key, THEN one generic invalid_client
    err, audit = world.refuse(InvalidClient, jwt_request(world, assertion()))
    assert (err.status_code, err.description) == (401, "Client authentication failed.")
    assert audit.reasons == ["client jwks holds no usable public key"]


def test_an_assertion_with_a_non_finite_exp_is_refused(world: World):
    token = assertion(exp_in=0)
    forged = jwt.encode({**jwt.decode(token, options={"verify_signature": False}), "exp": float("nan")},
                        private_key("RS256", "client"), "RS256", headers={"kid": "k1"})
    err, audit = world.refuse(InvalidClient, jwt_request(world, forged))
    assert audit.reasons == ["client assertion has expired"]


@pytest.mark.parametrize("client_id,secret,parameter", [("a" * 101, SECRET, "client_id"), ("app", "s" * 101, "client_secret")])
def test_basic_credentials_meet_the_same_length_limits(world: World, client_id, secret, parameter):
    request = world.post(grant_type="client_credentials", authorization=basic(client_id, secret))
    err, _ = world.refuse(InvalidRequest, request)
    assert err.description == f"The '{parameter}' parameter is longer than 100 characters."


def test_a_scope_of_only_spaces_is_invalid_scope(world: World):
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope="  ")))
    assert err.description == "The 'scope' parameter holds no scope."
    assert audit.reasons == ["the scope parameter holds no scope-token"]


def test_a_yaml_error_never_quotes_the_line_that_holds_a_secret(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text('clients:\n  - client_id: x\n    secrets:\n      - value: "Zq8-prod-secret-4f1c9e\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [f"{path}: not valid yaml: found unexpected end of stream at line 5, column 1"]
    assert "Zq8" not in str(caught.value)
