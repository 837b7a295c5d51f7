"""The config file: ApiScopes, ApiResources and Clients in YAML or JSON.

``parse_config`` checks everything and reports every problem at once, each with the path
of its field (``api_resources[0].scopes[1]: 'api2' is not a defined api scope``). Plain
secrets are hashed as they are read; a weak one is refused unless the file says
``development: true``. The quickstart trap of IdentityServer 4 — a client allowed a name
that is only an ApiResource — is refused here with the fix, before any client fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timezone, date
from pathlib import Path

from . import client_secrets
from .claims import RESERVED_CLAIMS
from .model import (
    CLIENT_CREDENTIALS, MAX_ACCESS_TOKEN_LIFETIME, SCOPE_TOKEN, ApiResource, ApiScope,
    Catalog, Client, ClientSecret,
)
from .signing_limits import worst_case_signing_input_size, KMS_RAW_MESSAGE_LIMIT

MAX_CLIENT_ID = 100
MAX_RESOURCE = 512

SCOPE_FIELDS = {"name", "display_name", "description", "enabled", "show_in_discovery_document"}
RESOURCE_FIELDS = {"name", "display_name", "scopes", "enabled", "require_resource_indicator", "secrets"}
CLIENT_FIELDS = {
    "client_id", "client_name", "enabled", "secrets", "allowed_grant_types", "allowed_scopes",
    "access_token_lifetime", "claims", "client_claims_prefix", "jwks", "description",
}
SECRET_FIELDS = {"value", "hash", "description", "expiration"}
TOP_FIELDS = {"development", "api_scopes", "api_resources", "clients"}


class ConfigError(ValueError):
    """The config is invalid; ``problems`` lists every problem with its field path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid config:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Config:
    development: bool
    api_scopes: tuple[ApiScope, ...]
    api_resources: tuple[ApiResource, ...]
    clients: tuple[Client, ...]

    @property
    def catalog(self) -> Catalog:
        return Catalog.of(self.api_scopes, self.api_resources)


def load_config(path: str | Path) -> Config:
    """Read a YAML (``.yaml``/``.yml``) or JSON file and parse it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml  # only the tools read YAML; the Lambda functions never do

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise ConfigError([f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {_parse_problem(exc)}"]) from None
    return parse_config(data)


def _parse_problem(exc: Exception) -> str:
    """What is wrong and where, without the source line: a YAML error quotes the offending
    line, which may hold a plain secret."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{getattr(exc, 'problem', None) or 'syntax error'} at line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return type(exc).__name__


class _Checker:
    """Collects problems instead of stopping at the first one."""

    def __init__(self):
        self.problems: list[str] = []

    def add(self, path: str, message: str):
        self.problems.append(f"{path}: {message}")

    def unknown_fields(self, path: str, item: dict, allowed: set[str]):
        for key in sorted(set(item) - allowed):
            self.add(f"{path}.{key}", "unknown field")

    def string(self, path, item, key, *, required=False, default=""):
        value = item.get(key, None)
        if value is None:
            if required:
                self.add(f"{path}.{key}", "is required")
            return default
        if not isinstance(value, str) or (required and not value):
            self.add(f"{path}.{key}", "must be a non-empty string" if required else "must be a string")
            return default
        return value

    def boolean(self, path, item, key, default):
        value = item.get(key, default)
        if not isinstance(value, bool):
            self.add(f"{path}.{key}", "must be true or false")
            return default
        return value

    def strings(self, path, item, key, default=()):
        value = item.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(f"{path}.{key}", "must be a list of strings")
            return tuple(default)
        return tuple(value)

    def records(self, path, data, key) -> list[dict]:
        value = data.get(key) or []
        if not isinstance(value, list):
            self.add(path + key, "must be a list")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append(item)
            else:
                self.add(f"{path}{key}[{i}]", "must be a mapping")
                out.append({})
        return out


def _expiration(check: _Checker, path: str, value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time.min)
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            check.add(path, f"{value!r} is not an ISO 8601 date or date-time")
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _secret(check: _Checker, path: str, item: dict, development: bool, command: str) -> ClientSecret | None:
    check.unknown_fields(path, item, SECRET_FIELDS)
    value, stored = item.get("value"), item.get("hash")
    if (value is None) == (stored is None):
        check.add(path, "give exactly one of 'value' (plaintext, hashed on load) or 'hash'")
        return None
    expiration = _expiration(check, f"{path}.expiration", item.get("expiration"))
    description = check.string(path, item, "description")
    if value is not None:
        if not isinstance(value, str) or not value:
            check.add(f"{path}.value", "must be a non-empty string")
            return None
        if not client_secrets.presentable(value):
            check.add(f"{path}.value", "may hold only printable ASCII (RFC 6749 Appendix A.2: "
                                       "client-secret = *VSCHAR, %x20-7E)")
            return None
        if client_secrets.is_weak(value) and not development:
            why = (f"is shorter than {client_secrets.WEAK_SECRET_LENGTH} characters"
                   if len(value) < client_secrets.WEAK_SECRET_LENGTH else
                   f"has under {client_secrets.MIN_SECRET_BITS} bits of estimated entropy "
                   "(repeated, sequential or few kinds of characters)")
            check.add(f"{path}.value", f"secret {why}; use a generated secret "
                                       f"(tokenvend {command} secret add) or mark the file 'development: true'")
            return None
        return ClientSecret(client_secrets.hash_secret(value), description, expiration, plaintext=value)
    if not isinstance(stored, str) or not client_secrets.is_hash(stored):
        check.add(f"{path}.hash", "is not a tokenvend hmac-sha256 or pbkdf2-sha256 hash or an IdentityServer Sha256() value")
        return None
    return ClientSecret(stored, description, expiration)


def _secrets(check: _Checker, path: str, item: dict, development: bool, command: str) -> tuple[ClientSecret, ...]:
    """A client's or an api resource's ``secrets``: the same shape and rules for both."""
    secrets_raw = item.get("secrets") or []
    secrets = []
    if not isinstance(secrets_raw, list):
        check.add(f"{path}.secrets", "must be a list")
        return ()
    for j, raw in enumerate(secrets_raw):
        if not isinstance(raw, dict):
            check.add(f"{path}.secrets[{j}]", "must be a mapping with 'value' or 'hash'")
            continue
        secret = _secret(check, f"{path}.secrets[{j}]", raw, development, command)
        if secret is not None:
            secrets.append(secret)
    if len(secrets_raw) > client_secrets.SECRET_SLOTS:
        check.add(f"{path}.secrets", f"holds {len(secrets_raw)} secrets; at most "
                                     f"{client_secrets.SECRET_SLOTS} (enough for a rollover)")
    return tuple(secrets)


def _scope_problem(name: str, scopes: set[str], resources: set[str]) -> str | None:
    if name in scopes:
        return None
    if name in resources:
        return (f"{name!r} is an api resource, not an api scope — add an api scope {name!r} "
                "and list it in the resource's scopes")
    return f"{name!r} is not a defined api scope"


def parse_config(data) -> Config:
    """Check a config mapping and build the model; raise ``ConfigError`` with every problem."""
    check = _Checker()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["(top level): must be a mapping with api_scopes, api_resources and clients"])
    check.unknown_fields("(top level)", data, TOP_FIELDS)
    development = check.boolean("(top level)", data, "development", False)

    scopes: list[ApiScope] = []
    for i, item in enumerate(check.records("", data, "api_scopes")):
        path = f"api_scopes[{i}]"
        check.unknown_fields(path, item, SCOPE_FIELDS)
        name = check.string(path, item, "name", required=True)
        if name and not SCOPE_TOKEN.fullmatch(name):
            check.add(f"{path}.name", f"{name!r} is not an RFC 6749 scope-token (no spaces, quotes or backslashes)")
        elif name in {s.name for s in scopes}:
            check.add(f"{path}.name", f"{name!r} is defined twice")
        scopes.append(ApiScope(
            name, check.string(path, item, "display_name"), check.string(path, item, "description"),
            check.boolean(path, item, "enabled", True),
            check.boolean(path, item, "show_in_discovery_document", True),
        ))
    scope_names = {s.name for s in scopes}
    raw_resources = check.records("", data, "api_resources")
    resource_names = {r.get("name") for r in raw_resources if isinstance(r.get("name"), str)}

    resources: list[ApiResource] = []
    for i, item in enumerate(raw_resources):
        path = f"api_resources[{i}]"
        check.unknown_fields(path, item, RESOURCE_FIELDS)
        name = check.string(path, item, "name", required=True)
        if len(name) > MAX_RESOURCE:
            check.add(f"{path}.name", f"is longer than {MAX_RESOURCE} characters")
        if name and name in {r.name for r in resources}:
            check.add(f"{path}.name", f"{name!r} is defined twice")
        members = check.strings(path, item, "scopes")
        for j, scope in enumerate(members):
            if scope not in scope_names:
                check.add(f"{path}.scopes[{j}]", f"{scope!r} is not a defined api scope")
        resources.append(ApiResource(
            name, check.string(path, item, "display_name"), members,
            check.boolean(path, item, "enabled", True),
            check.boolean(path, item, "require_resource_indicator", False),
            _secrets(check, path, item, development, "resource"),
        ))
        if resources[-1].secrets and len(name) > MAX_CLIENT_ID:
            check.add(f"{path}.secrets", f"a resource that introspects authenticates with its name as the "
                                         f"client_id, at most {MAX_CLIENT_ID} characters; this name is longer")

    clients = [
        _client(check, f"clients[{i}]", item, development, scope_names, resource_names)
        for i, item in enumerate(check.records("", data, "clients"))
    ]
    seen: set[str] = set()
    for i, client in enumerate(clients):
        if client.client_id and client.client_id in seen:
            check.add(f"clients[{i}].client_id", f"{client.client_id!r} is defined twice")
        seen.add(client.client_id)

    if not check.problems:
        catalog = Catalog.of(scopes, resources)
        for i, client in enumerate(clients):
            size = worst_case_signing_input_size(client, catalog)
            if size > KMS_RAW_MESSAGE_LIMIT:
                check.add(f"clients[{i}]", (
                    f"a token for this client could need a {size}-byte signing input, over KMS's "
                    f"{KMS_RAW_MESSAGE_LIMIT}-byte RAW limit; allow fewer scopes or claims"))
    if check.problems:
        raise ConfigError(check.problems)
    return Config(development, tuple(scopes), tuple(resources), tuple(clients))


PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def jwks_problems(jwks) -> list[tuple[str, str]]:
    """A client's JWK Set for private_key_jwt: public RSA or EC keys only — a private or
    symmetric key does not belong in the server's store."""
    if not (isinstance(jwks, dict) and isinstance(jwks.get("keys"), list) and jwks["keys"]):
        return [("", "must be a JWK Set: a mapping with a non-empty 'keys' list")]
    problems = []
    for i, key in enumerate(jwks["keys"]):
        where = f".keys[{i}]"
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC"):
            problems.append((where, "must be a public RSA or EC key (kty RSA or EC)"))
        elif any(m in key for m in PRIVATE_JWK_MEMBERS):
            problems.append((where, "holds private key material; give only the public key"))
        else:
            try:
                import jwt

                jwt.PyJWK(key)
            except Exception as exc:  # PyJWT's message says what is wrong with the key
                problems.append((where, f"is not a usable key: {exc}"))
    return problems


def _client(check, path, item, development, scope_names, resource_names) -> Client:
    check.unknown_fields(path, item, CLIENT_FIELDS)
    client_id = check.string(path, item, "client_id", required=True)
    if len(client_id) > MAX_CLIENT_ID:
        check.add(f"{path}.client_id", f"is longer than {MAX_CLIENT_ID} characters")
    secrets = _secrets(check, path, item, development, "client")
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
