"""One deadline per request across every AWS call, against real loopback sockets: one that
accepts and never answers, one that answers slowly, and one that answers 200 with a body
that is not DynamoDB's JSON (DESIGN.md "Shape": every request answers itself within 3 s;
a malformed dependency answer is a dependency failure and is never cached)."""

from __future__ import annotations

import pytest

from tokenvend.adapters.aws import AWS_BUDGET, CONNECT_TIMEOUT, aws_client, request_deadline
from tokenvend.adapters.dynamodb import DynamoDBStore
from tokenvend.errors import ServerError, TemporarilyUnavailable

from faulty_endpoint import FaultyEndpoint, elapsed

HANG = ("hang",)
# The contract, not a speed figure: the last attempt ends by the budget plus one connect.
WITHIN_DEADLINE = AWS_BUDGET + CONNECT_TIMEOUT


def store_at(endpoint: FaultyEndpoint) -> DynamoDBStore:
    return DynamoDBStore("tokenvend", aws_client("dynamodb", endpoint_url=endpoint.url))


def in_one_request(*calls):
    with request_deadline():
        return [call() for call in calls]


@pytest.mark.slow  # waits out a real timeout
def test_a_dependency_that_never_answers_is_503_with_retry_after_within_the_deadline(aws_credentials):
    with FaultyEndpoint([], default=HANG) as endpoint:
        store = store_at(endpoint)
        outcome, seconds = elapsed(lambda: in_one_request(lambda: store.get_client("client")))

    assert isinstance(outcome, TemporarilyUnavailable)
    assert (outcome.status_code, outcome.error, outcome.headers) == (503, "temporarily_unavailable",
                                                                    {"Retry-After": "1"})
    assert outcome.reasons == ["dynamodb:GetItem: ReadTimeoutError"]
    assert endpoint.connections == 2  # the first attempt and one retry, both inside the deadline
    assert seconds < WITHIN_DEADLINE


@pytest.mark.slow  # waits out a real timeout
def test_sequential_calls_of_one_request_share_one_deadline(aws_credentials):
    # GIVEN a hung dependency; WHEN one request reads the client, then the catalog
    with FaultyEndpoint([], default=HANG) as endpoint:
        store = store_at(endpoint)
        outcome, seconds = elapsed(lambda: in_one_request(
            lambda: pytest.raises(TemporarilyUnavailable, store.get_client, "client"),
            lambda: store.get_catalog()))

    # THEN the second call gets only what the first left, not a fresh timeout and retry
    assert isinstance(outcome, TemporarilyUnavailable)
    assert outcome.reasons[0].startswith("dynamodb:Query: ")
    assert seconds < WITHIN_DEADLINE


@pytest.mark.slow  # waits out a real timeout
def test_a_brownout_first_attempt_held_then_a_slow_retry_answers(aws_credentials):
    # GIVEN a first attempt held past the read timeout, and a retry answered after 300 ms
    script = [HANG, ("answer", 0.3, 200, b'{"Items": [], "Count": 0, "ScannedCount": 0}')]
    with FaultyEndpoint(script) as endpoint:
        store = store_at(endpoint)
        (catalog,), seconds = elapsed(lambda: in_one_request(store.get_catalog))

    # THEN the retry's answer is used, within the deadline
    assert (catalog.api_scopes, catalog.api_resources, endpoint.connections) == ({}, {}, 2)
    assert seconds < WITHIN_DEADLINE


@pytest.mark.slow  # waits out a real timeout
def test_without_a_deadline_each_attempt_still_has_its_read_timeout(aws_credentials):
    with FaultyEndpoint([], default=HANG) as endpoint:
        outcome, _ = elapsed(lambda: store_at(endpoint).get_client("client"))
    assert isinstance(outcome, TemporarilyUnavailable)
    assert endpoint.connections == 2


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"[]", b"\x00\xff garbage"])
def test_a_garbled_200_is_a_server_error_and_nothing_is_cached(aws_credentials, body):
    # GIVEN a dependency that answers 200 with a body that is not its JSON, then recovers
    with FaultyEndpoint([("answer", 0.0, 200, body)], default=("answer", 0.0, 200, b"{}")) as endpoint:
        store = store_at(endpoint)
        # WHEN the client is read during the fault
        with pytest.raises(ServerError) as caught:
            in_one_request(lambda: store.get_client("client"))
        # THEN it is 500 server_error, never "unknown client" ...
        assert (caught.value.status_code, caught.value.error) == (500, "server_error")
        assert caught.value.reasons == ["dynamodb:GetItem: MalformedResponse"]
        # ... and the next request reads the table again (no absence was cached)
        assert in_one_request(lambda: store.get_client("client")) == [None]
        assert endpoint.connections == 2


def test_a_query_answer_without_items_is_malformed_not_an_empty_catalog(aws_credentials):
    good = b'{"Items": [], "Count": 0, "ScannedCount": 0}'
    with FaultyEndpoint([("answer", 0.0, 200, b"{}")], default=("answer", 0.0, 200, good)) as endpoint:
        store = store_at(endpoint)
        with pytest.raises(ServerError) as caught:
            in_one_request(store.get_catalog)
        assert caught.value.reasons == ["dynamodb:Query: MalformedResponse"]
        assert in_one_request(store.get_catalog)[0].api_scopes == {}
        assert endpoint.connections == 2


def test_an_http_500_is_retried_once_then_server_error(aws_credentials):
    error = b'{"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "boom"}'
    with FaultyEndpoint([], default=("answer", 0.0, 500, error)) as endpoint:
        with pytest.raises(ServerError) as caught:
            in_one_request(lambda: store_at(endpoint).get_client("client"))
    assert (caught.value.status_code, caught.value.reasons) == (500, ["dynamodb:GetItem: InternalServerError"])
    assert endpoint.connections == 2
