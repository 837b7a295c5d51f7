"""The small interfaces the core sees its dependencies through (cosmicpython's ports)."""

from __future__ import annotations

from typing import Protocol

from .model import Catalog, Client


class ClientStore(Protocol):
    def get_client(self, client_id: str, *, fresh: bool = False) -> Client | None:
        """The client, or None when no such client exists.

        ``fresh=True`` is the second look before a refusal: a cached record is read again
        unless the store read it very recently (a store bounds how often it re-reads)."""


class CatalogStore(Protocol):
    def get_catalog(self, *, fresh: bool = False) -> Catalog:
        """Every ApiScope and ApiResource; ``fresh`` as for ``ClientStore.get_client``."""


class Signer(Protocol):
    alg: str

    def kid(self) -> str:
        """The RFC 7638 thumbprint of the public key."""

    def public_jwk(self) -> dict:
        """The public key as a JWK with kid, alg and use."""

    def sign(self, message: bytes) -> bytes:
        """The JWS signature of ``message`` (raw r||s for ECDSA)."""


class ReplayCache(Protocol):
    def add_once(self, key: str, expires_at: int) -> bool:
        """Record ``key`` until ``expires_at``; False when it was already recorded."""


class KeySource(Protocol):
    def signing_key(self) -> Signer:
        """The key that signs now."""

    def published_keys(self) -> list[dict]:
        """The public JWKs the JWKS publishes (pending, active, and recently retired keys)."""

    def signing_algorithms(self) -> list[str]:
        """The algorithms of the published keys, known without a signer."""


class StaticKey:
    """A KeySource of one key: tests, benchmarks, and the envelope of a single signer."""

    def __init__(self, signer: Signer):
        self.signer = signer

    def signing_key(self) -> Signer:
        return self.signer

    def published_keys(self) -> list[dict]:
        return [self.signer.public_jwk()]

    def signing_algorithms(self) -> list[str]:
        return [self.signer.alg]

class RevocationList(Protocol):
    def revoke(self, jti: str, client_id: str, expires_at: int) -> None:
        """Record that the token ``jti`` of ``client_id`` is revoked, until ``expires_at``."""

    def is_revoked(self, jti: str) -> bool:
        """True when the token ``jti`` was revoked (and has not expired since)."""
