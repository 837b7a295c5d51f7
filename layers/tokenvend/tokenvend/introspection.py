"""The introspection endpoint (RFC 7662): an API asks whether a token is active.

§2.1: "the endpoint MUST also require some form of authorization to access this
endpoint": the caller authenticates as an ApiResource with its secrets (IdentityServer's
ApiSecrets), by ``client_secret_basic`` or ``client_secret_post`` with the resource's
name as the client_id — through ``authenticate_client`` itself, so a resource meets every
rule a client does (one generic ``invalid_client``, the Basic challenge, equal timing).
As in IdentityServer, that name is at most 100 characters when used to authenticate.

§2.2: "If the introspection call is properly authorized but the token is not active,
does not exist on this server, or the protected resource is not allowed to introspect
this particular token, then the authorization server MUST return an introspection
response with the "active" field set to "false"" — exactly ``{"active": false}``, with
no hint why; the log says why. A resource may introspect a token whose ``aud`` includes
it. ``token_type_hint`` is read and otherwise ignored (§2.1: the server "MAY ignore this
parameter").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from .access_token import InvalidToken, audiences, verify_access_token
from .audit import TokenCheckAudit, records_failure
from .model import Client
from .ports import CatalogStore, KeySource, RevocationList
from .presented_token import read_presented_token
from .paths import INTROSPECTION_PATH  # noqa: F401 — the introspection function's route
from .token_request import HttpRequest

# Token: as long as a client assertion may be (IdentityServer's Jwt limit).
LIMITS = {"token": 51200, "token_type_hint": 100, "client_id": 100, "client_secret": 100}
INACTIVE = {"active": False}
# RFC 7662 §2.2's members that a tokenvend access token carries, in the RFC's order.
MEMBERS = ("scope", "client_id", "token_type", "exp", "iat", "nbf", "sub", "aud", "iss", "jti")


@dataclass(frozen=True)
class ResourcesAsClients:
    """The catalog's api resources as the ClientStore ``authenticate_client`` reads: the
    name is the client_id; secrets and ``enabled`` are the resource's."""

    catalog: CatalogStore

    def get_client(self, name: str, *, fresh: bool = False) -> Client | None:
        resource = self.catalog.get_catalog(fresh=fresh).api_resources.get(name)
        if resource is None:
            return None
        return Client(resource.name, enabled=resource.enabled, secrets=resource.secrets, allowed_grant_types=())


@dataclass
class IntrospectionEndpoint:
    catalog: CatalogStore
    keys: KeySource
    revocations: RevocationList
    clock: Callable[[], float] = time.time

    @records_failure
    def handle(self, http: HttpRequest, issuer: str, audit: TokenCheckAudit) -> dict:
        """The §2.2 response body, or raise the OAuthError of a bad request or caller."""
        now = self.clock()
        _, resource, token = read_presented_token(
            http, limits=LIMITS, endpoint="introspection endpoint", callers=ResourcesAsClients(self.catalog),
            issuer=issuer, now=now, audit=audit)

        def inactive(reason: str) -> dict:
            audit.outcome, audit.reason = "inactive", reason
            return dict(INACTIVE)

        try:
            claims = verify_access_token(token, self.keys.published_keys(), issuer, now)
        except InvalidToken as exc:
            if exc.claims:
                audit.token(exc.claims)
            return inactive(exc.reason)
        audit.token(claims)
        if resource.client_id not in audiences(claims):
            return inactive("aud does not include the calling resource")
        if self.revocations.is_revoked(claims["jti"]):
            return inactive("revoked")
        audit.outcome = "active"
        values = {**claims, "token_type": "Bearer"}
        return {"active": True, **{name: values[name] for name in MEMBERS if name in values}}
