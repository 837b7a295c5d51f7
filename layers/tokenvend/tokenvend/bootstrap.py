"""The composition root: build the adapters from environment variables, once per container.

Variables (set by template.yaml; ``tokenvend dev`` and the sam env file set them locally):

- ``TOKENVEND_TABLE``: the DynamoDB table name.
- ``TOKENVEND_SIGNING_KEY_ID``: the KMS key id, ARN or alias of the stack's key, which signs
  while the table holds no signing-key records (see ``tokenvend.key_lifecycle``).
- ``TOKENVEND_SIGNING_ALG``: RS256 (default), ES256, ES384 or ES512.
- ``TOKENVEND_ISSUER``: https URL without a trailing slash; empty means
  ``https://{requestContext.domainName}``, API Gateway's own host field (never a
  client-sent header). Plain http is accepted only for loopback hosts, for local runs.
- ``TOKENVEND_CACHE_TTL``: seconds a warm function keeps clients, the catalog and key records (10).
- ``AWS_ENDPOINT_URL``: boto3's own override, pointing every client at moto locally.

Each function builds only the endpoints it serves (``endpoints=``), and each endpoint's
module is imported only then: the discovery function, which the API Gateway authorizer
fetches under a 1500 ms deadline, loads neither the token path (client authentication,
PyJWT) nor the token checks of introspection and revocation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .adapters.aws import aws_client
from .adapters.dynamodb import DEFAULT_TTL, DynamoDBReplayCache, DynamoDBStore
from .adapters.keyring import KeyRing
from .adapters.kms import KmsSigner

if TYPE_CHECKING:
    from .introspection import IntrospectionEndpoint
    from .revocation import RevocationEndpoint
    from .token_endpoint import TokenEndpoint

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_issuer(issuer: str) -> str:
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
    if not secure or not parts.netloc or issuer.endswith("/") or parts.query or parts.fragment:
        raise ValueError(f"TOKENVEND_ISSUER {issuer!r} must be an https URL without a trailing slash")
    return issuer


@dataclass(frozen=True)
class Settings:
    table: str
    signing_key_id: str
    signing_alg: str = "RS256"
    issuer: str = ""
    cache_ttl: float = DEFAULT_TTL

    @classmethod
    def from_env(cls, environ=os.environ) -> "Settings":
        issuer = environ.get("TOKENVEND_ISSUER", "").strip()
        return cls(
            table=environ["TOKENVEND_TABLE"],
            signing_key_id=environ["TOKENVEND_SIGNING_KEY_ID"],
            signing_alg=environ.get("TOKENVEND_SIGNING_ALG") or "RS256",
            issuer=check_issuer(issuer) if issuer else "",
            cache_ttl=float(environ.get("TOKENVEND_CACHE_TTL") or DEFAULT_TTL),
        )

    def issuer_for(self, domain_name: str) -> str:
        return self.issuer or f"https://{domain_name}"


@dataclass
class Container:
    settings: Settings
    store: DynamoDBStore
    keys: KeyRing
    token_endpoint: TokenEndpoint | None = None  # each None unless ``build`` was asked for it
    introspection_endpoint: IntrospectionEndpoint | None = None
    revocation_endpoint: RevocationEndpoint | None = None


ENDPOINTS = ("token", "introspection", "revocation")


def _endpoint(name: str, settings: Settings, dynamodb, store: DynamoDBStore, keys: KeyRing) -> Any:
    if name == "token":
        from .token_endpoint import TokenEndpoint
        return TokenEndpoint(store, store, keys, DynamoDBReplayCache(settings.table, dynamodb))
    from .adapters.revocations import DynamoDBRevocations
    revocations = DynamoDBRevocations(settings.table, dynamodb)
    if name == "introspection":
        from .introspection import IntrospectionEndpoint
        return IntrospectionEndpoint(store, keys, revocations)
    from .revocation import RevocationEndpoint
    return RevocationEndpoint(store, keys, revocations, DynamoDBReplayCache(settings.table, dynamodb))


def build(settings: Settings | None = None, *, signs: bool = True, endpoints=ENDPOINTS) -> Container:
    """The adapters, and the endpoints named in ``endpoints`` (of ``ENDPOINTS``; none for
    the discovery function, which reads the store and the key ring only). ``signs=False``:
    the key ring keeps public halves only."""
    unknown = set(endpoints) - set(ENDPOINTS)
    if unknown:
        raise ValueError(f"no such endpoint: {', '.join(sorted(unknown))}")
    settings = settings or Settings.from_env()
    dynamodb = aws_client("dynamodb")
    store = DynamoDBStore(settings.table, dynamodb, ttl=settings.cache_ttl)
    kms = aws_client("kms")
    default = KmsSigner(settings.signing_key_id, settings.signing_alg, kms)
    keys = KeyRing(settings.table, dynamodb, kms, default, ttl=settings.cache_ttl, signs=signs)
    built = {f"{name}_endpoint": _endpoint(name, settings, dynamodb, store, keys) for name in endpoints}
    return Container(settings, store, keys, **built)
