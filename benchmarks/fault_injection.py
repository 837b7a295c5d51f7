"""Benchmark: the local stack's answers under dependency faults, and a soak.

Starts ``tokenvend dev`` with its functions' AWS endpoint pointed at a fault proxy of its
own (``fault_proxy.py``) in front of the stack's moto server — through a sam-style env
file, ``{"Parameters": {"AWS_ENDPOINT_URL": <proxy>}}``, which overrides the endpoint
the functions get while provisioning and seeding still talk to moto directly. The cache
TTL is set to 1 s (``CacheTtlSeconds=1``) so that a fault reaches every kind of read
within its phase, not only the per-token KMS Sign.

For each fault mode it drives token and discovery requests through three phases — before
(no fault), during (the fault), after (no fault) — and prints per mode and phase the status
histogram, p50 and max latency, and the recovery time: from the end of the fault to the
start of the first request after which every request answered 200. The closing check is
DESIGN.md's: every answer within 3 s, recovery within 2 s.

The soak: ``--soak N`` token requests (20,000 by default) at concurrency 32, the errors
(any answer but 200) and the resident memory of the stack (the ``tokenvend dev`` process
and its workers) before and after.

Run: ``.venv/bin/python benchmarks/fault_injection.py [--modes hang,slow] [--phase 3] [--soak 20000]``
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_proxy import MODES, FaultProxy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from tokenvend_cli.main import cli; cli(prog_name='tokenvend')"]
BASIC = "Basic " + base64.b64encode(b"client:secret").decode()
TOKEN_BODY = b"grant_type=client_credentials&scope=api1"
ANSWER_WITHIN, RECOVER_WITHIN = 3.0, 2.0
# Warm containers per function; the fault runs keep fewer callers per function than that,
# so a latency is the function's answer, not time queued in the local API front (Lambda
# would start more containers instead).
CONTAINERS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, token: bool) -> tuple[int, float]:
    request = urllib.request.Request(url, data=TOKEN_BODY if token else None, method="POST" if token else "GET",
                                     headers={"Authorization": BASIC,
                                              "Content-Type": "application/x-www-form-urlencoded"} if token else {})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except OSError:
        status = 0  # no answer at all
    return status, time.monotonic() - start


class Stack:
    def __init__(self, workdir: Path):
        self.moto_port, self.port = free_port(), free_port()
        self.proxy = FaultProxy(self.moto_port)
        env_file = workdir / "env.json"
        env_file.write_text(json.dumps({"Parameters": {"AWS_ENDPOINT_URL": self.proxy.url}}))
        self.state_file = workdir / "stack.json"
        self.log = open(workdir / "stack.log", "w")
        self.proc = subprocess.Popen(
            [*CLI, "dev", "--port", str(self.port), "--moto-port", str(self.moto_port), "--env-vars", str(env_file),
             "--parameter-overrides", "CacheTtlSeconds=1", "--containers", str(CONTAINERS), "--state-file", str(self.state_file),
             "--exit-with-parent"], stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is None and self.state_file.exists():
                if call(self.base + "/.well-known/openid-configuration", False)[0] == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the local stack did not start; see {workdir / 'stack.log'}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proxy.close()
        self.log.close()

    def rss_mib(self) -> float:
        """Resident memory of the stack process and all its descendants."""
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                children.setdefault(int(fields[1]), []).append(int(entry))
        total, todo = 0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            todo += children.get(pid, [])
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024


def drive(stack: Stack, seconds: float, workers: int, phase_of) -> list[tuple[str, float, int, float]]:
    """Token and discovery requests from ``workers`` threads for ``seconds``; each row is
    (phase at its start, start time, status, latency)."""
    rows, lock, end = [], threading.Lock(), time.monotonic() + seconds

    def worker(n: int):
        token = n % 2 == 0
        while time.monotonic() < end:
            start = time.monotonic()
            status, latency = call(stack.base + ("/connect/token" if token else "/.well-known/openid-configuration"),
                                   token)
            with lock:
                rows.append((phase_of(start), start, status, latency))
            token = not token

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rows


def run_mode(stack: Stack, mode: str, phase: float, workers: int) -> dict:
    t0 = time.monotonic()
    fault_on, fault_off = t0 + phase, t0 + 2 * phase

    def phase_of(t: float) -> str:
        return "before" if t < fault_on else "during" if t < fault_off else "after"

    def switch():
        time.sleep(max(0.0, fault_on - time.monotonic()))
        stack.proxy.set_mode(mode)
        time.sleep(max(0.0, fault_off - time.monotonic()))
        stack.proxy.set_mode(None)

    switcher = threading.Thread(target=switch)
    switcher.start()
    rows = drive(stack, 3 * phase, workers, phase_of)
    switcher.join()
    after = sorted((r for r in rows if r[0] == "after"), key=lambda r: r[1])
    bad = [i for i, r in enumerate(after) if r[2] != 200]
    if not bad:
        recovery = 0.0
    elif bad[-1] + 1 < len(after):
        recovery = max(0.0, after[bad[-1] + 1][1] - fault_off)
    else:
        recovery = None  # never recovered within the phase
    result = {"mode": mode, "recovery": recovery, "phases": {}}
    for name in ("before", "during", "after"):
        mine = [r for r in rows if r[0] == name]
        latencies = [r[3] for r in mine] or [0.0]
        result["phases"][name] = {"statuses": dict(sorted(Counter(r[2] for r in mine).items())),
                                  "p50": statistics.median(latencies), "max": max(latencies)}
    return result


def soak(stack: Stack, n: int, concurrency: int) -> dict:
    before = stack.rss_mib()
    start = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda _: call(stack.base + "/connect/token", True), range(n)))
    seconds = time.monotonic() - start
    statuses = Counter(status for status, _ in results)
    latencies = sorted(latency for _, latency in results)
    return {"requests": n, "concurrency": concurrency, "statuses": dict(statuses),
            "errors": n - statuses.get(200, 0), "seconds": seconds, "per_second": n / seconds,
            "p50": latencies[len(latencies) // 2], "max": latencies[-1],
            "rss_before_mib": before, "rss_after_mib": stack.rss_mib()}


def print_table(results: list[dict]) -> bool:
    print(f"{'mode':<9} {'phase':<7} {'statuses':<34} {'p50 ms':>7} {'max ms':>7}  recovery")
    ok = True
    for r in results:
        for name, p in r["phases"].items():
            rec = ""
            if name == "after":
                rec = "never" if r["recovery"] is None else f"{r['recovery']:.2f} s"
            statuses = " ".join(f"{k}:{v}" for k, v in p["statuses"].items())
            print(f"{r['mode']:<9} {name:<7} {statuses:<34} {p['p50'] * 1000:>7.0f} {p['max'] * 1000:>7.0f}  {rec}")
            ok &= p["max"] < ANSWER_WITHIN and 0 not in p["statuses"]
        ok &= r["recovery"] is not None and r["recovery"] <= RECOVER_WITHIN
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated fault modes")
    parser.add_argument("--phase", type=float, default=3.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=CONTAINERS, help="concurrent callers during the fault runs")
    parser.add_argument("--soak", type=int, default=20000, help="token requests of the soak (0: none)")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tokenvend-faults-") as workdir:
        os.environ["FAULTS_WORKDIR"] = workdir
        stack = Stack(Path(workdir))
        try:
            drive(stack, 3.0, args.workers, lambda t: "warm-up")  # every container warm first
            results = [run_mode(stack, mode, args.phase, args.workers) for mode in args.modes.split(",") if mode]
            ok = print_table(results) if results else True
            if results:
                print(f"every answer within {ANSWER_WITHIN:g} s and recovery within {RECOVER_WITHIN:g} s: "
                      f"{'yes' if ok else 'NO'}")
            if args.soak:
                s = soak(stack, args.soak, args.concurrency)
                print(f"soak: {s['requests']} token requests at concurrency {s['concurrency']} in {s['seconds']:.1f} s "
                      f"({s['per_second']:.0f}/s, p50 {s['p50'] * 1000:.0f} ms, max {s['max'] * 1000:.0f} ms): "
                      f"statuses {s['statuses']}, errors {s['errors']}; stack memory "
                      f"{s['rss_before_mib']:.0f} MiB before, {s['rss_after_mib']:.0f} MiB after")
                ok &= s["errors"] == 0
        finally:
            stack.stop()
            if os.environ.get("FAULTS_KEEP_LOG"):
                import shutil
                shutil.copy(Path(workdir) / "stack.log", os.environ["FAULTS_KEEP_LOG"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
