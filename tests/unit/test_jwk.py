"""JWKs and the RFC 7638 thumbprint used as kid."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tokenvend.jwk import public_key_to_jwk, signing_jwk, thumbprint

from .fakes import SIGNING_ALGORITHMS, private_key

# RFC 7638 §3.1's example key and its thumbprint.
RFC_7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRX"
         "jBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSq"
         "zs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ"
         "-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_thumbprint_matches_rfc_7638_example():
    assert thumbprint(RFC_7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_thumbprint_ignores_optional_members():
    bare = {k: RFC_7638_KEY[k] for k in ("kty", "n", "e")}
    assert thumbprint({**bare, "use": "sig", "kid": "other"}) == thumbprint(bare)


def test_thumbprint_depends_on_the_key():
    assert thumbprint({**RFC_7638_KEY, "e": "AQAC"}) != thumbprint(RFC_7638_KEY)


def der(alg: str) -> bytes:
    return private_key(alg).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("alg", SIGNING_ALGORITHMS)
def test_signing_jwk_has_public_parameters_kid_alg_and_use_only(alg):
    jwk = signing_jwk(der(alg), alg)
    public = {"RSA": {"kty", "n", "e"}, "EC": {"kty", "crv", "x", "y"}}[jwk["kty"]]
    assert set(jwk) == public | {"kid", "alg", "use"}
    assert (jwk["alg"], jwk["use"], jwk["kid"]) == (alg, "sig", thumbprint(jwk))


@pytest.mark.parametrize("alg,crv", [("ES256", "P-256"), ("ES384", "P-384"), ("ES512", "P-521")])
def test_ec_jwks_name_their_curve(alg, crv):
    assert signing_jwk(der(alg), alg)["crv"] == crv


def test_the_kid_is_the_same_wherever_the_key_is():
    assert signing_jwk(der("RS256"), "RS256")["kid"] == signing_jwk(der("RS256"), "RS256")["kid"]
    assert signing_jwk(der("RS256"), "RS256")["kid"] != signing_jwk(der("ES256"), "ES256")["kid"]


def test_an_unsupported_key_type_is_refused():
    with pytest.raises(ValueError, match="unsupported public key type"):
        public_key_to_jwk(ed25519.Ed25519PrivateKey.generate().public_key())
