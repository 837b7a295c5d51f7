"""The `tokenvend dev` banner's commands work as pasted into another shell: tokenvend by a
path that runs when the venv is not activated, and AWS variables boto3 and both AWS CLIs read."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import boto3

from tokenvend_cli.local.banner import aws_lines, cli_command, cli_lines

VENV_BIN = Path(sys.executable).parent


def test_without_the_venv_on_path_the_banner_runs_tokenvend_by_its_path_and_says_how_to_activate(monkeypatch):
    monkeypatch.chdir(VENV_BIN.parent.parent)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")

    command, how = cli_command()

    assert command == f"{VENV_BIN.parent.name}/bin/tokenvend"
    assert how == f"tokenvend is not on PATH here: `source {VENV_BIN.parent.name}/bin/activate` puts it on PATH; " \
                  "or run it by its path"
    assert cli_lines(command, "targets this stack by default (it reads .local/stack.json)", how,
                     "explain --client client --scope api1", "", "").splitlines() == [
        "The tokenvend CLI targets this stack by default (it reads .local/stack.json):",
        f"  ({how})",
        f"  {command} client list",
        f"  {command} explain --client client --scope api1",
        f"  {command} invoke TokenFunction events/token-client-secret-basic.json"]


def test_with_the_venv_activated_the_banner_says_tokenvend(monkeypatch):
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}/usr/bin:/bin")
    assert cli_command() == ("tokenvend", "")


def test_the_exported_variables_give_boto3_its_region_endpoint_and_credentials(monkeypatch):
    export, scan = aws_lines("http://127.0.0.1:5417", "tokenvend-local-Table").splitlines()[1:]
    words = shlex.split(export)
    assert words[0] == "export"
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")  # no profile's region to fall back on
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    for word in words[1:]:
        monkeypatch.setenv(*word.split("=", 1))

    session = boto3.session.Session()  # AWS CLI v1 reads the region as botocore does: AWS_DEFAULT_REGION
    client = session.client("dynamodb")
    assert session.region_name == "us-east-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:5417"
    assert session.get_credentials().access_key == "testing"
    assert os.environ["AWS_REGION"] == "us-east-1"  # what AWS CLI v2 and the other SDKs read first
    assert scan == "  aws dynamodb scan --table-name tokenvend-local-Table"


def test_a_tokenvend_from_no_venv_script_is_run_as_tokenvend(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))  # no tokenvend script beside it
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert cli_command() == ("tokenvend", "")
