"""What ``tokenvend dev`` prints once the stack is up: where everything is, and commands
that work as pasted — from another shell too, where the venv ``make run`` made is not
activated, and with the variables boto3 and both AWS CLIs read."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from .mounted import api_banner
from .commands import shown
from .state import STATE_FILE


def cli_command() -> tuple[str, str]:
    """How to run this ``tokenvend`` from another shell: ``tokenvend`` when PATH finds this
    one, else its path (``.venv/bin/tokenvend`` after ``make run``, which does not activate
    the venv) and the line that says how to put it on PATH."""
    here = Path(sys.executable).parent / "tokenvend"
    found = shutil.which("tokenvend")
    if not here.exists() or (found and Path(found).resolve() == here.resolve()):
        return "tokenvend", ""  # not a venv's script (pipx, a system install): PATH is the way
    activate = here.parent / "activate"
    how = f"`source {shown(activate)}` puts it on PATH; or run it by its path" if activate.exists() \
        else "run it by its path"
    return shown(here), f"tokenvend is not on PATH here: {how}"


def cli_lines(command: str, where: str, how: str, explain: str, ops: str, invoke: str) -> str:
    how = f"\n  ({how})" if how else ""
    return (f"The tokenvend CLI {where}:{how}\n"
            f"  {command} client list{ops}\n"
            f"  {command} {explain}{ops}\n"
            f"  {command} invoke TokenFunction events/token-client-secret-basic.json{invoke}")


def aws_lines(moto_url: str, table: str) -> str:
    """The variables boto3 and both AWS CLIs read: boto3 and AWS CLI v1 take the region from
    AWS_DEFAULT_REGION only, AWS CLI v2 and the other SDKs from AWS_REGION first."""
    from .stack import LOCAL_CREDENTIALS, REGION

    credentials = " ".join(f"{k}={v}" for k, v in LOCAL_CREDENTIALS.items())
    return (f"boto3 and the AWS CLI (v1 and v2):\n"
            f"  export AWS_ENDPOINT_URL={moto_url} AWS_REGION={REGION} AWS_DEFAULT_REGION={REGION} {credentials}\n"
            f"  aws dynamodb scan --table-name {table}")


def banner(config_path, config, template, front, moto_url, table, key_arn, issuer, base_url, state_file,
            mounted=None) -> str:
    from .stack import demo_client, demo_curl

    width = max((len(route.path) for route, _ in front.routes), default=0) + len(base_url)
    routes = "\n".join(f"  {route.method:<5}{base_url + route.path:<{width}}  {fn.name}" for route, fn in front.routes)
    client = demo_client(config_path, config)
    explain = f"explain --client {client[0]}" + (f" --scope {shlex.quote(client[2])}" if client[2] else "") \
        if client else "explain --client CLIENT_ID"
    if Path(state_file).resolve() == STATE_FILE.resolve():
        where, ops, invoke = f"targets this stack by default (it reads {shown(state_file)})", "", ""
    else:
        where = f"targets this stack with --state-file {shown(state_file)}"
        ops = invoke = f" --state-file {shown(state_file)}"
    command, how = cli_command()
    counts = (f"{len(config.api_scopes)} api scope(s), {len(config.api_resources)} api resource(s), "
              f"{len(config.clients)} client(s)")
    return f"""\
tokenvend local stack — {shown(template.path)}, config {shown(config_path)}
  moto (DynamoDB, KMS)  {moto_url}
  table                 {table}
  signing key           {key_arn} ({template.parameters.get('SigningAlgorithm', '')})
  config                {counts}

Issuer: {issuer}
{routes}

Get a token:
  {demo_curl(client, f'{base_url}/connect/token')}
{api_banner(mounted, demo_curl(client, f'{base_url}/connect/token'), invoke, command)}
{cli_lines(command, where, how, explain, ops, invoke)}
{aws_lines(moto_url, table)}

Ctrl-C to stop. Requests:"""
