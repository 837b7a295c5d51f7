"""A real loopback HTTP endpoint that misbehaves on purpose, for the deadline and
malformed-answer tests: each connection gets the next behaviour of a script.

Behaviours: ``("hang",)`` accepts and never answers (until the test ends);
``("answer", delay, status, body)`` answers after ``delay`` seconds. The server listens on
127.0.0.1 on a free port and stops when the test's ``with`` block ends.
"""

from __future__ import annotations

import socket
import threading
import time


class FaultyEndpoint:
    def __init__(self, script, default=("answer", 0.0, 200, b"{}")):
        self.script, self.default = list(script), default
        self.connections = 0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            behaviour = self.script.pop(0) if self.script else self.default
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn, behaviour), daemon=True).start()

    def _handle(self, conn, behaviour):
        with conn:
            conn.settimeout(5)
            try:
                self._read_request(conn)
                if behaviour[0] == "hang":
                    self._stop.wait(30)
                    return
                _, delay, status, body = behaviour
                if self._stop.wait(delay):
                    return
                conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (status, len(body), body))
            except OSError:
                pass

    @staticmethod
    def _read_request(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk


def elapsed(call):
    """Run ``call``; return (its exception or result, the seconds it took)."""
    start = time.monotonic()
    try:
        outcome = call()
    except Exception as exc:  # noqa: BLE001 - the test asserts on it
        outcome = exc
    return outcome, time.monotonic() - start
