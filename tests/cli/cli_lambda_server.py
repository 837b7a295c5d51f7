"""The token and discovery functions behind a tiny HTTP server on 127.0.0.1, for
``tokenvend token``: each request becomes the payload 2.0 event API Gateway would send,
goes to the real Lambda handler, and its answer goes back over HTTP."""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from support import LambdaContext, load_function

FUNCTIONS = {"/connect/token": "token", "/.well-known/openid-configuration": "discovery",
             "/.well-known/openid-configuration/jwks": "discovery"}


def _event(handler: BaseHTTPRequestHandler, domain: str) -> dict:
    body = handler.rfile.read(int(handler.headers.get("content-length") or 0))
    path = handler.path.split("?", 1)[0]
    return {
        "version": "2.0", "routeKey": f"ANY {path}", "rawPath": path, "rawQueryString": "",
        "headers": {k.lower(): v for k, v in handler.headers.items()},
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": domain, "domainPrefix": "127",
            "http": {"method": handler.command, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": handler.headers.get("user-agent", "")},
            "requestId": f"req-{time.monotonic_ns()}", "routeKey": f"ANY {path}", "stage": "$default",
            "timeEpoch": int(time.time() * 1000)},
        "body": base64.b64encode(body).decode(), "isBase64Encoded": True,
    }


@contextlib.contextmanager
def serve_functions(monkeypatch, environment: dict):
    """Serve the functions with the template's ``environment``; yield the issuer URL."""
    handlers = {}

    class Handler(BaseHTTPRequestHandler):
        def do_request(self):
            function = FUNCTIONS.get(self.path.split("?", 1)[0])
            if function is None:
                self.send_error(404)
                return
            response = handlers[function](_event(self, "127.0.0.1:%d" % self.server.server_address[1]),
                                          LambdaContext())
            body = response.get("body") or ""
            raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
            self.send_response(response["statusCode"])
            for name, value in (response.get("headers") or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_request

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    # No EMF metrics: they are printed to sys.stdout, which CliRunner has taken over.
    for name, value in {**environment, "TOKENVEND_ISSUER": issuer, "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    for name in ("token", "discovery"):  # read the environment at init, as on a cold start
        handlers[name] = load_function(name, f"cli_test_{name}").lambda_handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
