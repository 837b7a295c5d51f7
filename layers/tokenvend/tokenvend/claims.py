"""RFC 9068 access token claims and header.

https://www.rfc-editor.org/rfc/rfc9068#section-2.2 — "iss", "exp", "aud", "sub",
"client_id", "iat" and "jti" are REQUIRED; "scope" carries the granted scopes as a
space-delimited string. The header's "typ" is "at+jwt" (§2.1).
"""

from __future__ import annotations

import secrets

from .model import Client

# Names a client's static claims may never take, prefixed or not: the registered JWT
# claims (RFC 7519 §4.1), RFC 9068's, and those a resource server reads for authorization.
RESERVED_CLAIMS = frozenset({
    "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope", "cnf",
    "auth_time", "acr", "amr", "typ", "alg", "kid", "azp", "sid", "nonce", "at_hash",
})


def new_jti() -> str:
    """128 random bits and more: RFC 9068 §2.2 asks for a unique identifier."""
    return secrets.token_urlsafe(24)


def access_token_header(alg: str, kid: str) -> dict:
    return {"alg": alg, "kid": kid, "typ": "at+jwt"}


def access_token_claims(*, issuer: str, client: Client, scopes: list[str], aud, now: int, jti: str) -> dict:
    claims = {
        "iss": issuer,
        "sub": client.client_id,
        "aud": aud,
        "exp": now + client.token_lifetime(),
        "iat": now,
        "nbf": now,
        "jti": jti,
        "client_id": client.client_id,
        "scope": " ".join(scopes),
    }
    # The loader refuses reserved names; a record edited around it still cannot replace
    # a registered claim (a forged exp or aud).
    claims.update({k: v for k, v in client.prefixed_claims().items() if k not in RESERVED_CLAIMS})
    return claims


def audience_value(audiences: list[str]):
    """One audience is a string, several a sorted array (RFC 7519 §4.1.3 allows both)."""
    values = sorted(set(audiences))
    return values[0] if len(values) == 1 else values
