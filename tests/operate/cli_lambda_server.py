"""The template's functions behind the local stack's own API front, in this process (so
they reach moto's in-process mock), for ``tokenvend token``: each request becomes the
payload 2.0 event API Gateway would send, goes to the real Lambda handler, and its
answer goes back over HTTP."""

from __future__ import annotations

import contextlib
import threading

from tokenvend_cli.local.front import ApiFront, listen, make_front_server
from tokenvend_cli.local.runtime import LocalFunction


@contextlib.contextmanager
def serve_functions(stack):
    """Serve the stack's functions on a free loopback port; yield the issuer URL."""
    sock = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # No EMF metrics: they are printed to sys.stdout, which CliRunner has taken over.
    extra = {"TOKENVEND_ISSUER": issuer, "POWERTOOLS_METRICS_DISABLED": "true"}
    functions = [LocalFunction(spec, {**spec.environment, **extra}).load() for spec in stack.template.functions()]
    front = ApiFront([(route, fn) for fn in functions for route in fn.spec.routes], log=lambda line: None)
    server = make_front_server(front, sock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
