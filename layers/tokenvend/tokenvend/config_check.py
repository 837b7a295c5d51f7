"""Checking a config mapping: ``parse_config`` reports every problem at once, each with the
path of its field (``api_resources[0].scopes[1]: 'api2' is not a defined api scope``). A client
is checked in ``config_clients``, a secret in ``config_secrets``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config_clients import MAX_CLIENT_ID, check_client
from .config_secrets import check_secrets
from .model import SCOPE_TOKEN, ApiResource, ApiScope, Catalog, Client
from .signing_limits import worst_case_signing_input_size, KMS_RAW_MESSAGE_LIMIT

MAX_RESOURCE = 512

SCOPE_FIELDS = {"name", "display_name", "description", "enabled", "show_in_discovery_document"}
RESOURCE_FIELDS = {"name", "display_name", "scopes", "enabled", "require_resource_indicator", "secrets"}
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


class Checker:
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


def parse_config(data) -> Config:
    """Check a config mapping and build the model; raise ``ConfigError`` with every problem."""
    check = Checker()
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
            check_secrets(check, path, item, development, "resource"),
        ))
        if resources[-1].secrets and len(name) > MAX_CLIENT_ID:
            check.add(f"{path}.secrets", f"a resource that introspects authenticates with its name as the "
                                         f"client_id, at most {MAX_CLIENT_ID} characters; this name is longer")

    clients = [
        check_client(check, f"clients[{i}]", item, development, scope_names, resource_names)
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
