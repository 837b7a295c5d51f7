"""One error style and one exit-code rule for every command (tokenvend_cli.errors): with no local
stack, the local-stack commands and the operator commands answer alike — ``Error: ...`` on
stderr, exit 2 (target trouble) — and an invalid config is exit 1 for `dev` as for `apply`."""

from __future__ import annotations

import pytest

from support import EXAMPLES

from cli_support import invoke

NO_STACK = "no local stack is running (no {state}): start one with `tokenvend dev`"


@pytest.mark.parametrize("args, prefix", [
    (("invoke", "TokenFunction", "events/jwks.json"), ""),
    (("client", "list"), "no target: give --table NAME (or TOKENVEND_TABLE) or --stack NAME; "),
    (("explain", "--client", "client", "--scope", "api1"), "no target: give --table NAME (or TOKENVEND_TABLE) or --stack NAME; "),
    (("token", "--client", "client", "--scope", "api1", "--secret", "-"), "no issuer: give --issuer URL or --stack NAME; "),
], ids=lambda v: v[0] if isinstance(v, tuple) else None)
def test_no_local_stack_is_the_same_error_and_exit_code_everywhere(tmp_path, args, prefix):
    state = tmp_path / "stack.json"
    result = invoke(*args, "--state-file", str(state), input="secret\n")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {prefix}{NO_STACK.format(state=state)}\n"


@pytest.mark.parametrize("command", [("dev",), ("apply",)], ids=["dev", "apply"])
def test_an_invalid_config_is_exit_1_with_the_same_words_for_dev_and_apply(tmp_path, monkeypatch, command):
    monkeypatch.chdir(EXAMPLES.parent)
    broken = "examples/quickstart-broken.yaml"
    args = (("dev", "--config", broken, "--state-file", str(tmp_path / "stack.json")) if command == ("dev",) else
            ("apply", broken, "--table", "t", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"))
    result = invoke(*args)  # apply refuses the file before it reaches for the (unreachable) table

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {broken} is not a valid tokenvend config (1 problem):",
        "  clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api scope "
        "'api1' and list it in the resource's scopes"]
