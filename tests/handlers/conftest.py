from __future__ import annotations

import base64
import logging
import os
import re
from urllib.parse import parse_qsl

import pytest

from support import AwsCalls, LambdaContext, load_function, reset_service_logger
from tokenvend_cli.local.seed import seed

# A JWS/JWT always starts with base64url '{"' = "eyJ": no token, assertion or part of one
# may reach a log line; neither may a stored hash.
NEVER_LOGGED = re.compile(r"eyJ|pbkdf2-sha256\$|hmac-sha256\$|sha256:")


class LogTee(logging.Handler):
    """Keeps every line the functions log, formatted exactly as Powertools writes it."""

    def __init__(self, formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def credentials_in(event: dict) -> list[str]:
    """The credential values an event carries: Authorization header, its base64 part and
    the decoded pair, and the client_secret/client_assertion/token of the body."""
    values = []
    authorization = (event.get("headers") or {}).get("authorization")
    if authorization:
        encoded = authorization.split(" ", 1)[-1]
        values += [authorization, encoded]
        try:
            values.append(base64.b64decode(encoded).decode())
        except ValueError:
            pass
    raw = event.get("body") or ""
    try:
        text = base64.b64decode(raw).decode("utf-8", "replace") if event.get("isBase64Encoded") else raw
    except ValueError:
        text = raw
    values += [v for k, v in parse_qsl(text) if k in ("client_secret", "client_assertion", "token")]
    return [v for v in values if v]


@pytest.fixture
def deployed(stack, monkeypatch):
    """The functions as Lambda would start them: the template's environment, fresh
    modules. Every log line they write in a test is checked afterwards: no credential a
    request carried, no token, no stored hash.

    As Lambda starts a container on its function's first request, each function's init
    runs when the test first touches it (``functions.token``, ``token_call``, ...), not in
    ``start()``: most tests call one function of the four, and an init costs 5-10 ms. The
    init still sees the environment as it was at ``start()`` (the template's, plus what
    the test set before), as a deployed function's configuration is fixed before its
    first request; what a test sets afterwards reaches the requests only."""
    for name, value in stack.environment.items():
        monkeypatch.setenv(name, value)
    tee = None
    sent: list[str] = []

    class Functions:
        def start(self, cache_ttl: str | None = None):
            nonlocal tee
            if cache_ttl is not None:
                monkeypatch.setenv("TOKENVEND_CACHE_TTL", cache_ttl)
            self.environment, self.modules = dict(os.environ), {}
            tee = LogTee(None)
            return self

        def function(self, name: str):
            """The module of ``functions/<name>/app.py``, its init run on first use."""
            if name not in self.modules:
                now = dict(os.environ)
                os.environ.clear()
                os.environ.update(self.environment)
                try:
                    self.modules[name] = load_function(name)
                finally:
                    os.environ.clear()
                    os.environ.update(now)
                # a new init configures the service logger afresh: keep every line from here on
                service = logging.getLogger("tokenvend")
                tee.setFormatter(service.powertools_handler.formatter)
                service.addHandler(tee)
            return self.modules[name]

        token = property(lambda self: self.function("token"))
        discovery = property(lambda self: self.function("discovery"))
        introspect = property(lambda self: self.function("introspect"))
        revocation = property(lambda self: self.function("revocation"))

        def call(self, module, event):
            sent.extend(credentials_in(event))
            return module.lambda_handler(event, LambdaContext())

        def token_call(self, event):
            return self.call(self.token, event)

        def discovery_call(self, event):
            return self.call(self.discovery, event)

        def introspect_call(self, event):
            return self.call(self.introspect, event)

        def revocation_call(self, event):
            return self.call(self.revocation, event)

        @property
        def log_lines(self) -> list[str]:
            return list(tee.lines) if tee else []

    functions = Functions()
    yield functions
    reset_service_logger()  # its handler may write to this test's captured stdout, closed next
    # whole values only: the quickstart secret "secret" is also part of "client_secret_post";
    # one pattern for every value sent (a test of many requests sends thousands of them)
    values = sorted(set(sent), key=len, reverse=True)
    credential = re.compile("|".join(rf"(?<![\w-]){re.escape(v)}(?![\w-])" for v in values)) if values else None
    for line in functions.log_lines:
        assert not NEVER_LOGGED.search(line), f"a token or hash reached the log: {line}"
        leaked = credential.search(line) if credential else None
        assert not leaked, f"a credential ({leaked.group(0)!r}) reached the log: {line}"


@pytest.fixture
def functions(deployed, stack, quickstart):
    seed(stack.dynamodb, stack.table, quickstart)
    return deployed.start()


@pytest.fixture
def counted(deployed, stack, quickstart):
    """Start the functions on the seeded quickstart with every AWS call they make counted:
    ``functions, calls = counted()``."""
    seed(stack.dynamodb, stack.table, quickstart)

    def start():
        calls = AwsCalls.install()  # before the functions create their clients
        return deployed.start(), calls

    return start


@pytest.fixture
def introspection_functions(deployed, stack):
    """The functions over examples/introspection.yaml: api1 and api2 with secrets, three clients."""
    from support import EXAMPLES
    from tokenvend.config import load_config

    seed(stack.dynamodb, stack.table, load_config(EXAMPLES / "introspection.yaml"))
    return deployed.start()
