"""AWS clients that answer within the request's deadline, and AWS failures as OAuth errors.

DESIGN.md: "Every request answers itself within 3 s: AWS calls share one deadline per
request (timeouts and retries included), and what does not fit is 503
temporarily_unavailable with Retry-After (also for throttling) or 500 server_error".

- ``request_deadline()`` (entered by each function's handler) sets one deadline,
  ``AWS_BUDGET`` seconds from the start of the request, in a context variable.
- Each attempt of each call of a function's client (``aws_client``) gets a read timeout of
  at most ``READ_TIMEOUT`` and never past the deadline (botocore's per-request
  ``read_timeout``, set in a ``before-send`` hook); an attempt that would start with less
  than ``MIN_ATTEMPT`` left is not made (``DeadlineExceeded``). Connecting takes at most
  ``CONNECT_TIMEOUT``, so the last attempt ends by ``AWS_BUDGET + CONNECT_TIMEOUT`` < 3 s.
- Retries are tokenvend's own (botocore's are off): one retry of a connection failure, a
  timeout, a throttle or a 5xx, after a short jitter, only while the deadline allows — so a
  stalled dependency cannot spend a timeout plus a backoff on every sequential call.
- A 2xx whose body is not a JSON object (DynamoDB and KMS speak JSON; botocore would turn
  any other text into ``{"message": ...}``, which reads as "no item") raises
  ``MalformedResponse`` before botocore parses it: a dependency failure, never an answer.

Without a deadline (the CLI, tests) a call gets ``READ_TIMEOUT`` per attempt.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import random
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ..errors import ServerError, TemporarilyUnavailable

CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0
MAX_ATTEMPTS = 2  # the first call and one retry
AWS_BUDGET = 2.3  # seconds of a request's 3 that AWS calls may use, connects included
MIN_ATTEMPT = 0.05
RETRY_JITTER = 0.05
THROTTLING_CODES = {
    "ThrottlingException", "Throttling", "ProvisionedThroughputExceededException",
    "RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException",
}
BUSY = "The authorization server is busy; retry shortly."
FAILED = "The authorization server could not complete the request."

# Connection refused or reset, connect or read timeouts: worth one retry, and a 503.
TRANSIENT = (BotoConnectionError, HTTPClientError)
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("tokenvend_aws_deadline", default=None)


class DeadlineExceeded(BotoCoreError):
    fmt = "The request's deadline for AWS calls has passed"


class MalformedResponse(BotoCoreError):
    fmt = "{service} {operation} answered {status} with a body that is not its JSON"


@contextlib.contextmanager
def request_deadline(budget: float = AWS_BUDGET, clock=time.monotonic):
    """One deadline for every AWS call made inside the block (one request)."""
    token = _deadline.set(clock() + budget)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining(clock=time.monotonic) -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - clock()


def client_config() -> Config:
    """The CLI's clients: fixed timeouts and botocore's standard retries."""
    return Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2})


def function_config() -> Config:
    return Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  retries={"mode": "standard", "total_max_attempts": 1})


def _before_send(request, **_):
    left = remaining()
    if left is None:
        return None
    if left < MIN_ATTEMPT:
        raise DeadlineExceeded()
    request.context["read_timeout"] = min(READ_TIMEOUT, left)
    return None


def _transient(response, caught_exception) -> bool:
    if caught_exception is not None:
        return isinstance(caught_exception, TRANSIENT)
    http, parsed = response
    code = (parsed or {}).get("Error", {}).get("Code", "")
    return http.status_code >= 500 or http.status_code == 429 or code in THROTTLING_CODES


def _needs_retry(attempts, response=None, caught_exception=None, **_):
    """Retry once, after a jitter, when the failure is transient and the deadline allows."""
    if attempts >= MAX_ATTEMPTS or isinstance(caught_exception, DeadlineExceeded):
        return None
    if not _transient(response, caught_exception):
        return None
    delay = random.uniform(0, RETRY_JITTER)
    left = remaining()
    if left is not None and left - delay < MIN_ATTEMPT:
        return None
    return delay


def _before_parse(operation_model, response_dict, **_):
    status = response_dict.get("status_code", 0)
    if not 200 <= status < 300 or operation_model.has_streaming_output:
        return
    try:
        body = json.loads(response_dict.get("body") or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise MalformedResponse(service=operation_model.service_model.service_id,
                                operation=operation_model.name, status=status)


def aws_client(service: str, **kwargs):
    """A function's boto3 client; ``AWS_ENDPOINT_URL`` (boto3's own variable) points it at moto locally."""
    region = kwargs.pop("region_name", None) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client = boto3.client(service, region_name=region, config=function_config(), **kwargs)
    client.meta.events.register("before-send", _before_send)
    client.meta.events.register_first("needs-retry", _needs_retry)
    client.meta.events.register("before-parse", _before_parse)
    return client


def _busy(reason: str) -> TemporarilyUnavailable:
    return TemporarilyUnavailable(BUSY, reasons=[reason], headers={"Retry-After": "1"})


@contextlib.contextmanager
def aws_errors(operation: str):
    """Turn an AWS failure into an OAuth error, keeping the cause for the log but out of the
    response: 503 ``temporarily_unavailable`` with ``Retry-After`` when the dependency did
    not answer in time or asked us to slow down (a throttle, a timeout, a refused or reset
    connection, the deadline), else 500 ``server_error`` (an error answer such as a 5xx,
    access denied or a missing table, or a malformed answer)."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in THROTTLING_CODES:
            raise _busy(f"{operation}: {code}") from exc
        raise ServerError(FAILED, reasons=[f"{operation}: {code}"]) from exc
    except (DeadlineExceeded, *TRANSIENT) as exc:
        raise _busy(f"{operation}: {type(exc).__name__}") from exc
    except BotoCoreError as exc:
        raise ServerError(FAILED, reasons=[f"{operation}: {type(exc).__name__}"]) from exc
