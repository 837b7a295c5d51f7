"""The configuration model, with IdentityServer 4+ semantics.

An ApiScope is what a client asks for (``scope``); an ApiResource is an audience
(``aud``) that groups scopes; a Client is allowed some scopes. Records are immutable
dataclasses so a cached catalog can be shared between requests safely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")

DEFAULT_ACCESS_TOKEN_LIFETIME = 3600
MAX_ACCESS_TOKEN_LIFETIME = 86400
DEFAULT_CLIENT_CLAIMS_PREFIX = "client_"
CLIENT_CREDENTIALS = "client_credentials"


@dataclass(frozen=True)
class ApiScope:
    name: str
    display_name: str = ""
    description: str = ""
    enabled: bool = True
    show_in_discovery_document: bool = True


@dataclass(frozen=True)
class ApiResource:
    """``secrets`` (IdentityServer's ApiSecrets) authenticate the resource at the
    introspection endpoint; they have a client secret's shape and rules."""

    name: str
    display_name: str = ""
    scopes: tuple[str, ...] = ()
    enabled: bool = True
    require_resource_indicator: bool = False
    secrets: tuple["ClientSecret", ...] = ()


@dataclass(frozen=True)
class ClientSecret:
    """A stored secret: never plaintext, always a hash (see ``tokenvend.client_secrets``)."""

    hash: str
    description: str = ""
    expiration: datetime | None = None
    # Set only when the secret was read as plaintext from a config file, so `apply` can
    # tell an unchanged secret from a new one; never stored, logged or compared.
    plaintext: str | None = field(default=None, repr=False, compare=False)

    def expired(self, now: datetime) -> bool:
        if self.expiration is None:
            return False
        expiration = self.expiration if self.expiration.tzinfo else self.expiration.replace(tzinfo=timezone.utc)
        return now >= expiration


@dataclass(frozen=True)
class Client:
    client_id: str
    client_name: str = ""
    enabled: bool = True
    secrets: tuple[ClientSecret, ...] = ()
    allowed_grant_types: tuple[str, ...] = (CLIENT_CREDENTIALS,)
    allowed_scopes: tuple[str, ...] = ()
    access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME
    claims: tuple[tuple[str, object], ...] = ()
    client_claims_prefix: str = DEFAULT_CLIENT_CLAIMS_PREFIX
    jwks: dict | None = None

    def token_lifetime(self) -> int:
        """The configured lifetime, capped: a record edited around the loader cannot
        mint a longer-lived token than the cap."""
        return max(1, min(self.access_token_lifetime, MAX_ACCESS_TOKEN_LIFETIME))

    def prefixed_claims(self) -> dict[str, object]:
        return {f"{self.client_claims_prefix}{name}": value for name, value in self.claims}


@dataclass(frozen=True)
class Catalog:
    """Every ApiScope and ApiResource, indexed by name."""

    api_scopes: dict[str, ApiScope] = field(default_factory=dict)
    api_resources: dict[str, ApiResource] = field(default_factory=dict)

    @classmethod
    def of(cls, api_scopes=(), api_resources=()) -> "Catalog":
        return cls({s.name: s for s in api_scopes}, {r.name: r for r in api_resources})

    def enabled_scope(self, name: str) -> ApiScope | None:
        scope = self.api_scopes.get(name)
        return scope if scope is not None and scope.enabled else None

    def enabled_resource(self, name: str) -> ApiResource | None:
        resource = self.api_resources.get(name)
        return resource if resource is not None and resource.enabled else None

    def discovery_scopes(self) -> list[str]:
        return sorted(
            s.name for s in self.api_scopes.values() if s.enabled and s.show_in_discovery_document
        )


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


PENDING, ACTIVE, RETIRED = "pending", "active", "retired"
KEY_STATUSES = (PENDING, ACTIVE, RETIRED)


@dataclass(frozen=True)
class SigningKeyRecord:
    """A signing key's place in its life (DESIGN.md "Signing"): pending (published in the
    JWKS, not yet signing) → active (signing) → retired (still published until every token
    it signed has expired) → removed (the record is deleted).

    ``public_jwk`` is kept with the record so discovery never asks KMS for it.
    ``wrapped_key`` is set for an envelope key (``tokenvend.adapters.envelope``): the private
    key, encrypted under the KMS symmetric key ``key_id``; otherwise ``key_id`` is the KMS
    asymmetric key that signs.
    """

    kid: str
    key_id: str  # the KMS key ARN
    alg: str
    status: str
    public_jwk: dict = field(default_factory=dict)
    created_at: int = 0
    activated_at: int | None = None
    retired_at: int | None = None
    wrapped_key: str | None = None
