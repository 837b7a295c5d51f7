"""Benchmark: the local stack beside a certified peer, on the same load generator.

The peer is panva's oidc-provider (``benchmarks/peer/``, installed by ``npm ci`` from its
lockfile), configured like examples/quickstart.yaml: client ``client`` / ``secret``
(client_secret_basic), scope ``api1``, RS256 JWT access tokens with ``aud`` ``api1``.
tokenvend runs as ``tokenvend dev`` (moto for DynamoDB and KMS, the functions in their
warm containers), once in KMS mode (one moto ``Sign`` per token: moto's server is a
thread of the stack's process, so its CPU is in the stack's figure) and once in envelope
mode (an RS256 envelope key, zero AWS calls per token).

The three run at once and are driven in turn, round after round, so that the shared machine's
changing load falls on each alike. For each server and concurrency 1, 8 and 32: tokens/s,
p50/p99 latency and the CPU of the server's whole process tree per token, then tokenvend's
ratio to the peer (the median of the rounds' ratios). Last, KMS mode's ceiling here: the CPU
of one boto3 ``kms.sign`` against the same moto (client and server side) and the load
generator's per request, and so the most tokens/s this machine's cores could serve if the
stack did nothing else.

Run: ``.venv/bin/python benchmarks/side_by_side.py [--requests N] [--time-cap S] [--rounds R]``
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadgen import Result, cpu_spent, drive, tree_cpu

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


def merged(results: list[Result]) -> Result:
    """The rounds of one server at one concurrency as one result: their requests, time and CPU added up."""
    return Result(results[0].concurrency, sum(r.ok for r in results), sum(r.seconds for r in results),
                  [latency for r in results for latency in r.latencies], sum(r.server_cpu for r in results),
                  sum(r.client_cpu for r in results), sum(r.root_cpu for r in results))


def row(name: str, result: Result) -> str:
    return (f"  {name:<26} c={result.concurrency:<3} {result.rps:8.1f} tok/s  p50 {result.percentile(.5) * 1000:7.1f} ms"
            f"  p99 {result.percentile(.99) * 1000:7.1f} ms  server CPU {result.cpu_ms_per_token:6.2f} ms/token"
            f"  (n={result.ok}, {result.seconds:.1f} s, load generator CPU "
            f"{result.client_cpu / max(result.ok, 1) * 1000:.2f} ms/req)")


def sign_floor(server: Local, calls: int = 300) -> tuple[float, float]:
    """CPU per call of one boto3 ``kms.sign`` against the KMS-mode stack's own moto: (the
    client side, moto's side). No stack whose every token needs one Sign can spend less."""
    import boto3

    state = server.stack.state
    kms = boto3.client("kms", endpoint_url=state["endpoint_url"], region_name=state["region"],
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    sign = {"KeyId": state["signing_key_arn"], "Message": b"x" * 600, "MessageType": "RAW",
            "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}
    for _ in range(20):
        kms.sign(**sign)
    before, client_before = tree_cpu(server.pid), time.process_time()
    for _ in range(calls):
        kms.sign(**sign)
    client = (time.process_time() - client_before) / calls
    return client, cpu_spent(before, tree_cpu(server.pid)) / calls


def run(requests: int, time_cap: float, rounds: int = 3) -> dict:
    """Measure the peer and both local modes, all three running at once and driven in turn,
    ``rounds`` times over, so that a change in the shared machine's load between rounds
    touches each of them alike; print every figure and return them for the cost table."""
    starts = {"oidc-provider (peer)": Peer, "tokenvend KMS mode": lambda: Local(False),
              "tokenvend envelope mode": lambda: Local(True)}
    servers, rounds_of = {}, {name: {c: [] for c in CONCURRENCY} for name in starts}
    try:
        for name, start in starts.items():
            servers[name] = start()
        for server in servers.values():
            drive(server.url, AUTHORIZATION, server.pid, concurrency=2, requests=WARMUP, time_cap=time_cap)
        for _ in range(rounds):
            for c in CONCURRENCY:
                for name, server in servers.items():
                    rounds_of[name][c].append(drive(server.url, AUTHORIZATION, server.pid, concurrency=c,
                                                    requests=requests, time_cap=time_cap))
        floor = sign_floor(servers["tokenvend KMS mode"])
    finally:
        for server in servers.values():
            server.stop()
    results = {name: {c: merged(each) for c, each in by_c.items()} for name, by_c in rounds_of.items()}
    print(f"Side by side (same load generator, keep-alive, loopback; the three servers up at once and driven in turn, "
          f"{rounds} rounds of {requests} requests per row, cap {time_cap:.0f} s; tokenvend dev with its default "
          f"warm containers)")
    for name, by_concurrency in results.items():
        for result in by_concurrency.values():
            print(row(name, result))
    print("Ratio tokenvend / peer (throughput: the median over the rounds of each round's ratio; server CPU per "
          "token ×):")
    peer = rounds_of["oidc-provider (peer)"]
    for name in ("tokenvend KMS mode", "tokenvend envelope mode"):
        goal = 0.5 if "KMS" in name else 1.0
        for c in CONCURRENCY:
            ratio = statistics.median(mine.rps / theirs.rps for mine, theirs in zip(rounds_of[name][c], peer[c]))
            print(f"  {name:<26} c={c:<3} throughput {ratio:5.2f}×  (goal ≥ {goal}×: "
                  f"{'met' if ratio >= goal else 'short by ' + format(goal - ratio, '.2f') + '×'})"
                  f"  CPU/token {results[name][c].cpu_ms_per_token / results['oidc-provider (peer)'][c].cpu_ms_per_token:5.2f}×")
    print("Where tokenvend's CPU per token goes (its process tree from /proc: the dev process, which runs the API "
          "front and moto's server, and the function containers):")
    for name in ("tokenvend KMS mode", "tokenvend envelope mode"):
        for c, result in results[name].items():
            root = result.root_cpu / result.ok * 1000
            print(f"  {name:<26} c={c:<3} front and moto {root:5.2f} ms  containers "
                  f"{result.cpu_ms_per_token - root:5.2f} ms  (peer, one process: "
                  f"{results['oidc-provider (peer)'][c].cpu_ms_per_token:5.2f} ms)")
    client, server = floor
    loadgen = statistics.median(r.client_cpu / r.ok for r in results["tokenvend KMS mode"].values())
    ceiling = (os.cpu_count() or 1) / (client + server + loadgen)
    best_peer = max(r.rps for r in results["oidc-provider (peer)"].values())
    print(f"KMS mode's ceiling on this machine: one boto3 kms.sign against the same moto costs {client * 1000:.2f} ms "
          f"CPU in the client and {server * 1000:.2f} ms in moto; with the load generator's {loadgen * 1000:.2f} ms per "
          f"request, {os.cpu_count()} cores serve at most {ceiling:.0f} tok/s even if the stack spent nothing else: "
          f"{ceiling / best_peer:.2f}× the peer's best ({best_peer:.0f} tok/s)")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="token requests per server and concurrency")
    parser.add_argument("--time-cap", type=float, default=20.0, help="seconds at most per server and concurrency")
    parser.add_argument("--rounds", type=int, default=3, help="times each server is driven at each concurrency")
    args = parser.parse_args()
    started = time.perf_counter()
    run(args.requests, args.time_cap, args.rounds)
    print(f"(side by side took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
