"""Benchmark: what verifying a client secret costs, and whether its time tells anything.

Prints, all measured in the same run:

- the cost of one token request's secret verification (``authenticate_client`` with an
  in-memory store) for the stored forms: tokenvend's ``hmac-sha256``, a legacy
  ``pbkdf2-sha256`` value warm (after its first verification in this container) and cold,
  and the baseline before this form existed: one PBKDF2-SHA256 (10,000 rounds) per request;
- the median time of a *wrong* secret for an unknown client, a client with one secret and
  a client with three, interleaved so that drift hits every case alike. Before, these were
  one PBKDF2 for an unknown client and one per stored secret (emulated here, same run).

Run: ``.venv/bin/python benchmarks/secret_verification.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time
from datetime import datetime, timezone

from tokenvend import client_secrets
from tokenvend.authenticate_client import authenticate_client
from tokenvend.client_secrets import hash_secret, pbkdf2_hash
from tokenvend.errors import InvalidClient
from tokenvend.model import Client, ClientSecret
from tokenvend.token_request import TokenRequest

NOW = datetime.now(timezone.utc)
SECRET = client_secrets.generate_secret()


class Store:
    def __init__(self, *clients: Client):
        self.clients = {c.client_id: c for c in clients}

    def get_client(self, client_id):
        return self.clients.get(client_id)


def client(client_id: str, *hashes: str) -> Client:
    return Client(client_id, secrets=tuple(ClientSecret(h) for h in hashes), allowed_scopes=("api1",))


STORE = Store(
    client("hmac", hash_secret(SECRET)),
    client("pbkdf2", pbkdf2_hash(SECRET)),
    client("one", hash_secret(client_secrets.generate_secret())),
    client("three", *(hash_secret(client_secrets.generate_secret()) for _ in range(3))),
)


def authenticate(client_id: str, secret: str) -> float:
    request = TokenRequest({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    start = time.perf_counter()
    try:
        authenticate_client(request, STORE, now=NOW, issuer="https://i", token_endpoint="https://i/t", replay=None)
    except InvalidClient:
        pass
    return time.perf_counter() - start


def old_pbkdf2(count: int) -> float:
    """The verification before: ``count`` PBKDF2-SHA256 runs (a dummy for an unknown client)."""
    salt = os.urandom(16)
    start = time.perf_counter()
    for _ in range(count):
        hashlib.pbkdf2_hmac("sha256", b"wrong", salt, client_secrets.PBKDF2_ITERATIONS)
    return time.perf_counter() - start


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3000)
    rounds = parser.parse_args().rounds

    authenticate("pbkdf2", SECRET)  # the legacy value's first verification in this container
    cost = {name: [] for name in ("hmac", "pbkdf2 warm", "pbkdf2 cold", "before")}
    timing = {name: [] for name in ("unknown client", "one secret", "three secrets")}
    before = {name: [] for name in timing}
    for i in range(rounds):
        cost["hmac"].append(authenticate("hmac", SECRET))
        cost["pbkdf2 warm"].append(authenticate("pbkdf2", SECRET))
        timing["unknown client"].append(authenticate("nobody", "wrong"))
        timing["one secret"].append(authenticate("one", "wrong"))
        timing["three secrets"].append(authenticate("three", "wrong"))
        if i % 10 == 0:  # PBKDF2 is slow: a tenth of the rounds is plenty for a median
            client_secrets._VERIFIED.clear()
            cost["pbkdf2 cold"].append(authenticate("pbkdf2", SECRET))
            cost["before"].append(old_pbkdf2(1))
            for name, count in (("unknown client", 1), ("one secret", 1), ("three secrets", 3)):
                before[name].append(old_pbkdf2(count))

    baseline = median_us(cost["before"])
    print(f"secret verification per token request, median of {rounds} (µs):")
    print(f"  before: one PBKDF2-SHA256, 10,000 rounds (baseline): {baseline:9.1f}")
    for name, label in (("hmac", "hmac-sha256 (tokenvend now)"), ("pbkdf2 warm", "pbkdf2-sha256 legacy, warm"),
                        ("pbkdf2 cold", "pbkdf2-sha256 legacy, first use")):
        value = median_us(cost[name])
        print(f"  {label:<49} {value:9.1f}  ({value / baseline:.3f}x baseline)")
    print(f"wrong secret, median of {rounds} (µs), {client_secrets.SECRET_SLOTS} slots:")
    for name, samples in timing.items():
        print(f"  {name:<16} now {median_us(samples):8.1f}   before {median_us(before[name]):8.1f}")
    spread = [median_us(s) for s in timing.values()]
    print(f"  spread now: {max(spread) - min(spread):.1f} µs; before: "
          f"{median_us(before['three secrets']) - median_us(before['unknown client']):.1f} µs")


if __name__ == "__main__":
    main()
