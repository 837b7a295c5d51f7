"""Scheduled rotation of the signing key: what the RotationFunction does on each run
(template.yaml: ``KeyRotationDays`` turns it on; EventBridge Scheduler runs it hourly).

It makes the same moves as an operator with ``tokenvend key add/activate/remove``, under the
same rules (``tokenvend.key_lifecycle``), one look at the records per run:

1. every retired key whose last token has expired is removed (``check_removable``);
2. a pending key published for ``PUBLISH_DELAY`` is activated (the newest such one; the
   active key retires), as ``key activate`` would without ``--force``;
3. otherwise, with no pending key, an active key older than the rotation period is replaced:
   a new key of the same algorithm and kind (a KMS key, or an envelope key under the same
   wrapping key) is added, pending.

So a rotation takes at least ``PUBLISH_DELAY`` (3 h 20 min) from add to activation, and the
old key goes ``RETIREMENT_WINDOW`` (28 h 25 min) after that: no run ever needs ``--force``,
and a rollback by hand stays possible, since the function never activates a retired key.
A pending key added by hand is activated by the function too, when its delay has passed.

This module decides; ``functions/rotation/app.py`` carries the steps out with the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass

from .key_lifecycle import PUBLISH_DELAY, KeyLifecycleError, active_key, check_removable
from .model import PENDING, RETIRED, SigningKeyRecord

DAY = 86400


@dataclass(frozen=True)
class Step:
    """``remove`` a record, ``activate`` a pending key, or ``add`` a key like ``like``."""

    action: str
    record: SigningKeyRecord


def age(record: SigningKeyRecord) -> int:
    """When the key started signing (its creation, for the stack's own key recorded active)."""
    return record.activated_at or record.created_at


def plan(records: list[SigningKeyRecord], now: int, rotation_days: int) -> list[Step]:
    """The steps of one run over the well-formed ``records``."""
    steps = []
    for record in records:
        if record.status != RETIRED:
            continue
        try:
            check_removable(record, now)
        except KeyLifecycleError:
            continue
        steps.append(Step("remove", record))
    pending = sorted((r for r in records if r.status == PENDING), key=lambda r: (r.created_at, r.kid))
    due = [r for r in pending if now >= r.created_at + PUBLISH_DELAY]
    active = active_key(records)
    if due:
        steps.append(Step("activate", due[-1]))
    elif not pending and active is not None and now >= age(active) + rotation_days * DAY:
        steps.append(Step("add", active))
    return steps
