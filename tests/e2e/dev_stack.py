"""The real local stack, started as `tokenvend dev` in a subprocess on a free loopback
port, with its own state file (never the developer's .local/stack.json). A stack stops
on SIGTERM, and by itself (--exit-with-parent) should pytest die."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from tokenvend_cli.main import cli; cli(prog_name='tokenvend')"]
START_TIMEOUT = 90  # a bound, not a benchmark: a shared, loaded machine starts slowly


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


class DevStack:
    """One `tokenvend dev` process; its stdout and stderr collected line by line (read
    continuously, so the function logs never fill the pipe and stall the server)."""

    def __init__(self, state_file: Path, *args: str, port: int | None = None, output: Path | None = None):
        """``output``: a file that takes the stack's stdout and stderr instead (a benchmark's
        load generator then shares its process with no reader of the stack's log lines)."""
        self.port = port or free_port()
        self.state_file = state_file
        self.state: dict = {}
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.output = output
        command = [*CLI, "dev", "--port", str(self.port), "--state-file", str(state_file), "--exit-with-parent", *args]
        if output is not None:
            with open(output, "wb") as sink:
                self.proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
            return
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for stream, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._drain, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _drain(stream, lines):
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_ready(self) -> "DevStack":
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                time.sleep(0.1)  # let the readers finish
                raise AssertionError(f"tokenvend dev exited {self.proc.returncode}:\n" + self._errors())
            try:
                state = json.loads(self.state_file.read_text())
            except (OSError, ValueError):
                state = {}
            if state.get("pid") == self.proc.pid:
                self.state = state
                return self
            time.sleep(0.05)
        self.stop()
        raise AssertionError("tokenvend dev did not start in time:\n" + self._errors(self.stdout))

    def _errors(self, before: list[str] = ()) -> str:
        if self.output is not None:
            return self.output.read_text(errors="replace")
        return "\n".join([*before, *self.stderr])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.state["endpoint_url"], region_name=self.state["region"],
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def lines_after(self, marker: str, count: int = 1) -> list[str]:
        """stdout lines (function logs, access log) once ``count`` lines containing ``marker``
        were written (the access line and the function's line come from two processes, in
        either order)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and sum(marker in line for line in self.stdout) < count:
            time.sleep(0.02)
        return list(self.stdout)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def delete_api_scope(stack: DevStack, name: str) -> None:
    """Edit the table by hand into the broken quickstart state (layout: dynamodb_items.py)."""
    from tokenvend.adapters.dynamodb_items import scope_key

    key = {k: {"S": v} for k, v in scope_key(name).items()}
    stack.client("dynamodb").delete_item(TableName=stack.state["table"], Key=key)

