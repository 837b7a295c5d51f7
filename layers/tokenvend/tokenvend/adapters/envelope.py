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
import threading

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jwt.utils import der_to_raw_signature

from ..jwk import signing_jwk
from ..model import SigningKeyRecord
from .aws import aws_errors
from .kms import KMS_ALGORITHMS

HASHES = {"RS256": hashes.SHA256, "ES256": hashes.SHA256, "ES384": hashes.SHA384, "ES512": hashes.SHA512}


def encryption_context(kid: str) -> dict:
    return {"tokenvend:purpose": "access-token-signing-key", "tokenvend:kid": kid}


def generate_private_key(alg: str):
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(KMS_ALGORITHMS[alg][1])


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
    """A Signer over a wrapped private key, unwrapped on first use and kept for the container."""

    def __init__(self, record: SigningKeyRecord, kms):
        self.record, self.alg, self._kms = record, record.alg, kms
        self._private = None
        self._lock = threading.Lock()

    def kid(self) -> str:
        return self.record.kid

    def public_jwk(self) -> dict:
        return self.record.public_jwk

    def _key(self):
        with self._lock:
            if self._private is None:
                with aws_errors("kms:Decrypt"):
                    plaintext = self._kms.decrypt(
                        CiphertextBlob=base64.b64decode(self.record.wrapped_key), KeyId=self.record.key_id,
                        EncryptionContext=encryption_context(self.record.kid))["Plaintext"]
                self._private = serialization.load_der_private_key(plaintext, password=None)
            return self._private

    def sign(self, message: bytes) -> bytes:
        key, digest = self._key(), HASHES[self.alg]()
        if self.alg == "RS256":
            return key.sign(message, padding.PKCS1v15(), digest)
        return der_to_raw_signature(key.sign(message, ec.ECDSA(digest)), key.curve)
