"""The small interfaces the core sees its dependencies through (cosmicpython's ports)."""

from __future__ import annotations

from typing import Protocol

from .model import Catalog, Client


class ClientStore(Protocol):
    def get_client(self, client_id: str) -> Client | None:
        """The client, or None when no such client exists."""


class CatalogStore(Protocol):
    def get_catalog(self) -> Catalog:
        """Every ApiScope and ApiResource."""


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


class StaticKey:
    """A KeySource of one key: tests, benchmarks, and the envelope of a single signer."""

    def __init__(self, signer: Signer):
        self.signer = signer

    def signing_key(self) -> Signer:
        return self.signer

    def published_keys(self) -> list[dict]:
        return [self.signer.public_jwk()]


class RevocationList(Protocol):
    def revoke(self, jti: str, client_id: str, expires_at: int) -> None:
        """Record that the token ``jti`` of ``client_id`` is revoked, until ``expires_at``."""

    def is_revoked(self, jti: str) -> bool:
        """True when the token ``jti`` was revoked (and has not expired since)."""
