"""The KMS signer: RAW signing on moto (faithful for RSA PKCS#1 v1.5 and ECDSA), tokens
verifying with the published JWK, the kid as RFC 7638 thumbprint, and KMS's documented
contract (RAW message type, DER signatures) held with botocore's Stubber."""

from __future__ import annotations

import boto3
import jwt
import pytest
from botocore.stub import ANY, Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tokenvend.adapters.kms import KEY_SPECS, KmsSigner
from tokenvend.jwk import thumbprint
from tokenvend.jws import encode



@pytest.mark.parametrize("alg", sorted(KEY_SPECS))
def test_signed_token_verifies_with_the_published_jwk(aws, alg):
    kms = boto3.client("kms")
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=KEY_SPECS[alg])["KeyMetadata"]["KeyId"]
    signer = KmsSigner(key_id, alg, kms)

    token = encode({"alg": alg, "kid": signer.kid(), "typ": "at+jwt"}, {"sub": "client", "aud": "api1"}, signer)

    jwk = signer.public_jwk()
    assert jwk["alg"] == alg and jwk["use"] == "sig" and jwk["kid"] == thumbprint(jwk)
    assert "d" not in jwk
    key = jwt.PyJWK(jwk).key
    assert jwt.decode(token, key, algorithms=[alg], audience="api1") == {"sub": "client", "aud": "api1"}


def test_kid_is_stable_for_the_same_key(aws):
    kms = boto3.client("kms")
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    assert KmsSigner(key_id, "RS256", kms).kid() == KmsSigner(key_id, "RS256", kms).kid()


def test_key_spec_must_match_the_algorithm(aws):
    kms = boto3.client("kms")
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    with pytest.raises(ValueError, match="cannot sign ES256"):
        KmsSigner(key_id, "ES256", kms).public_jwk()


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="'PS256' is not one of RS256, ES256, ES384, ES512"):
        KmsSigner("k", "PS256", None)


def test_sign_uses_raw_messages_and_converts_der_to_r_s(aws_credentials):
    # GIVEN KMS answering as documented: the public key as DER SubjectPublicKeyInfo, an
    # ECDSA signature as DER
    private = ec.generate_private_key(ec.SECP256R1())
    der_public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    message = b"header.claims"
    der_signature = private.sign(message, ec.ECDSA(hashes.SHA256()))
    kms = boto3.client("kms", region_name="us-east-1")
    signer = KmsSigner("alias/tokenvend", "ES256", kms)
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", {"PublicKey": der_public, "KeySpec": "ECC_NIST_P256",
                                             "SigningAlgorithms": ["ECDSA_SHA_256"]},
                          {"KeyId": "alias/tokenvend"})
        stub.add_response("sign", {"Signature": der_signature, "SigningAlgorithm": "ECDSA_SHA_256"},
                          {"KeyId": "alias/tokenvend", "Message": message, "MessageType": "RAW",
                           "SigningAlgorithm": "ECDSA_SHA_256"})
        # WHEN the signer is asked for its kid twice and signs once
        kid = signer.kid()
        assert signer.kid() == kid  # the public key is fetched once per container
        signature = signer.sign(message)
        stub.assert_no_pending_responses()
    # THEN the JWS signature is raw r||s (64 bytes for P-256) and verifies
    assert len(signature) == 64
    from jwt.algorithms import ECAlgorithm
    assert ECAlgorithm(ECAlgorithm.SHA256).verify(message, private.public_key(), signature)
