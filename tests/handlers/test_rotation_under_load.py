"""A rotation under load, every cache as stale as the template allows (DESIGN.md "Signing").

Four warm functions keep the key records for the longest cache TTL (1 h), each refreshed
at another moment, one of them just before every key command. Each signs a token every
two simulated minutes around each change (every 30 min in between); two long-lived verifiers
check every new token and a sample of older ones still valid, fetching the JWKS from
whichever function answers:

- one that keeps the JWKS for its max-age (300 s) and refetches on an unknown kid at most
  every 30 s (PyJWT's ``PyJWKClient`` defaults);
- one that keeps the JWKS for 2 hours and never refetches on an unknown kid (the worst API
  Gateway's HTTP API JWT authorizer may do).

The clock is injected: the key commands and the functions read it, so the 3 h 20 min
publish delay and the 28 h retirement window pass in seconds. The operator follows the
CLI: add, activate when it allows, then roll back at the last moment it allows.
"""

from __future__ import annotations

import random

import jwt
import pytest
from click.testing import CliRunner

from tokenvend.adapters.keyring import KeyRing
from tokenvend.adapters.kms import KmsSigner
from tokenvend.discovery import jwks_document
from tokenvend.jws import encode
from tokenvend.key_lifecycle import MAX_CACHE_TTL, PUBLISH_DELAY, RETIREMENT_WINDOW
from tokenvend.model import MAX_ACCESS_TOKEN_LIFETIME
from tokenvend_cli.operate import keys as ops_keys
from tokenvend_cli.main import cli

pytestmark = pytest.mark.slow  # a soak: thousands of verifications across a rotation

START = 1_900_000_000
DENSE, SPARSE = 120, 1800


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Verifier:
    """A resource server: a cached JWKS, refreshed when older than ``max_age``, and (if it
    does) on a kid it does not know, at most once per ``cooldown``."""

    def __init__(self, name, fetch, max_age, refetch_unknown, cooldown=30):
        self.name, self._fetch, self.max_age = name, fetch, max_age
        self.refetch_unknown, self.cooldown = refetch_unknown, cooldown
        self.keys, self.fetched_at, self.rejected, self.verified = {}, None, [], 0

    def fetch(self, now):
        self.keys = {k["kid"]: k for k in self._fetch()["keys"]}
        self.fetched_at = now

    def verify(self, token: str, now: float) -> None:
        kid = jwt.get_unverified_header(token)["kid"]
        if self.fetched_at is None or now - self.fetched_at >= self.max_age:
            self.fetch(now)
        if kid not in self.keys and self.refetch_unknown and now - self.fetched_at >= self.cooldown:
            self.fetch(now)
        jwk = self.keys.get(kid)
        try:
            if jwk is None:
                raise jwt.InvalidTokenError(f"unknown kid {kid}")
            jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]],
                       options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
        except jwt.InvalidTokenError as exc:
            self.rejected.append((now, kid, str(exc)))
        self.verified += 1


class Rotation:
    def __init__(self, stack, monkeypatch, functions=4):
        self.stack, self.clock, self.rng = stack, Clock(START), random.Random(9)
        monkeypatch.setattr(ops_keys, "clock", self.clock)
        default = KmsSigner(stack.key_arn, "RS256", stack.kms)
        self.functions = [KeyRing(stack.table, stack.dynamodb, stack.kms, default, ttl=MAX_CACHE_TTL,
                                  clock=self.clock, now=self.clock) for _ in range(functions)]
        for i, function in enumerate(self.functions):  # warmed at staggered moments
            self.clock.now = START - i * MAX_CACHE_TTL // functions
            function.records()
        self.clock.now = START
        fetch = lambda: jwks_document(self.rng.choice(self.functions).published_keys())  # noqa: E731
        self.verifiers = [Verifier("refetches on unknown kid", fetch, 300, True),
                          Verifier("keeps the JWKS 2 h", fetch, 7200, False)]
        self.tokens: list[tuple[str, float]] = []
        self.issued = 0

    def stagger(self) -> None:
        """Spread the functions' cache refreshes over one TTL again (long steps line them up):
        function i last read the records i quarters of a TTL ago."""
        for function in self.functions:
            self.clock.now += MAX_CACHE_TTL // len(self.functions)
            function._records = None
            function.records()

    def key(self, command, *args):
        """A key command, with function 0 refreshed just before it: the stalest view after."""
        self.functions[0]._records = None
        self.functions[0].records()
        return CliRunner().invoke(cli, ["key", command, "--table", self.stack.table, *args], catch_exceptions=False)

    def run_until(self, end: float, step: int = DENSE) -> None:
        while self.clock.now < end:
            self.clock.now = min(end, self.clock.now + step)
            now = self.clock.now
            self.tokens = [(t, exp) for t, exp in self.tokens if exp > now]
            new = []
            for function in self.functions:
                signer = function.signing_key()
                claims = {"sub": "client", "iat": int(now), "exp": int(now) + MAX_ACCESS_TOKEN_LIFETIME}
                new.append(encode({"alg": signer.alg, "kid": signer.kid(), "typ": "at+jwt"}, claims, signer))
            older = self.rng.sample(self.tokens, min(2, len(self.tokens)))
            for verifier in self.verifiers:
                for token in new + [t for t, _ in older]:
                    verifier.verify(token, now)
            self.tokens += [(t, now + MAX_ACCESS_TOKEN_LIFETIME) for t in new[:1]]
            self.issued += len(new)

    def rejected(self) -> dict[str, int]:
        return {v.name: len(v.rejected) for v in self.verifiers}


def kid_of(output: str) -> str:
    return output.split()[4]


def test_an_unforced_rotation_and_a_late_rollback_reject_no_token(stack, monkeypatch):
    rotation = Rotation(stack, monkeypatch)
    rotation.run_until(START + 600)
    stack_kid = rotation.functions[0].signing_key().kid()

    # add, and activate as soon as the CLI allows
    added = rotation.key("add", "--signing-key-id", stack.key_arn, "--stack-name", "tokenvend-local")
    assert added.exit_code == 0, added.output
    new_kid, added_at = kid_of(added.output), rotation.clock.now
    rotation.run_until(added_at + PUBLISH_DELAY - DENSE)
    assert rotation.key("activate", "--", new_kid).exit_code == 1  # a minute early: refused
    rotation.run_until(added_at + PUBLISH_DELAY)
    activated = rotation.key("activate", "--", new_kid)
    assert activated.exit_code == 0, activated.output
    activated_at = rotation.clock.now
    rotation.run_until(activated_at + 3 * 3600)
    assert {jwt.get_unverified_header(t)["kid"] for t, _ in rotation.tokens[-4:]} == {new_kid}

    # roll back at the last moment the CLI allows (a second later it refuses)
    last = activated_at + RETIREMENT_WINDOW - PUBLISH_DELAY
    rotation.run_until(last - 3 * 3600, SPARSE)
    rotation.stagger()
    rotation.run_until(last + 1)
    late = rotation.key("activate", "--", stack_kid)
    assert late.exit_code == 1 and "a rollback needs it published for 3 h 20 min more" in late.output
    rotation.clock.now = last
    rolled_back = rotation.key("activate", "--", stack_kid)
    assert rolled_back.exit_code == 0, rolled_back.output
    # past the end of the stack key's first retirement window, which stale views still see
    rotation.run_until(activated_at + RETIREMENT_WINDOW + 2 * 3600)
    assert {jwt.get_unverified_header(t)["kid"] for t, _ in rotation.tokens[-4:]} == {stack_kid}

    assert rotation.issued > 1000
    assert rotation.rejected() == {"refetches on unknown kid": 0, "keeps the JWKS 2 h": 0}


def test_a_forced_activation_costs_verifiers_that_cache_the_jwks(stack, monkeypatch):
    """What the README says --force costs: verifiers that have not fetched the JWKS since
    the key was published reject its tokens until they do."""
    rotation = Rotation(stack, monkeypatch)
    rotation.run_until(START + 600)
    added = rotation.key("add", "--signing-key-id", stack.key_arn, "--stack-name", "tokenvend-local")
    rotation.run_until(rotation.clock.now + 120)
    assert rotation.key("activate", "--force", "--", kid_of(added.output)).exit_code == 0
    rotation.run_until(rotation.clock.now + 3 * 3600)

    rejected = rotation.rejected()
    assert rejected["keeps the JWKS 2 h"] > 0
    assert {kid for _, kid, _ in rotation.verifiers[1].rejected} == {kid_of(added.output)}


def test_a_forced_late_rollback_opens_the_gap_the_cli_refuses_unforced(stack, monkeypatch):
    """The same harness sees the gap a late rollback opens: functions whose cached records
    still say "retired" drop the key at the end of its window while fresher ones sign with
    it again, and a verifier that fetched from a stale one rejects its tokens."""
    rotation = Rotation(stack, monkeypatch)
    stack_kid = rotation.functions[0].signing_key().kid()
    added = rotation.key("add", "--signing-key-id", stack.key_arn, "--stack-name", "tokenvend-local")
    rotation.clock.now += PUBLISH_DELAY
    assert rotation.key("activate", "--", kid_of(added.output)).exit_code == 0
    window_end = rotation.clock.now + RETIREMENT_WINDOW
    rotation.clock.now = window_end - 2 * 3600
    rotation.stagger()
    rotation.run_until(window_end - 300)
    assert rotation.key("activate", "--force", "--", stack_kid).exit_code == 0
    rotation.run_until(window_end + 3600)

    rejected = rotation.verifiers[0].rejected
    assert rejected and {kid for _, kid, _ in rejected} == {stack_kid}
    assert all(window_end <= when < window_end + MAX_CACHE_TTL for when, _, _ in rejected)


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    """Thousands of tokens: keep pytest's captured log small."""
    caplog.set_level("WARNING")
