"""README.md's "A worked example", run for real: each console block's `tokenvend` commands
against the template's table on a loopback moto server recorded as the running local stack,
each answer compared with the README's, line by line and exit code by exit code.

Only what differs by run is normalized: the moto URL, a generated secret, a stored hash,
the export's timestamp and the backup file's path. `tokenvend token` (it needs the token
endpoint served) is left to tests/operate/test_token.py."""

from __future__ import annotations

import os
import re
import shlex

import boto3
import pytest
from click.testing import CliRunner

from tokenvend_cli.local import state as local_state
from tokenvend_cli.main import cli
from tokenvend_cli.local.provision import provision
from tokenvend_cli.local.template import Template

from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("\n### A worked example\n", 1)[1].split("\n### ", 1)[0]
README_MOTO = "http://127.0.0.1:5417"


def steps() -> list[tuple[str, list[str], int]]:
    """(command, expected output lines, expected exit code) for each `$ tokenvend ...`."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", SECTION, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = chunk.rstrip("\n").split("\n")
            while expected and not expected[-1]:
                expected.pop()
            code = 0
            if expected and (m := re.fullmatch(r"\[exit (\d+)\]", expected[-1])):
                code, expected = int(m.group(1)), expected[:-1]
            if command.startswith("tokenvend ") and not command.startswith("tokenvend token "):
                out.append((command, expected, code))
    return out


def normalized(lines: list[str], moto_url: str, backup: str) -> list[str]:
    text = "\n".join(lines).replace(README_MOTO, moto_url).replace("/tmp/backup.yaml", backup)
    text = re.sub(r"client_secret: \S+", "client_secret: <generated>", text)
    text = re.sub(r"hmac-sha256\$\S+", "<stored hash>", text)
    text = re.sub(r" at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.", " at <time>.", text)
    return text.split("\n")


@pytest.fixture
def local_stack(aws, moto_server, tmp_path, monkeypatch):
    """`tokenvend dev --config examples/empty.yaml`, as far as the operator commands see it
    (``aws`` first: moto's backends start empty)."""
    url = moto_server
    physical = provision(Template(), boto3.client("dynamodb", endpoint_url=url), boto3.client("kms", endpoint_url=url))
    state = tmp_path / "stack.json"
    monkeypatch.setattr(local_state, "STATE_FILE", state)
    local_state.write_state({"endpoint_url": url, "region": "us-east-1", "table": physical["Table"]["Ref"],
                             "signing_key_arn": physical["SigningKey"]["Arn"], "issuer": "http://127.0.0.1:3417",
                             "pid": os.getpid()}, state)
    monkeypatch.chdir(ROOT)
    return url


def test_the_worked_example_has_the_steps_it_describes():
    commands = [command for command, _, _ in steps()]
    assert commands[:3] == ["tokenvend apply examples/quickstart.yaml"] * 2 + ["tokenvend apply examples/quickstart-broken.yaml"]
    assert "tokenvend export" in commands and commands[-1] == "tokenvend apply /tmp/backup.yaml"


def test_every_step_of_the_worked_example_answers_as_the_readme_shows(local_stack, tmp_path):
    backup = str(tmp_path / "backup.yaml")
    for command, expected, code in steps():
        args = [backup if a == "/tmp/backup.yaml" else a for a in shlex.split(command)[1:]]
        result = CliRunner().invoke(cli, args)  # stdout and stderr in the order written, as a terminal shows them

        assert (command, result.exit_code) == (command, code), result.output
        assert normalized(result.output.rstrip("\n").split("\n"), local_stack, backup) == \
            normalized(expected, local_stack, backup), command
