"""Signing keys' life: pending → active → retired → removed (DESIGN.md "Signing")."""

from __future__ import annotations

import pytest

from tokenvend.key_lifecycle import (
    PUBLISH_DELAY, RETIREMENT_WINDOW, KeyLifecycleError, activate, active_key, check_removable, duration, iso,
    published,
)
from tokenvend.model import ACTIVE, PENDING, RETIRED, SigningKeyRecord


def key(kid, status, **kw):
    return SigningKeyRecord(kid, f"arn:aws:kms:us-east-1:123456789012:key/{kid}", "RS256", status,
                            {"kid": kid}, **kw)


def test_the_delays_cover_every_cache_that_lags_behind_the_table():
    # a pending key: the longest function cache (1 h), API Gateway's JWKS cache (2 h, longer
    # than the JWKS max-age), IAM tag propagation, clock skew, and a 10 min margin
    assert PUBLISH_DELAY == 3600 + 7200 + 300 + 300 + 600 == 12000
    # a retired key: the longest token (1 day) signed up to the longest function cache
    # (1 h) after activation, clock skew (5 min), and a rollback's own publish delay
    assert RETIREMENT_WINDOW == 86400 + 3600 + 300 + PUBLISH_DELAY


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
    with pytest.raises(KeyLifecycleError, match="has been published for 1 min; activate it after 1970-01-01T03:21:40Z, "
                       "when every function and verifier has it \\(API Gateway's JWT authorizer may keep a JWKS for 2 h\\)"):
        activate(records, "new", now=160)
    assert [r.kid for r in activate(records, "new", now=160, force=True)] == ["new", "cur"]


def test_a_retired_key_still_published_can_be_activated_again():
    records = [key("new", ACTIVE, activated_at=500), key("old", RETIRED, retired_at=500)]
    changed = {r.kid: r for r in activate(records, "old", now=600)}
    assert (changed["old"].status, changed["old"].retired_at, changed["old"].activated_at) == (ACTIVE, None, 600)
    assert (changed["new"].status, changed["new"].retired_at) == (RETIRED, 600)


def test_a_rollback_needs_the_publish_delay_left_in_the_retirement_window():
    """A function whose cached records still say "retired" stops publishing the key when its
    window ends, while fresher functions sign with it again: so a rollback is refused unless
    the key stays published for PUBLISH_DELAY more (as long as any cache can lag)."""
    records = [key("new", ACTIVE, activated_at=500), key("old", RETIRED, retired_at=500)]
    until = 500 + RETIREMENT_WINDOW
    assert [r.kid for r in activate(records, "old", now=until - PUBLISH_DELAY)] == ["old", "new"]
    with pytest.raises(KeyLifecycleError, match=(
            "signing key 'old' is published only until 1970-01-02T04:33:20Z; a rollback needs it published "
            "for 3 h 20 min more")):
        activate(records, "old", now=until - PUBLISH_DELAY + 1)
    assert [r.kid for r in activate(records, "old", now=until - 1, force=True)] == ["old", "new"]
    with pytest.raises(KeyLifecycleError, match="is retired and no longer published"):
        activate(records, "old", now=until, force=True)


def test_times_are_iso_8601_utc():
    assert iso(1_800_000_000) == "2027-01-15T08:00:00Z"
    assert (duration(PUBLISH_DELAY), duration(RETIREMENT_WINDOW), duration(59)) == ("3 h 20 min", "28 h 25 min", "59 s")


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
    with pytest.raises(KeyLifecycleError, match="may still have valid tokens until 1970-01-02T04:41:40Z; remove it"):
        check_removable(old, now=1000 + RETIREMENT_WINDOW - 1)
    check_removable(old, now=1000 + RETIREMENT_WINDOW)
    check_removable(key("new", PENDING), now=0)
    with pytest.raises(KeyLifecycleError, match="is active; activate another key first"):
        check_removable(key("cur", ACTIVE), now=0)
