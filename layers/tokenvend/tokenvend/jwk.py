"""Public keys as JWKs, and the RFC 7638 thumbprint used as ``kid``.

A public key is turned into a JWK once per key and container (from KMS ``GetPublicKey``
or an envelope key), never per token: PyJWT's and cryptography's key classes are
imported when that first happens, not on every function's init.
"""

from __future__ import annotations

import hashlib
import json

from .jws import base64url_encode

# RFC 7638 §3.2: the required members of each key type, in lexicographic order.
THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}
# The members a JWKS entry may carry: RFC 7517 §4 (kty, use, alg, kid) and the public
# parameters of RFC 7518 §6.2.1 (EC) and §6.3.1 (RSA). Never d, p, q, dp, dq, qi, oth.
PUBLIC_MEMBERS = ("kty", "kid", "alg", "use", "n", "e", "crv", "x", "y")
# The key each signing algorithm needs: RFC 7518 §3.3 (RSA, 2048 bits or larger) and §3.4.
ALGORITHM_KEYS = {"RS256": ("RSA", None), "ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"),
                  "ES512": ("EC", "P-521")}


def public_key_to_jwk(public_key) -> dict:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    if isinstance(public_key, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(public_key, as_dict=True)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(public_key, as_dict=True)
    raise ValueError(f"unsupported public key type {type(public_key).__name__}")


def thumbprint(jwk: dict) -> str:
    """RFC 7638 §3: SHA-256 of the required members, sorted, without whitespace."""
    members = {name: jwk[name] for name in THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64url_encode(hashlib.sha256(canonical).digest()).decode("ascii")


def public_only(jwk: dict) -> dict:
    """A JWK without its private members, whatever it held."""
    return {k: v for k, v in jwk.items() if k in PUBLIC_MEMBERS}


def signing_jwk(public_key_der: bytes, alg: str) -> dict:
    """The JWKS entry for a signing key given as DER SubjectPublicKeyInfo (KMS GetPublicKey);
    ValueError when the key cannot make ``alg`` signatures."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    return jwk_for(load_der_public_key(public_key_der), alg)


def jwk_for(public_key, alg: str) -> dict:
    jwk = public_key_to_jwk(public_key)
    kty, crv = ALGORITHM_KEYS.get(alg, (None, None))
    if kty != jwk["kty"] or (crv and jwk.get("crv") != crv) or (kty == "RSA" and public_key.key_size < 2048):
        raise ValueError(f"a {jwk['kty']} {jwk.get('crv') or public_key.key_size} key cannot sign {alg}")
    public = {k: v for k, v in jwk.items() if k in THUMBPRINT_MEMBERS[jwk["kty"]]}
    return {**public, "kid": thumbprint(public), "alg": alg, "use": "sig"}
