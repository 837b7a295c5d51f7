"""How the model is laid out in the single DynamoDB table.

- client:       pk ``CLIENT#<client_id>``, sk ``CLIENT``
- api scope:    pk ``CATALOG``, sk ``SCOPE#<name>``
- api resource: pk ``CATALOG``, sk ``RESOURCE#<name>``
- used jti:     pk ``JTI#<client_id>#<jti>``, sk ``JTI``, ``expires_at`` (the table's TTL)
- revoked token: pk ``REVOKED#<jti>``, sk ``REVOKED``, ``client_id``, ``expires_at``
  (``tokenvend.adapters.revocations``)
- signing key:  pk ``SIGNING_KEYS``, sk ``KEY#<kid>`` (its own partition: config apply and
  export never see it)

The catalog shares one partition so one Query reads it whole. Items here are plain
Python values; ``serialize``/``deserialize`` convert to and from DynamoDB's typed form.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from ..model import KEY_STATUSES, ApiResource, ApiScope, Client, ClientSecret, SigningKeyRecord

CATALOG_PK = "CATALOG"
_serializer, _deserializer = TypeSerializer(), TypeDeserializer()


def client_key(client_id: str) -> dict:
    return {"pk": f"CLIENT#{client_id}", "sk": "CLIENT"}


def scope_key(name: str) -> dict:
    return {"pk": CATALOG_PK, "sk": f"SCOPE#{name}"}


def resource_key(name: str) -> dict:
    return {"pk": CATALOG_PK, "sk": f"RESOURCE#{name}"}


def _plain(value):
    """DynamoDB numbers come back as Decimal; give back int or float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _number(value):
    return Decimal(str(value)) if isinstance(value, float) else value


def serialize(item: dict) -> dict:
    def convert(v):
        if isinstance(v, (list, tuple)):
            return [convert(x) for x in v]
        if isinstance(v, dict):
            return {k: convert(x) for k, x in v.items()}
        return _number(v)
    return {k: _serializer.serialize(convert(v)) for k, v in item.items() if v is not None}


def deserialize(item: dict) -> dict:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def scope_to_item(scope: ApiScope) -> dict:
    return {**scope_key(scope.name), "kind": "api_scope", "name": scope.name,
            "display_name": scope.display_name, "description": scope.description,
            "enabled": scope.enabled, "show_in_discovery_document": scope.show_in_discovery_document}


def secrets_to_items(secrets) -> list[dict]:
    """A client's or an api resource's secrets as stored: hash, description, expiration."""
    return [{"hash": s.hash, "description": s.description,
             **({"expiration": s.expiration.isoformat()} if s.expiration else {})} for s in secrets]


def items_to_secrets(items) -> tuple[ClientSecret, ...]:
    return tuple(
        ClientSecret(s["hash"], s.get("description", ""),
                     datetime.fromisoformat(s["expiration"]) if s.get("expiration") else None)
        for s in items)


def resource_to_item(resource: ApiResource) -> dict:
    return {**resource_key(resource.name), "kind": "api_resource", "name": resource.name,
            "display_name": resource.display_name, "scopes": list(resource.scopes),
            "enabled": resource.enabled, "require_resource_indicator": resource.require_resource_indicator,
            # Left out when there are none, so a resource item stays as it was before secrets.
            "secrets": secrets_to_items(resource.secrets) or None}


def client_to_item(client: Client) -> dict:
    return {
        **client_key(client.client_id), "kind": "client", "client_id": client.client_id,
        "client_name": client.client_name, "enabled": client.enabled,
        "secrets": secrets_to_items(client.secrets),
        "allowed_grant_types": list(client.allowed_grant_types),
        "allowed_scopes": list(client.allowed_scopes),
        "access_token_lifetime": client.access_token_lifetime,
        "claims": {name: list(v) if isinstance(v, tuple) else v for name, v in client.claims},
        "client_claims_prefix": client.client_claims_prefix,
        "jwks": json.dumps(client.jwks) if client.jwks else None,
    }


def item_to_scope(item: dict) -> ApiScope:
    return ApiScope(item["name"], item.get("display_name", ""), item.get("description", ""),
                    item.get("enabled", True), item.get("show_in_discovery_document", True))


def item_to_resource(item: dict) -> ApiResource:
    return ApiResource(item["name"], item.get("display_name", ""), tuple(item.get("scopes", [])),
                       item.get("enabled", True), item.get("require_resource_indicator", False),
                       items_to_secrets(item.get("secrets", [])))


def item_to_client(item: dict) -> Client:
    return Client(
        client_id=item["client_id"],
        client_name=item.get("client_name", ""),
        enabled=item.get("enabled", True),
        secrets=items_to_secrets(item.get("secrets", [])),
        allowed_grant_types=tuple(item.get("allowed_grant_types", [])),
        allowed_scopes=tuple(item.get("allowed_scopes", [])),
        access_token_lifetime=int(item.get("access_token_lifetime", 3600)),
        claims=tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in item.get("claims", {}).items()),
        client_claims_prefix=item.get("client_claims_prefix", "client_"),
        jwks=_jwks(item.get("jwks")),
    )


def _jwks(value):
    """A client's jwks as stored; a hand-edited value that is not JSON is kept as it is, so
    private_key_jwt answers ``invalid_client`` for that client (``client_assertion``) instead
    of every read of the record failing."""
    if not value:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


# The three config kinds by the name a config file gives their section's records.
CONFIG_KEYS = {"api_scope": scope_key, "api_resource": resource_key, "client": client_key}
ITEM_TO_RECORD = {"api_scope": item_to_scope, "api_resource": item_to_resource, "client": item_to_client}
RECORD_TO_ITEM = {"api_scope": scope_to_item, "api_resource": resource_to_item, "client": client_to_item}


def config_item_kind(item: dict) -> str | None:
    """``api_scope``, ``api_resource`` or ``client`` for a config item, read from its key;
    None for any other item (a used jti, a key record)."""
    pk, sk = item.get("pk", ""), item.get("sk", "")
    if pk == CATALOG_PK:
        return "api_scope" if sk.startswith("SCOPE#") else "api_resource" if sk.startswith("RESOURCE#") else None
    return "client" if sk == "CLIENT" and pk.startswith("CLIENT#") else None


SIGNING_KEYS_PK = "SIGNING_KEYS"


def signing_key_key(kid: str) -> dict:
    return {"pk": SIGNING_KEYS_PK, "sk": f"KEY#{kid}"}


def signing_key_to_item(record: SigningKeyRecord) -> dict:
    return {**signing_key_key(record.kid), "kind": "signing_key", "kid": record.kid,
            "key_id": record.key_id, "alg": record.alg, "status": record.status,
            "public_jwk": json.dumps(record.public_jwk, sort_keys=True),
            "created_at": record.created_at, "activated_at": record.activated_at,
            "retired_at": record.retired_at, "wrapped_key": record.wrapped_key}


def item_to_signing_key(item: dict) -> SigningKeyRecord:
    """A key record as stored, or ValueError naming what is malformed: a hand-edited or
    tampered item must be refused by itself, not take the key ring down with it."""
    def text(name, optional=False):
        value = item.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} is missing or not a string")
        return value

    def number(name, optional=False):
        value = item.get(name)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value != int(value):
            raise ValueError(f"{name} is missing or not a whole number")
        return int(value)

    try:
        public_jwk = json.loads(item.get("public_jwk") or "{}")
    except (TypeError, ValueError):
        raise ValueError("public_jwk is not JSON") from None
    if not isinstance(public_jwk, dict):
        raise ValueError("public_jwk is not a JSON object")
    kid, status = text("kid"), text("status")
    if item.get("sk", f"KEY#{kid}") != f"KEY#{kid}":
        raise ValueError("kid differs from the item's sort key")
    if status not in KEY_STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(KEY_STATUSES)}")
    return SigningKeyRecord(
        kid=kid, key_id=text("key_id"), alg=text("alg"), status=status, public_jwk=public_jwk,
        created_at=number("created_at", optional=True) or 0, activated_at=number("activated_at", optional=True),
        retired_at=number("retired_at", optional=True), wrapped_key=text("wrapped_key", optional=True),
    )
