"""Shared fixtures: AWS on moto (in process), the template's resources, the quickstart."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).resolve().parent))


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


@dataclass
class Stack:
    """The template's table and signing key, created on moto."""

    template: object
    dynamodb: object
    kms: object
    table: str
    key_arn: str
    environment: dict  # the token/discovery functions' resolved Environment


def make_stack(parameters: dict | None = None) -> Stack:
    from tokenvend_cli.provision import provision
    from tokenvend_cli.template import Template

    template = Template(parameters=parameters)
    dynamodb, kms = boto3.client("dynamodb"), boto3.client("kms")
    physical = provision(template, dynamodb, kms)
    environment = {f.logical_id: f.environment for f in template.functions()}["TokenFunction"]
    return Stack(template, dynamodb, kms, physical["Table"]["Ref"], physical["SigningKey"]["Arn"], environment)


@pytest.fixture
def stack(aws) -> Stack:
    return make_stack()


@pytest.fixture
def quickstart():
    from tokenvend.config import load_config

    return load_config(EXAMPLES / "quickstart.yaml")


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def load_function(name: str, module_name: str | None = None):
    """Import functions/<name>/app.py afresh under a unique module name (as Lambda would
    on a cold start), so each test gets its own container state."""
    module_name = module_name or f"tokenvend_function_{name}"
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class LambdaContext:
    function_name: str = "tokenvend-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tokenvend-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
