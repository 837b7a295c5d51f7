"""README.md as a newcomer follows it: every repository path it names exists, and every
`tokenvend ...` command in its shell blocks names a real subcommand and real options, with
the files it reads present (click's own ``Path(exists=True)`` says which values are files)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import click
import pytest
from click.testing import CliRunner

from tokenvend_cli.main import cli

from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SHELL_BLOCKS = ("sh", "console", "bash")
# Files a reader makes before the command that reads them: never in the repository.
THE_READERS_OWN = {"deployed.json", "tokenvend.yaml", "appsettings.json", "/tmp/backup.yaml", "token.txt"}
# The directories a repository path in the README starts with.
TOP = ("examples", "tests", "cli", "events", "benchmarks", "layers", "functions", ".ci")
REPO_PATH = re.compile(r"(?<![\w./$-])((?:%s)/[\w./-]*\w/?|env\.local\.json|template\.yaml|Makefile)"
                       % "|".join(re.escape(t) for t in TOP))


def shell_lines() -> list[tuple[int, str]]:
    """(line number, command) for each command of the README's shell blocks — a console
    block's ``$ `` lines, every line of a sh block, continuation lines joined — and for each
    inline `` `tokenvend ...` `` of its text."""
    out, fence, pending = [], None, None
    for number, line in enumerate(README.splitlines(), 1):
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        if fence is None:
            out += [(number, span) for span in re.findall(r"`(tokenvend [^`]+)`", line)]
            continue
        if fence not in SHELL_BLOCKS:
            continue
        text = line[2:] if fence == "console" and line.startswith("$ ") else \
            (line if fence != "console" else None)
        if pending is not None:
            text, start = pending[1] + " " + line.strip(), pending[0]
        elif text is None:
            continue
        else:
            start = number
        if text.endswith("\\"):
            pending = (start, text[:-1].rstrip())
            continue
        pending = None
        if text.strip():
            out.append((start, text.strip()))
    return out


@dataclass
class Call:
    line: int
    words: list[str]

    def __str__(self):
        return f"README.md:{self.line}: tokenvend {' '.join(self.words)}"


OPERATORS = ("|", "||", "&&", ";", ">", "<", "&", "(", ")", "$(")


def tokenvend_calls() -> list[Call]:
    """Each ``tokenvend`` in command position (first, after an operator or ``VAR=value``)
    with its words up to the next shell operator."""
    calls = []
    for number, text in shell_lines():
        text = re.sub(r"<\w[\w ]*>", "PLACEHOLDER", text)  # <kid>, <old kid>: one word, not a redirection
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current, at_start = None, True
        for word in [*lexer, ";"]:
            if word in OPERATORS or word.endswith("$("):
                if current is not None:
                    calls.append(Call(number, current))
                current, at_start = None, True
            elif current is not None:
                current.append(word)
            elif at_start and word in ("tokenvend", ".venv/bin/tokenvend"):
                current = []
            else:
                at_start = at_start and re.fullmatch(r"\w+=.*", word) is not None
    return calls


CALLS = tokenvend_calls()


def resolve(words: list[str]) -> tuple[list[str], click.Command, list[str]]:
    command, path = cli, []
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        assert words[0] in command.commands, f"no command {' '.join(path + words[:1])!r}"
        path.append(words[0])
        command, words = command.commands[words[0]], words[1:]
    return path, command, words


def check_words(command: click.Command, words: list[str]) -> list[str]:
    """The problems of these words for this command: unknown options, missing files."""
    options = {name: p for p in command.params if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    problems, values, i = [], [], 0
    while i < len(words):
        word = words[i]
        if word == "--":
            values += words[i + 1:]
            break
        if word.startswith("--") or re.fullmatch(r"-\w", word):
            name, has_value, value = word.partition("=")
            option = options.get(name)
            if name in ("--help", "-h"):
                i += 1
                continue
            if option is None:
                problems.append(f"no option {name}")
                i += 1
                continue
            if not option.is_flag and not has_value:
                i += 1
                value = words[i] if i < len(words) else ""
                # sam's space-separated KEY=VALUE pairs (--parameter-overrides A=1 B=2)
                while option.metavar == "KEY=VALUE" and i + 1 < len(words) and "=" in words[i + 1] \
                        and not words[i + 1].startswith("-"):
                    i += 1
            if not option.is_flag:
                problems += missing(option, value)
        else:
            values.append(word)
        i += 1
    for argument, value in zip(arguments, values):
        problems += missing(argument, value)
    return problems


def missing(param: click.Parameter, value: str) -> list[str]:
    if isinstance(param.type, click.Path) and param.type.exists and value not in THE_READERS_OWN \
            and value != "-" and not value.startswith(("$", "<")) and not (ROOT / value).exists():
        name = param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
        return [f"{name} {value}: no such file in the repository"]
    return []


def test_the_readme_shows_tokenvend_commands():
    assert len(CALLS) > 50
    assert any(c.words[:1] == ["dev"] for c in CALLS) and any(c.words[:2] == ["client", "list"] for c in CALLS)


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_every_tokenvend_command_in_the_readme_exists_with_its_options_and_files(call):
    path, command, rest = resolve(call.words)
    help_result = CliRunner().invoke(cli, [*path, "--help"])

    assert help_result.exit_code == 0, help_result.output
    assert check_words(command, rest) == []


@pytest.mark.parametrize("path", sorted(set(REPO_PATH.findall(README))))
def test_every_repository_path_the_readme_names_exists(path):
    assert (ROOT / path).exists()


def test_the_check_catches_what_a_newcomer_trips_over():
    # a subcommand that does not exist, an option that does not, a config that is not there
    with pytest.raises(AssertionError, match="no command 'client lst'"):
        resolve(["client", "lst"])
    _, dev, rest = resolve(["dev", "--config", "empty-missing.yaml", "--prot", "3417"])
    assert check_words(dev, rest) == ["--config empty-missing.yaml: no such file in the repository",
                                      "no option --prot"]
