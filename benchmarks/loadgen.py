"""A bounded, loopback-only load generator for token endpoints, and the CPU of a server's
whole process tree.

``drive(url, authorization, concurrency, requests, time_cap)`` sends ``requests`` token
requests (client_secret_basic, ``grant_type=client_credentials&scope=api1``) over
``concurrency`` keep-alive HTTP/1.1 connections, stopping early at ``time_cap`` seconds,
and returns throughput, latency percentiles and the CPU the server's process tree spent.
One asyncio loop with raw sockets: the generator's own cost per request stays far below
the servers', so both are driven by the same, light client. It refuses any host but a
loopback address.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FORM = b"grant_type=client_credentials&scope=api1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids += [int(k) for k in fh.read().split()]
    except OSError:
        pass
    return kids


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``pid`` and every descendant, by pid (from /proc)."""
    seen, todo = {}, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seen[current] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        todo += _children(current)
    return seen


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the tree spent between two ``tree_cpu`` samples (a process new in
    ``after`` counts from zero)."""
    return sum(cpu_by_pid(before, after).values())


def cpu_by_pid(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU seconds each process of the tree spent between two ``tree_cpu`` samples."""
    return {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}


@dataclass
class Result:
    concurrency: int
    ok: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float
    root_cpu: float = 0.0  # the server's own process, without its children

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    @property
    def cpu_ms_per_token(self) -> float:
        return self.server_cpu / self.ok * 1000 if self.ok else float("nan")


def _request(host: str, port: int, path: str, authorization: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {authorization}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(FORM)}\r\n"
            "Connection: keep-alive\r\n\r\n").encode("ascii") + FORM


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep-alive) of one response, its body read in full (Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise RuntimeError("the server answered without Content-Length; this generator needs it")
    await reader.readexactly(int(headers["content-length"]))
    return status, headers.get("connection", "").lower() != "close"


async def _worker(host, port, payload, budget: list[int], deadline: float, latencies: list[float], errors: list):
    reader = writer = None
    while budget[0] > 0 and time.perf_counter() < deadline:
        budget[0] -= 1
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        started = time.perf_counter()
        writer.write(payload)
        status, keep = await _read_response(reader)
        if status == 200:
            latencies.append(time.perf_counter() - started)
        else:
            errors.append(status)
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _drive(host, port, path, authorization, concurrency, requests, time_cap):
    payload = _request(host, port, path, authorization)
    latencies: list[float] = []
    errors: list = []
    budget = [requests]
    deadline = time.perf_counter() + time_cap
    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_worker(host, port, payload, budget, deadline, latencies, errors)
                         for _ in range(concurrency))),
        timeout=time_cap + 30)
    return latencies, errors, time.perf_counter() - started


def drive(url: str, authorization: str, server_pid: int, *, concurrency: int, requests: int,
          time_cap: float) -> Result:
    """Send at most ``requests`` token requests to ``url`` within ``time_cap`` seconds."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"{url}: this load generator drives loopback servers only")
    before, client_before = tree_cpu(server_pid), time.process_time()
    latencies, errors, seconds = asyncio.run(
        _drive(parts.hostname, parts.port, parts.path, authorization, concurrency, requests, time_cap))
    by_pid, client_cpu = cpu_by_pid(before, tree_cpu(server_pid)), time.process_time() - client_before
    if errors:
        raise RuntimeError(f"{url}: {len(errors)} requests failed (statuses {sorted(set(errors))})")
    return Result(concurrency, len(latencies), seconds, latencies, sum(by_pid.values()), client_cpu,
                  by_pid.get(server_pid, 0.0))
