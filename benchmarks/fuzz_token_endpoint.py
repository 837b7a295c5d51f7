"""Fuzz the token endpoint of a real local stack over HTTP, and check every answer.

Starts ``tokenvend dev`` with the IdentityServer quickstart on a free loopback port (its
own state file; it exits with this process), sends generated requests
(``tests/protocol_fuzz.generate``: methods, content types, duplicated, oversized and
hostile parameters, every kind of credential and Authorization header, broken
encodings) from a few threads, and checks each answer against DESIGN.md's rules
(``tests/protocol_fuzz.violations``). Bounded by ``--requests`` and ``--max-seconds``.

Prints the case count, the duration, an outcome histogram (status and error code), the
number of 5xx answers and of tracebacks in the stack's log, and every distinct violation
with a minimal reproducer (the request shrunk, header by header and parameter by
parameter, while it still breaks the same rule).

Run: ``.venv/bin/python benchmarks/fuzz_token_endpoint.py [--requests 100000] [--max-seconds 1200]``
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from protocol_fuzz import FuzzRequest, RandomChooser, generate, violations  # noqa: E402

CLI = [sys.executable, "-c", "from tokenvend_cli.main import cli; cli(prog_name='tokenvend')"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_stack(workdir: Path, log) -> tuple[subprocess.Popen, int]:
    port, state = free_port(), workdir / "stack.json"
    proc = subprocess.Popen([*CLI, "dev", "--port", str(port), "--state-file", str(state), "--exit-with-parent",
                             "--config", str(ROOT / "examples" / "quickstart.yaml")],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"tokenvend dev exited {proc.returncode}; see {log.name}")
        try:
            if json.loads(state.read_text()).get("pid") == proc.pid:
                return proc, port
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("tokenvend dev did not start within 60 s")


def sendable(request: FuzzRequest) -> FuzzRequest:
    """What HTTP can carry: header values without CR, LF or NUL (http.client refuses them)."""
    headers = {k: v.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b"")
               .decode("utf-8", "surrogateescape") for k, v in request.headers.items()}
    return replace(request, headers=headers)


class Client:
    """One keep-alive connection per thread, reopened when the server closes it."""

    def __init__(self, port: int):
        self.port, self.conn = port, None

    def send(self, request: FuzzRequest) -> tuple[int, dict, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.putrequest(request.method, request.path, skip_accept_encoding=True)
                for name, value in request.headers.items():
                    self.conn.putheader(name, value.encode("utf-8", "surrogateescape"))
                self.conn.putheader("Content-Length", str(len(request.body)))
                self.conn.endheaders(request.body)
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, dict(response.getheaders()), body
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def shrink(client: Client, request: FuzzRequest, rule: str) -> FuzzRequest:
    """Drop headers and body parameters one at a time while the answer still breaks ``rule``."""
    def breaks(candidate: FuzzRequest) -> bool:
        try:
            return any(v.split(":")[0] == rule for v in violations(candidate, *client.send(candidate)))
        except (http.client.HTTPException, OSError):
            return False

    changed = True
    while changed:
        changed = False
        for name in list(request.headers):
            candidate = replace(request, headers={k: v for k, v in request.headers.items() if k != name})
            if breaks(candidate):
                request, changed = candidate, True
        parts = request.body.split(b"&")
        for i in range(len(parts)):
            candidate = replace(request, body=b"&".join(parts[:i] + parts[i + 1:]))
            if len(parts) > 1 and breaks(candidate):
                request, changed = candidate, True
                break
    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--max-seconds", type=float, default=1200)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tokenvend-fuzz-"))
    log = open(workdir / "stack.log", "w")
    proc, port = start_stack(workdir, log)
    histogram: collections.Counter = collections.Counter()
    found: dict[str, FuzzRequest] = {}
    transport_errors = collections.Counter()
    lock, counter = threading.Lock(), iter(range(args.requests))
    deadline = time.monotonic() + args.max_seconds
    started = time.monotonic()

    def work(index: int):
        client, rng = Client(port), random.Random(args.seed * 1000 + index)
        chooser = RandomChooser(rng)
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            request = sendable(generate(chooser))
            try:
                status, headers, body = client.send(request)
            except (http.client.HTTPException, OSError) as exc:
                with lock:
                    transport_errors[type(exc).__name__] += 1
                    histogram["transport error"] += 1
                continue
            try:
                error = json.loads(body).get("error", "") if body else ""
            except (ValueError, AttributeError):
                error = "(not JSON)"
            broken = violations(request, status, headers, body)
            with lock:
                histogram[f"{status} {error}".strip()] += 1
                for rule in broken:
                    found.setdefault(rule.split(":")[0], request)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    cases = sum(histogram.values())

    shrunk = {rule: shrink(Client(port), request, rule) for rule, request in found.items()}
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    stack_log = (workdir / "stack.log").read_text(errors="replace")

    print(f"cases: {cases} in {duration:.1f} s ({cases / duration:.0f} requests/s, {args.threads} threads)"
          + ("" if cases >= args.requests else f" — stopped by --max-seconds before {args.requests}"))
    print("outcomes:")
    for outcome, count in sorted(histogram.items(), key=lambda item: -item[1]):
        print(f"  {count:>8}  {outcome}")
    print(f"5xx answers: {sum(c for o, c in histogram.items() if o[:1] == '5')}")
    print(f"transport errors: {sum(transport_errors.values())} {dict(transport_errors) or ''}".rstrip())
    print(f"tracebacks in the stack's log: {stack_log.count('Traceback')} ({workdir / 'stack.log'})")
    print(f"violations: {len(shrunk)}")
    for rule, request in shrunk.items():
        print(f"  {rule}\n    reproducer: {request.reproducer()}")


if __name__ == "__main__":
    main()
