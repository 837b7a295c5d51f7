"""Benchmark: what a token request costs in the core, and what a function's init costs.

Prints figures, comparing each against a baseline measured in the same run:

- token requests per second through ``TokenEndpoint.handle`` with in-memory stores and a
  local RSA signer, for a client whose secret is stored as tokenvend's hmac-sha256 hash versus
  the same client with an IdentityServer ``Sha256()`` value (the baseline: one SHA-256);
- the import time of each function's module versus ``import boto3`` alone (the baseline
  every Python Lambda that talks to AWS pays).

Run: ``.venv/bin/python benchmarks/token_endpoint.py [--requests N]``
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives import hashes, serialization

from tokenvend.audit import TokenAudit
from tokenvend.client_secrets import hash_secret, identityserver_sha256
from tokenvend.jwk import signing_jwk
from tokenvend.model import ApiResource, ApiScope, Catalog, Client, ClientSecret
from tokenvend.ports import StaticKey
from tokenvend.token_endpoint import TokenEndpoint
from tokenvend.token_request import HttpRequest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "a-generated-secret-of-forty-three-characters"


class LocalSigner:
    alg = "RS256"

    def __init__(self):
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = self._key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        self._jwk = signing_jwk(der, self.alg)

    def kid(self):
        return self._jwk["kid"]

    def public_jwk(self):
        return self._jwk

    def sign(self, message):
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())


class Store:
    def __init__(self, client):
        self.client = client
        self.catalog = Catalog.of([ApiScope("api1")], [ApiResource("api1", scopes=("api1",))])

    def get_client(self, client_id):
        return self.client if client_id == self.client.client_id else None

    def get_catalog(self):
        return self.catalog


def requests_per_second(stored_hash: str, signer, n: int) -> float:
    store = Store(Client("client", secrets=(ClientSecret(stored_hash),), allowed_scopes=("api1",)))
    endpoint = TokenEndpoint(store, store, StaticKey(signer))
    authorization = "Basic " + base64.b64encode(f"client:{SECRET}".encode()).decode()
    request = HttpRequest("POST", {"content-type": "application/x-www-form-urlencoded",
                                   "authorization": authorization}, b"grant_type=client_credentials&scope=api1")
    endpoint.handle(request, "https://issuer.example", TokenAudit())  # warm
    start = time.perf_counter()
    for _ in range(n):
        endpoint.handle(request, "https://issuer.example", TokenAudit())
    return n / (time.perf_counter() - start)


def import_seconds(code: str, runs: int = 5) -> float:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
           "TOKENVEND_TABLE": "t", "TOKENVEND_SIGNING_KEY_ID": "k"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load_function(name: str) -> str:
    path = ROOT / "functions" / name / "app.py"
    return (f"import importlib.util; s = importlib.util.spec_from_file_location('app', {str(path)!r}); "
            "s.loader.exec_module(importlib.util.module_from_spec(s))")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    signer = LocalSigner()

    baseline = requests_per_second(identityserver_sha256(SECRET), signer, args.requests)
    ours = requests_per_second(hash_secret(SECRET), signer, args.requests)
    print(f"token requests/s, IdentityServer Sha256 secret (baseline): {baseline:8.1f}")
    print(f"token requests/s, hmac-sha256 secret (tokenvend):          {ours:8.1f}  "
          f"({ours / baseline:.2f}x baseline, +{(1 / ours - 1 / baseline) * 1000:.2f} ms per request)")

    boto = import_seconds("import boto3")
    print(f"python -c 'import boto3' (baseline):        {boto * 1000:7.1f} ms")
    for name in ("token", "discovery", "introspect", "revocation"):
        took = import_seconds(load_function(name))
        print(f"init of functions/{name}/app.py:{' ' * (13 - len(name))}{took * 1000:7.1f} ms  "
              f"(+{(took - boto) * 1000:.1f} ms over baseline)")


if __name__ == "__main__":
    main()
