"""The token endpoint: the client credentials grant, every step of DESIGN.md in order.

RFC 6749 §4.4: "The client can request an access token using only its client
credentials ... The client credentials grant type MUST only be used by confidential
clients." Steps 1–2 read the request, 3 checks the grant type, 4 authenticates the
client, 5 checks it may use the grant, 6–8 resolve scopes, resources and audience, and
9 signs an RFC 9068 access token. The first failure raises; nothing is returned but data.

The stores may answer from a cache. DESIGN.md: what is cached "never makes it refuse a
request that the table would allow: before answering invalid_client for a known client or
invalid_scope/invalid_target, it re-reads that record once ... and answers from the fresh
read." So a step that would refuse is run once more over a second look (``fresh=True``;
the store bounds how often that reads).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from .audit import TokenAudit, records_failure
from .authenticate_client import presented_client_id
from .claims import access_token_claims, access_token_header, new_jti
from .errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType, echo
from .jws import sign, signing_input
from .model import CLIENT_CREDENTIALS
from .ports import CatalogStore, ClientStore, KeySource, ReplayCache
from .second_look import authenticate_with_fresh_reads
from .resolution import parse_scope, resolve
from .signing_limits import KMS_RAW_MESSAGE_LIMIT
from .paths import COGNITO_TOKEN_PATH, TOKEN_PATH  # noqa: F401 — the token function's routes
from .token_request import HttpRequest, read_token_request


@dataclass
class TokenEndpoint:
    clients: ClientStore
    catalog: CatalogStore
    keys: KeySource
    replay: ReplayCache | None = None
    clock: Callable[[], float] = time.time

    @records_failure
    def handle(self, http: HttpRequest, issuer: str, audit: TokenAudit) -> dict:
        """Return the §5.1 success body, or raise the first OAuthError; fill ``audit``."""
        request = read_token_request(http)
        audit.grant_type = request.get("grant_type")
        audit.requested_resources = list(request.resources)
        scope = request.get("scope")
        audit.scope_omitted = scope is None
        audit.requested_scopes = parse_scope(scope)

        grant_type = request.get("grant_type")
        if grant_type is None:
            raise InvalidRequest("The 'grant_type' parameter is missing.")
        if grant_type != CLIENT_CREDENTIALS:
            raise UnsupportedGrantType(f"The grant type '{echo(grant_type)}' is not supported; use client_credentials.")

        now = self.clock()
        audit.client_id = presented_client_id(request)
        client, method, audit.basic_form = authenticate_with_fresh_reads(
            request, self.clients, now=now, issuer=issuer, token_endpoint=issuer + TOKEN_PATH, replay=self.replay)
        audit.client_id, audit.auth_method = client.client_id, method

        if CLIENT_CREDENTIALS not in client.allowed_grant_types:
            raise UnauthorizedClient("The client is not allowed the client_credentials grant.")

        decision = resolve(client, self.catalog.get_catalog(), scope, list(request.resources), issuer)
        if decision.error is not None:
            fresh = self.clients.get_client(client.client_id, fresh=True)
            if fresh is not None and fresh.enabled:
                client = fresh
                decision = resolve(client, self.catalog.get_catalog(fresh=True), scope, list(request.resources), issuer)
        if decision.error is not None:
            raise decision.error
        audit.granted_scopes, audit.aud = decision.granted, decision.aud

        signer = self.keys.signing_key()
        kid, jti = signer.kid(), new_jti()
        header = access_token_header(signer.alg, kid)
        claims = access_token_claims(issuer=issuer, client=client, scopes=decision.granted,
                                     aud=decision.aud, now=int(now), jti=jti)
        message = signing_input(header, claims)  # built once: measured, then signed
        if len(message) > KMS_RAW_MESSAGE_LIMIT:
            raise InvalidRequest("The token would be too large to sign; request fewer resources or scopes.")
        token = sign(message, signer)
        audit.kid, audit.jti, audit.expires_in = kid, jti, client.token_lifetime()
        audit.outcome = "issued"
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": client.token_lifetime(),
            "scope": claims["scope"],
        }
