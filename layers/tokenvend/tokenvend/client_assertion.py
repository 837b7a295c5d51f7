"""``private_key_jwt`` client assertions (RFC 7523 §3, OpenID Connect Core §9).

"The JWT MUST contain an "iss" (issuer) claim that contains a unique identifier for the
entity that issued the JWT" — the client_id, as is ``sub``. ``exp`` must be near (at most
five minutes away); ``jti`` must never have been seen before, which the ReplayCache
guarantees until the assertion expires.

``aud`` is one audience: the issuer (what draft-ietf-oauth-rfc7523bis requires) or, for
compatibility with clients written to RFC 7523 and OpenID Connect Core §9, the token
endpoint URL. A one-member array holding one of them means the same (RFC 7519 §4.1.3); an
array naming anyone else, or two audiences, is refused — the audience-injection pattern
rfc7523bis closes, where an assertion minted for another party is replayed here.

The algorithm is the one the client's JWK names (``alg``); a JWK without ``alg`` allows
the family of its key type (RSA: RS*/PS*; EC: the ES algorithm of its curve). A client
record whose ``jwks`` is malformed is ``invalid_client``, never a 500.

PyJWT (and the cryptography it loads) is imported where an assertion is checked, not at
module load: a token function whose clients use secrets never pays for it at a cold start.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from .model import Client
from .ports import ClientStore, ReplayCache

if TYPE_CHECKING:
    import jwt

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
MAX_ASSERTION_LIFETIME = 300
LEEWAY = 30


EC_CURVE_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
# Far beyond any real time, small enough for float arithmetic: an integer past it is no time.
MAX_TIMESTAMP = 2 ** 53


def _public_keys(jwks) -> list[tuple[dict, jwt.PyJWK]]:
    """The usable public keys of a client's jwks; a member that is no key is skipped, as
    PyJWKSet does, and so are a private key stored by a hand edit and a symmetric key."""
    import jwt

    keys = []
    for member in jwks.get("keys") if isinstance(jwks, dict) and isinstance(jwks.get("keys"), list) else []:
        try:
            key = jwt.PyJWK.from_dict(member)
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError, KeyError):
            continue
        if member.get("kty") in ("RSA", "EC") and not hasattr(key.key, "private_bytes"):
            keys.append((member, key))
    return keys


def _key_for(client: Client, header: dict) -> tuple[dict, jwt.PyJWK] | None:
    """The one public JWK of the client's jwks that the header's ``kid`` names, or None."""
    kid = header.get("kid")
    matching = [(d, k) for d, k in _public_keys(client.jwks) if kid is None or d.get("kid") == kid]
    return matching[0] if len(matching) == 1 else None


def allowed_algorithms(jwk: dict) -> list[str]:
    """The algorithms a client JWK binds: its ``alg``, else its key type's family."""
    if jwk.get("alg"):
        return [jwk["alg"]] if jwk["alg"] in ASYMMETRIC_ALGORITHMS else []
    if jwk.get("kty") == "RSA":
        return [a for a in ASYMMETRIC_ALGORITHMS if a[:2] in ("RS", "PS")]
    if jwk.get("kty") == "EC":
        return [a for a in (EC_CURVE_ALGORITHMS.get(jwk.get("crv")),) if a]
    return []


def single_audience(aud, accepted: tuple[str, ...]) -> bool:
    """One audience, and one the server answers to: a string or a one-member array."""
    if isinstance(aud, list):
        if len(aud) != 1:
            return False
        aud = aud[0]
    return isinstance(aud, str) and aud in accepted


def _finite(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) < MAX_TIMESTAMP if isinstance(value, int) else math.isfinite(value)


def verify_client_assertion(
    assertion: str, body_id: str | None, clients: ClientStore, *, now: datetime,
    issuer: str, token_endpoint: str, replay: ReplayCache | None, fail,
) -> Client:
    """Return the client the assertion authenticates, or raise ``fail(reason)``."""
    import jwt

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
    if not _public_keys(client.jwks):
        # A client jwks edited into the store around the loader: invalid_client, not 500.
        raise fail("client jwks holds no usable public key")
    found = _key_for(client, header)
    if found is None:
        raise fail("no key of the client's jwks matches the assertion's kid")
    jwk, key = found
    algorithms = allowed_algorithms(jwk)
    if header.get("alg") not in algorithms:
        raise fail(f"client assertion alg {header.get('alg')!r} is not the one the client's JWK names")
    if not single_audience(unverified.get("aud"), (issuer, token_endpoint)):
        raise fail("client assertion aud must be one value: the issuer or the token endpoint")
    try:
        # Times are checked below against the endpoint's clock, not PyJWT's own; the
        # audience above, so PyJWT's any-member match never sees a list.
        claims = jwt.decode(
            assertion, key.key, algorithms=algorithms, issuer=client_id,
            options={"require": ["iss", "sub", "aud", "exp", "jti"], "verify_aud": False,
                     "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
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
