"""Token endpoint steps 6 and 7: scope (RFC 6749 §3.3) and resource (RFC 8707)."""

from __future__ import annotations

import pytest

from tokenvend.errors import InvalidScope, InvalidTarget, error_headers
from tokenvend.model import ApiResource, ApiScope, Client, ClientSecret

from .fakes import basic
from .world import (
    AUDIT, INVOICES, ORDERS, RETIRED, SECRET, SECRET_HASH, World, app_params, make_world,
)

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


# --- parsing -----------------------------------------------------------------------------

def test_duplicate_scopes_collapse_and_order_is_kept(world: World):
    body, audit = world.token(world.post(**app_params(scope="orders.write orders.read orders.write")))
    assert body["scope"] == "orders.write orders.read"
    assert audit.requested_scopes == audit.granted_scopes == ["orders.write", "orders.read"]


def test_extra_spaces_between_scopes_are_ignored(world: World):
    body, _ = world.token(world.post(**app_params(scope="  invoices.read   orders.read ")))
    assert body["scope"] == "invoices.read orders.read"


def test_scopes_are_case_sensitive(world: World):
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope="Orders.Read")))
    assert err.description == "Refused scope 'Orders.Read' unknown: it is not a defined ApiScope."


# --- omitted scope ---------------------------------------------------------------------------

def test_an_omitted_scope_grants_every_allowed_enabled_scope(world: World):
    # app is allowed orders.read, orders.write, invoices.read and the disabled legacy
    body, audit = world.token(world.post(**app_params()))
    assert body["scope"] == "orders.read orders.write invoices.read"
    assert (audit.scope_omitted, audit.requested_scopes) == (True, None)
    assert audit.granted_scopes == ["orders.read", "orders.write", "invoices.read"]


@pytest.mark.parametrize("resource,granted", [
    (INVOICES, "invoices.read"),
    (ORDERS, "orders.read orders.write"),
    (AUDIT, "orders.read"),
])
def test_an_omitted_scope_is_narrowed_to_the_named_resource(world: World, resource, granted):
    body, audit = world.token(world.post(**app_params(resource=resource)))
    assert body["scope"] == granted
    assert audit.aud == resource


def test_an_omitted_scope_with_nothing_to_grant_is_invalid_scope():
    # GIVEN a client allowed only a disabled scope
    world = make_world(clients=(Client("stale", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("legacy",)),))
    err, audit = world.refuse(InvalidScope, world.post(grant_type="client_credentials", client_id="stale",
                                                       client_secret=SECRET))
    assert (err.error, err.status_code) == ("invalid_scope", 400)
    assert err.description == "No scope requested and the client has no allowed, enabled ApiScope."
    assert error_headers(err) == NO_STORE
    assert audit.reasons == ["the client has no allowed, enabled ApiScope"]


def test_an_omitted_scope_with_nothing_in_the_named_resource_is_invalid_scope():
    world = make_world(clients=(Client("orders-only", secrets=(ClientSecret(SECRET_HASH),),
                                       allowed_scopes=("orders.read",)),))
    err, _ = world.refuse(InvalidScope, world.post(grant_type="client_credentials", client_id="orders-only",
                                                   client_secret=SECRET, resource=INVOICES))
    assert err.description == ("No scope requested and the client has no allowed, enabled ApiScope "
                               "in the requested resource.")


# --- refused scopes ------------------------------------------------------------------------

@pytest.mark.parametrize("scope,reason", [
    ("nope", "unknown: it is not a defined ApiScope"),
    ("legacy", "disabled: the ApiScope is disabled"),
    ("admin", "not allowed for this client"),
])
def test_a_refused_scope_is_invalid_scope_naming_it_and_its_reason(world: World, scope, reason):
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope=f"orders.read {scope}")))
    assert (err.error, err.status_code) == ("invalid_scope", 400)
    assert err.description == f"Refused scope '{scope}' {reason}."
    assert error_headers(err) == NO_STORE
    assert (audit.outcome, audit.error, audit.reasons) == ("rejected", "invalid_scope", [f"'{scope}' {reason}"])
    assert audit.requested_scopes == ["orders.read", scope]
    assert audit.granted_scopes == []


def test_every_refused_scope_is_named_at_once(world: World):
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope="nope legacy orders.read admin")))
    assert err.description == ("Refused scope 'nope' unknown: it is not a defined ApiScope; "
                               "'legacy' disabled: the ApiScope is disabled; "
                               "'admin' not allowed for this client.")
    assert len(audit.reasons) == 3


def test_a_scope_outside_the_named_resource_is_invalid_scope(world: World):
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope="orders.read invoices.read",
                                                                    resource=INVOICES)))
    assert err.description == "Refused scope 'orders.read' not part of the requested resource."
    assert audit.reasons == ["'orders.read' not part of the requested resource"]


def test_the_quickstart_trap_names_the_scope_and_hints_the_fix():
    # GIVEN IdentityServer 4's broken quickstart, as a hand edit could leave the store:
    # the client is allowed 'api1' but 'api1' is only an ApiResource
    client = Client("client", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("api1",))
    world = make_world(clients=(client,), scopes=(), resources=(ApiResource("api1"),))
    # WHEN it asks for scope api1
    err, audit = world.refuse(InvalidScope, world.post(authorization=basic("client", SECRET),
                                                       grant_type="client_credentials", scope="api1"))
    # THEN the answer names api1 and the log says what to do
    assert err.description == "Refused scope 'api1' unknown: it is not a defined ApiScope."
    assert audit.requested_scopes == ["api1"]  # never null beside a scope of "api1"
    assert audit.hints == ["'api1' is the name of an ApiResource, not an ApiScope — define an ApiScope "
                           "'api1' and list it in that resource's scopes"]


def test_the_quickstart_trap_with_scope_omitted_still_hints_the_fix():
    client = Client("client", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("api1",))
    world = make_world(clients=(client,), scopes=(), resources=(ApiResource("api1"),))
    err, audit = world.refuse(InvalidScope, world.post(authorization=basic("client", SECRET),
                                                       grant_type="client_credentials"))
    assert "'api1' is the name of an ApiResource, not an ApiScope — define an ApiScope 'api1' and list it " \
           "in that resource's scopes" in audit.hints


def test_a_hint_names_a_resource_listing_an_undefined_scope():
    # GIVEN a resource that lists a scope deleted from the catalog
    client = Client("client", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("gone",))
    world = make_world(clients=(client,), scopes=(ApiScope("kept"),),
                       resources=(ApiResource("urn:r", scopes=("kept", "gone")),))
    _, audit = world.refuse(InvalidScope, world.post(grant_type="client_credentials", client_id="client",
                                                     client_secret=SECRET, scope="gone"))
    assert "ApiResource 'urn:r' lists 'gone', which is not a defined ApiScope" in audit.hints
    assert "'gone' is in the client's allowed_scopes but is not a defined ApiScope" in audit.hints


# --- resources -------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", ["urn:nope", RETIRED])
def test_an_unknown_or_disabled_resource_is_invalid_target(world: World, resource):
    err, audit = world.refuse(InvalidTarget, world.post(**app_params(scope="orders.read", resource=resource)))
    assert (err.error, err.status_code) == ("invalid_target", 400)
    assert err.description == f"Refused resource '{resource}' is not an enabled ApiResource."
    assert error_headers(err) == NO_STORE
    assert (audit.error, audit.reasons) == ("invalid_target", [f"'{resource}' is not an enabled ApiResource"])


def test_an_unknown_resource_with_scope_omitted_is_invalid_target(world: World):
    err, _ = world.refuse(InvalidTarget, world.post(**app_params(resource="urn:nope")))
    assert err.description == "Refused resource 'urn:nope' is not an enabled ApiResource."


def test_a_repeated_resource_collapses(world: World):
    body, audit = world.token(world.post(("resource", ORDERS), ("resource", ORDERS), **app_params(scope="orders.read")))
    assert audit.aud == ORDERS


def test_a_named_resource_holding_none_of_the_requested_scopes_is_invalid_target(world: World):
    # GIVEN scope orders.read with resources orders and invoices (app may use both)
    request = world.post(("resource", ORDERS), ("resource", INVOICES), **app_params(scope="orders.read"))
    # THEN invoices, granted nothing, is refused rather than put in aud
    err, audit = world.refuse(InvalidTarget, request)
    assert (err.error, err.status_code) == ("invalid_target", 400)
    assert err.description == f"Refused resource '{INVOICES}' holds none of the granted scopes (orders.read)."
    assert audit.reasons == [f"'{INVOICES}' holds none of the granted scopes (orders.read)"]
    assert audit.aud is None


def test_a_named_resource_holding_no_default_scope_is_invalid_target_with_scope_omitted():
    # GIVEN a client allowed only orders.read, naming orders and invoices without scope
    narrow = Client("narrow", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("orders.read",))
    world = make_world(clients=(narrow,))
    request = world.post(("resource", ORDERS), ("resource", INVOICES), grant_type="client_credentials",
                         client_id="narrow", client_secret=SECRET)
    err, _ = world.refuse(InvalidTarget, request)
    assert err.description == f"Refused resource '{INVOICES}' holds none of the granted scopes (orders.read)."


def test_every_named_resource_holding_a_granted_scope_is_the_audience(world: World):
    request = world.post(("resource", ORDERS), ("resource", INVOICES),
                         **app_params(scope="orders.read invoices.read"))
    _, audit = world.token(request)
    assert audit.aud == sorted([ORDERS, INVOICES])


RESOURCE_AS_SCOPE = (f"'{ORDERS}' is an ApiResource: send resource={ORDERS} and request its scopes "
                     "(orders.read, orders.write)")
DEFINE_SCOPE = (f"'{ORDERS}' is the name of an ApiResource, not an ApiScope — define an ApiScope '{ORDERS}' "
                "and list it in that resource's scopes")


def test_a_resource_name_sent_as_scope_hints_to_send_it_as_resource_with_its_scopes(world: World):
    # GIVEN the resource https://orders.example.com with scopes orders.read and orders.write
    # WHEN a client sends the audience as its scope
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope=ORDERS)))
    # THEN the answer names it, and the hint is RFC 8707's resource= with the resource's scopes
    assert err.description == f"Refused scope '{ORDERS}' unknown: it is not a defined ApiScope."
    assert audit.hints == [RESOURCE_AS_SCOPE]


def test_a_resource_name_the_client_is_allowed_as_a_scope_gets_both_hints():
    # GIVEN a client whose allowed_scopes name the resource itself (a config written for
    # IdentityServer 4's ApiResource-as-scope) besides its real scopes
    client = Client("app", secrets=(ClientSecret(SECRET_HASH),), allowed_scopes=("orders.read", ORDERS))
    world = make_world(clients=(client,))
    _, audit = world.refuse(InvalidScope, world.post(**app_params(scope=ORDERS)))
    # THEN both fixes are hinted, the resource= one first, narrowed to the client's scopes
    assert audit.hints == [f"'{ORDERS}' is an ApiResource: send resource={ORDERS} and request its scopes "
                           "(orders.read)", DEFINE_SCOPE]
