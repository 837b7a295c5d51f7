"""``tokenvend explain``: what the token endpoint would answer a client, without its secret.

It builds the form body the endpoint would read and reads it with ``read_token_request``
(steps 1–2), checks what client authentication finds apart from the secret itself
(step 4: the client exists, holds an unexpired secret or a jwks, is enabled), whether it
may use client_credentials (step 5), then calls ``tokenvend.resolution.resolve`` — the
function the endpoint calls for steps 6–8 — and applies the same signing-size limit.
The verdict is the endpoint's answer to a request presenting a valid credential with
client_secret_basic; ``tests/operate/test_explain_agrees.py`` holds the two together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

import click

from tokenvend.adapters.dynamodb import DynamoDBStore
from tokenvend.authenticate_client import GENERIC
from tokenvend.claims import access_token_claims, access_token_header, new_jti
from tokenvend.errors import InvalidClient, InvalidRequest, OAuthError, UnauthorizedClient
from tokenvend.jws import signing_input
from tokenvend.model import CLIENT_CREDENTIALS, Client, utcnow
from tokenvend.ports import CatalogStore, ClientStore
from tokenvend.resolution import Decision, resolve
from tokenvend.signing_limits import KMS_RAW_MESSAGE_LIMIT, LONGEST_ALG, LONGEST_KID
from tokenvend.token_request import FORM_CONTENT_TYPE, HttpRequest, read_token_request

from .output import Command, emit_json
from .target import Target, target_options

UNKNOWN_ISSUER = "{issuer}"


@dataclass
class Explanation:
    client_id: str
    scope: str | None
    resources: list[str]
    looked_up: bool = False  # False when the request itself is invalid (steps 1-2)
    client: Client | None = None
    unexpired_secrets: int = 0
    decision: Decision | None = None
    error: OAuthError | None = None
    hints: list[str] = field(default_factory=list)

    def fail(self, err: OAuthError) -> "Explanation":
        self.error = err
        return self

    @property
    def verdict(self) -> dict:
        """What the endpoint answers: the error code, or the granted scope and ``aud``."""
        if self.error is not None:
            return {"error": self.error.error}
        return {"scope": " ".join(self.decision.granted), "aud": self.decision.aud}


def explain(clients: ClientStore, catalog: CatalogStore, client_id: str, scope: str | None,
            resources: list[str], issuer: str, now: datetime | None = None) -> Explanation:
    now = now or utcnow()
    params = [("grant_type", CLIENT_CREDENTIALS)] + ([("scope", scope)] if scope is not None else []) \
        + [("resource", r) for r in resources]
    result = Explanation(client_id, scope, list(resources))
    try:
        request = read_token_request(HttpRequest("POST", {"content-type": FORM_CONTENT_TYPE},
                                                 urlencode(params).encode("utf-8")))
    except OAuthError as err:
        return result.fail(err)
    result.scope, result.resources = request.get("scope"), list(request.resources)

    client = result.client = clients.get_client(client_id)
    result.looked_up = True
    if client is None:
        return result.fail(InvalidClient(GENERIC, reasons=["unknown client"]))
    result.unexpired_secrets = sum(not s.expired(now) for s in client.secrets)
    if not result.unexpired_secrets and not client.jwks:
        reason = "every secret has expired and it has no jwks" if client.secrets else "it has no secret and no jwks"
        return result.fail(InvalidClient(GENERIC, reasons=[reason]))
    if not client.enabled:
        return result.fail(InvalidClient(GENERIC, reasons=["client disabled"]))
    if CLIENT_CREDENTIALS not in client.allowed_grant_types:
        return result.fail(UnauthorizedClient("The client is not allowed the client_credentials grant."))

    decision = result.decision = resolve(client, catalog.get_catalog(), result.scope, result.resources, issuer)
    result.hints = decision.hints
    if decision.error is not None:
        return result.fail(decision.error)
    # Every alg name has 5 characters and every kid (an RFC 7638 thumbprint) 43, so this
    # is the size of the endpoint's signing input to the byte.
    claims = access_token_claims(issuer=issuer, client=client, scopes=decision.granted, aud=decision.aud,
                                 now=int(now.timestamp()), jti=new_jti())
    if len(signing_input(access_token_header(LONGEST_ALG, LONGEST_KID), claims)) > KMS_RAW_MESSAGE_LIMIT:
        return result.fail(InvalidRequest("The token would be too large to sign; request fewer resources or scopes."))
    return result


def scope_lines(result: Explanation) -> list[tuple[str, str, str]]:
    """(scope, status, reason) for each requested scope."""
    decision = result.decision
    if decision is None or not decision.requested:
        return []
    refused = {r.scope: r.reason for r in decision.refused}
    if result.error is None:
        return [(name, "granted", "") for name in decision.granted]
    return [(name, "refused", refused[name]) if name in refused else (name, "acceptable", "but the request is refused")
            for name in decision.requested]


def as_json(result: Explanation) -> dict:
    client = result.client
    return {
        "client_id": result.client_id,
        "request": {"scope": result.scope, "resources": result.resources},
        "client": None if client is None else {
            "found": True,
            "enabled": client.enabled, "unexpired_secrets": result.unexpired_secrets, "jwks": bool(client.jwks),
            "allowed_client_credentials": CLIENT_CREDENTIALS in client.allowed_grant_types},
        "scopes": [{"scope": s, "status": st, "reason": r} for s, st, r in scope_lines(result)],
        "granted": None if result.error else result.decision.granted,
        "aud": None if result.error else result.decision.aud,
        "error": None if result.error is None else {
            "error": result.error.error, "error_description": result.error.description,
            "reasons": result.error.reasons},
        "hints": result.hints,
    }


def as_text(result: Explanation) -> list[str]:
    client, lines = result.client, []
    if result.looked_up and client is None:
        lines.append(f"client    {result.client_id}: not found")
    elif client is not None:
        facts = ["found", "enabled" if client.enabled else "disabled",
                 f"{result.unexpired_secrets} unexpired secret{'s' if result.unexpired_secrets != 1 else ''}"
                 + (" and a jwks" if client.jwks else ""),
                 ("allowed" if CLIENT_CREDENTIALS in client.allowed_grant_types else "not allowed")
                 + " client_credentials"]
        lines.append(f"client    {result.client_id}: " + ", ".join(facts))
    scope = "scope omitted" if result.scope is None else f"scope {json.dumps(result.scope, ensure_ascii=False)}"
    resources = "resource " + " ".join(result.resources) if result.resources else "no resource"
    lines.append(f"request   {scope}, {resources}")
    for name, status, reason in scope_lines(result):
        lines.append(f"scope     {name}: {status}" + (f" — {reason}" if reason else ""))
    if result.error is None:
        if not result.decision.requested:
            lines.append("scope     (omitted) the client's allowed, enabled api scopes"
                         + (" in the named resources" if result.resources else "") + ": "
                         + " ".join(result.decision.granted))
        lines.append(f"aud       {json.dumps(result.decision.aud, ensure_ascii=False)}")
        lines.append(f"result    a token would be issued (expires_in {result.client.token_lifetime()})")
    else:
        lines.append(f"result    {result.error.error}: {result.error.description}")
        lines += [f"why       {r}" for r in result.error.reasons if r not in result.error.description]
    lines += [f"hint      {h}" for h in result.hints]
    return lines


@click.command("explain", cls=Command, short_help="What the token endpoint would answer a client.")
@click.option("--client", "client_id", required=True, metavar="ID", help="The client_id.")
@click.option("--scope", metavar='"A B"', help="The scope parameter, space separated (omit it to see the default).")
@click.option("--resource", "resources", multiple=True, metavar="R", help="A resource parameter (repeatable).")
@click.option("--issuer", metavar="URL", help="The issuer, for an aud of {issuer}/resources. Default: the target's.")
@click.option("--json", "json_output", is_flag=True, help="Print JSON.")
@target_options
def explain_command(target: Target, client_id, scope, resources, issuer, json_output):
    """Explain what the token endpoint would answer a client, without its secret.

    Checks the client (exists, enabled, holds an unexpired secret, allowed
    client_credentials), then runs the endpoint's own scope, resource and audience
    resolution and prints, per scope, granted or refused and why, the aud a token
    would carry, and hints for the usual mistakes (a resource named like the scope
    but no api scope; a scope allowed but undefined; a resource listing an undefined
    scope). Exit code 0 when a token would be issued, 1 when it would be refused.

    It reads the table directly, never a function's cache: what it grants, a warm
    function grants at once (it re-reads before refusing); what it refuses is refused
    on every warm function within the cache TTL (CacheTtlSeconds).

    \b
    Example:
      tokenvend explain --client client --scope api1
      tokenvend explain --client billing --resource https://orders.example.com --json
    """
    store = DynamoDBStore(target.table, target.client("dynamodb"), ttl=0)
    result = explain(store, store, client_id, scope, list(resources), issuer or target.issuer or UNKNOWN_ISSUER)
    if json_output:
        emit_json({**as_json(result), "source": "table", "in_force_within_seconds": target.cache_ttl})
    else:
        click.echo("\n".join(as_text(result)))
        click.echo(f"source    the table, read directly; {target.in_force()}")
    if result.error is not None:
        raise click.exceptions.Exit(1)
