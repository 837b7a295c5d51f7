"""The world of the introspection and revocation tests: the default world's catalog with
secrets on its resources (ApiSecrets), a second client, and both endpoints over the same
store, keys and revocation list as the token endpoint that issues the tokens."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

import pytest

from tokenvend.audit import TokenCheckAudit
from tokenvend.client_secrets import hash_secret
from tokenvend.introspection import IntrospectionEndpoint
from tokenvend.model import Client, ClientSecret
from tokenvend.ports import StaticKey
from tokenvend.revocation import RevocationEndpoint

from .fakes import InMemoryRevocations, basic, form, http
from .world import (
    APP, INVOICES, ISSUER, JWT_APP, ORDERS, RESOURCES, RETIRED, SECRET, World, app_params, make_world,
)

ORDERS_SECRET = "orders-api-secret-0123456789-abcdefgh"
INVOICES_SECRET = "invoices-api-secret-0123456789-abcdef"
EXPIRED_AT = datetime(2020, 1, 1, tzinfo=timezone.utc)
OTHER_SECRET = "other-client-secret-0123456789-abcdef"
OTHER = Client("other", secrets=(ClientSecret(hash_secret(OTHER_SECRET)),), allowed_scopes=("orders.read",))


def _with_secrets(resource):
    secret = {ORDERS: ORDERS_SECRET, INVOICES: INVOICES_SECRET, RETIRED: ORDERS_SECRET}.get(resource.name)
    secrets = (ClientSecret(hash_secret(secret)),) if secret else ()
    if resource.name == INVOICES:  # one live secret beside an expired one
        secrets += (ClientSecret(hash_secret("expired-invoices-secret-0123456789-ab"), "old", EXPIRED_AT),)
    return replace(resource, secrets=secrets)


@dataclass
class Checks:
    world: World
    revocations: InMemoryRevocations
    introspection: IntrospectionEndpoint
    revocation: RevocationEndpoint

    def token(self, client_id="app", secret=SECRET, **params) -> str:
        body, _ = self.world.token(self.world.post(
            **{**app_params(**params), "client_id": client_id, "client_secret": secret}))
        return body["access_token"]

    def introspect(self, token=None, *, resource=ORDERS, secret=ORDERS_SECRET, basic_auth=True, **params):
        fields = {**({"token": token} if token is not None else {}), **params}
        if basic_auth:
            request = http(form(**fields), authorization=basic(resource, secret))
        else:
            request = http(form(client_id=resource, client_secret=secret, **fields))
        audit = TokenCheckAudit("introspection")
        return self.introspection.handle(request, ISSUER, audit), audit

    def revoke(self, token=None, *, client_id="app", secret=SECRET, **params):
        fields = {**({"token": token} if token is not None else {}), "client_id": client_id,
                  "client_secret": secret, **params}
        audit = TokenCheckAudit("revocation")
        self.revocation.handle(http(form(**fields)), ISSUER, audit)
        return audit

    def refuse(self, endpoint, error_class, request):
        audit = TokenCheckAudit("test")
        with pytest.raises(error_class) as info:
            endpoint.handle(request, ISSUER, audit)
        assert type(info.value) is error_class
        return info.value, audit


def make_checks() -> Checks:
    world = make_world(clients=(APP, JWT_APP, OTHER), resources=tuple(_with_secrets(r) for r in RESOURCES))
    revocations = InMemoryRevocations()
    keys = StaticKey(world.signer)
    return Checks(world, revocations,
                  IntrospectionEndpoint(world.store, keys, revocations, world.clock),
                  RevocationEndpoint(world.store, keys, revocations, world.replay, world.clock))
