"""Shared fixtures: AWS on moto (in process), the template's resources, the quickstart."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import EXAMPLES, LambdaContext, Stack, load_event, load_function, make_stack  # noqa: E402,F401


@pytest.fixture
def aws_credentials(monkeypatch):
    """Fake credentials and region, and no endpoint override, so nothing reaches AWS."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_credentials):
    with mock_aws():
        yield


@pytest.fixture
def stack(aws) -> Stack:
    return make_stack()


@pytest.fixture
def quickstart():
    from tokenvend.config import load_config

    return load_config(EXAMPLES / "quickstart.yaml")


