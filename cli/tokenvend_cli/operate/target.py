"""Which table (and issuer) an operator command works on.

In order: ``--stack NAME`` (the Outputs ``TableName``, ``SigningKeyArn`` and ``Issuer`` of
a deployed CloudFormation stack); ``--table`` or ``TOKENVEND_TABLE``; else the running
local stack, from ``.local/stack.json`` (written by ``tokenvend dev``), or from the file
``--state-file`` names (a stack started with ``tokenvend dev --state-file``). ``--region``
(``AWS_REGION``) and ``--endpoint-url`` (``AWS_ENDPOINT_URL``) apply to all three; without
them boto3 finds the region and credentials as it always does (profile, SSO, role).

A target is *local* when the table is reached through an endpoint URL on a loopback
host (the moto server of the local stack); ``apply`` refuses a development config
anywhere else.

A target also knows its functions' cache TTL (the stack's ``CacheTtlSeconds`` parameter,
the local stack's, else the template default), so a command that changes the table can
say when the change is in force on every warm function.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import click
from click.core import ParameterSource

from tokenvend.adapters.aws import client_config
from tokenvend.adapters.dynamodb import DEFAULT_TTL
from tokenvend.bootstrap import LOOPBACK_HOSTS

from ..local import state as local_state
from .output import EXIT_AWS, OpsError


@dataclass(frozen=True)
class Target:
    table: str
    region: str | None = None
    endpoint_url: str | None = None
    issuer: str | None = None
    signing_key_arn: str | None = None
    source: str = "--table"
    cache_ttl: float = DEFAULT_TTL

    def in_force(self) -> str:
        """What a change command prints last: when every warm function answers from it."""
        return f"in force on every warm function within {self.cache_ttl:g} s (CacheTtlSeconds)"

    @property
    def is_local(self) -> bool:
        return bool(self.endpoint_url) and urlsplit(self.endpoint_url).hostname in LOOPBACK_HOSTS

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else f" in {self.region}" if self.region else ""
        return f"table {self.table}{where} ({self.source})"

    def client(self, service: str):
        return aws_client(service, self.region, self.endpoint_url)


def aws_client(service: str, region: str | None, endpoint_url: str | None):
    credentials = {}
    if endpoint_url and urlsplit(endpoint_url).hostname in LOOPBACK_HOSTS \
            and boto3.Session().get_credentials() is None:
        # moto accepts any credentials; a developer need not configure some for it.
        credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return boto3.client(service, region_name=region or None, endpoint_url=endpoint_url or None,
                        config=client_config(), **credentials)


def local_stack(state_file=None) -> dict:
    """The running local stack (``.local/stack.json`` or ``state_file``, see ``local_state``), or an error."""
    try:
        return local_state.read_state(Path(state_file) if state_file else local_state.STATE_FILE)
    except local_state.NoLocalStack as exc:
        raise OpsError(f"no target: give --table NAME (or TOKENVEND_TABLE) or --stack NAME; {exc}", EXIT_AWS) from None


def describe_stack(name: str, region: str | None, endpoint_url: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """The stack's Outputs and Parameters, each by key."""
    stack = aws_client("cloudformation", region, endpoint_url).describe_stacks(StackName=name)["Stacks"][0]
    return ({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])})


def stack_outputs(name: str, region: str | None, endpoint_url: str | None) -> dict[str, str]:
    return describe_stack(name, region, endpoint_url)[0]


def cache_ttl(parameters: dict) -> float:
    try:
        return float(parameters.get("CacheTtlSeconds", DEFAULT_TTL))
    except (TypeError, ValueError):
        return DEFAULT_TTL


def resolve_target(table=None, region=None, endpoint_url=None, stack=None, *, table_from_env=False,
                   state_file=None) -> Target:
    if stack:
        if table and not table_from_env:
            raise OpsError("give --table or --stack, not both")
        outputs, parameters = describe_stack(stack, region, endpoint_url)
        if "TableName" not in outputs:
            raise OpsError(f"stack {stack} has no TableName output; is it a tokenvend stack?", EXIT_AWS)
        return Target(outputs["TableName"], region, endpoint_url, outputs.get("Issuer"),
                      outputs.get("SigningKeyArn"), f"stack {stack}", cache_ttl(parameters))
    if table:
        return Target(table, region, endpoint_url, source="TOKENVEND_TABLE" if table_from_env else "--table")
    local = local_stack(state_file)
    return Target(local["table"], region or local.get("region"), endpoint_url or local.get("endpoint_url"),
                  local.get("issuer"), local.get("signing_key_arn"), "local stack",
                  cache_ttl(local.get("parameters") or {}))


state_file_option = click.option(
    "--state-file", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
    help="The state file of a local stack started with `tokenvend dev --state-file PATH` "
         "(default: .local/stack.json).")


def target_options(command):
    """Add --table/--region/--endpoint-url/--stack; the command receives ``target``,
    resolved when it runs (so an AWS failure there is reported like any other)."""

    @click.option("--table", envvar="TOKENVEND_TABLE", metavar="NAME",
                  help="The tokenvend DynamoDB table [env TOKENVEND_TABLE]. "
                       "Default: the running local stack (.local/stack.json).")
    @click.option("--region", envvar="AWS_REGION", help="AWS region [env AWS_REGION].")
    @click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", metavar="URL",
                  help="AWS endpoint override, e.g. a moto server [env AWS_ENDPOINT_URL].")
    @click.option("--stack", "stack", metavar="NAME",
                  help="A deployed stack: read its TableName, SigningKeyArn and Issuer outputs.")
    @state_file_option
    @functools.wraps(command)
    def wrapper(*args, table, region, endpoint_url, stack, state_file, **kwargs):
        from_env = click.get_current_context().get_parameter_source("table") == ParameterSource.ENVIRONMENT
        target = resolve_target(table, region, endpoint_url, stack, table_from_env=from_env, state_file=state_file)
        return command(*args, target=target, **kwargs)

    return wrapper
