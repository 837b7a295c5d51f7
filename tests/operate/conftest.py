"""Fixtures of the operator command tests: the ``tokenvend`` command, run in process with
click's CliRunner, against the template's table and key on moto."""

from __future__ import annotations

import pytest

from tokenvend_cli.local import state as local_state

from cli_support import QUICKSTART, invoke, write_broken_quickstart


@pytest.fixture(autouse=True)
def no_ambient_target(monkeypatch, tmp_path):
    """Nothing from the developer's shell or a running local stack picks the target."""
    for name in ("TOKENVEND_TABLE", "TOKENVEND_CLIENT_SECRET", "TOKENVEND_ISSUER", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(local_state, "STATE_FILE", tmp_path / ".local" / "stack.json")


@pytest.fixture
def tokenvend(stack, monkeypatch):
    """``tokenvend ARGS...`` against the stack's table (TOKENVEND_TABLE)."""
    monkeypatch.setenv("TOKENVEND_TABLE", stack.table)
    return invoke


@pytest.fixture
def quickstart_applied(tokenvend):
    result = tokenvend("apply", QUICKSTART, "--allow-development")
    assert result.exit_code == 0, result.stderr
    return tokenvend


@pytest.fixture
def broken_quickstart(stack, tokenvend):
    write_broken_quickstart(stack)
    return tokenvend
