"""``private_key_jwt`` client assertions (RFC 7523 §3, OpenID Connect Core §9).

"The JWT MUST contain an "iss" (issuer) claim that contains a unique identifier for the
entity that issued the JWT" — the client_id, as is ``sub``. ``aud`` must be the issuer or
the token endpoint; ``exp`` must be near (at most five minutes away); ``jti`` must never
have been seen before, which the ReplayCache guarantees until the assertion expires.
"""

from __future__ import annotations

import math
from datetime import datetime

import jwt

from .model import Client
from .ports import ClientStore, ReplayCache

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
MAX_ASSERTION_LIFETIME = 300
LEEWAY = 30


def _key_for(client: Client, header: dict):
    keys = [k for k in jwt.PyJWKSet.from_dict(client.jwks).keys
            if not hasattr(k.key, "private_bytes")]  # a private key stored by a hand edit is no key
    kid = header.get("kid")
    matching = [k for k in keys if kid is None or k.key_id == kid]
    return matching[0].key if len(matching) == 1 else None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def verify_client_assertion(
    assertion: str, body_id: str | None, clients: ClientStore, *, now: datetime,
    audiences: tuple[str, ...], replay: ReplayCache | None, fail,
) -> Client:
    """Return the client the assertion authenticates, or raise ``fail(reason)``."""
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise fail("client assertion is not a JWT") from None
    client_id = unverified.get("iss")
    if not isinstance(client_id, str) or not client_id or unverified.get("sub") != client_id:
        raise fail("client assertion iss and sub must both be the client_id")
    if body_id is not None and body_id != client_id:
        raise fail("client assertion iss does not match client_id")
    client = clients.get_client(client_id)
    if client is None:
        raise fail("unknown client")
    if not client.jwks:
        raise fail("client has no jwks for private_key_jwt")
    try:
        key = _key_for(client, header)
        if key is None:
            raise fail("no key of the client's jwks matches the assertion's kid")
        # Times are checked below against the endpoint's clock, not PyJWT's own.
        claims = jwt.decode(
            assertion, key, algorithms=ASYMMETRIC_ALGORITHMS, audience=list(audiences),
            issuer=client_id,
            options={"require": ["iss", "sub", "aud", "exp", "jti"],
                     "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
        # PyJWTError for a bad assertion; the others for a client jwks edited into the
        # store around the loader (a private or malformed key): still invalid_client, not 500.
        raise fail(f"client assertion rejected: {type(exc).__name__}") from None
    timestamp = now.timestamp()
    if not _finite(claims["exp"]) or claims["exp"] + LEEWAY <= timestamp:
        raise fail("client assertion has expired")
    if "nbf" in claims and (not _finite(claims["nbf"]) or claims["nbf"] - LEEWAY > timestamp):
        raise fail("client assertion is not yet valid")
    if claims["exp"] - timestamp > MAX_ASSERTION_LIFETIME + LEEWAY:
        raise fail(f"client assertion expires more than {MAX_ASSERTION_LIFETIME} s from now")
    if replay is None or not replay.add_once(f"{client_id}#{claims['jti']}", int(claims["exp"]) + LEEWAY):
        raise fail("client assertion jti was already used")
    if not client.enabled:
        raise fail("client disabled")
    return client
