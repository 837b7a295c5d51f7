"""The scheduled rotation's decisions (tokenvend.key_rotation.plan): one look at the records."""

from __future__ import annotations

from tokenvend.key_lifecycle import PUBLISH_DELAY, RETIREMENT_WINDOW
from tokenvend.key_rotation import DAY, Step, plan
from tokenvend.model import ACTIVE, PENDING, RETIRED, SigningKeyRecord


def key(kid, status, **kw):
    return SigningKeyRecord(kid, f"arn:aws:kms:us-east-1:123456789012:key/{kid}", "ES256", status, {"kid": kid}, **kw)


def steps(records, now, days=90):
    return [(s.action, s.record.kid) for s in plan(records, now, days)]


def test_an_active_key_younger_than_the_period_is_left_alone():
    records = [key("cur", ACTIVE, created_at=0, activated_at=1000)]
    assert steps(records, now=1000 + 90 * DAY - 1) == []


def test_an_active_key_as_old_as_the_period_gets_a_pending_successor_like_it():
    cur = key("cur", ACTIVE, created_at=0, activated_at=1000)
    assert plan([cur], 1000 + 90 * DAY, 90) == [Step("add", cur)]


def test_the_stacks_own_key_counts_from_when_it_was_recorded():
    # recorded active by the first run (or the first `key add`): no activated_at of its own
    assert steps([key("stack", ACTIVE, created_at=500)], now=500 + 30 * DAY, days=30) == [("add", "stack")]


def test_a_pending_key_is_activated_once_it_has_been_published_for_the_delay_and_nothing_is_added_meanwhile():
    records = [key("cur", ACTIVE, activated_at=0), key("new", PENDING, created_at=100 * DAY)]
    assert steps(records, now=100 * DAY + PUBLISH_DELAY - 1) == []
    assert steps(records, now=100 * DAY + PUBLISH_DELAY) == [("activate", "new")]


def test_of_two_pending_keys_due_the_newest_is_activated():
    records = [key("cur", ACTIVE, activated_at=0), key("a", PENDING, created_at=10), key("b", PENDING, created_at=20),
               key("c", PENDING, created_at=10 ** 9)]
    assert steps(records, now=20 + PUBLISH_DELAY) == [("activate", "b")]


def test_a_retired_key_goes_when_its_window_ends_never_before():
    records = [key("cur", ACTIVE, activated_at=5000), key("old", RETIRED, activated_at=0, retired_at=5000)]
    assert steps(records, now=5000 + RETIREMENT_WINDOW - 1) == []
    assert steps(records, now=5000 + RETIREMENT_WINDOW) == [("remove", "old")]


def test_removals_come_first_and_an_activation_may_follow_in_the_same_run():
    now = 10 ** 8
    records = [key("old", RETIRED, retired_at=now - RETIREMENT_WINDOW), key("cur", ACTIVE, activated_at=now - DAY),
               key("new", PENDING, created_at=now - PUBLISH_DELAY)]
    assert steps(records, now) == [("remove", "old"), ("activate", "new")]


def test_no_active_key_means_nothing_is_added():
    # a hand edit left none active: rotation does not guess which key should sign
    assert steps([key("old", RETIRED, retired_at=0)], now=RETIREMENT_WINDOW - 1) == []
