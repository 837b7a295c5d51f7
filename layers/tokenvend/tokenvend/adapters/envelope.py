"""Envelope mode: sign in the function, with zero KMS calls per token.

For very high rates, where a KMS ``Sign`` per token costs too much or meets KMS's request
quota. The key pair is generated here with cryptography (moto has no
GenerateDataKeyPair, and KMS's own would work the same way); its private half is stored
only encrypted under a KMS *symmetric* key (``Encrypt``, with an encryption context naming
the kid), and is decrypted once per cold start. The trade-off: the private key lives in
the function's memory while it is warm, so whoever can run code in the function or read
its memory can sign — with plain KMS signing, the key never leaves KMS.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ..jwk import signing_jwk
from ..model import SigningKeyRecord
from .aws import aws_errors
from .kms import ec_curve, raw_signature

HASHES = {"RS256": hashes.SHA256, "ES256": hashes.SHA256, "ES384": hashes.SHA384, "ES512": hashes.SHA512}


def encryption_context(kid: str) -> dict:
    return {"tokenvend:purpose": "access-token-signing-key", "tokenvend:kid": kid}


def generate_private_key(alg: str):
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec_curve(alg))


def new_envelope_key(kms, wrapping_key_id: str, alg: str, status: str, now: int) -> SigningKeyRecord:
    """Generate a key pair, wrap its private half with KMS ``Encrypt``, return the record."""
    private = generate_private_key(alg)
    public_der = private.public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk = signing_jwk(public_der, alg)
    plaintext = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    with aws_errors("kms:Encrypt"):
        response = kms.encrypt(KeyId=wrapping_key_id, Plaintext=plaintext,
                               EncryptionContext=encryption_context(jwk["kid"]))
    return SigningKeyRecord(jwk["kid"], response["KeyId"], alg, status, jwk, created_at=now,
                            wrapped_key=base64.b64encode(response["CiphertextBlob"]).decode("ascii"))


class EnvelopeSigner:
    """A Signer over an unwrapped private key (``tokenvend.adapters.key_proof.prove`` unwraps
    it and checks its public half), kept for the container."""

    def __init__(self, record: SigningKeyRecord, private_key, public_jwk: dict):
        self.record, self.alg, self._private, self._jwk = record, record.alg, private_key, public_jwk

    def kid(self) -> str:
        return self._jwk["kid"]

    def public_jwk(self) -> dict:
        return self._jwk

    def sign(self, message: bytes) -> bytes:
        key, digest = self._private, HASHES[self.alg]()
        if self.alg == "RS256":
            return key.sign(message, padding.PKCS1v15(), digest)
        return raw_signature(key.sign(message, ec.ECDSA(digest)), key.curve)
