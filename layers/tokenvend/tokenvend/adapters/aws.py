"""AWS clients with explicit timeouts and bounded retries, and AWS failures as OAuth errors.

A function has 10 seconds (template.yaml's Timeout). One stalled call costs at most
2 attempts × (1 s to connect + 2 s to read) ≈ 6 s, so a hung DynamoDB or KMS still
leaves time to answer our own ``server_error`` JSON instead of API Gateway's timeout.
Warm calls take milliseconds; "standard" mode retries throttling and transient errors
once, with backoff.
"""

from __future__ import annotations

import contextlib
import os

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import ServerError, TemporarilyUnavailable

CONNECT_TIMEOUT = 1
READ_TIMEOUT = 2
MAX_ATTEMPTS = 2  # the first call and one retry
THROTTLING_CODES = {
    "ThrottlingException", "Throttling", "ProvisionedThroughputExceededException",
    "RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException",
}


def client_config() -> Config:
    return Config(
        connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )


def aws_client(service: str, **kwargs):
    """A boto3 client; ``AWS_ENDPOINT_URL`` (boto3's own variable) points it at moto locally."""
    region = kwargs.pop("region_name", None) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client(service, region_name=region, config=client_config(), **kwargs)


@contextlib.contextmanager
def aws_errors(operation: str):
    """Turn an AWS failure into ``server_error`` (or 503 ``temporarily_unavailable`` when
    throttled), keeping the cause for the log but out of the response."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in THROTTLING_CODES:
            raise TemporarilyUnavailable(
                "The authorization server is busy; retry shortly.",
                reasons=[f"{operation}: {code}"], headers={"Retry-After": "1"},
            ) from exc
        raise ServerError("The authorization server could not complete the request.",
                          reasons=[f"{operation}: {code}"]) from exc
    except BotoCoreError as exc:
        raise ServerError("The authorization server could not complete the request.",
                          reasons=[f"{operation}: {type(exc).__name__}"]) from exc
