"""Checking a tokenvend access token offline, as an API would (RFC 9068 §4).

Introspection, revocation and ``tokenvend token revoke`` all ask the same question first:
is this a token this issuer signed? The answer uses only the published keys (the JWKS),
never KMS, so it costs no call a resource server would not make itself.

RFC 9068 §4: "Resource servers receiving a JWT access token MUST validate it": the
``typ`` header is ``at+jwt`` (or ``application/at+jwt``), the ``iss`` is the issuer, the
signature verifies with the issuer's key and the algorithm that key is for, and the
current time is before ``exp``. ``aud`` is the caller's to judge (introspection compares
it with the calling resource). Every failure is one ``InvalidToken`` whose reason is a
fixed phrase — never the token or any part of it, so the reason may go to the log.
"""

from __future__ import annotations

import jwt

ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id")


class InvalidToken(Exception):
    """The token is not a valid access token of this issuer; ``reason`` says why (for the log)."""

    def __init__(self, reason: str, claims: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        # Set once the signature has verified: the claims are this issuer's, e.g. to log
        # the jti of an expired token.
        self.claims = claims


def _key_for(header: dict, published_keys: list[dict]):
    kid = header.get("kid")
    matching = [k for k in published_keys if k.get("kid") == kid] if isinstance(kid, str) else []
    if not matching:
        raise InvalidToken("no published key has the token's kid")
    jwk = matching[0]
    if header.get("alg") != jwk.get("alg"):
        raise InvalidToken("the token's alg is not the algorithm of its key")
    try:
        return jwt.PyJWK(jwk).key
    except jwt.PyJWTError:
        raise InvalidToken("the published key for the token's kid is unusable") from None


def verify_access_token(token: str, published_keys: list[dict], issuer: str, now: float) -> dict:
    """The verified claims of ``token``, or raise ``InvalidToken``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("not a JWS compact serialization") from None
    if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise InvalidToken("typ is not at+jwt")
    key = _key_for(header, published_keys)
    try:
        claims = jwt.decode(token, key, algorithms=[header["alg"]], options={
            "verify_aud": False, "verify_iss": False, "verify_exp": False, "verify_nbf": False,
            "verify_iat": False})
    except jwt.InvalidSignatureError:
        raise InvalidToken("the signature does not verify") from None
    except jwt.PyJWTError:
        raise InvalidToken("the payload is not a JWT claims set") from None
    missing = [name for name in REQUIRED_CLAIMS if name not in claims]
    if missing:
        raise InvalidToken("claims missing: " + ", ".join(missing))
    if not all(isinstance(claims[name], str) and claims[name] for name in ("jti", "client_id")):
        raise InvalidToken("jti or client_id is not a string")
    if claims["iss"] != issuer:
        raise InvalidToken("iss is not this issuer")
    if not isinstance(claims["exp"], (int, float)) or isinstance(claims["exp"], bool):
        raise InvalidToken("exp is not a number")
    if now >= claims["exp"]:
        raise InvalidToken("expired", claims)
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and now < nbf:
        raise InvalidToken("not yet valid (nbf)", claims)
    return claims


def audiences(claims: dict) -> list[str]:
    """``aud`` as a list: RFC 7519 §4.1.3 allows a string or an array of strings."""
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []
