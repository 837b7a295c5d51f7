"""Scope, resource and audience resolution (token endpoint steps 6, 7 and 8).

The one decision both the token endpoint and ``tokenvend explain`` make, so they cannot
disagree. ``resolve`` never raises: it returns a ``Decision`` whose ``error`` is the
OAuthError the endpoint answers with, or None when a token is issued.

Order within these steps: each requested scope is checked against the catalog and the
client (step 6, ``invalid_scope``); then each ``resource`` must be an enabled ApiResource
(step 7, RFC 8707 ``invalid_target``); then every granted scope must belong to one of the
named resources (``invalid_scope``, reason "not part of the requested resource"), and every
named resource must hold at least one granted scope (``invalid_target``: a token never
carries an audience the client was granted nothing for). When
``scope`` is omitted the default is every allowed, enabled ApiScope of the client, narrowed
to the named resources — so an unknown resource is reported as ``invalid_target`` rather
than as an empty default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .claims import audience_value
from .errors import InvalidScope, InvalidTarget, OAuthError, echo
from .model import Catalog, Client

UNKNOWN = "unknown: it is not a defined ApiScope"
DISABLED = "disabled: the ApiScope is disabled"
NOT_ALLOWED = "not allowed for this client"
NOT_IN_RESOURCE = "not part of the requested resource"


def parse_scope(scope: str | None) -> list[str] | None:
    """§3.3: space-delimited, case-sensitive; duplicates collapse, first order kept."""
    if scope is None:
        return None
    return list(dict.fromkeys(token for token in scope.split(" ") if token))


@dataclass
class Refusal:
    scope: str
    reason: str

    def __str__(self):
        return f"'{echo(self.scope)}' {self.reason}"


@dataclass
class Decision:
    requested: list[str] | None
    resources: list[str]
    granted: list[str] = field(default_factory=list)
    aud: str | list[str] | None = None
    refused: list[Refusal] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    error: OAuthError | None = None


def resource_hints(name: str, client: Client, catalog: Catalog) -> list[str]:
    """What to do about a requested scope that is the name of an ApiResource.

    Usually the caller sent the audience as a scope (``scope=https://orders.example.com``):
    RFC 8707 names a resource with ``resource``, and the token's ``scope`` holds the
    resource's scopes, so that is the first hint whenever the resource holds a usable scope.
    Defining an ApiScope of the resource's name (IdentityServer 4's quickstart, where
    ``ApiResource("api1")`` stood for both) is the hint when the resource holds none, lists
    its own name as a scope, or the client's allowed_scopes name it — both where both apply.
    """
    resource = catalog.api_resources.get(name)
    if resource is None or name in catalog.api_scopes:
        return []
    usable = [s for s in resource.scopes if catalog.enabled_scope(s)]
    usable = [s for s in usable if s in client.allowed_scopes] or usable
    hints = [f"'{name}' is an ApiResource: send resource={name} and request its scopes "
             f"({', '.join(usable)})"] if usable else []
    if not usable or name in resource.scopes or name in client.allowed_scopes:
        hints.append(f"'{name}' is the name of an ApiResource, not an ApiScope — define an ApiScope "
                     f"'{name}' and list it in that resource's scopes")
    return hints


def _hints(client: Client, catalog: Catalog, names: list[str]) -> list[str]:
    hints = [h for n in names for h in resource_hints(n, client, catalog)]
    for name in client.allowed_scopes:
        if name not in catalog.api_scopes and name not in catalog.api_resources:
            hints.append(f"'{name}' is in the client's allowed_scopes but is not a defined ApiScope")
    for resource in catalog.api_resources.values():
        for name in resource.scopes:
            if name not in catalog.api_scopes:
                hints.append(f"ApiResource '{resource.name}' lists '{name}', which is not a defined ApiScope")
    return list(dict.fromkeys(hints))


def _refusal(name: str, client: Client, catalog: Catalog) -> Refusal | None:
    scope = catalog.api_scopes.get(name)
    if scope is None:
        return Refusal(name, UNKNOWN)
    if not scope.enabled:
        return Refusal(name, DISABLED)
    if name not in client.allowed_scopes:
        return Refusal(name, NOT_ALLOWED)
    return None


def _describe(refused: list[Refusal]) -> str:
    return "Refused scope " + "; ".join(str(r) for r in refused) + "."


def resolve(client: Client, catalog: Catalog, scope: str | None, resources: list[str], issuer: str) -> Decision:
    requested = parse_scope(scope)
    named = list(dict.fromkeys(resources))
    decision = Decision(requested, named)

    def refuse(refused: list[Refusal]) -> Decision:
        decision.refused = refused
        decision.hints = _hints(client, catalog, [r.scope for r in refused])
        decision.error = InvalidScope(_describe(refused), reasons=[str(r) for r in refused],
                                      hints=decision.hints)
        return decision

    if requested == []:
        reason = "the scope parameter holds no scope-token"
        decision.error = InvalidScope("The 'scope' parameter holds no scope.", reasons=[reason])
        return decision
    if requested:
        refused = [r for r in (_refusal(n, client, catalog) for n in requested) if r]
        if refused:
            return refuse(refused)

    unknown = [name for name in named if catalog.enabled_resource(name) is None]
    if unknown:
        reasons = [f"'{echo(name)}' is not an enabled ApiResource" for name in unknown]
        decision.error = InvalidTarget("Refused resource " + "; ".join(reasons) + ".", reasons=reasons)
        return decision
    in_named = {s for name in named for s in catalog.api_resources[name].scopes}

    if requested:
        outside = [Refusal(n, NOT_IN_RESOURCE) for n in requested if named and n not in in_named]
        if outside:
            return refuse(outside)
        granted = requested
    else:
        granted = [n for n in dict.fromkeys(client.allowed_scopes)
                   if catalog.enabled_scope(n) and (not named or n in in_named)]
        if not granted:
            decision.hints = _hints(client, catalog, list(client.allowed_scopes))
            reason = ("the client has no allowed, enabled ApiScope"
                      + (" in the requested resource" if named else ""))
            decision.error = InvalidScope(f"No scope requested and {reason}.", reasons=[reason],
                                          hints=decision.hints)
            return decision

    empty = [name for name in named if not set(granted) & set(catalog.api_resources[name].scopes)]
    if empty:
        reasons = [f"'{echo(name)}' holds none of the granted scopes ({echo(' '.join(granted))})"
                   for name in empty]
        decision.error = InvalidTarget("Refused resource " + "; ".join(reasons) + ".", reasons=reasons)
        return decision
    decision.granted = granted
    decision.aud = audience_value(named) if named else _implicit_audience(catalog, granted, issuer)
    return decision


def _implicit_audience(catalog: Catalog, granted: list[str], issuer: str):
    """Step 8 without ``resource``: every enabled resource (not requiring an indicator)
    holding a granted scope; ``{issuer}/resources`` when none does, so ``aud`` is never absent."""
    wanted = set(granted)
    names = [r.name for r in catalog.api_resources.values()
             if r.enabled and not r.require_resource_indicator and wanted & set(r.scopes)]
    return audience_value(names) if names else f"{issuer}/resources"
