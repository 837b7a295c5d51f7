"""Client secrets: stored as salted hashes, compared in constant time, in a fixed number of slots.

Stored forms:

- ``hmac-sha256$<salt b64>$<mac b64>`` — what tokenvend writes: HMAC-SHA256 keyed by a
  16-byte random salt over the UTF-8 secret. The secret is the HMAC *message*, not its key,
  so there is neither HMAC's zero padding of a short key nor the replacement of a long key
  by its digest: no second string verifies. It costs about a microsecond; a generated
  secret carries 256 random bits, so a leaked table still does not reveal it (stretching
  buys nothing there), and a low-entropy secret is refused when a production config is
  loaded (``is_weak``).
- ``pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`` — what tokenvend wrote before;
  still verified. PBKDF2 uses the secret as an HMAC key, so ``secret`` and ``secret\\0``
  would be equal there; presented secrets outside RFC 6749's VSCHAR are refused before any
  comparison (``presentable``), which closes both equivalences. A verified PBKDF2 pair is
  remembered per container (``_VERIFIED``) so a warm request does not pay PBKDF2 again.
- ``sha256:<b64>`` or a bare 44-character base64 value — IdentityServer's
  ``"secret".Sha256()`` (base64 of SHA-256 of the UTF-8 secret), accepted as imported.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import secrets as _random
from typing import Iterable, Sequence

from .secret_strength import MIN_SECRET_BITS, WEAK_SECRET_LENGTH, estimated_bits, is_weak  # noqa: F401

HMAC_PREFIX = "hmac-sha256"
PBKDF2_PREFIX = "pbkdf2-sha256"
PBKDF2_ITERATIONS = 10_000
IDENTITYSERVER_PREFIX = "sha256:"
# Every verification compares the presented secret with this many stored hashes (a client's
# secrets, then dummies), so an unknown client, one secret and several take the same time.
SECRET_SLOTS = 5
_VERIFIED: dict[tuple[str, bytes], bool] = {}
_VERIFIED_MAX = 1024
_CONTAINER_KEY = os.urandom(32)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _hmac(salt: bytes, secret: str) -> bytes:
    return hmac.new(salt, secret.encode("utf-8"), hashlib.sha256).digest()


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    """The stored form tokenvend writes: ``hmac-sha256$salt$HMAC(salt, secret)``."""
    salt = salt if salt is not None else os.urandom(16)
    return f"{HMAC_PREFIX}${_b64(salt)}${_b64(_hmac(salt, secret))}"


def pbkdf2_hash(secret: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes | None = None) -> str:
    """The legacy form (tokenvend before ``hmac-sha256``); kept to verify and test old values."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, iterations)
    return f"{PBKDF2_PREFIX}${iterations}${_b64(salt)}${_b64(digest)}"


def identityserver_sha256(secret: str) -> str:
    """IdentityServer's ``Sha256()`` extension: base64(SHA-256(UTF-8 bytes))."""
    return _b64(hashlib.sha256(secret.encode("utf-8")).digest())


def is_hash(value: str) -> bool:
    """True for any stored form this module can verify."""
    return isinstance(value, str) and _parse(value) is not None


def _decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)  # stored values repeat on every request of a warm container
def _parse(stored: str):
    if not isinstance(stored, str):
        return None
    parts = stored.split("$")
    if parts[0] == HMAC_PREFIX:
        salt, mac = (_decode(parts[1]), _decode(parts[2])) if len(parts) == 3 else (None, None)
        return ("hmac", 0, salt, mac) if salt and mac is not None and len(mac) == 32 else None
    if parts[0] == PBKDF2_PREFIX:
        if len(parts) != 4 or not parts[1].isdigit() or int(parts[1]) < 1:
            return None
        salt, digest = _decode(parts[2]), _decode(parts[3])
        return ("pbkdf2", int(parts[1]), salt, digest) if salt is not None and digest is not None else None
    value = stored[len(IDENTITYSERVER_PREFIX):] if stored.startswith(IDENTITYSERVER_PREFIX) else stored
    raw = _decode(value)
    return ("sha256", 0, b"", raw) if raw is not None and len(raw) == 32 and len(value) == 44 else None


_VSCHAR = re.compile(r"[\x20-\x7e]*")


def presentable(secret: str) -> bool:
    """RFC 6749 Appendix A.2: ``client-secret = *VSCHAR`` (%x20-7E). Anything else was never
    a registered secret; refusing it before comparing closes PBKDF2's equivalent keys."""
    return _VSCHAR.fullmatch(secret) is not None


def _pbkdf2(secret: str, stored: str, iterations: int, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, iterations)


def verify_secret(secret: str, stored: str) -> bool:
    """Compare a presented secret with one stored hash in constant time."""
    if not isinstance(secret, str) or not isinstance(stored, str) or not presentable(secret):
        return False
    return _verify(secret, stored)


def _verify(secret: str, stored: str) -> bool:
    """``verify_secret`` for a secret already known to be presentable."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    kind, iterations, salt, expected = parsed
    if kind == "hmac":
        return hmac.compare_digest(_hmac(salt, secret), expected)
    if kind == "sha256":
        return hmac.compare_digest(hashlib.sha256(secret.encode("utf-8")).digest(), expected)
    remembered = (stored, _hmac(_CONTAINER_KEY, secret))
    if remembered in _VERIFIED:
        return True
    ok = hmac.compare_digest(_pbkdf2(secret, stored, iterations, salt), expected)
    if ok:
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[remembered] = True
    return ok


_DUMMIES = tuple(hash_secret(_random.token_urlsafe(32)) for _ in range(SECRET_SLOTS))


def verify_in_slots(candidates: Iterable[str], stored: Sequence[str]) -> list[tuple[int, int]]:
    """Every (candidate, stored) index pair that verifies, after exactly
    ``max(SECRET_SLOTS, len(stored))`` comparisons per candidate: the client's hashes, then
    dummies. The time does not tell an unknown client (``stored`` empty) from a known one,
    nor one secret from several (for the ``hmac-sha256`` and ``sha256`` forms; a legacy
    PBKDF2 hash costs PBKDF2's time in its slot)."""
    slots = list(stored) + list(_DUMMIES[: max(0, SECRET_SLOTS - len(stored))])
    matches = []
    for i, candidate in enumerate(candidates):
        if not isinstance(candidate, str) or not presentable(candidate):
            continue  # never a registered secret (Appendix A.2); its time tells the caller nothing new
        for j, value in enumerate(slots):
            if _verify(candidate, value) and j < len(stored):
                matches.append((i, j))
    return matches


def generate_secret() -> str:
    """A new client secret: 32 random bytes (256 bits), URL-safe base64 (43 characters)."""
    return _random.token_urlsafe(32)
