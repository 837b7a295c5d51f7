"""``tokenvend import-identityserver``: an IdentityServer appsettings.json as a tokenvend config.

Reads the ``IdentityServer`` section the way .NET's configuration binder does (comments
and trailing commas allowed, keys case-insensitive). Secrets stay the ``Sha256()``
values they are (``hash: sha256:…``), which the core verifies as IdentityServer did.
Whatever has no equivalent — IdentityResources, interactive grant types, redirect URIs,
reference tokens, non-shared secrets — is named on stderr, one line each, with the
IdentityServer path it came from. The result is checked with the config loader; when it
would be refused the problems are listed and the exit code is 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tokenvend import client_secrets
from tokenvend.config import ConfigError, parse_config
from tokenvend.model import CLIENT_CREDENTIALS

from .output import Command, OpsError, write_file
from .entries import dump

IDENTITY_SCOPES = {"openid", "profile", "email", "address", "phone", "offline_access"}
NO_FLOWS = "tokenvend serves the client_credentials grant only"
# Fields whose IdentityServer value means what tokenvend does anyway; others are reported.
SAME_AS_TOKENVEND = {"requireclientsecret": {True}, "protocoltype": {"oidc"}, "accesstokentype": {"Jwt", 0},
                     "alwayssendclientclaims": {True, False}}


def relaxed_json(text: str):
    """JSON with // and /* */ comments and trailing commas, as appsettings.json allows."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == '"':  # a string is copied whole, escapes included
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i:end + 1])
            i = end + 1
        elif text.startswith(("//", "/*"), i):
            i = _skip(text, i)
        elif c == "," and text[_skip(text, i + 1):][:1] in ("}", "]"):
            i += 1
        else:
            out.append(c)
            i += 1
    return json.loads("".join(out))


def _skip(text: str, i: int) -> int:
    """The index of the next character that is neither white space nor in a comment."""
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        else:
            break
    return i


class Importer:
    def __init__(self):
        self.notes: list[str] = []

    def note(self, where: str, message: str):
        self.notes.append(f"{where}: {message}")

    def fields(self, where: str, item, mapped: set[str]) -> dict:
        """The item's fields by lower-cased name; report those with no equivalent."""
        if not isinstance(item, dict):
            raise OpsError(f"{where}: expected an object")
        lowered = {k.lower(): v for k, v in item.items()}
        for key, value in item.items():
            lower = key.lower()
            if lower in mapped or value in (None, False, [], {}, "") or value in SAME_AS_TOKENVEND.get(lower, ()):
                continue
            self.note(f"{where}.{key}", f"{_summary(value)} has no equivalent; not imported"
                      + (f" ({NO_FLOWS})" if lower.endswith(("uris", "origins", "pkce", "offlineaccess")) else ""))
        return lowered

    def scope(self, where, item) -> dict:
        f = self.fields(where, item, {"name", "displayname", "description", "enabled", "showindiscoverydocument"})
        return _present({"name": f.get("name"), "display_name": f.get("displayname"),
                         "description": f.get("description"), "enabled": f.get("enabled"),
                         "show_in_discovery_document": f.get("showindiscoverydocument")})

    def resource(self, where, item, extra_scopes: list) -> dict:
        f = self.fields(where, item, {"name", "displayname", "scopes", "enabled", "requireresourceindicator",
                                      "apisecrets"})
        scopes = []
        for j, scope in enumerate(f.get("scopes") or []):
            if isinstance(scope, dict):  # IdentityServer 3's scope objects: real api scopes then
                extra_scopes.append(self.scope(f"{where}.Scopes[{j}]", scope))
                self.note(f"{where}.Scopes[{j}]", "a scope object (IdentityServer 3 style); imported as an api scope")
                scope = extra_scopes[-1].get("name")
            scopes.append(scope)
        secrets = self.secrets(f"{where}.ApiSecrets", f.get("apisecrets"), jwks=None)
        return _present({"name": f.get("name"), "display_name": f.get("displayname"), "scopes": scopes,
                         "enabled": f.get("enabled"), "require_resource_indicator": f.get("requireresourceindicator"),
                         "secrets": secrets or None})

    def client(self, where, item, identity_scopes: set[str]) -> dict | None:
        f = self.fields(where, item, {"clientid", "clientname", "enabled", "clientsecrets", "allowedscopes",
                                      "accesstokenlifetime", "claims", "clientclaimsprefix", "allowedgranttypes",
                                      "accesstokentype"})
        grants = f.get("allowedgranttypes") or []
        for grant in grants:
            if grant != CLIENT_CREDENTIALS:
                self.note(f"{where}.AllowedGrantTypes", f"{grant!r} has no equivalent ({NO_FLOWS})")
        if CLIENT_CREDENTIALS not in grants:
            self.note(where, f"client {f.get('clientid')!r} is not allowed client_credentials; not imported")
            return None
        if str(f.get("accesstokentype", "Jwt")) in ("1", "Reference"):
            self.note(f"{where}.AccessTokenType", "reference tokens have no equivalent; the client will get JWTs")
        scopes = []
        for scope in f.get("allowedscopes") or []:
            if scope == "offline_access":
                self.note(f"{where}.AllowedScopes", "'offline_access' asks for refresh tokens, which "
                                                    "client_credentials never gets; dropped")
            elif scope in identity_scopes:
                self.note(f"{where}.AllowedScopes", f"{scope!r} is an identity scope (IdentityResources have no "
                                                    "equivalent: no id tokens); dropped")
            else:
                scopes.append(scope)
        jwks = []
        secrets = self.secrets(f"{where}.ClientSecrets", f.get("clientsecrets"), jwks)
        claims = {}
        claims_list = f.get("claims") or []
        if not isinstance(claims_list, list):
            raise OpsError(f"{where}.Claims: expected a list of {{Type, Value}} objects")
        for k, claim in enumerate(claims_list):
            if not isinstance(claim, dict):
                raise OpsError(f"{where}.Claims[{k}]: expected an object with Type and Value")
            c = {k.lower(): v for k, v in claim.items()}
            name, value = c.get("type"), c.get("value")
            claims[name] = [*claims[name], value] if isinstance(claims.get(name), list) else \
                [claims[name], value] if name in claims else value
        return _present({
            "client_id": f.get("clientid"), "client_name": f.get("clientname"), "enabled": f.get("enabled"),
            "secrets": secrets, "allowed_grant_types": [CLIENT_CREDENTIALS], "allowed_scopes": scopes,
            "access_token_lifetime": f.get("accesstokenlifetime"), "claims": claims or None,
            "client_claims_prefix": f.get("clientclaimsprefix"), "jwks": {"keys": jwks} if jwks else None,
        })

    def secrets(self, where, items, jwks: list | None) -> list:
        """ClientSecrets or ApiSecrets; ``jwks`` is None where a JsonWebKey has no use (an API)."""
        items = items or []
        if not isinstance(items, list):
            raise OpsError(f"{where}: expected a list")
        secrets = []
        for j, secret in enumerate(items):
            self.secret(f"{where}[{j}]", secret, secrets, jwks)
        return secrets

    def secret(self, where, item, secrets: list, jwks: list | None):
        if not isinstance(item, dict):
            raise OpsError(f"{where}: expected an object with Value (and Type, Description, Expiration)")
        s = {k.lower(): v for k, v in item.items()}
        kind, value = s.get("type") or "SharedSecret", s.get("value")
        if kind == "JsonWebKey" and jwks is None:
            self.note(where, "a JsonWebKey api secret has no equivalent (an api resource introspects with a "
                             "shared secret); not imported")
        elif kind == "JsonWebKey":
            jwks.append(json.loads(value) if isinstance(value, str) else value)
            self.note(where, "a JsonWebKey secret; imported into the client's jwks (private_key_jwt)")
        elif kind != "SharedSecret":
            self.note(where, f"a secret of type {kind} has no equivalent (no mutual TLS); not imported")
        elif not isinstance(value, str) or not client_secrets.is_hash(value):
            sha512 = isinstance(value, str) and len(value) == 88
            self.note(where, f"{'a Sha512() value' if sha512 else 'a value that is not a Sha256() hash'} has no "
                             "equivalent; not imported — add a new one with `tokenvend "
                             f"{'client' if jwks is not None else 'resource'} secret add`")
        else:
            secrets.append(_present({"hash": client_secrets.IDENTITYSERVER_PREFIX + value,
                                     "description": s.get("description"), "expiration": s.get("expiration")}))

    def config(self, section) -> dict:
        top = self.fields("IdentityServer", section, {"clients", "apiscopes", "apiresources", "identityresources"})
        identity = [r.get("Name") or r.get("name") for r in top.get("identityresources") or []]
        if identity:
            self.note("IdentityServer.IdentityResources", f"{', '.join(map(str, identity))}: identity resources "
                                                          "have no equivalent (tokenvend issues no id tokens)")
        scopes = [self.scope(f"IdentityServer.ApiScopes[{i}]", s) for i, s in enumerate(top.get("apiscopes") or [])]
        resources = [self.resource(f"IdentityServer.ApiResources[{i}]", r, scopes)
                     for i, r in enumerate(top.get("apiresources") or [])]
        identity_scopes = IDENTITY_SCOPES | set(identity)
        clients = [self.client(f"IdentityServer.Clients[{i}]", c, identity_scopes)
                   for i, c in enumerate(top.get("clients") or [])]
        return {"api_scopes": scopes, "api_resources": resources, "clients": [c for c in clients if c]}


def _summary(value) -> str:
    """A value for a note: scalars and lists of them as they are, structures (which may hold
    secrets' hashes) only counted."""
    if isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value) \
            or isinstance(value, (str, int, float, bool)):
        return json.dumps(value)
    return f"({len(value)} entr{'y' if len(value) == 1 else 'ies'})"


def _present(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if v is not None}


def section_of(data) -> dict:
    for key, value in (data.items() if isinstance(data, dict) else ()):
        if key.lower() == "identityserver":
            return value
    raise OpsError("no IdentityServer section in this file")


@click.command("import-identityserver", cls=Command, short_help="IdentityServer appsettings.json to a config.")
@click.argument("appsettings", metavar="APPSETTINGS_JSON", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the config to FILE (JSON when it ends in .json) instead of stdout.")
def import_identityserver(appsettings, output):
    """Turn an IdentityServer appsettings.json into a tokenvend config.

    Reads the IdentityServer section: Clients (ClientId, ClientName, ClientSecrets as
    Sha256 values, AllowedGrantTypes, AllowedScopes, AccessTokenLifetime, Claims,
    ClientClaimsPrefix, Enabled), ApiScopes and ApiResources (with their ApiSecrets, for
    introspection). Each thing with no
    equivalent is named on stderr. Exit 1 when the result would not pass `apply`.

    \b
    Example:
      tokenvend import-identityserver appsettings.json --output tokenvend.yaml
      tokenvend apply tokenvend.yaml --dry-run
    """
    try:
        data = relaxed_json(Path(appsettings).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise OpsError(f"cannot read {appsettings}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise OpsError(f"{appsettings} is not valid JSON: {exc}") from None
    importer = Importer()
    config = importer.config(section_of(data))
    fmt = "json" if output and output.lower().endswith(".json") else "yaml"
    text = dump(config, fmt, f"Imported from {appsettings} by tokenvend import-identityserver.\n"
                             "Secrets are IdentityServer Sha256() values; tokenvend verifies them as they are.")
    if output:
        write_file(output, text)
    else:
        click.echo(text, nl=False)
    report(importer.notes, config)


def report(notes: list[str], config: dict) -> None:
    """An importer's last step: each note on stderr, then the loader's verdict on the
    config — every problem and exit 1 when it would refuse it."""
    for line in notes:
        click.echo(line, err=True)
    try:
        parse_config(config)
    except ConfigError as err:
        raise OpsError("the imported config needs these fixes before `tokenvend apply` accepts it:\n"
                       + "\n".join(f"  {p}" for p in err.problems)) from None
