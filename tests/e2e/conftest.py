"""Fixtures starting the real local stack (see dev_stack.py); each is stopped at teardown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dev_stack import ROOT, DevStack


@pytest.fixture
def start_stack(tmp_path):
    """Start a stack with extra `tokenvend dev` arguments; stopped at teardown."""
    stacks = []

    def start(*args: str, name: str = "stack") -> DevStack:
        stack = DevStack(tmp_path / f"{name}-{len(stacks)}.json", *args)
        stacks.append(stack)
        return stack.wait_ready()

    yield start
    for stack in stacks:
        stack.stop()


@pytest.fixture(scope="session")
def quickstart_stack(tmp_path_factory):
    """The IdentityServer quickstart (examples/quickstart.yaml), shared by the e2e tests
    that only read from it."""
    stack = DevStack(tmp_path_factory.mktemp("quickstart") / "stack.json",
                     "--config", str(ROOT / "examples" / "quickstart.yaml"))
    try:
        yield stack.wait_ready()
    finally:
        stack.stop()


@pytest.fixture
def no_cache_env_file(tmp_path) -> Path:
    """A sam-style env file turning the functions' cache off, so an edit of the table shows at once."""
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"Parameters": {"TOKENVEND_CACHE_TTL": "0"}}))
    return path
