"""Client secrets: stored as salted hashes, compared in constant time.

Stored forms:

- ``pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`` — what tokenvend writes. PBKDF2 is
  in the standard library; the iteration count is modest because client secrets are
  generated with 256 bits of entropy (a stretch buys little) and the cost is paid on every
  token request. Development configs may hold weak secrets; those never reach production
  (``tokenvend.config`` refuses them there).
- ``sha256:<b64>`` or a bare 44-character base64 value — IdentityServer's
  ``"secret".Sha256()`` (base64 of SHA-256 of the UTF-8 secret), accepted as imported.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as _random

PBKDF2_PREFIX = "pbkdf2-sha256"
PBKDF2_ITERATIONS = 10_000
IDENTITYSERVER_PREFIX = "sha256:"
WEAK_SECRET_LENGTH = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_secret(secret: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, iterations)
    return f"{PBKDF2_PREFIX}${iterations}${_b64(salt)}${_b64(digest)}"


def identityserver_sha256(secret: str) -> str:
    """IdentityServer's ``Sha256()`` extension: base64(SHA-256(UTF-8 bytes))."""
    return _b64(hashlib.sha256(secret.encode("utf-8")).digest())


def is_hash(value: str) -> bool:
    """True for any stored form this module can verify."""
    return _parse(value) is not None


def _parse(stored: str):
    if stored.startswith(PBKDF2_PREFIX + "$"):
        parts = stored.split("$")
        if len(parts) != 4 or not parts[1].isdigit() or int(parts[1]) < 1:
            return None
        try:
            return ("pbkdf2", int(parts[1]), base64.b64decode(parts[2], validate=True),
                    base64.b64decode(parts[3], validate=True))
        except ValueError:
            return None
    value = stored[len(IDENTITYSERVER_PREFIX):] if stored.startswith(IDENTITYSERVER_PREFIX) else stored
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    return ("sha256", 0, b"", raw) if len(raw) == 32 and len(value) == 44 else None


def verify_secret(secret: str, stored: str) -> bool:
    """Compare a presented secret with a stored hash in constant time."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    kind, iterations, salt, expected = parsed
    if kind == "pbkdf2":
        actual = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, iterations)
    else:
        actual = hashlib.sha256(secret.encode("utf-8")).digest()
    return hmac.compare_digest(actual, expected)


def generate_secret() -> str:
    """A new client secret: 32 random bytes (256 bits), URL-safe base64 (43 characters)."""
    return _random.token_urlsafe(32)


def is_weak(secret: str) -> bool:
    return len(secret) < WEAK_SECRET_LENGTH
