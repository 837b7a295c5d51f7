"""The local stand-in for API Gateway: serves the template's HttpApi routes over HTTP,
turns each request into the payload 2.0 event API Gateway would send, invokes the
function (in one of its warm containers, ``lambda_containers``) and writes its answer back.

A path no route matches answers ``404 {"message":"Not Found"}``, and a function that
raises (or returns something API Gateway cannot use) ``500 {"message":"Internal Server
Error"}`` — API Gateway's own bodies, so a client sees locally what it would see in AWS.
Requests arrive over keep-alive connections, as API Gateway keeps them (``ApiServer``), and
wait for the functions on a pool of threads, concurrently up to the functions' container
count; one access-log line each, never a header or a body.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from .event import GatewayResponse, HttpCall, build_event, gateway_error, gateway_response, new_request_id
from .runtime import LocalFunction
from .template import Route

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
SERVER_NAME = "tokenvend-local"
INVOKING_THREADS = 64  # each request waiting for a warm container holds one
logger = logging.getLogger(__name__)


class ApiFront:
    """Serves ``(route, function)`` pairs: an ASGI application (``asgi``, what ``ApiServer``
    serves) and the same as a WSGI one (calling the object), both answering through ``respond``."""

    def __init__(self, routes: list[tuple[Route, LocalFunction]], *, api_id: str = "local",
                 account_id: str = "123456789012", log=print, authorizer=None):
        self.routes = sorted(routes, key=lambda pair: pair[0].precedence)
        self.api_id, self.account_id, self.log = api_id, account_id, log
        self.authorizer = authorizer  # front_authorizer.FrontAuthorizer, for routes with a JWT authorizer
        if self.authorizer is None and any(route.auth for route, _ in self.routes):
            from .front_authorizer import FrontAuthorizer

            self.authorizer = FrontAuthorizer(log=log)
        self._invoking = None  # the threads that wait on the functions, made at the first ASGI request

    def find(self, method: str, path: str):
        """The route API Gateway would pick, its function and path parameters; None if none."""
        for route, function in self.routes:
            if route.matches(method, path):
                return route, function, route.path_parameters(path)
        return None

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request

        started = time.perf_counter()
        request_id = new_request_id()
        request = Request(environ)
        raw_path = urlsplit(environ.get("REQUEST_URI") or environ.get("RAW_URI") or request.path).path or "/"
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            response = gateway_error(413, "Request Entity Too Large", request_id)
        else:
            call = HttpCall(
                method=request.method, raw_path=raw_path, raw_query=environ.get("QUERY_STRING", ""),
                headers=tuple((name, value) for name, value in request.headers.items()),
                body=request.stream.read(MAX_REQUEST_BYTES + 1),  # read even for a 404: keep-alive needs it
                source_ip=request.remote_addr or "", protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                port=int(environ.get("SERVER_PORT") or 0))
            response = self.respond(call, request_id)
        start_response(f"{response.status} {_reason(response.status)}", list(response.headers))
        self._access_log(request.method, raw_path, response, started, request_id)
        return [] if request.method == "HEAD" else [response.body]  # HEAD: GET's headers, no body

    async def asgi(self, scope, receive, send):
        if scope["type"] != "http":  # no lifespan, no websockets: an HTTP API has neither
            return
        started = time.perf_counter()
        request_id = new_request_id()
        method = scope["method"]
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1") or "/"
        try:
            body = await _read_body(receive)
        except ConnectionAbortedError:  # the client left before its body arrived: no one to answer
            return
        client, server = scope.get("client") or ("", 0), scope.get("server") or ("", 0)
        call = HttpCall(method=method, raw_path=raw_path, raw_query=scope["query_string"].decode("latin-1"),
                        headers=tuple((name.decode("latin-1"), value.decode("latin-1"))
                                      for name, value in scope["headers"]),
                        body=body, source_ip=client[0], protocol=f"HTTP/{scope['http_version']}", port=server[1])
        if self._invoking is None:
            self._invoking = ThreadPoolExecutor(INVOKING_THREADS, thread_name_prefix="api-front")
        response = await asyncio.get_running_loop().run_in_executor(self._invoking, self.respond, call, request_id)
        await send({"type": "http.response.start", "status": response.status,
                    "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})
        self._access_log(method, raw_path, response, started, request_id)

    def _access_log(self, method: str, raw_path: str, response: GatewayResponse, started: float, request_id: str):
        self.log(f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} {method} {raw_path} "
                 f"{response.status} {(time.perf_counter() - started) * 1000:.0f}ms {request_id}")

    def respond(self, call: HttpCall, request_id: str) -> GatewayResponse:
        if len(call.body) > MAX_REQUEST_BYTES:
            return gateway_error(413, "Request Entity Too Large", request_id)
        found = self.find(call.method, unquote(call.raw_path))
        if found is None:
            return gateway_error(404, "Not Found", request_id)
        route, function, parameters = found
        authorizer = None
        if route.auth is not None:  # API Gateway authorizes before it reads the integration
            denied, authorizer = self.authorizer(route, call.headers, call.raw_query, request_id)
            if denied is not None:
                return denied
        event = build_event(call, route.route_key, request_id=request_id, epoch_ms=int(time.time() * 1000),
                            api_id=self.api_id, account_id=self.account_id, path_parameters=parameters,
                            authorizer=authorizer)
        try:
            result = function.invoke(event, function.context())
        except Exception:
            logger.exception("%s failed on request %s", function.name, request_id)
            return gateway_error(500, "Internal Server Error", request_id)
        return gateway_response(result, request_id)


async def _read_body(receive) -> bytes:
    """The request's body, read to its end (keep-alive needs it read even for a 404), kept
    only until it is past API Gateway's payload limit (``respond`` answers that with 413);
    ConnectionAbortedError if the client left first."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionAbortedError
        if size <= MAX_REQUEST_BYTES:
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
        if not message.get("more_body"):
            break
    return b"".join(chunks)


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


class WsgiServer:
    """A WSGI app (moto's) served over HTTP/1.1 with keep-alive on an already bound socket,
    from a pool of threads (cheroot's server). AWS keeps a client's connection open between
    calls, and so does this server; werkzeug's development server closed every connection
    after one response, so each call paid a TCP handshake and a new thread.
    ``serve_forever()`` returns once ``shutdown()`` was called, or on Ctrl-C; ``shutdown()``
    and ``server_close()`` are safe to call twice.
    """

    THREADS = 16  # concurrent requests; idle keep-alive connections hold no thread
    KEEP_ALIVE = 1024  # idle connections kept open (cheroot's default, 10, closed the 11th client's each time)
    # cheroot's selector waits this long between looks at a stop (and at idle connections'
    # expiry): its 0.5 s made every stop of the stack, and every test's moto server, wait
    # 0.3-0.5 s. A wake-up 20 times a second costs an idle stack next to nothing.
    STOP_POLL_SECONDS = 0.05

    def __init__(self, app, sock: socket.socket, *, server_name: str, tls: tuple[str, str] | None = None):
        """``server_name``: the Server header; ``tls``: a certificate file and its key file, to serve https."""
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
                    logger.log(max(level, logging.WARNING), "%s server: %s", server_name, msg, exc_info=traceback)

        self._server = Bound(sock.getsockname()[:2], app, numthreads=self.THREADS, server_name=server_name)
        self._server.keep_alive_conn_limit = self.KEEP_ALIVE
        self._server.expiration_interval = self.STOP_POLL_SECONDS
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

    def serve_forever(self) -> None:
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


class ApiServer:
    """The API front (an ASGI app) served over HTTP/1.1 with keep-alive on an already bound
    socket: uvicorn with h11 (which, unlike httptools, takes any method token, so that an
    unknown method meets the routes' 405 as at API Gateway) and uvloop where installed.
    API Gateway keeps a client's connection open between requests, and so does this server,
    for any number of clients (cheroot, whose request threads hand each connection back to
    one selector, answered 32 keep-alive clients with a p99 of 200 ms and a third of the
    throughput). ``serve_forever()`` returns once ``shutdown()`` was called, or raises what a
    stop signal raised; ``shutdown()`` and ``server_close()`` are safe to call twice and
    before serving.
    """

    KEEP_ALIVE_SECONDS = 60  # an idle connection's life, API Gateway's idle timeout
    STOP_SECONDS = 5  # what a stop waits for the requests in flight

    def __init__(self, app, sock: socket.socket, *, server_name: str = SERVER_NAME):
        import uvicorn

        self._sock = sock
        self._server = _prompt_server(uvicorn.Config(
            app, interface="asgi3", http="h11", lifespan="off", log_config=None, access_log=False, server_header=False,
            headers=[("server", server_name)], timeout_keep_alive=self.KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=self.STOP_SECONDS))
        self._serving = threading.Lock()
        self._stopped = False

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def serve_forever(self) -> None:
        with self._serving:
            if self._stopped:
                return
            try:
                self._server.run(sockets=[self._sock])
            except KeyboardInterrupt:
                pass

    def shutdown(self) -> None:
        self._stopped = True
        self._server.stop()
        with self._serving:  # until serve_forever has returned
            pass

    def server_close(self) -> None:
        self.shutdown()
        self._sock.close()


def _prompt_server(config):
    """uvicorn's server, which stops at once: uvicorn looks at ``should_exit`` every 0.1 s (its
    tick also renews the Date header) and then pauses 0.1 s more, which each stop of a
    short-lived server (every test that serves the functions) waited out. The lifespan
    protocol is off, so its shutdown has nothing more to do."""
    import uvicorn

    class PromptServer(uvicorn.Server):
        loop = stopping = None

        async def main_loop(self) -> None:
            self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
            ticks = 0
            while not await self.on_tick(ticks):
                ticks = (ticks + 1) % 864000
                try:
                    await asyncio.wait_for(self.stopping.wait(), 0.1)
                except TimeoutError:
                    pass

        async def shutdown(self, sockets=None) -> None:
            # uvicorn's own, less its fixed 0.1 s pause: idle keep-alive connections close at
            # once, and requests in flight still get timeout_graceful_shutdown to finish
            for server in self.servers:
                server.close()
            for connection in list(self.server_state.connections):
                connection.shutdown()
            try:
                async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                    while self.server_state.connections or self.server_state.tasks:
                        await asyncio.sleep(0.01)
            except TimeoutError:
                for task in self.server_state.tasks:
                    task.cancel()
            for server in self.servers:
                await server.wait_closed()

        def stop(self) -> None:
            self.should_exit = True
            if self.loop is not None:
                try:
                    self.loop.call_soon_threadsafe(self.stopping.set)
                except RuntimeError:  # the loop has closed: it stopped already
                    pass

    return PromptServer(config)


def make_front_server(front: ApiFront, sock: socket.socket) -> ApiServer:
    """The API front's server on an already bound socket."""
    return ApiServer(front.asgi, sock)
