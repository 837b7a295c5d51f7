"""Both functions under dependency faults (a real loopback socket in place of AWS), and
each request's metrics flushed with its own dimensions."""

from __future__ import annotations

import json
import warnings

import pytest

from tokenvend.adapters.aws import AWS_BUDGET, CONNECT_TIMEOUT

from faulty_endpoint import FaultyEndpoint, elapsed
from support import load_event

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
BUSY = {"error": "temporarily_unavailable", "error_description": "The authorization server is busy; retry shortly."}
FAILED = {"error": "server_error", "error_description": "The authorization server could not complete the request."}


@pytest.fixture
def faulty(deployed, monkeypatch):
    """Start the functions with every AWS call going to a misbehaving loopback endpoint."""
    def start(endpoint: FaultyEndpoint):
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
        return deployed.start()
    return start


@pytest.mark.slow  # waits out a real timeout
@pytest.mark.parametrize("call, event", [("token_call", "token-client-secret-basic.json"),
                                         ("discovery_call", "discovery.json"),
                                         ("discovery_call", "jwks.json")])
def test_a_hung_dependency_is_503_with_retry_after_and_no_store_within_3_seconds(faulty, call, event):
    with FaultyEndpoint([], default=("hang",)) as endpoint:
        functions = faulty(endpoint)
        response, seconds = elapsed(lambda: getattr(functions, call)(load_event(event)))

    assert response["statusCode"] == 503
    assert response["headers"] == {**NO_STORE, "Retry-After": "1"}
    assert json.loads(response["body"]) == BUSY
    assert seconds < AWS_BUDGET + CONNECT_TIMEOUT  # within the 3 s every answer keeps


@pytest.mark.parametrize("call, event", [("token_call", "token-client-secret-basic.json"),
                                         ("discovery_call", "discovery.json")])
def test_a_garbled_dependency_answer_is_500_never_unknown_client_or_an_empty_catalog(faulty, call, event):
    with FaultyEndpoint([], default=("answer", 0.0, 200, b"<html>not DynamoDB</html>")) as endpoint:
        functions = faulty(endpoint)
        response = getattr(functions, call)(load_event(event))

    assert (response["statusCode"], response["headers"]) == (500, NO_STORE)  # no max-age, no ETag
    assert json.loads(response["body"]) == FAILED


def test_each_request_flushes_its_own_metric_dimensions(functions, monkeypatch, capsys):
    # GIVEN metrics not flushed, as in the local stack, and two different rejections
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        functions.token_call(load_event("token-invalid-client.json"))
        functions.token_call(load_event("token-unsupported-grant-type.json"))
    # THEN no "Dimension 'error' has already been added" warning
    assert [str(w.message) for w in caught if "Dimension" in str(w.message)] == []

    # WHEN metrics are published again and a token is issued
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()
    assert functions.token_call(load_event("token-client-secret-basic.json"))["statusCode"] == 200

    # THEN its EMF blob carries TokensIssued with the service dimension only
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    (blob,) = blobs
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    assert (directive["Dimensions"], [m["Name"] for m in directive["Metrics"]]) == ([["service"]], ["TokensIssued"])
    assert "error" not in blob


@pytest.mark.parametrize("call, event", [("token_call", "token-client-secret-basic.json"),
                                         ("discovery_call", "discovery.json"),
                                         ("discovery_call", "jwks.json"),
                                         ("introspect_call", "introspect-inactive.json"),
                                         ("revocation_call", "revocation-client-secret-basic.json")])
def test_every_aws_call_of_a_request_runs_under_its_one_deadline(functions, call, event):
    # DESIGN "Shape": AWS calls share one deadline per request — what each call has left of it
    from tokenvend.adapters.aws import remaining

    left = []
    for function in (functions.token, functions.discovery, functions.introspect, functions.revocation):
        container = function.container
        for client in (*container.store.aws_clients(), *container.keys.aws_clients()):
            client.meta.events.register("before-call", lambda **_: left.append(remaining()))
    getattr(functions, call)(load_event(event))
    assert left and all(value is not None and 0 < value <= AWS_BUDGET for value in left), left
