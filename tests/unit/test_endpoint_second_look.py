"""The token endpoint's second look before a refusal (DESIGN.md "Shape"): a cache that
lags the table never refuses what the table allows. The store here is a fake whose plain
reads answer from a stale copy and whose ``fresh=True`` reads answer from the table."""

from __future__ import annotations

from dataclasses import replace

from tokenvend.errors import InvalidClient, InvalidScope
from tokenvend.model import ApiScope, Catalog, Client

from .fakes import InMemoryStore
from .world import APP, JWT_APP, JWT_BEARER, RESOURCES, SCOPES, SECRET, app_params, assertion, make_world


class LaggingStore(InMemoryStore):
    """``stale`` answers plain reads; the table (``clients``/``catalog``) answers fresh ones."""

    def __init__(self, stale: InMemoryStore, table: InMemoryStore):
        super().__init__(list(table.clients.values()), table.catalog)
        self.stale, self.fresh_reads = stale, []

    def get_client(self, client_id, *, fresh=False):
        if fresh:
            self.fresh_reads.append(client_id)
            return self.clients.get(client_id)
        return self.stale.get_client(client_id)

    def get_catalog(self, *, fresh=False):
        if fresh:
            self.fresh_reads.append("catalog")
            return self.catalog
        return self.stale.get_catalog()


def world_lagging(stale_clients, table_clients, stale_scopes=SCOPES, table_scopes=SCOPES):
    store = LaggingStore(InMemoryStore(stale_clients, Catalog.of(stale_scopes, RESOURCES)),
                         InMemoryStore(table_clients, Catalog.of(table_scopes, RESOURCES)))
    return make_world(store=store), store


def test_a_client_the_cache_does_not_know_yet_is_read_again_and_gets_its_token():
    world, store = world_lagging([], [APP])
    body, audit = world.token(world.post(**app_params(scope="orders.read")))
    assert (audit.outcome, body["scope"], store.fresh_reads) == ("issued", "orders.read", ["app"])


def test_a_scope_the_cached_catalog_lacks_is_read_again():
    new = ApiScope("reports.read")
    client = replace(APP, allowed_scopes=("reports.read",))
    world, store = world_lagging([client], [client], table_scopes=(*SCOPES, new))
    body, _ = world.token(world.post(**app_params(scope="reports.read")))
    assert (body["scope"], store.fresh_reads) == ("reports.read", ["app", "catalog"])


def test_a_scope_allowed_since_the_cached_read_is_granted():
    stale = replace(APP, allowed_scopes=("orders.read",))
    world, _ = world_lagging([stale], [APP])
    body, _ = world.token(world.post(**app_params(scope="invoices.read")))
    assert body["scope"] == "invoices.read"


def test_the_fresh_read_decides_a_refusal_it_confirms():
    world, store = world_lagging([APP], [APP])
    err, _ = world.refuse(InvalidScope, world.post(**app_params(scope="admin")))
    assert err.description == "Refused scope 'admin' not allowed for this client."
    assert store.fresh_reads == ["app", "catalog"]
    err, _ = world.refuse(InvalidClient, world.post(**app_params(client_secret="wrong" + SECRET)))
    assert err.description == "Client authentication failed."


def test_a_client_disabled_since_keeps_its_scope_refusal():
    world, _ = world_lagging([APP], [replace(APP, enabled=False)])
    world.refuse(InvalidScope, world.post(**app_params(scope="admin")))


def test_a_private_key_jwt_client_re_enabled_is_not_refused_as_a_replay_of_its_own_assertion():
    # GIVEN the cache still holds the client disabled; the table has it enabled again
    world, _ = world_lagging([replace(JWT_APP, enabled=False)], [JWT_APP])
    request = world.post(grant_type="client_credentials", client_assertion_type=JWT_BEARER,
                         client_assertion=assertion())
    # WHEN its assertion is checked twice in this request (the second look)
    body, audit = world.token(request)
    # THEN its jti counts once, and a real replay is still refused
    assert (audit.client_id, audit.auth_method) == ("jwt-app", "private_key_jwt")
    err, audit = world.refuse(InvalidClient, request)
    assert audit.reasons == ["client assertion jti was already used"]
