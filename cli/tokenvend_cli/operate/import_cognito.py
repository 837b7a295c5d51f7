"""The ``tokenvend import-cognito`` command: read the pool, write the config (``cognito``
maps it), then print what changes for callers and for each API's JWT authorizer.

Cognito access tokens carry no ``aud``: an HTTP API JWT authorizer that trusted the pool
listed client ids as its audience (API Gateway then checks ``client_id``). tokenvend
tokens carry ``aud`` (the ApiResource, here the resource server's identifier), which API
Gateway checks instead — so each authorizer needs the new issuer and that audience.

tokenvend's issuer, for that checklist, comes from ``--issuer``, else ``--stack`` (its
``Issuer`` output and its ``CognitoTokenPath`` parameter), else the running local stack;
without any of them the checklist says where to find it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import click

from tokenvend.token_endpoint import COGNITO_TOKEN_PATH, TOKEN_PATH

from ..local import state as local_state
from .output import Command, OpsError, plural
from .cognito import CognitoImporter
from .entries import dump
from .import_identityserver import report
from .target import aws_client

ALIAS_PARAMETER = "CognitoTokenPath"


@dataclass(frozen=True)
class Destination:
    """tokenvend's side of the move: its issuer and whether it serves Cognito's token path
    (None: not known)."""

    issuer: str | None
    alias: bool | None
    apply_options: str = ""  # how `tokenvend apply` reaches the same stack


def read_pool(cognito, pool_id: str) -> tuple[dict, list[dict], list[dict]]:
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    servers = [s for page in cognito.get_paginator("list_resource_servers").paginate(UserPoolId=pool_id,
                                                                                     MaxResults=50)
               for s in page["ResourceServers"]]
    listed = [c for page in cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id,
                                                                                     MaxResults=60)
              for c in page["UserPoolClients"]]
    apps = [cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
            for c in listed]
    return pool, servers, apps


def destination(issuer, stack, endpoint_url) -> Destination:
    if issuer:
        return Destination(issuer.rstrip("/"), None)
    if stack:
        found = aws_client("cloudformation", None, endpoint_url).describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}
        parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in found.get("Parameters", [])}
        return Destination(outputs.get("Issuer"), parameters.get(ALIAS_PARAMETER) == "true", f" --stack {stack}")
    try:
        state = local_state.read_state(local_state.STATE_FILE)
    except local_state.NoLocalStack:
        return Destination(None, None)
    return Destination(state.get("issuer"), (state.get("parameters") or {}).get(ALIAS_PARAMETER) == "true")


def checklist(output: str, pool_id: str, pool: dict, config: dict, to: Destination) -> str:
    region = pool_id.split("_", 1)[0]
    old_issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    domain = pool.get("CustomDomain") or (f"{pool['Domain']}.auth.{region}.amazoncognito.com"
                                          if pool.get("Domain") else None)
    old_url = f"https://{domain}{COGNITO_TOKEN_PATH}" if domain else f"the pool's domain + {COGNITO_TOKEN_PATH}"
    issuer = to.issuer or "ISSUER"
    new_url = f"{issuer}{COGNITO_TOKEN_PATH if to.alias else TOKEN_PATH}"
    if to.alias is None:
        new_url += f" (or {issuer}{COGNITO_TOKEN_PATH} on a stack deployed with {ALIAS_PARAMETER}=true)"
    lines = [
        f"Wrote {output}: {plural(len(config['api_resources']), 'api resource')}, "
        f"{plural(len(config['api_scopes']), 'api scope')}, {plural(len(config['clients']), 'client')} "
        "(secrets as hashes only).",
        "",
        f"Next: tokenvend apply {output}{to.apply_options}",
        "Callers keep their client id, secret and scope strings; their token URL changes:",
        f"  token URL  {old_url}  ->  {new_url}",
        "Each API whose JWT authorizer trusted the pool: Cognito tokens carry no aud, so its audience",
        "listed client ids (matched against client_id); tokenvend tokens carry aud, which it checks instead:",
    ]
    for resource in config["api_resources"]:
        callers = [c["client_id"] for c in config["clients"]
                   if set(c["allowed_scopes"]) & set(resource["scopes"])]
        lines += [f"  {resource['name']}",
                  f"    issuer    {old_issuer}  ->  {issuer}",
                  f"    audience  {', '.join(callers) or '(the client ids that call it)'}  ->  {resource['name']}"]
    if not to.issuer:
        lines.append("ISSUER: the Issuer output of your tokenvend stack (--stack NAME or --issuer URL fill it in).")
    return "\n".join(lines)


def write_private(path: str, text: str, force: bool) -> None:
    """Create ``path`` readable by its owner only; replace an existing file only if ``force``."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL), 0o600)
    except FileExistsError:
        raise OpsError(f"{path} exists; give --force to replace it") from None
    except OSError as exc:
        raise OpsError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(fd, 0o600)  # a replaced file keeps its old mode otherwise
        file.write(text)


@click.command("import-cognito", cls=Command, short_help="A Cognito user pool's M2M setup to a config.")
@click.option("--user-pool-id", required=True, metavar="ID", help="The Cognito user pool, e.g. us-east-1_AbCdEf123.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The config to write (JSON when it ends in .json, else YAML); created mode 0600.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option("--region", help="The pool's region. Default: the one its id begins with.")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", metavar="URL", help="AWS endpoint override [env AWS_ENDPOINT_URL].")
@click.option("--issuer", metavar="URL", help="tokenvend's issuer, for the checklist.")
@click.option("--stack", metavar="NAME", help="The tokenvend stack: its Issuer output and CognitoTokenPath parameter.")
def import_cognito(user_pool_id, output, force, region, endpoint_url, issuer, stack):
    """Turn an Amazon Cognito user pool's M2M setup into a tokenvend config.

    Resource servers become ApiResources, their scopes ApiScopes named as Cognito puts
    them in tokens (identifier/scope); app clients allowed client_credentials become
    clients with the same id, scopes, token lifetime and secret (written as a hash only).
    Each thing with no equivalent is named on stderr; at the end, what changes for
    callers and for each API's authorizer. Exit 1 when the result would not pass `apply`.

    \b
    Example:
      tokenvend import-cognito --user-pool-id us-east-1_AbCdEf123 --output tokenvend.yaml --stack tokenvend
      tokenvend apply tokenvend.yaml --stack tokenvend
    """
    pool_region = region or user_pool_id.split("_", 1)[0]  # the id names it; AWS_REGION may be another's
    if os.path.exists(output) and not force:  # say so before reading any secret
        raise OpsError(f"{output} exists; give --force to replace it")
    to = destination(issuer, stack, endpoint_url)  # a stack that is not there fails before anything is written
    pool, servers, apps = read_pool(aws_client("cognito-idp", pool_region, endpoint_url), user_pool_id)
    importer = CognitoImporter(user_pool_id)
    written, checked = importer.config(pool, servers, apps)
    fmt = "json" if output.lower().endswith(".json") else "yaml"
    write_private(output, dump(written, fmt, f"Imported from Cognito user pool {user_pool_id} by tokenvend "
                                             "import-cognito.\nSecrets are tokenvend hashes of the Cognito client "
                                             "secrets; callers keep their credentials."), force)
    report(importer.notes, checked)
    click.echo(checklist(output, user_pool_id, pool, written, to))
