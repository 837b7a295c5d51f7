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
it was added; verifiers cache the JWKS — generic ones for ``JWKS_MAX_AGE`` (the JWKS's
``max-age``), API Gateway's HTTP API JWT authorizer for up to ``APIGW_JWKS_CACHE`` (2 h)
whatever the max-age says; a new KMS key's tag takes up to ``TAG_PROPAGATION`` to count in
IAM; clocks differ by a little; ``MARGIN`` is on top of all that.

So a new key signs no sooner than ``PUBLISH_DELAY`` (3 h 20 min) after it is added: every
function publishes it by then, and every verifier that keeps a JWKS at most 2 h has fetched
it. A rollback (a retired key activated again) needs the same margin: stale functions still
see the key retired and would stop publishing it when its window ends, so it may be
activated only while it stays published for ``PUBLISH_DELAY`` more. The retirement window
adds that margin to the token lifetime, so a rollback stays possible for as long as tokens
the key signed can be valid. ``force`` skips these checks, at the cost the README states.

With no key records at all, the stack's own KMS key (``TOKENVEND_SIGNING_KEY_ID``) is the
one active, published key: a fresh deployment needs no key management.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from .model import ACTIVE, MAX_ACCESS_TOKEN_LIFETIME, PENDING, RETIRED, SigningKeyRecord

MAX_CACHE_TTL = 3600
JWKS_MAX_AGE = 300
APIGW_JWKS_CACHE = 7200
TAG_PROPAGATION = 300
CLOCK_SKEW = 300
MARGIN = 600
PUBLISH_DELAY = MAX_CACHE_TTL + max(JWKS_MAX_AGE, APIGW_JWKS_CACHE) + TAG_PROPAGATION + CLOCK_SKEW + MARGIN
RETIREMENT_WINDOW = MAX_ACCESS_TOKEN_LIFETIME + MAX_CACHE_TTL + CLOCK_SKEW + PUBLISH_DELAY


def iso(epoch: float) -> str:
    """ISO 8601 UTC, to the second: what the CLI and errors print."""
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: float) -> str:
    """``3 h 20 min``, ``12 min``, ``40 s``."""
    seconds = int(seconds)
    hours, minutes = divmod(seconds // 60, 60)
    if not hours and not minutes:
        return f"{seconds} s"
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


class KeyLifecycleError(ValueError):
    """A key transition that would break issuance or verification."""


def active_keys(records: list[SigningKeyRecord]) -> list[SigningKeyRecord]:
    """The active keys, the last activated first (two are active only after a hand edit)."""
    return sorted((r for r in records if r.status == ACTIVE), key=lambda r: (r.activated_at or 0, r.kid), reverse=True)


def active_key(records: list[SigningKeyRecord]) -> SigningKeyRecord | None:
    """The active key; should two be active (a hand edit), the last activated wins."""
    active = active_keys(records)
    return active[0] if active else None


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

    A pending key must have been published for ``PUBLISH_DELAY``; a retired key must stay
    published for ``PUBLISH_DELAY`` more (``force`` skips both, for a stack whose functions
    and verifiers are known to cache for less)."""
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
            f"signing key {kid!r} has been published for {duration(max(0, now - record.created_at))}; activate "
            f"it after {iso(record.created_at + PUBLISH_DELAY)}, when every function and verifier has it "
            f"(API Gateway's JWT authorizer may keep a JWKS for 2 h), or --force, if they cache for less")
    if record.status == RETIRED and now + PUBLISH_DELAY > retired_until(record) and not force:
        raise KeyLifecycleError(
            f"signing key {kid!r} is published only until {iso(retired_until(record))}; a rollback needs it "
            f"published for {duration(PUBLISH_DELAY)} more (functions that still see it retired would drop it "
            "from the JWKS while it signs); add a new key instead, or --force")
    changed = [replace(r, status=RETIRED, retired_at=now) for r in records if r.status == ACTIVE]
    return [replace(record, status=ACTIVE, activated_at=now, retired_at=None), *changed]


def check_removable(record: SigningKeyRecord, now: float) -> None:
    """Only a retired key whose last token has expired may go; a pending one may go too
    (it never signed)."""
    if record.status == ACTIVE:
        raise KeyLifecycleError(f"signing key {record.kid!r} is active; activate another key first")
    if record.status == RETIRED and is_published(record, now):
        raise KeyLifecycleError(
            f"signing key {record.kid!r} may still have valid tokens until {iso(retired_until(record))}; "
            "remove it after that")
