"""Hand-written fakes for the core's ports (cosmicpython style), and request builders.

Nothing here touches AWS: the stores are dicts, the signer holds a local key from
``cryptography`` and signs the way KMS does (RAW message; ECDSA DER converted to r||s).
"""

from __future__ import annotations

import functools
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jwt.utils import der_to_raw_signature

from tokenvend.config import Config
from tokenvend.jwk import signing_jwk
from tokenvend.model import Catalog, Client
from tokenvend.token_request import FORM_CONTENT_TYPE, HttpRequest

from support import basic  # noqa: F401  (re-exported: the unit tests' Basic header)

# A frozen second of wall-clock time: PyJWT checks `exp` against the wall clock, both in
# the tests' verification and in the core's client-assertion check.
FIXED_NOW = float(int(time.time()))

EC_ALGORITHMS = {
    "ES256": (ec.SECP256R1, hashes.SHA256),
    "ES384": (ec.SECP384R1, hashes.SHA384),
    "ES512": (ec.SECP521R1, hashes.SHA512),
}
SIGNING_ALGORITHMS = ("RS256", *EC_ALGORITHMS)


class FixedClock:
    """The endpoint's clock: always the same instant, moved only by the test."""

    def __init__(self, now: float = FIXED_NOW):
        self.now = now

    def __call__(self) -> float:
        return self.now


class InMemoryStore:
    """ClientStore and CatalogStore over plain dicts."""

    def __init__(self, clients: tuple[Client, ...] | list[Client] = (), catalog: Catalog | None = None):
        self.clients = {c.client_id: c for c in clients}
        self.catalog = catalog if catalog is not None else Catalog()

    @classmethod
    def from_config(cls, config: Config) -> "InMemoryStore":
        return cls(config.clients, config.catalog)

    def get_client(self, client_id: str, *, fresh: bool = False) -> Client | None:
        return self.clients.get(client_id)

    def get_catalog(self, *, fresh: bool = False) -> Catalog:
        return self.catalog


class InMemoryReplayCache:
    """A key is refused while an earlier use of it has not expired."""

    def __init__(self, clock=None):
        self.clock = clock if clock is not None else FixedClock()
        self.seen: dict[str, int] = {}

    def add_once(self, key: str, expires_at: int) -> bool:
        if key in self.seen and self.seen[key] > self.clock():
            return False
        self.seen[key] = expires_at
        return True


@functools.cache
def private_key(alg: str, label: str = "signer"):
    """One key per algorithm and label for the whole run (RSA generation is slow)."""
    if alg.startswith("RS"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(EC_ALGORITHMS[alg][0]())


class LocalSigner:
    """A Signer with the private key in memory, producing what KMS Sign would."""

    def __init__(self, alg: str = "RS256", key=None):
        self.alg = alg
        self.private_key = key if key is not None else private_key(alg)
        self.public_key = self.private_key.public_key()
        der = self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self._jwk = signing_jwk(der, alg)

    def kid(self) -> str:
        return self._jwk["kid"]

    def public_jwk(self) -> dict:
        return dict(self._jwk)

    def sign(self, message: bytes) -> bytes:
        if self.alg == "RS256":
            return self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        curve, digest = EC_ALGORITHMS[self.alg]
        der = self.private_key.sign(message, ec.ECDSA(digest()))  # KMS answers DER
        return der_to_raw_signature(der, curve())


def form(*pairs: tuple[str, str], **params: str) -> bytes:
    """A form body; ``pairs`` keep order and may repeat a name."""
    return urlencode([*pairs, *params.items()]).encode("ascii")


def http(body: bytes = b"", *, method: str = "POST", content_type: str | None = FORM_CONTENT_TYPE,
         authorization: str | None = None) -> HttpRequest:
    headers = {}
    if content_type is not None:
        headers["content-type"] = content_type
    if authorization is not None:
        headers["authorization"] = authorization
    return HttpRequest(method=method, headers=headers, body=body, domain_name="tokens.example.com")


class InMemoryRevocations:
    """RevocationList over a dict: jti -> (client_id, expires_at)."""

    def __init__(self):
        self.revoked: dict[str, tuple[str, int]] = {}

    def revoke(self, jti: str, client_id: str, expires_at: int) -> None:
        self.revoked[jti] = (client_id, expires_at)

    def is_revoked(self, jti: str) -> bool:
        return jti in self.revoked
