"""The revocation endpoint (RFC 7009): a client takes back its own access token.

§2.1: "The client also includes its authentication credentials as described in Section
2.3. of [RFC6749]": exactly as at the token endpoint (``authenticate_client``: Basic,
post or private_key_jwt; a client assertion's ``aud`` is the issuer or the token
endpoint, as IdentityServer accepts at every endpoint). "The authorization server first
validates the client credentials ... and then verifies whether the token was issued to
the client making the revocation request."

A revoked token's ``jti`` is recorded until the token's ``exp`` (the table's TTL removes
the record then); introspection answers ``{"active": false}`` for it from then on.

§2.2: "The authorization server responds with HTTP status code 200 if the token has been
revoked successfully or if the client submitted an invalid token." So a token that is
malformed, not this issuer's, expired, or another client's gets 200 and is left alone;
the log says which. ``token_type_hint=refresh_token`` is ``unsupported_token_type``
(§2.2.1): tokenvend issues no refresh tokens. Any other hint is ignored (§2.1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from .access_token import InvalidToken, verify_access_token
from .audit import TokenCheckAudit, records_failure
from .errors import UnsupportedTokenType
from .ports import ClientStore, KeySource, ReplayCache, RevocationList
from .presented_token import read_presented_token
from .paths import REVOCATION_PATH  # noqa: F401 — the revocation function's route
from .token_request import HttpRequest

LIMITS = {"token": 51200, "token_type_hint": 100, "client_id": 100, "client_secret": 100,
          "client_assertion_type": 100, "client_assertion": 51200}
REVOKED, LEFT_ALONE = "revoked", "left alone"


def revoke_own_token(token: str, client_id: str, published_keys: list[dict], issuer: str,
                     revocations: RevocationList, now: float, audit: TokenCheckAudit) -> dict | None:
    """Revoke ``token`` if it is a valid, unexpired token of ``client_id``; its claims when
    it was, else None (``audit`` says why).

    Also what ``tokenvend token revoke`` does as an operator."""
    try:
        claims = verify_access_token(token, published_keys, issuer, now)
    except InvalidToken as exc:
        if exc.claims:
            audit.token(exc.claims)
        audit.outcome, audit.reason = LEFT_ALONE, exc.reason
        return None
    audit.token(claims)
    if claims["client_id"] != client_id:
        audit.outcome, audit.reason = LEFT_ALONE, "the token was issued to another client"
        return None
    revocations.revoke(claims["jti"], client_id, int(claims["exp"]))
    audit.outcome = REVOKED
    return claims


@dataclass
class RevocationEndpoint:
    clients: ClientStore
    keys: KeySource
    revocations: RevocationList
    replay: ReplayCache | None = None
    clock: Callable[[], float] = time.time

    @records_failure
    def handle(self, http: HttpRequest, issuer: str, audit: TokenCheckAudit) -> None:
        """Return (the answer is 200) or raise the OAuthError of a bad request or client."""
        now = self.clock()
        request, client, token = read_presented_token(
            http, limits=LIMITS, endpoint="revocation endpoint", callers=self.clients, issuer=issuer, now=now,
            audit=audit, replay=self.replay)
        if request.get("token_type_hint") == "refresh_token":
            raise UnsupportedTokenType("tokenvend issues no refresh tokens; only access tokens can be revoked.")
        revoke_own_token(token, client.client_id, self.keys.published_keys(), issuer, self.revocations, now, audit)
