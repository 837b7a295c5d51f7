"""Every error_description holds only RFC 6749 §5.2's characters (%x20-21 / %x23-5B /
%x5D-7E): input echoed into it is percent-encoded there, and kept in full in the audit."""

from __future__ import annotations

import re

import pytest

from tokenvend.errors import InvalidRequest, InvalidScope, InvalidTarget, UnsupportedGrantType, echo

from .world import ORDERS, World, app_params

HOSTILE = '"\\\r\n\x1b[2J\u202e'
ENCODED = "%22%5C%0D%0A%1B[2J%E2%80%AE"
SECTION_5_2 = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


def test_echo_percent_encodes_what_section_5_2_forbids_and_percent_itself():
    assert echo(HOSTILE) == ENCODED
    assert echo("100%") == "100%25"
    assert echo("orders.read") == "orders.read"


def test_a_description_is_always_within_the_charset_even_unescaped():
    assert InvalidRequest('bad "value" \\ here\n').description == "bad %22value%22 %5C here%0A"


def test_a_hostile_grant_type_is_echoed_encoded_and_audited_raw(world: World):
    # reachable without credentials
    err, audit = world.refuse(UnsupportedGrantType, world.post(grant_type=HOSTILE))
    assert err.description == f"The grant type '{ENCODED}' is not supported; use client_credentials."
    assert SECTION_5_2.fullmatch(err.description)
    assert audit.grant_type == HOSTILE


def test_a_hostile_scope_is_echoed_encoded(world: World):
    err, audit = world.refuse(InvalidScope, world.post(**app_params(scope=HOSTILE)))
    assert err.description == f"Refused scope '{ENCODED}' unknown: it is not a defined ApiScope."
    assert audit.requested_scopes == [HOSTILE.replace(" ", "")]


@pytest.mark.parametrize("resource", [HOSTILE, "urn:x\u0000y"])
def test_a_hostile_resource_is_echoed_encoded(world: World, resource):
    err, audit = world.refuse(InvalidTarget, world.post(("resource", resource), **app_params(scope="orders.read")))
    assert err.description == f"Refused resource '{echo(resource)}' is not an enabled ApiResource."
    assert SECTION_5_2.fullmatch(err.description)
    assert audit.requested_resources == [resource]


def test_a_named_resource_description_escapes_the_granted_scopes_too(world: World):
    err, _ = world.refuse(InvalidTarget, world.post(("resource", ORDERS), ("resource", "https://invoices.example.com"),
                                                    **app_params(scope="orders.read")))
    assert SECTION_5_2.fullmatch(err.description)
