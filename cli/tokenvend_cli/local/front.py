"""The local stand-in for API Gateway: serves the template's HttpApi routes over HTTP,
turns each request into the payload 2.0 event API Gateway would send, invokes the
function (in one of its warm containers, ``lambda_containers``) and writes its answer back.

A path no route matches answers ``404 {"message":"Not Found"}``, and a function that
raises (or returns something API Gateway cannot use) ``500 {"message":"Internal Server
Error"}`` — API Gateway's own bodies, so a client sees locally what it would see in AWS.
Requests are served on a pool of threads over keep-alive connections (``FrontServer``)
and run concurrently up to the functions' container count; one access-log line each,
never a header or a body.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Request

from .event import GatewayResponse, HttpCall, build_event, gateway_error, gateway_response, new_request_id
from .runtime import LocalFunction
from .template import Route

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
SERVER_NAME = "tokenvend-local"
logger = logging.getLogger(__name__)


class ApiFront:
    """A WSGI application serving ``(route, function)`` pairs."""

    def __init__(self, routes: list[tuple[Route, LocalFunction]], *, api_id: str = "local",
                 account_id: str = "123456789012", log=print, authorizer=None):
        self.routes = sorted(routes, key=lambda pair: pair[0].precedence)
        self.api_id, self.account_id, self.log = api_id, account_id, log
        self.authorizer = authorizer  # front_authorizer.FrontAuthorizer, for routes with a JWT authorizer
        if self.authorizer is None and any(route.auth for route, _ in self.routes):
            from .front_authorizer import FrontAuthorizer

            self.authorizer = FrontAuthorizer(log=log)

    def find(self, method: str, path: str):
        """The route API Gateway would pick, its function and path parameters; None if none."""
        for route, function in self.routes:
            if route.matches(method, path):
                return route, function, route.path_parameters(path)
        return None

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = new_request_id()
        request = Request(environ)
        raw_path = urlsplit(environ.get("REQUEST_URI") or environ.get("RAW_URI") or request.path).path or "/"
        response = self.respond(request, raw_path, request_id, environ)
        start_response(f"{response.status} {_reason(response.status)}", list(response.headers))
        self.log(f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} {request.method} {raw_path} "
                 f"{response.status} {(time.perf_counter() - started) * 1000:.0f}ms {request_id}")
        return [] if request.method == "HEAD" else [response.body]  # HEAD: GET's headers, no body

    def respond(self, request: Request, raw_path: str, request_id: str, environ) -> GatewayResponse:
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            return gateway_error(413, "Request Entity Too Large", request_id)
        body = request.stream.read(MAX_REQUEST_BYTES + 1)  # read even for a 404: keep-alive needs it
        if len(body) > MAX_REQUEST_BYTES:
            return gateway_error(413, "Request Entity Too Large", request_id)
        found = self.find(request.method, unquote(raw_path))
        if found is None:
            return gateway_error(404, "Not Found", request_id)
        route, function, parameters = found
        authorizer = None
        if route.auth is not None:  # API Gateway authorizes before it reads the integration
            denied, authorizer = self.authorizer(route, request.headers.items(), environ.get("QUERY_STRING", ""),
                                                 request_id)
            if denied is not None:
                return denied
        call = HttpCall(
            method=request.method, raw_path=raw_path,
            raw_query=environ.get("QUERY_STRING", ""),
            headers=tuple((name, value) for name, value in request.headers.items()),
            body=body, source_ip=request.remote_addr or "", protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            port=int(environ.get("SERVER_PORT") or 0),
        )
        event = build_event(call, route.route_key, request_id=request_id, epoch_ms=int(time.time() * 1000),
                            api_id=self.api_id, account_id=self.account_id, path_parameters=parameters,
                            authorizer=authorizer)
        try:
            result = function.invoke(event, function.context())
        except Exception:
            logger.exception("%s failed on request %s", function.name, request_id)
            return gateway_error(500, "Internal Server Error", request_id)
        return gateway_response(result, request_id)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket; raises OSError (EADDRINUSE...) at once, before any server takes it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class FrontServer:
    """A WSGI app served over HTTP/1.1 with keep-alive on an already bound socket, from a
    pool of threads (cheroot's server).

    API Gateway keeps a client's connection open between requests, and so does this server;
    werkzeug's development server closes every connection after one response, which made
    each request pay a TCP handshake and a new thread. One interface for the API front and
    moto: ``serve_forever()`` (returns once ``shutdown()`` was called, or on Ctrl-C),
    ``shutdown()`` and ``server_close()`` (both safe to call twice).
    """

    THREADS = 16  # concurrent requests; idle keep-alive connections hold no thread
    KEEP_ALIVE = 1024  # idle connections kept open (cheroot's default, 10, closed the 11th client's each time)

    def __init__(self, app, sock: socket.socket, *, server_name: str = SERVER_NAME, tls: tuple[str, str] | None = None):
        """``tls``: a certificate file and its key file, to serve https."""
        from cheroot import wsgi

        class Bound(wsgi.Server):
            def bind(self, family, type, proto=0):  # the socket listen() bound, not a new one
                # headers and body go out in separate writes: without TCP_NODELAY (which the
                # accepted connections inherit) the body waits for the client's delayed ACK
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.socket, self.bind_addr = sock, sock.getsockname()[:2]
                return sock

            def error_log(self, msg="", level=logging.INFO, traceback=False):
                # a client that drops its connection is no news; anything else goes to our log
                if level >= logging.WARNING or traceback:
                    logger.log(max(level, logging.WARNING), "front server: %s", msg, exc_info=traceback)

        self._server = Bound(sock.getsockname()[:2], app, numthreads=self.THREADS, server_name=server_name)
        self._server.keep_alive_conn_limit = self.KEEP_ALIVE
        if tls:
            from cheroot.ssl.builtin import BuiltinSSLAdapter

            self._server.ssl_adapter = BuiltinSSLAdapter(*tls)
        # The request threads start in prepare() and take the daemon flag of the thread that
        # starts them: started from a daemon thread, they never keep a process from exiting.
        failed = []
        preparing = threading.Thread(target=_catching(self._server.prepare, failed), daemon=True)
        preparing.start()
        preparing.join()
        if failed:
            raise failed[0]

    @property
    def port(self) -> int:
        return self._server.bind_addr[1]

    def serve_forever(self, poll_interval: float | None = None) -> None:
        try:
            self._server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.stop()

    def shutdown(self) -> None:
        self._server.stop()

    def server_close(self) -> None:
        self._server.stop()


def _catching(call, failed: list):
    def run():
        try:
            call()
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)
    return run


def make_front_server(app, sock: socket.socket) -> FrontServer:
    """The API front's server on an already bound socket."""
    return FrontServer(app, sock)
