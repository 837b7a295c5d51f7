"""``tokenvend explain-token``: what API Gateway's HTTP API JWT authorizer would answer a
token, and why, check by check — where API Gateway itself says only "Unauthorized".

It makes the local front's decision (``jwt_denial.judge``: the same function, so the two
cannot disagree) against one of three settings: a route of a SAM template (``--api
TEMPLATE --route "GET /identity"``; the template's ``Issuer`` parameter is ``--issuer``,
else the running local stack's issuer), explicit settings (``--issuer URL --audience A
[--scope S]``), or a deployed API's route and authorizer read with the apigatewayv2 API
(``--api-id ID --route ...``). The keys come from the issuer's discovery ``jwks_uri``.

Exit codes: 0 allowed, 1 denied, 2 trouble (no settings, no such route, AWS). The token
is never printed, in text or ``--json``.

A token the authorizer would allow is also looked up in tokenvend's table (``--table``, or
the running local stack's) for a revocation: API Gateway's JWT authorizer checks tokens
offline and cannot see one, so a revoked token is still allowed there until it expires —
the answer says so, and that only introspection (``/connect/introspect``) honours it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from ..local import state as local_state
from ..local.jwks_cache import IssuerKeys
from ..local.jwt_authorizer import JwtAuthorizer, RouteAuth
from ..local.jwt_denial import HintContext, as_dict, judge, www_authenticate
from .output import EXIT_AWS, EXIT_INVALID, Command, OpsError, columns, emit_json
from .target import aws_client, state_file_option
from ..local.template_auth import UnsupportedAuthorizer

MESSAGES = {200: "the function is invoked", 401: '{"message":"Unauthorized"}', 403: '{"message":"Forbidden"}'}


def _route_key(text: str) -> str:
    """``get  /identity`` -> ``GET /identity`` (``$default`` as is)."""
    method, _, path = text.strip().partition(" ")
    return f"{method.upper()} {path.strip()}" if path.strip() else text.strip()


def _local(state_file) -> dict | None:
    return local_state.running_state(Path(state_file) if state_file else local_state.STATE_FILE)


def template_route(path: Path, route_key: str, issuer: str | None) -> RouteAuth | None:
    """The authorizer of ``route_key`` in the template (None: an open route)."""
    from ..local.mounted import ISSUER_PARAMETER, MountedApi
    from ..local.template import Template

    declared = Template(path).data.get("Parameters", {})
    if issuer is None and ISSUER_PARAMETER in declared and "Default" not in declared[ISSUER_PARAMETER]:
        raise OpsError(f"no issuer for {path}: give --issuer URL, or start the local stack (`tokenvend dev`)",
                       EXIT_AWS)
    try:
        specs = MountedApi(path, {ISSUER_PARAMETER: issuer} if issuer and ISSUER_PARAMETER in declared else {}) \
            .template(issuer or "").functions()
    except UnsupportedAuthorizer as exc:
        raise OpsError(f"{path}: {exc}", EXIT_AWS) from None
    routes = {route.route_key: route for spec in specs for route in spec.routes}
    if route_key not in routes:
        raise OpsError(f"no route {route_key!r} in {path}: it has {', '.join(sorted(routes)) or 'none'}", EXIT_AWS)
    return routes[route_key].auth


def deployed_route(api_id: str, route_key: str, region, endpoint_url) -> RouteAuth | None:
    """The route's JWT authorizer as the apigatewayv2 API describes it (None: open)."""
    client = aws_client("apigatewayv2", region, endpoint_url)
    routes = [r for page in client.get_paginator("get_routes").paginate(ApiId=api_id) for r in page["Items"]]
    route = next((r for r in routes if r["RouteKey"] == route_key), None)
    if route is None:
        raise OpsError(f"no route {route_key!r} in API {api_id}: it has "
                       f"{', '.join(sorted(r['RouteKey'] for r in routes)) or 'none'}", EXIT_AWS)
    kind = route.get("AuthorizationType", "NONE")
    if kind == "NONE":
        return None
    if kind != "JWT":
        raise OpsError(f"route {route_key!r} uses a {kind} authorizer; explain-token explains JWT authorizers",
                       EXIT_AWS)
    authorizer = client.get_authorizer(ApiId=api_id, AuthorizerId=route["AuthorizerId"])
    config = authorizer.get("JwtConfiguration", {})
    source = (authorizer.get("IdentitySource") or ["$request.header.Authorization"])[0]
    return RouteAuth(JwtAuthorizer(authorizer.get("Name", route["AuthorizerId"]), config.get("Issuer", ""),
                                   tuple(config.get("Audience", [])), source),
                     tuple(route.get("AuthorizationScopes", [])))


def _hint_context(state_file) -> HintContext:
    local = _local(state_file)
    if not local or not local.get("table"):
        return HintContext()
    from ..local.mounted import client_scopes

    ddb = aws_client("dynamodb", local.get("region"), local.get("endpoint_url"))
    return HintContext(local_issuer=local.get("issuer"), client_scopes=client_scopes(local["table"], ddb))


def revocation(token: str, table: str | None, region, endpoint_url, state_file) -> bool | None:
    """Whether the token's ``jti`` is revoked in the table; None when no table is known."""
    import jwt

    from tokenvend.adapters.revocations import DynamoDBRevocations

    local = _local(state_file) or {}
    if table is None and local.get("table"):
        table, region, endpoint_url = local["table"], local.get("region"), local.get("endpoint_url")
    if table is None:
        return None
    jti = jwt.decode(token, options={"verify_signature": False}).get("jti")  # the authorizer verified it
    if not isinstance(jti, str) or not jti:
        return False
    return DynamoDBRevocations(table, aws_client("dynamodb", region, endpoint_url)).is_revoked(jti)


REVOKED = ("revoked   yes, at /connect/revocation — the JWT authorizer cannot see that and allows the token "
           "until its exp; only introspection (/connect/introspect) answers active: false")


def _text(verdict, auth: RouteAuth, route_key: str) -> str:
    authorizer = auth.authorizer
    head = (f"{route_key}: authorizer {authorizer.name} (issuer {authorizer.issuer}; audience "
            f"{' '.join(authorizer.audience) or '(none)'}; route scopes {' '.join(auth.scopes) or '(none)'})")
    rows = [["check", "result", "token holds", "authorizer wants"]]
    for check in verdict.checks:
        result = {True: "ok", False: "FAILED", None: "not checked"}[check.passed]
        rows.append([check.name, result, check.held, check.wanted if check.passed is not True else ""])
    answer = f"answer: {verdict.status} {MESSAGES[verdict.status]}"
    challenge = www_authenticate(verdict, auth)
    tail = [answer] + ([f"  www-authenticate: {challenge}"] if challenge else []) + \
        [f"hint: {hint}" for hint in verdict.hints]
    return "\n".join([head, columns(rows), *tail])


@click.command("explain-token", cls=Command, short_help="What API Gateway's JWT authorizer would answer.")
@click.argument("token")
@click.option("--api", "api_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A SAM template with the HttpApi (e.g. examples/api1/template.yaml); needs --route.")
@click.option("--route", "route_key", metavar='"GET /identity"', help="The route key, with --api or --api-id.")
@click.option("--api-id", metavar="ID", help="A deployed HTTP API (read with apigatewayv2); needs --route.")
@click.option("--issuer", metavar="URL", help="The issuer the authorizer trusts (with --api: its Issuer "
              "parameter; default: the running local stack's issuer).")
@click.option("--audience", multiple=True, metavar="A", help="An audience entry (repeatable), without --api/--api-id.")
@click.option("--scope", "scopes", multiple=True, metavar="S", help="A route scope (repeatable), without --api/--api-id.")
@click.option("--region", envvar="AWS_REGION", help="With --api-id [env AWS_REGION].")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", metavar="URL", help="With --api-id [env AWS_ENDPOINT_URL].")
@click.option("--table", metavar="NAME", help="tokenvend's table, to report a revoked token "
              "(default: the running local stack's).")
@state_file_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def explain_token(token, api_path, route_key, api_id, issuer, audience, scopes, region, endpoint_url, table,
                  state_file, as_json):
    """Explain what API Gateway's JWT authorizer would answer TOKEN ('-' reads it from
    stdin): each check, what the token holds and what the authorizer wants, with hints.
    Exit 0 allowed, 1 denied, 2 trouble. The token is never printed.

    \b
    Example:
      tokenvend explain-token "$TOKEN" --api examples/api1/template.yaml --route "GET /identity"
      tokenvend explain-token - --issuer https://auth.example.com --audience api1 --scope api1 < token.txt
      tokenvend explain-token "$TOKEN" --api-id a1b2c3 --route "GET /identity" --region eu-west-1
    """
    if token == "-":
        token = click.get_text_stream("stdin").readline().strip()
    if (api_path or api_id) and not route_key:
        raise OpsError("--api and --api-id need --route \"METHOD /path\"", EXIT_AWS)
    if api_path and api_id:
        raise OpsError("give --api or --api-id, not both", EXIT_AWS)
    route_key = _route_key(route_key) if route_key else route_key
    if api_path:
        local = _local(state_file)
        auth = template_route(api_path, route_key, issuer or (local or {}).get("issuer"))
    elif api_id:
        auth = deployed_route(api_id, route_key, region, endpoint_url)
    else:
        if not issuer or not audience:
            raise OpsError("give --api TEMPLATE --route R, --api-id ID --route R, or --issuer URL --audience A",
                           EXIT_AWS)
        auth, route_key = RouteAuth(JwtAuthorizer("explicit", issuer, tuple(audience)), tuple(scopes)), "(explicit)"
    if auth is None:
        click.echo(json.dumps({"status": 200, "allowed": True, "authorizer": None}) if as_json
                   else f"{route_key}: no authorizer: API Gateway invokes the function for any request")
        return
    verdict = judge(token, auth, IssuerKeys(), time.time(), _hint_context(state_file))
    revoked = revocation(token, table, region, endpoint_url, state_file) if verdict.allowed else None
    if as_json:
        emit_json({"route": route_key, **as_dict(verdict, auth, verdict.hints),
                   "www_authenticate": www_authenticate(verdict, auth), "revoked": revoked})
    else:
        click.echo(_text(verdict, auth, route_key))
        if revoked is not None:
            click.echo(REVOKED if revoked else "revoked   no")
    if not verdict.allowed:
        raise SystemExit(EXIT_INVALID)
