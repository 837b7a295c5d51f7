"""``tokenvend token revoke``: what a client's POST /connect/revocation does, as an operator.

The token is checked against the issuer's published keys (its JWKS, which the APIs trust
too) and must be an unexpired token of the named client; then its ``jti`` is recorded in
the table until the token's ``exp``, exactly as the revocation endpoint records it
(``tokenvend.revocation.revoke_own_token``), and introspection answers ``{"active":
false}`` for it. Another client's token is refused and left alone. APIs that check tokens
offline (API Gateway's JWT authorizer) cannot see a revocation; see the README.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import click

from tokenvend.adapters.revocations import DynamoDBRevocations
from tokenvend.audit import TokenCheckAudit
from tokenvend.revocation import revoke_own_token

from .output import Command, OpsError, warn
from .target import Target, target_options
from .token import _get_json, discover


@click.command("revoke", cls=Command)
@click.option("--client", "client_id", required=True, metavar="ID", help="The client the token was issued to.")
@click.option("--issuer", metavar="URL", help="The issuer. Default: the target's (a --stack's or the local stack's).")
@click.argument("access_token", metavar="TOKEN|-")
@target_options
def revoke(target: Target, client_id, issuer, access_token):
    """Revoke an access token of a client (RFC 7009, as the operator).

    Reads TOKEN, or a line of stdin for '-' (so the token stays out of the shell
    history). The token must verify against the issuer's JWKS and belong to --client;
    its jti is then recorded in the table until the token expires, and introspection
    answers {"active": false} for it. Exit codes: 0 revoked (or already expired), 1 not
    a token of this issuer or another client's, 2 AWS or connection trouble.

    \b
    Example:
      tokenvend token revoke --client billing eyJhbGciOi...
      pbpaste | tokenvend token revoke --client billing - --stack tokenvend
    """
    if access_token == "-":
        access_token = click.get_text_stream("stdin").readline().strip()
    issuer = (issuer or target.issuer or "").rstrip("/")
    if not issuer:
        raise OpsError("no issuer: give --issuer URL (or --stack NAME, whose Issuer output is used)")
    document = discover(issuer)
    if not document.get("jwks_uri"):
        raise OpsError(f"the discovery document of {issuer} has no jwks_uri")
    keys = _get_json(document["jwks_uri"]).get("keys", [])
    audit = TokenCheckAudit("operator")
    revocations = DynamoDBRevocations(target.table, target.client("dynamodb"))
    claims = revoke_own_token(access_token, client_id, keys, issuer, revocations, time.time(), audit)
    if claims is not None:
        expires = datetime.fromtimestamp(claims["exp"], timezone.utc)
        click.echo(f"revoked token {audit.jti} of client {client_id!r} in {target.describe()} "
                   f"(recorded until it expires, {expires:%Y-%m-%d %H:%M:%S} UTC)")
        warn("APIs that check tokens offline (API Gateway's JWT authorizer) still accept it until it expires; "
             "introspection answers active: false at once")
        return
    if audit.reason == "expired":
        warn(f"token {audit.jti} has expired already; nothing to revoke")
        return
    if audit.token_client_id is not None and audit.token_client_id != client_id:
        raise OpsError(f"token {audit.jti} was issued to client {audit.token_client_id!r}, not {client_id!r}; "
                       "left alone")
    raise OpsError(f"not a valid access token of {issuer}: {audit.reason}")
