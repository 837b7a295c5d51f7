"""Which signing key signs and which keys are published (DESIGN.md "Signing").

Rotation without a rejected token: a new key is added *pending* — published, so resource
servers that refresh their JWKS learn it — and made *active* no sooner than
``PUBLISH_DELAY`` later. The key it replaces becomes *retired*: it signs nothing more but
stays published for ``RETIREMENT_WINDOW`` seconds, after which no token it signed is still
valid and its record may be removed. A retired key still published may be activated
again (a rollback).

Both delays count what can lag behind the table: a warm function keeps key records for
its cache TTL (at most ``MAX_CACHE_TTL``, template.yaml's bound), so it may still sign
with the old key that long after an activation, and may publish a new key that long after
it was added; resource servers cache the JWKS for ``JWKS_MAX_AGE``; a new KMS key's tag
takes up to ``TAG_PROPAGATION`` to count in IAM; clocks differ by a little.

With no key records at all, the stack's own KMS key (``TOKENVEND_SIGNING_KEY_ID``) is the
one active, published key: a fresh deployment needs no key management.
"""

from __future__ import annotations

from dataclasses import replace

from .model import ACTIVE, MAX_ACCESS_TOKEN_LIFETIME, PENDING, RETIRED, SigningKeyRecord

MAX_CACHE_TTL = 3600
JWKS_MAX_AGE = 300
TAG_PROPAGATION = 300
CLOCK_SKEW = 300
PUBLISH_DELAY = MAX_CACHE_TTL + JWKS_MAX_AGE + TAG_PROPAGATION + CLOCK_SKEW
RETIREMENT_WINDOW = MAX_ACCESS_TOKEN_LIFETIME + MAX_CACHE_TTL + CLOCK_SKEW


class KeyLifecycleError(ValueError):
    """A key transition that would break issuance or verification."""


def active_key(records: list[SigningKeyRecord]) -> SigningKeyRecord | None:
    """The active key; should two be active (a hand edit), the last activated wins."""
    active = [r for r in records if r.status == ACTIVE]
    return max(active, key=lambda r: (r.activated_at or 0, r.kid)) if active else None


def retired_until(record: SigningKeyRecord) -> int | None:
    return None if record.retired_at is None else record.retired_at + RETIREMENT_WINDOW


def is_published(record: SigningKeyRecord, now: float) -> bool:
    if record.status in (PENDING, ACTIVE):
        return True
    until = retired_until(record)
    return record.status == RETIRED and until is not None and now < until


def published(records: list[SigningKeyRecord], now: float) -> list[SigningKeyRecord]:
    return sorted((r for r in records if is_published(r, now)), key=lambda r: (r.created_at, r.kid))


def activate(records: list[SigningKeyRecord], kid: str, now: int, *, force: bool = False) -> list[SigningKeyRecord]:
    """The records that change when ``kid`` becomes active: it, and the key it retires.

    A pending key must have been published for ``PUBLISH_DELAY`` (``force`` skips that, for
    a stack whose functions and resource servers are known to cache for less)."""
    by_kid = {r.kid: r for r in records}
    record = by_kid.get(kid)
    if record is None:
        raise KeyLifecycleError(f"no signing key {kid!r}")
    if record.status == ACTIVE:
        return []
    if record.status == RETIRED and not is_published(record, now):
        raise KeyLifecycleError(f"signing key {kid!r} is retired and no longer published; add a new key instead")
    if record.status == PENDING and now < record.created_at + PUBLISH_DELAY and not force:
        raise KeyLifecycleError(
            f"signing key {kid!r} has been published for {max(0, now - record.created_at)} s; activate it "
            f"after {record.created_at + PUBLISH_DELAY} (epoch seconds), when every function and resource "
            "server has it (or --force, if they cache for less)")
    changed = [replace(r, status=RETIRED, retired_at=now) for r in records if r.status == ACTIVE]
    return [replace(record, status=ACTIVE, activated_at=now, retired_at=None), *changed]


def check_removable(record: SigningKeyRecord, now: float) -> None:
    """Only a retired key whose last token has expired may go; a pending one may go too
    (it never signed)."""
    if record.status == ACTIVE:
        raise KeyLifecycleError(f"signing key {record.kid!r} is active; activate another key first")
    if record.status == RETIRED and is_published(record, now):
        raise KeyLifecycleError(
            f"signing key {record.kid!r} may still have valid tokens until {retired_until(record)} "
            "(epoch seconds); remove it after that")
