"""API Gateway's HTTP API JWT authorizer, as one decision that the local API front and
``tokenvend explain-token`` both call (so the two cannot disagree).

The workflow is API Gateway's, from "Control access to HTTP APIs with JWT authorizers"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
"Check the identitySource for a token. The identitySource can include only the token, or
the token prefixed with Bearer. Decode the token. Check the token's algorithm and
signature by using the public key that is fetched from the issuer's jwks_uri. Currently,
only RSA-based algorithms are supported." Then the claims: ``kid`` must match a key in the
``jwks_uri``; ``iss`` must match the authorizer's issuer; ``aud`` or ``client_id`` must
match one of its audience entries ("API Gateway validates client_id only if aud is not
present"); ``exp`` after, ``nbf`` and ``iat`` before the current time; ``scope`` or
``scp`` must include at least one of the route's ``authorizationScopes``. "If any of these
steps fail, API Gateway denies the API request."

Choices where API Gateway documents nothing (README "The choices where API Gateway documents nothing"):
- The order: ``iss`` is checked right after the algorithm and before the key, since the
  key is looked up in the configured issuer's JWKS — a token of another issuer is named
  for its ``iss``, not for a key that could not be there. Every check is still evaluated
  where it can be, so ``explain-token`` shows them all; the first failure decides.
- A token without ``exp`` is refused (tokenvend's tokens always carry one); ``nbf`` and
  ``iat`` are checked only when present; there is no clock-skew leeway.
- The ``Bearer`` prefix is matched case-insensitively (RFC 7235 §2.1: the scheme is
  case-insensitive). RSA means RS256/384/512 and PS256/384/512.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jwt as pyjwt

RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
HEADER_SOURCE = "$request.header."
QUERY_SOURCE = "$request.querystring."
CHECKS = ("token", "jwt", "alg", "iss", "kid", "signature", "aud", "exp", "nbf", "iat", "scope")


class KeysUnavailable(RuntimeError):
    """The issuer's discovery document or JWKS could not be fetched or read."""


@dataclass(frozen=True)
class JwtAuthorizer:
    """One ``Auth.Authorizers`` entry of an HttpApi (``JwtConfiguration`` + ``IdentitySource``)."""

    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"


@dataclass(frozen=True)
class RouteAuth:
    """What a route requires: its authorizer and its ``AuthorizationScopes`` (none: any token)."""

    authorizer: JwtAuthorizer
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None  # None: could not be evaluated (an earlier step failed)
    held: str = ""  # what the token held
    wanted: str = ""  # what the authorizer wanted


@dataclass
class Verdict:
    """The authorizer's answer: 200 (the claims go to the function), 401 or 403, and why."""

    checks: list[Check]
    claims: dict | None = None
    hints: list[str] = field(default_factory=list)

    @property
    def failed(self) -> Check | None:
        return next((c for c in self.checks if c.passed is False), None) or \
            next((c for c in self.checks if c.passed is None), None)

    @property
    def status(self) -> int:
        failed = self.failed
        return 200 if failed is None else 403 if failed.name == "scope" else 401

    @property
    def allowed(self) -> bool:
        return self.status == 200


def token_from(source: str, headers: dict[str, str], query: dict[str, str] | None = None) -> str | None:
    """The identity source's value: a header (case-insensitive) or a query parameter."""
    if source.startswith(HEADER_SOURCE):
        wanted = source[len(HEADER_SOURCE):].lower()
        return next((v for k, v in headers.items() if k.lower() == wanted), None)
    if source.startswith(QUERY_SOURCE):
        return (query or {}).get(source[len(QUERY_SOURCE):])
    return None


def _bare(value: str) -> str:
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else value.strip()


def token_audiences(claims: dict) -> list[str]:
    """``aud`` (a string or a list), or ``client_id`` when ``aud`` is absent."""
    aud = claims.get("aud") if "aud" in claims else claims.get("client_id")
    if isinstance(aud, str):
        return [aud]
    return [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []


def token_scopes(claims: dict) -> list[str] | None:
    """The scopes a token claims: ``scope`` (space-separated) else ``scp`` (a string or a
    list); None when it has neither — what API Gateway hands on as ``scopes``."""
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(v) for v in value]
    return None


def _all_scopes(claims: dict) -> set[str]:
    found = set()
    for name in ("scope", "scp"):  # "any one suffices": either claim may hold the route's scope
        value = claims.get(name)
        found |= set(value.split()) if isinstance(value, str) else {str(v) for v in value} \
            if isinstance(value, list) else set()
    return found


def _shown(values) -> str:
    return " ".join(values) if values else "(none)"


def authorize(value: str | None, auth: RouteAuth, keys, now: float) -> Verdict:
    """Decide as API Gateway would for the identity source's ``value`` on a route needing
    ``auth``; ``keys.key(issuer, kid)`` answers the issuer's JWK (or None), or raises
    KeysUnavailable. ``now`` is epoch seconds."""
    checks: list[Check] = []
    authorizer = auth.authorizer
    if value is None or not value.strip():
        checks.append(Check("token", False, "nothing: no " + authorizer.identity_source.rsplit(".", 1)[-1],
                            "a token in " + authorizer.identity_source))
        return Verdict(checks)
    checks.append(Check("token", True))
    token = _bare(value)
    try:
        header = pyjwt.get_unverified_header(token)
        claims = pyjwt.decode(token, options={"verify_signature": False})
    except (pyjwt.PyJWTError, ValueError, TypeError):
        checks.append(Check("jwt", False, "a value that is not a JWT", "a signed JWT (header.payload.signature)"))
        return Verdict(checks)
    checks.append(Check("jwt", True))
    alg = str(header.get("alg"))
    checks.append(Check("alg", alg in RSA_ALGORITHMS, alg, " ".join(RSA_ALGORITHMS)))
    iss = claims.get("iss")
    checks.append(Check("iss", iss == authorizer.issuer, str(iss), authorizer.issuer))
    kid = header.get("kid")
    checks += _key_checks(token, alg, kid, authorizer.issuer, keys, iss == authorizer.issuer)
    held = token_audiences(claims)
    checks.append(Check("aud", any(a in authorizer.audience for a in held),
                        _shown(held), "one of " + _shown(authorizer.audience)))
    checks += _time_checks(claims, now)
    if auth.scopes:
        granted = _all_scopes(claims)
        checks.append(Check("scope", any(s in granted for s in auth.scopes),
                            _shown(sorted(granted)), "one of " + _shown(auth.scopes)))
    return Verdict(checks, claims)


def _key_checks(token, alg, kid, issuer, keys, same_issuer) -> list[Check]:
    if not same_issuer or alg not in RSA_ALGORITHMS:
        return [Check("kid", None, str(kid)), Check("signature", None)]
    try:
        jwk = keys.key(issuer, kid) if isinstance(kid, str) else None
    except KeysUnavailable as exc:
        return [Check("kid", False, str(kid), f"a key of {issuer}'s JWKS ({exc})"), Check("signature", None)]
    if jwk is None:
        return [Check("kid", False, str(kid), f"a kid in {issuer}'s JWKS"), Check("signature", None)]
    try:
        pyjwt.api_jws.decode_complete(token, pyjwt.PyJWK(jwk, alg).key, algorithms=[alg])
        good = True
    except (pyjwt.PyJWTError, ValueError, TypeError):
        good = False
    return [Check("kid", True, kid), Check("signature", good, "" if good else "a signature that does not verify",
                                           f"{alg} by {issuer}'s key {kid}")]


def _time_checks(claims: dict, now: float) -> list[Check]:
    def number(name):
        value = claims.get(name)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    exp, nbf, iat = number("exp"), number("nbf"), number("iat")
    checks = [Check("exp", exp is not None and now < exp, "none" if exp is None else str(exp), f"after {int(now)}")]
    if "nbf" in claims:
        checks.append(Check("nbf", nbf is not None and nbf <= now, str(claims["nbf"]), f"at or before {int(now)}"))
    if "iat" in claims:
        checks.append(Check("iat", iat is not None and iat <= now, str(claims["iat"]), f"at or before {int(now)}"))
    return checks
