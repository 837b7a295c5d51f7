"""Checking one client of the config, each problem with its field path: its secrets and
keys (``config_secrets``), grant types, allowed scopes (refusing, with the fix, a name that
is only an api resource — the quickstart trap of IdentityServer 4), lifetime and claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .claims import RESERVED_CLAIMS
from .config_secrets import check_secrets, jwks_problems
from .model import CLIENT_CREDENTIALS, MAX_ACCESS_TOKEN_LIFETIME, Client

if TYPE_CHECKING:
    from .config_check import Checker

MAX_CLIENT_ID = 100
CLIENT_FIELDS = {
    "client_id", "client_name", "enabled", "secrets", "allowed_grant_types", "allowed_scopes",
    "access_token_lifetime", "claims", "client_claims_prefix", "jwks", "description",
}


def _scope_problem(name: str, scopes: set[str], resources: set[str]) -> str | None:
    if name in scopes:
        return None
    if name in resources:
        return (f"{name!r} is an api resource, not an api scope — add an api scope {name!r} "
                "and list it in the resource's scopes")
    return f"{name!r} is not a defined api scope"


def check_client(check: Checker, path: str, item: dict, development: bool,
                 scope_names: set[str], resource_names: set[str]) -> Client:
    check.unknown_fields(path, item, CLIENT_FIELDS)
    client_id = check.string(path, item, "client_id", required=True)
    if len(client_id) > MAX_CLIENT_ID:
        check.add(f"{path}.client_id", f"is longer than {MAX_CLIENT_ID} characters")
    secrets = check_secrets(check, path, item, development, "client")
    grants = check.strings(path, item, "allowed_grant_types", (CLIENT_CREDENTIALS,))
    for j, grant in enumerate(grants):
        if grant != CLIENT_CREDENTIALS:
            check.add(f"{path}.allowed_grant_types[{j}]", f"{grant!r} is not supported (only client_credentials)")
    allowed = check.strings(path, item, "allowed_scopes")
    for j, scope in enumerate(allowed):
        problem = _scope_problem(scope, scope_names, resource_names)
        if problem:
            check.add(f"{path}.allowed_scopes[{j}]", problem)
    lifetime = item.get("access_token_lifetime", 3600)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not 1 <= lifetime <= MAX_ACCESS_TOKEN_LIFETIME:
        check.add(f"{path}.access_token_lifetime", f"must be a whole number of seconds from 1 to {MAX_ACCESS_TOKEN_LIFETIME}")
        lifetime = 3600
    prefix = check.string(path, item, "client_claims_prefix", default="client_")
    claims_raw = item.get("claims") or {}
    claims = []
    if not isinstance(claims_raw, dict):
        check.add(f"{path}.claims", "must be a mapping of claim name to value")
    else:
        for name, value in claims_raw.items():
            full = f"{prefix}{name}"
            reserved = name if name in RESERVED_CLAIMS else full if full in RESERVED_CLAIMS else None
            if reserved:
                check.add(f"{path}.claims.{name}", f"{reserved!r} is a reserved JWT claim name")
            elif not isinstance(value, (str, int, float, bool, list)):
                check.add(f"{path}.claims.{name}", "must be a string, number, boolean or list")
            else:
                claims.append((name, tuple(value) if isinstance(value, list) else value))
    jwks = item.get("jwks")
    if jwks is not None:
        for problem in jwks_problems(jwks):
            check.add(f"{path}.jwks{problem[0]}", problem[1])
    return Client(
        client_id=client_id,
        client_name=check.string(path, item, "client_name"),
        enabled=check.boolean(path, item, "enabled", True),
        secrets=secrets,
        allowed_grant_types=grants,
        allowed_scopes=allowed,
        access_token_lifetime=lifetime,
        claims=tuple(claims),
        client_claims_prefix=prefix,
        jwks=jwks,
    )
