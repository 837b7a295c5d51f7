"""The token function fed generated API Gateway events (hypothesis): bodies and their
encodings, duplicated and oversized parameters, hostile values, Authorization headers,
methods, base64 flags and client assertions. Every answer obeys DESIGN.md's rules
(``protocol_fuzz.violations``): no 5xx, the §5.2 shape and charset, the no-store headers,
405 with Allow for every other method, the Basic challenge on a 401 to an Authorization
header, and no token to a request without the registered credential. No log line holds a
token, a stored hash, or the registered secret or its Basic encoding. (The functions are
called past the fixture's per-request credential check: a generated "credential" such as
``a`` would match ordinary log words.)"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol_fuzz import DrawChooser, generate, to_event, violations
from support import LambdaContext, examples, load_event

BASE = load_event("token-client-secret-post.json")
REGISTERED = re.compile(r"(?<![\w-])secret(?![\w-])|Y2xpZW50OnNlY3JldA|client%3Asecret")


@st.composite
def requests(draw):
    return generate(DrawChooser(draw))


@settings(max_examples=examples(300), deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(request=requests())
def test_every_generated_request_gets_an_answer_that_obeys_the_rules(functions, request):
    before = len(functions.log_lines)
    response = functions.token.lambda_handler(to_event(request, BASE), LambdaContext())
    body = response.get("body") or ""
    found = violations(request, response["statusCode"], response.get("headers") or {}, body.encode())
    assert found == [], f"{found} for {request.reproducer()}"
    if response["statusCode"] != 200:
        assert "access_token" not in json.loads(body)
    for line in functions.log_lines[before:]:
        assert not REGISTERED.search(line), f"the registered credential reached the log: {line}"
