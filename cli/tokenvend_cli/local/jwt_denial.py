"""What a JWT authorizer's denial looks like on the wire, and how tokenvend explains it.

On the wire, API Gateway's own answers: 401 ``{"message":"Unauthorized"}`` and 403
``{"message":"Forbidden"}``. The one ``www-authenticate`` value AWS documents is from
"Troubleshooting issues with HTTP API JWT authorizers"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html):
``Bearer scope="" error="invalid_token" error_description="the token does not have a valid
audience"``. tokenvend words every other 401 in that shape, with a description of its own
choosing (``DESCRIPTIONS``); a request without a token gets ``Bearer`` alone (RFC 6750 §3.1:
"If the request lacks any authentication information ... the resource server SHOULD NOT
include an error code"), and a 403 names the route's scopes with RFC 6750's
``insufficient_scope``.

The explanation (the local log line, ``explain-token``) names the failed check, what the
token held and what the authorizer wanted — never the token itself — and a hint where one
helps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from .jwt_authorizer import RouteAuth, Verdict

DESCRIPTIONS = {
    "jwt": "the token is not a valid JWT",
    "alg": "the token's signing algorithm is not supported",
    "iss": "the token does not have a valid issuer",
    "kid": "the token's key id was not found in the issuer's keys",
    "signature": "the token's signature is not valid",
    "aud": "the token does not have a valid audience",  # AWS's documented wording
    "exp": "the token has expired",
    "nbf": "the token is not valid yet",
    "iat": "the token was issued in the future",
    "scope": "the token does not have the required scope",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class HintContext:
    """What a hint may draw on beyond the token: the local stack's issuer, and the
    allowed_scopes of a client (None when unknown)."""

    local_issuer: str | None = None
    client_scopes: Callable[[str], list[str] | None] | None = None


def www_authenticate(verdict: Verdict, auth: RouteAuth) -> str | None:
    failed = verdict.failed
    if failed is None:
        return None
    if failed.name == "token":
        return "Bearer"
    if failed.name == "scope":
        return (f'Bearer scope="{" ".join(auth.scopes)}" error="insufficient_scope" '
                f'error_description="{DESCRIPTIONS["scope"]}"')
    return f'Bearer scope="" error="invalid_token" error_description="{DESCRIPTIONS[failed.name]}"'


def hints(verdict: Verdict, auth: RouteAuth, value: str | None, now: float,
          context: HintContext = HintContext()) -> list[str]:
    """Hints for the failed check (and for a wrong ``iss``, which explains the others)."""
    failed, claims, authorizer = verdict.failed, verdict.claims or {}, auth.authorizer
    if failed is None:
        return []
    name = failed.name
    if name == "token":
        return [f"send the token as `{authorizer.identity_source.rsplit('.', 1)[-1]}: Bearer <token>`"]
    if name == "jwt":
        scheme, _, rest = (value or "").strip().partition(" ")
        if rest and scheme.lower() != "bearer":
            return [f"the value's scheme is {scheme!r}: send `Bearer <token>` (or the bare token)"]
        return ["the value is not a JWT: send the access_token member of the token response"]
    if name == "alg":
        return [f"the token is {failed.held}, which HTTP API JWT authorizers refuse (RSA only): "
                "run tokenvend with SigningAlgorithm=RS256"]
    if name == "iss":
        return _issuer_hints(str(claims.get("iss")), authorizer.issuer, context.local_issuer)
    if name == "kid":
        return [f"kid {failed.held} is not (yet) in {authorizer.issuer}'s JWKS: a key activated before its "
                "publish delay, or a token from another issuer or stack (`tokenvend key list`)"]
    if name == "signature":
        return ["the signature does not verify with the issuer's key of that kid: a forged or altered token, "
                "or one signed by another stack with the same kid"]
    if name == "aud":
        return _audience_hints(failed.held.split(), authorizer.audience)
    if name == "exp":
        exp = claims.get("exp")
        return [f"expired {int(now - exp)} s ago: get a new token"] if isinstance(exp, (int, float)) \
            else ["the token has no exp"]
    if name in ("nbf", "iat"):
        return [f"{name} is {int(claims.get(name, 0) - now)} s ahead of this clock: check the clocks"]
    return _scope_hints(claims, auth.scopes, context)


def _issuer_hints(held: str, wanted: str, local_issuer: str | None) -> list[str]:
    if held.rstrip("/") == wanted.rstrip("/"):
        return [f"iss {held} and the authorizer's issuer {wanted} differ by a trailing slash: "
                "API Gateway compares them exactly"]
    held_local = urlsplit(held).hostname in LOOPBACK or held == local_issuer
    if held_local and urlsplit(wanted).hostname not in LOOPBACK:
        return [f"the token comes from the local stack ({held}) but the authorizer trusts {wanted}: "
                "get a token from that issuer, or set the API's Issuer parameter to the local one"]
    return [f"the authorizer trusts {wanted}: set its Issuer to tokenvend's Issuer output"]


def _audience_hints(held: list[str], wanted: tuple[str, ...]) -> list[str]:
    for aud in held:
        for want in wanted:
            if aud != want and (aud.endswith(want) or want.endswith(aud)):
                return [f"the token's aud is the ApiResource name {aud!r} but the authorizer wants {want!r}: "
                        f"name the ApiResource {want!r}, or add {aud!r} to the authorizer's audience"]
    return [f"aud names the ApiResources holding the granted scopes: add an ApiResource named "
            f"{wanted[0] if wanted else '?'} holding the route's scope, or add {' '.join(held) or 'it'} "
            "to the authorizer's audience"]


def _scope_hints(claims: dict, scopes: tuple[str, ...], context: HintContext) -> list[str]:
    client_id = claims.get("client_id")
    allowed = context.client_scopes(client_id) if context.client_scopes and isinstance(client_id, str) else None
    if allowed is not None and not any(s in allowed for s in scopes):
        return [f"the token lacks {' '.join(scopes)} and client {client_id} is allowed only "
                f"{' '.join(allowed) or '(no scope)'}: add {scopes[0]} to its allowed_scopes"]
    return [f"the token lacks {' '.join(scopes)}: request scope={scopes[0]} "
            f"(the client must be allowed it)"]


def log_line(verdict: Verdict, auth: RouteAuth, route_key: str, hint_list: list[str]) -> str:
    """One line for the log: status, route, the failed check, held vs wanted, hints."""
    failed = verdict.failed
    line = (f"{verdict.status} {route_key}: authorizer {auth.authorizer.name} denied: {failed.name} "
            f"(the token holds {failed.held or '?'}; the authorizer wants {failed.wanted or '?'})")
    return line + "".join(f"; hint: {h}" for h in hint_list)


def as_dict(verdict: Verdict, auth: RouteAuth, hint_list: list[str]) -> dict:
    """``explain-token --json``: the answer, each check, the hints — never the token."""
    failed = verdict.failed
    return {
        "status": verdict.status,
        "allowed": verdict.allowed,
        "authorizer": auth.authorizer.name,
        "issuer": auth.authorizer.issuer,
        "audience": list(auth.authorizer.audience),
        "scopes": list(auth.scopes),
        "failed": failed.name if failed else None,
        "checks": [{"check": c.name, "passed": c.passed, "held": c.held, "wanted": c.wanted} for c in verdict.checks],
        "hints": hint_list,
    }


def judge(value: str | None, auth: RouteAuth, keys, now: float, context: HintContext = HintContext()) -> Verdict:
    """``jwt_authorizer.authorize`` with its hints: the one decision the local front and
    ``explain-token`` both make."""
    from .jwt_authorizer import authorize

    verdict = authorize(value, auth, keys, now)
    verdict.hints = hints(verdict, auth, value, now, context)
    return verdict
