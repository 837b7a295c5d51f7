"""``tokenvend token``: get a token from any issuer, as a client would, and show it decoded.

The token endpoint comes from the issuer's discovery document; the client authenticates
with client_secret_basic, the id and secret form-urlencoded before base64 as RFC 6749
§2.3.1 requires (a secret holding ``:``, ``+`` or ``%`` survives). The token is printed
decoded and its signature checked against the issuer's JWKS; ``--raw`` prints only the
token. Exit codes: 0 a token, 1 the server refused, 2 the server could not be reached.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote_plus

import click
import jwt
import requests

from ..local import state as local_state
from .output import EXIT_AWS, Group, OpsError
from .target import stack_outputs, state_file_option

DISCOVERY_PATH = "/.well-known/openid-configuration"
TIMEOUT = 10


def basic_authorization(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: each part form-urlencoded, then ``id:secret`` in base64."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OpsError(f"cannot read {url}: {exc}", EXIT_AWS) from None


def discover(issuer: str) -> dict:
    document = _get_json(issuer + DISCOVERY_PATH)
    if document.get("issuer") != issuer:
        # IdentityModel's default discovery policy refuses this too.
        raise OpsError(f"the discovery document's issuer {document.get('issuer')!r} is not {issuer!r}", EXIT_AWS)
    if not document.get("token_endpoint"):
        raise OpsError(f"the discovery document at {issuer + DISCOVERY_PATH} has no token_endpoint", EXIT_AWS)
    return document


def request_token(token_endpoint: str, client_id: str, secret: str, scope: str | None, resources) -> dict:
    form = [("grant_type", "client_credentials")] + ([("scope", scope)] if scope is not None else []) \
        + [("resource", r) for r in resources]
    try:
        response = requests.post(token_endpoint, data=form, timeout=TIMEOUT,
                                 headers={"Authorization": basic_authorization(client_id, secret)})
        body = response.json()
    except requests.RequestException as exc:
        raise OpsError(f"cannot reach {token_endpoint}: {exc}", EXIT_AWS) from None
    except ValueError:
        raise OpsError(f"{token_endpoint} answered {response.status_code} without JSON", EXIT_AWS) from None
    if response.status_code != 200 or "access_token" not in body:
        raise OpsError(f"{body.get('error', response.status_code)}: {body.get('error_description', '')}".rstrip(": "))
    return body


def signature_check(token: str, header: dict, jwks_uri: str | None) -> str:
    if not jwks_uri:
        return "not checked (the discovery document has no jwks_uri)"
    try:
        keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(_get_json(jwks_uri)).keys}
        key = keys[header.get("kid")]
        jwt.decode(token, key=key, algorithms=[header["alg"]], options={"verify_aud": False})
    except (OpsError, KeyError, jwt.PyJWTError) as exc:
        reason = f"no key {header.get('kid')!r}" if isinstance(exc, KeyError) else str(exc)
        return f"NOT valid: {reason} ({jwks_uri})"
    return f"valid (kid {header['kid']} from {jwks_uri})"


def default_issuer(stack: str | None, state_file=None) -> str:
    if stack:
        outputs = stack_outputs(stack, None, None)
        if "Issuer" not in outputs:
            raise OpsError(f"stack {stack} has no Issuer output", EXIT_AWS)
        return outputs["Issuer"]
    try:
        local = local_state.read_state(Path(state_file) if state_file else local_state.STATE_FILE)
    except local_state.NoLocalStack as exc:
        raise OpsError(f"no issuer: give --issuer URL or --stack NAME; {exc}", EXIT_AWS) from None
    if not local.get("issuer"):
        raise OpsError("no issuer: give --issuer URL or --stack NAME", EXIT_AWS)
    return local["issuer"]


class TokenGroup(Group):
    """``tokenvend token`` gets a token; ``tokenvend token revoke`` takes one back."""

    invoke_without_command = True


@click.group("token", cls=TokenGroup, invoke_without_command=True,
             short_help="Get a token as a client would, and check it.")
@click.option("--client", "client_id", metavar="ID", help="The client_id (required).")
@click.option("--secret", envvar="TOKENVEND_CLIENT_SECRET", metavar="S",
              help="The client secret; '-' reads it from stdin [env TOKENVEND_CLIENT_SECRET].")
@click.option("--scope", metavar='"A B"', help="The scope parameter (omitted: the client's default).")
@click.option("--resource", "resources", multiple=True, metavar="R", help="A resource parameter (repeatable).")
@click.option("--issuer", metavar="URL", help="The issuer. Default: the local stack's.")
@click.option("--stack", metavar="NAME", help="Use a deployed stack's Issuer output.")
@click.option("--raw", is_flag=True, help="Print only the access token.")
@state_file_option
@click.pass_context
def token(ctx, client_id, secret, scope, resources, issuer, stack, raw, state_file):
    """Get an access token from an issuer with client_credentials and show it decoded.

    Finds the token endpoint in {issuer}/.well-known/openid-configuration, sends the
    client id and secret with client_secret_basic, prints the token's header and claims,
    its expiry in local time and whether its signature verifies against the JWKS.
    Exit codes: 0 a token, 1 refused by the server, 2 server unreachable.

    \b
    Example:
      tokenvend token --client client --scope api1    # the secret from TOKENVEND_CLIENT_SECRET
      TOKENVEND_CLIENT_SECRET=... tokenvend token --client billing --raw
      pass show billing | tokenvend token --client billing --secret - --issuer https://auth.example.com
      tokenvend token revoke --client billing -          # take a token back (see revoke --help)
    """
    if ctx.invoked_subcommand is not None:
        return
    if not client_id:
        raise click.UsageError("Missing option '--client'.", ctx)
    if secret == "-":
        secret = click.get_text_stream("stdin").readline().rstrip("\r\n")
    if not secret:
        raise OpsError("no secret: give --secret S, --secret - (read from stdin) or TOKENVEND_CLIENT_SECRET")
    issuer = (issuer or default_issuer(stack, state_file)).rstrip("/")
    document = discover(issuer)
    body = request_token(document["token_endpoint"], client_id, secret, scope, resources)
    access_token = body["access_token"]
    if raw:
        click.echo(access_token)
        return
    try:
        header, claims = jwt.get_unverified_header(access_token), jwt.decode(
            access_token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OpsError(f"the access token is not a JWT: {exc}") from None
    expires = datetime.fromtimestamp(claims["exp"]).astimezone() if "exp" in claims else None
    click.echo(f"endpoint  {document['token_endpoint']}")
    click.echo(f"header    {json.dumps(header)}")
    click.echo("claims    " + json.dumps(claims, indent=2).replace("\n", "\n          "))
    if expires is not None:
        click.echo(f"expires   {expires:%Y-%m-%d %H:%M:%S %Z} (in {int(claims['exp'] - time.time())} s)")
    click.echo(f"signature {signature_check(access_token, header, document.get('jwks_uri'))}")
