"""The KMS signer: the private key never leaves KMS.

``Sign`` with ``MessageType=RAW``: KMS hashes the message itself, so the signing input
must stay within its 4096-byte limit (checked by ``tokenvend.signing_limits``). ECDSA
signatures come back DER-encoded and JWS wants raw r||s (RFC 7518 §3.4); ``raw_signature``
converts them with PyJWT's ``der_to_raw_signature``, imported at the first ECDSA signature
rather than at a cold start. The public key is fetched once per container.

cryptography is imported where a key is first proven or an ECDSA signature first converted,
not at init: a function's init loads none of it (issue 12, cold init), so a curve is named
here by its class in ``cryptography.hazmat.primitives.asymmetric.ec`` and made on use.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

from ..jwk import signing_jwk
from .aws import aws_errors

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# The KMS key spec that signs each JWS algorithm (template.yaml's SigningKeySpec mapping).
KEY_SPECS = {"RS256": "RSA_2048", "ES256": "ECC_NIST_P256", "ES384": "ECC_NIST_P384", "ES512": "ECC_NIST_P521"}
KMS_ALGORITHMS = {
    "RS256": ("RSASSA_PKCS1_V1_5_SHA_256", None),
    "ES256": ("ECDSA_SHA_256", "SECP256R1"),
    "ES384": ("ECDSA_SHA_384", "SECP384R1"),
    "ES512": ("ECDSA_SHA_512", "SECP521R1"),
}


@functools.cache  # made once: an ECDSA signer converts every token's signature with it
def ec_curve(alg: str) -> ec.EllipticCurve:
    """The curve of an ECDSA algorithm of ``KMS_ALGORITHMS``."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return getattr(ec, KMS_ALGORITHMS[alg][1])()


def raw_signature(der: bytes, curve: ec.EllipticCurve) -> bytes:
    """RFC 7518 §3.4: "the JWS Signature value ... is the concatenation of R and S", each
    as many octets as the curve's order needs (32 for P-256, 66 for P-521). PyJWT's helper,
    imported at the first ECDSA signature: importing ``jwt`` loads all of PyJWT, which an
    RS256 function's init never needs."""
    from jwt.utils import der_to_raw_signature

    return der_to_raw_signature(der, curve)


def kms_public_jwk(response: dict, key_id: str, alg: str) -> dict:
    """The JWK of a GetPublicKey answer; ValueError when that key cannot sign ``alg``."""
    if KMS_ALGORITHMS[alg][0] not in response.get("SigningAlgorithms", []):
        raise ValueError(f"KMS key {key_id} ({response.get('KeySpec')}) cannot sign {alg}")
    return signing_jwk(response["PublicKey"], alg)


class KmsSigner:
    def __init__(self, key_id: str, alg: str, client, public_jwk: dict | None = None):
        """``public_jwk``, when the key's record already holds it, spares a GetPublicKey."""
        if alg not in KMS_ALGORITHMS:
            raise ValueError(f"signing algorithm {alg!r} is not one of {', '.join(KMS_ALGORITHMS)}")
        self.key_id, self.alg, self._kms = key_id, alg, client
        self._kms_alg, self._ecdsa = KMS_ALGORITHMS[alg][0], KMS_ALGORITHMS[alg][1] is not None
        self._jwk: dict | None = public_jwk or None
        self._lock = threading.Lock()

    def public_jwk(self) -> dict:
        with self._lock:
            if self._jwk is None:
                with aws_errors("kms:GetPublicKey"):
                    response = self._kms.get_public_key(KeyId=self.key_id)
                self._jwk = kms_public_jwk(response, self.key_id, self.alg)
            return self._jwk

    def kid(self) -> str:
        return self.public_jwk()["kid"]

    def sign(self, message: bytes) -> bytes:
        with aws_errors("kms:Sign"):
            response = self._kms.sign(KeyId=self.key_id, Message=message, MessageType="RAW",
                                      SigningAlgorithm=self._kms_alg)
        signature = response["Signature"]
        return raw_signature(signature, ec_curve(self.alg)) if self._ecdsa else signature
