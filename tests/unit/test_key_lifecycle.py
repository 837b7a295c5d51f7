"""Signing keys' life: pending → active → retired → removed (DESIGN.md "Signing")."""

from __future__ import annotations

import pytest

from tokenvend.key_lifecycle import (
    PUBLISH_DELAY, RETIREMENT_WINDOW, KeyLifecycleError, activate, active_key, check_removable, published,
)
from tokenvend.model import ACTIVE, PENDING, RETIRED, SigningKeyRecord


def key(kid, status, **kw):
    return SigningKeyRecord(kid, f"arn:aws:kms:us-east-1:123456789012:key/{kid}", "RS256", status,
                            {"kid": kid}, **kw)


def test_the_delays_cover_every_cache_that_lags_behind_the_table():
    # a retired key: the longest token (1 day) signed up to the longest function cache
    # (1 h) after activation, plus clock skew (5 min)
    assert RETIREMENT_WINDOW == 86400 + 3600 + 300
    # a pending key: the longest function cache, the JWKS max-age, IAM tag propagation, skew
    assert PUBLISH_DELAY == 3600 + 300 + 300 + 300


def test_pending_and_active_keys_are_published_retired_ones_until_the_window_ends():
    records = [key("new", PENDING, created_at=3), key("cur", ACTIVE, created_at=2),
               key("old", RETIRED, created_at=1, retired_at=1000)]
    assert [r.kid for r in published(records, now=1000 + RETIREMENT_WINDOW - 1)] == ["old", "cur", "new"]
    assert [r.kid for r in published(records, now=1000 + RETIREMENT_WINDOW)] == ["cur", "new"]


def test_activation_retires_the_active_key_at_that_moment():
    records = [key("cur", ACTIVE, activated_at=10), key("new", PENDING, created_at=100)]
    now = 100 + PUBLISH_DELAY
    changed = {r.kid: r for r in activate(records, "new", now=now)}
    assert (changed["new"].status, changed["new"].activated_at) == (ACTIVE, now)
    assert (changed["cur"].status, changed["cur"].retired_at) == (RETIRED, now)
    assert active_key(list(changed.values())).kid == "new"


def test_a_pending_key_waits_for_the_publish_delay_unless_forced():
    records = [key("cur", ACTIVE), key("new", PENDING, created_at=100)]
    with pytest.raises(KeyLifecycleError, match=f"has been published for 60 s; activate it after {100 + PUBLISH_DELAY}"):
        activate(records, "new", now=160)
    assert [r.kid for r in activate(records, "new", now=160, force=True)] == ["new", "cur"]


def test_a_retired_key_still_published_can_be_activated_again():
    records = [key("new", ACTIVE, activated_at=500), key("old", RETIRED, retired_at=500)]
    changed = {r.kid: r for r in activate(records, "old", now=600)}
    assert (changed["old"].status, changed["old"].retired_at, changed["old"].activated_at) == (ACTIVE, None, 600)
    assert (changed["new"].status, changed["new"].retired_at) == (RETIRED, 600)


def test_activating_the_active_key_changes_nothing():
    assert activate([key("cur", ACTIVE)], "cur", now=5) == []


@pytest.mark.parametrize("records,kid,message", [
    ([key("cur", ACTIVE)], "nope", "no signing key 'nope'"),
    ([key("old", RETIRED, retired_at=1)], "old", "signing key 'old' is retired and no longer published"),
])
def test_impossible_activations_are_refused(records, kid, message):
    with pytest.raises(KeyLifecycleError, match=message):
        activate(records, kid, now=10**9)


def test_two_active_keys_resolve_to_the_last_activated():
    assert active_key([key("a", ACTIVE, activated_at=5), key("b", ACTIVE, activated_at=9)]).kid == "b"
    assert active_key([key("a", PENDING)]) is None


def test_removal_waits_for_the_last_token_of_a_retired_key():
    old = key("old", RETIRED, retired_at=1000)
    with pytest.raises(KeyLifecycleError, match=f"may still have valid tokens until {1000 + RETIREMENT_WINDOW}"):
        check_removable(old, now=1000 + RETIREMENT_WINDOW - 1)
    check_removable(old, now=1000 + RETIREMENT_WINDOW)
    check_removable(key("new", PENDING), now=0)
    with pytest.raises(KeyLifecycleError, match="is active; activate another key first"):
        check_removable(key("cur", ACTIVE), now=0)
