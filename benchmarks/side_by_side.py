"""Benchmark: the local stack beside a certified peer, on the same load generator.

The peer is panva's oidc-provider (``benchmarks/peer/``, installed by ``npm ci`` from its
lockfile), configured like examples/quickstart.yaml: client ``client`` / ``secret``
(client_secret_basic), scope ``api1``, RS256 JWT access tokens with ``aud`` ``api1``.
tokenvend runs as ``tokenvend dev`` (moto for DynamoDB and KMS, the functions in their
warm containers), once in KMS mode (one moto ``Sign`` per token: moto's server is a
thread of the stack's process, so its CPU is in the stack's figure) and once in envelope
mode (an RS256 envelope key, zero AWS calls per token).

For each server and concurrency 1, 8 and 32: tokens/s, p50/p99 latency and the CPU of the
server's whole process tree per token, then tokenvend's ratio to the peer.

Run: ``.venv/bin/python benchmarks/side_by_side.py [--requests N] [--time-cap S]``
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadgen import drive

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT / "benchmarks" / "peer"
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from dev_stack import DevStack, run_cli  # noqa: E402  the e2e tests' way of starting the stack

AUTHORIZATION = "Basic " + base64.b64encode(b"client:secret").decode("ascii")
CONCURRENCY = (1, 8, 32)
WARMUP = 40


class Peer:
    """oidc-provider on a free loopback port; it exits when our end of its stdin closes."""

    def __init__(self):
        if not (PEER / "node_modules" / "oidc-provider").is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PEER, check=True, timeout=300)
        self.proc = subprocess.Popen(["node", "server.mjs"], cwd=PEER, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = json.loads(self.proc.stdout.readline())
        self.pid, self.url = self.proc.pid, f"http://127.0.0.1:{ready['port']}/token"

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(10)


class Local:
    """``tokenvend dev`` with its own state file; envelope mode adds and activates an RS256
    envelope key before the first token request (so no container has cached the key set)."""

    def __init__(self, envelope: bool):
        self.dir = Path(tempfile.mkdtemp(prefix="tokenvend-bench-"))
        args = ("--parameter-overrides", "EnvelopeMode=true") if envelope else ()
        # the stack's log lines go to a file: read back in this process, they would cost the
        # load generator (which shares it) CPU that the peer, which logs nothing, never causes
        self.stack = DevStack(self.dir / "stack.json", *args, output=self.dir / "stack.log").wait_ready()
        self.pid, self.url = self.stack.proc.pid, self.stack.url + "/connect/token"
        if envelope:
            self._add_envelope_key()

    def _add_envelope_key(self):
        state = self.stack.state
        target = ("--table", state["table"], "--endpoint-url", state["endpoint_url"], "--region", state["region"])
        wrapping = state["physical"]["EnvelopeWrappingKey"]["Arn"]
        added = run_cli("key", "add", "--envelope", "--wrapping-key-id", wrapping, "--alg", "RS256",
                        "--signing-key-id", state["signing_key_arn"], *target)
        kid = re.search(r"added pending signing key (\S+)", added.stdout)
        if added.returncode or not kid:
            raise RuntimeError(f"tokenvend key add failed: {added.stderr}")
        activated = run_cli("key", "activate", "--force", *target, "--", kid.group(1))
        if activated.returncode:
            raise RuntimeError(f"tokenvend key activate failed: {activated.stderr}")

    def stop(self):
        self.stack.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(server, requests: int, time_cap: float) -> dict:
    drive(server.url, AUTHORIZATION, server.pid, concurrency=2, requests=WARMUP, time_cap=time_cap)
    return {c: drive(server.url, AUTHORIZATION, server.pid, concurrency=c, requests=requests, time_cap=time_cap)
            for c in CONCURRENCY}


def row(name: str, result) -> str:
    return (f"  {name:<26} c={result.concurrency:<3} {result.rps:8.1f} tok/s  p50 {result.percentile(.5) * 1000:7.1f} ms"
            f"  p99 {result.percentile(.99) * 1000:7.1f} ms  server CPU {result.cpu_ms_per_token:6.2f} ms/token"
            f"  (n={result.ok}, {result.seconds:.1f} s, load generator CPU "
            f"{result.client_cpu / max(result.ok, 1) * 1000:.2f} ms/req)")


def run(requests: int, time_cap: float) -> dict:
    """Measure the peer and both local modes, print every figure; return them for the cost table."""
    results = {}
    for name, start in (("oidc-provider (peer)", Peer), ("tokenvend KMS mode", lambda: Local(False)),
                        ("tokenvend envelope mode", lambda: Local(True))):
        server = start()
        try:
            results[name] = measure(server, requests, time_cap)
        finally:
            server.stop()
    print(f"Side by side (same load generator, keep-alive, loopback; {requests} requests per row, "
          f"cap {time_cap:.0f} s; tokenvend dev with its default warm containers)")
    for name, by_concurrency in results.items():
        for result in by_concurrency.values():
            print(row(name, result))
    peer = results["oidc-provider (peer)"]
    print("Ratio tokenvend / peer (throughput ×; server CPU per token ×):")
    for name in ("tokenvend KMS mode", "tokenvend envelope mode"):
        goal = 0.5 if "KMS" in name else 1.0
        for c, result in results[name].items():
            ratio = result.rps / peer[c].rps
            print(f"  {name:<26} c={c:<3} throughput {ratio:5.2f}×  (goal ≥ {goal}×: "
                  f"{'met' if ratio >= goal else 'short by ' + format(goal - ratio, '.2f') + '×'})"
                  f"  CPU/token {result.cpu_ms_per_token / peer[c].cpu_ms_per_token:5.2f}×")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="token requests per server and concurrency")
    parser.add_argument("--time-cap", type=float, default=20.0, help="seconds at most per server and concurrency")
    args = parser.parse_args()
    started = time.perf_counter()
    run(args.requests, args.time_cap)
    print(f"(side by side took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
