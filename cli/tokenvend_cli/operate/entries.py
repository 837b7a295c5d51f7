"""Records as config-file entries: what ``export`` writes and ``show``/``list`` print.

Defaults are left out, so an exported file reads like a hand-written one (the loader puts
them back); the field names are the config file's. A stored hash appears only where it
is asked for: ``export`` (its secrets are ``hash:`` values) and ``--show-hashes``.
"""

from __future__ import annotations

import json
from datetime import datetime

import yaml

from tokenvend.model import (
    DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_CLIENT_CLAIMS_PREFIX, ApiResource, ApiScope,
    Client, ClientSecret, utcnow,
)


def scope_entry(scope: ApiScope) -> dict:
    entry = {"name": scope.name}
    if scope.display_name:
        entry["display_name"] = scope.display_name
    if scope.description:
        entry["description"] = scope.description
    if not scope.enabled:
        entry["enabled"] = False
    if not scope.show_in_discovery_document:
        entry["show_in_discovery_document"] = False
    return entry


def resource_entry(resource: ApiResource, *, hashes: bool = False, for_export: bool = False) -> dict:
    entry = {"name": resource.name}
    if resource.display_name:
        entry["display_name"] = resource.display_name
    entry["scopes"] = list(resource.scopes)
    if not resource.enabled:
        entry["enabled"] = False
    if resource.require_resource_indicator:
        entry["require_resource_indicator"] = True
    if resource.secrets:  # ApiSecrets, for introspection; most resources have none
        entry["secrets"] = _secret_entries(resource.secrets, hashes, for_export)
    return entry


def secret_entry(secret: ClientSecret, index: int | None = None, *, hashes: bool, now: datetime | None = None) -> dict:
    """For export (``index`` None): ``hash``, ``description``, ``expiration``. For show:
    the index ``client secret revoke`` takes, and whether it has expired."""
    entry = {} if index is None else {"index": index}
    if hashes:
        entry["hash"] = secret.hash
    if secret.description:
        entry["description"] = secret.description
    if secret.expiration:
        entry["expiration"] = secret.expiration.isoformat()
    if index is not None:
        entry["expired"] = secret.expired(now or utcnow())
    return entry


def _secret_entries(secrets, hashes: bool, for_export: bool) -> list[dict]:
    return [secret_entry(s, None if for_export else i, hashes=hashes) for i, s in enumerate(secrets)]


def client_entry(client: Client, *, hashes: bool, for_export: bool = False) -> dict:
    entry = {"client_id": client.client_id}
    if client.client_name:
        entry["client_name"] = client.client_name
    if not client.enabled:
        entry["enabled"] = False
    entry["secrets"] = _secret_entries(client.secrets, hashes, for_export)
    entry["allowed_grant_types"] = list(client.allowed_grant_types)
    entry["allowed_scopes"] = list(client.allowed_scopes)
    if client.access_token_lifetime != DEFAULT_ACCESS_TOKEN_LIFETIME:
        entry["access_token_lifetime"] = client.access_token_lifetime
    if client.claims:
        entry["claims"] = {name: list(v) if isinstance(v, tuple) else v for name, v in client.claims}
    if client.client_claims_prefix != DEFAULT_CLIENT_CLAIMS_PREFIX:
        entry["client_claims_prefix"] = client.client_claims_prefix
    if client.jwks:
        entry["jwks"] = client.jwks
    return entry


def config_document(api_scopes, api_resources, clients) -> dict:
    """A whole config file's data, ready for ``dump`` (and for ``parse_config``)."""
    return {
        "api_scopes": [scope_entry(s) for s in api_scopes],
        "api_resources": [resource_entry(r, hashes=True, for_export=True) for r in api_resources],
        "clients": [client_entry(c, hashes=True, for_export=True) for c in clients],
    }


class _Dumper(yaml.SafeDumper):
    """Block style, except that a list of plain values stays on one line: ``scopes: [a, b]``."""

    def represent_list(self, data):
        flow = all(isinstance(v, (str, int, float, bool)) for v in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def dump(data, fmt: str = "yaml", comment: str = "") -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n" for line in comment.splitlines()) + text

