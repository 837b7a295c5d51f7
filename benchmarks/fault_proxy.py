"""A fault-injecting HTTP proxy between the local stack's functions and moto.

It listens on 127.0.0.1 on a free port and forwards each request to moto, unless a fault
mode is set:

- ``refuse``: the listening socket is closed (connections are refused), open
  connections are reset;
- ``reset``: each request's connection is reset (RST) without an answer;
- ``hang``: the request is read and never answered (until the mode changes, 30 s at most);
- ``slow``: forwarded, the answer held 400 ms;
- ``brownout``: every other attempt is held past the functions' read timeout, the
  others forwarded after 300 ms;
- ``throttle``: 400 ``ThrottlingException``;
- ``http500``: 500 ``InternalServerError``;
- ``garbage``: 200 with a body that is not JSON.
"""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("refuse", "reset", "hang", "slow", "brownout", "throttle", "http500", "garbage")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}
MAX_HOLD = 30.0


class FaultProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port, self.mode = upstream_port, None
        self._changed = threading.Condition()
        self._attempts = itertools.count()
        self._server = self._bind(0)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = None
        self._start_serving()

    def _bind(self, port: int) -> ThreadingHTTPServer:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                proxy.handle(self)

            do_GET = do_PUT = do_DELETE = do_POST

        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        return server

    def _start_serving(self):
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def set_mode(self, mode: str | None) -> None:
        with self._changed:
            previous, self.mode = self.mode, mode
            self._changed.notify_all()
        if mode == "refuse" and previous != "refuse":
            self._server.shutdown()
            self._server.server_close()
        elif previous == "refuse" and mode != "refuse":
            self._server = self._bind(self.port)
            self._start_serving()

    def close(self):
        self.set_mode(None)
        self._server.shutdown()
        self._server.server_close()

    def _hold(self, seconds: float, mode: str) -> None:
        """Wait ``seconds`` or until the mode is no longer ``mode``."""
        with self._changed:
            self._changed.wait_for(lambda: self.mode != mode, timeout=seconds)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        mode = self.mode
        if mode in ("refuse", "reset"):
            return _reset(request)
        if mode == "hang":
            self._hold(MAX_HOLD, mode)
            return _reset(request)
        if mode == "brownout" and next(self._attempts) % 2 == 0:
            self._hold(MAX_HOLD, mode)
            return _reset(request)
        if mode == "throttle":
            return _answer(request, 400, b'{"__type": "ThrottlingException", "message": "Rate exceeded"}')
        if mode == "http500":
            return _answer(request, 500, b'{"__type": "InternalServerError", "message": "injected"}')
        if mode == "garbage":
            return _answer(request, 200, b"<html>" + os.urandom(24).hex().encode() + b"</html>")
        if mode in ("slow", "brownout"):
            self._hold(0.4 if mode == "slow" else 0.3, "never")
        self._forward(request, body)

    def _forward(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream.request(request.command, request.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            extra = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            _answer(request, response.status, data, extra)
        except OSError:
            _reset(request)
        finally:
            upstream.close()


def _answer(request, status: int, body: bytes, headers=()) -> None:
    try:
        request.send_response_only(status)
        has_type = False
        for name, value in headers:
            has_type |= name.lower() == "content-type"
            request.send_header(name, value)
        if not has_type:
            request.send_header("Content-Type", "application/x-amz-json-1.0")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
        request.wfile.flush()
    except OSError:
        request.close_connection = True


def _reset(request) -> None:
    """Close the connection with an RST (SO_LINGER 0), answering nothing."""
    try:
        request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    request.close_connection = True
