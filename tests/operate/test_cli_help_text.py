"""`tokenvend --help` and every group's help read cleanly at 80 columns: no summary cut
short with "...", and the article before "api" is "an"."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from tokenvend_cli.main import cli


def paths(group: click.Group, prefix=()):
    yield prefix
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


PATHS = list(paths(cli))


def resolve(path) -> click.Command:
    command = cli
    for name in path:
        command = command.commands[name]
    return command


def help_text(path) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", [p for p in PATHS if isinstance(resolve(p), click.Group)],
                         ids=lambda p: " ".join(("tokenvend", *p)))
def test_no_command_summary_is_cut_short(path):
    commands = help_text(path).split("\nCommands:\n", 1)[1]
    assert [line for line in commands.splitlines() if line.endswith("...")] == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(("tokenvend", *p)))
def test_no_help_says_a_api(path):
    text = " ".join(help_text(path).split())
    assert " a api " not in text and "A api " not in text
