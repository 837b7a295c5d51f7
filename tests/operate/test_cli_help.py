"""Every operator command explains itself with an example, and its help needs no AWS."""

from __future__ import annotations

import click
import pytest

from tokenvend_cli.main import cli

from cli_support import invoke

OPERATOR_COMMANDS = ("apply", "export", "client", "scope", "resource", "explain", "explain-token", "token",
                     "import-identityserver", "import-cognito")


def command_paths(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


PATHS = [p for p in command_paths(cli) if p[0] in OPERATOR_COMMANDS]


def test_every_operator_command_is_registered():
    assert {p[0] for p in PATHS} == set(OPERATOR_COMMANDS)
    assert sorted(p for p in PATHS if len(p) > 1 and p[0] == "client") == [
        ("client", "add"), ("client", "disable"), ("client", "enable"), ("client", "list"), ("client", "remove"),
        ("client", "secret"), ("client", "secret", "add"), ("client", "secret", "revoke"), ("client", "show")]


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_help_has_an_example(path):
    result = invoke(*path, "--help")

    assert (result.exit_code, result.stderr) == (0, "")
    assert f"\n  Example:\n    tokenvend {path[0]}" in result.stdout
