"""Signing keys' life: pending → active → retired → removed (DESIGN.md "Signing")."""

from __future__ import annotations

import pytest

from tokenvend.key_lifecycle import (
    RETIREMENT_WINDOW, KeyLifecycleError, activate, active_key, check_removable, published,
)
from tokenvend.model import ACTIVE, PENDING, RETIRED, SigningKeyRecord


def key(kid, status, **kw):
    return SigningKeyRecord(kid, f"arn:aws:kms:us-east-1:123456789012:key/{kid}", "RS256", status,
                            {"kid": kid}, **kw)


def test_the_window_is_the_longest_token_lifetime():
    assert RETIREMENT_WINDOW == 86400


def test_pending_and_active_keys_are_published_retired_ones_until_the_window_ends():
    records = [key("new", PENDING, created_at=3), key("cur", ACTIVE, created_at=2),
               key("old", RETIRED, created_at=1, retired_at=1000)]
    assert [r.kid for r in published(records, now=1000 + RETIREMENT_WINDOW - 1)] == ["old", "cur", "new"]
    assert [r.kid for r in published(records, now=1000 + RETIREMENT_WINDOW)] == ["cur", "new"]


def test_activation_retires_the_active_key_at_that_moment():
    records = [key("cur", ACTIVE, activated_at=10), key("new", PENDING)]
    changed = {r.kid: r for r in activate(records, "new", now=500)}
    assert (changed["new"].status, changed["new"].activated_at) == (ACTIVE, 500)
    assert (changed["cur"].status, changed["cur"].retired_at) == (RETIRED, 500)
    assert active_key(list(changed.values())).kid == "new"


def test_activating_the_active_key_changes_nothing():
    assert activate([key("cur", ACTIVE)], "cur", now=5) == []


@pytest.mark.parametrize("records,kid,message", [
    ([key("cur", ACTIVE)], "nope", "no signing key 'nope'"),
    ([key("old", RETIRED, retired_at=1)], "old", "signing key 'old' is retired; add a new key instead"),
])
def test_impossible_activations_are_refused(records, kid, message):
    with pytest.raises(KeyLifecycleError, match=message):
        activate(records, kid, now=5)


def test_two_active_keys_resolve_to_the_last_activated():
    assert active_key([key("a", ACTIVE, activated_at=5), key("b", ACTIVE, activated_at=9)]).kid == "b"
    assert active_key([key("a", PENDING)]) is None


def test_removal_waits_for_the_last_token_of_a_retired_key():
    old = key("old", RETIRED, retired_at=1000)
    with pytest.raises(KeyLifecycleError, match="may still have valid tokens until 87400"):
        check_removable(old, now=1000 + RETIREMENT_WINDOW - 1)
    check_removable(old, now=1000 + RETIREMENT_WINDOW)
    check_removable(key("new", PENDING), now=0)
    with pytest.raises(KeyLifecycleError, match="is active; activate another key first"):
        check_removable(key("cur", ACTIVE), now=0)
