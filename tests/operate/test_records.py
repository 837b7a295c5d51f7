"""``tokenvend client|scope|resource ...`` and ``client secret add|revoke``: one record at
a time, checked by the loader's rules; a generated secret is shown once, a hash never
unless asked."""

from __future__ import annotations

import json

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb import DynamoDBStore

from cli_support import lines

STORE_IT = "Store it now: it is shown only this once (the table keeps only its hash)."
IN_FORCE = "in force on every warm function within 10 s (CacheTtlSeconds)"


def client(stack, client_id):
    return DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_client(client_id)


def test_client_add_shows_the_generated_secret_once_and_stores_only_its_hash(quickstart_applied, stack):
    # WHEN a client is added
    added = quickstart_applied("client", "add", "billing", "--scope", "api1", "--name", "Billing")

    # THEN its secret is printed once: 256 bits, 43 URL-safe characters
    assert (added.exit_code, added.stderr) == (0, "")
    first, secret_line, store_it, in_force = lines(added.stdout)
    secret = secret_line.removeprefix("client_secret: ")
    assert (first, store_it, len(secret)) == ("added client 'billing' with secrets[0]", STORE_IT, 43)
    assert in_force == IN_FORCE
    stored = client(stack, "billing")
    assert client_secrets.verify_secret(secret, stored.secrets[0].hash)
    assert (stored.client_name, stored.allowed_scopes, stored.allowed_grant_types) == \
        ("Billing", ("api1",), ("client_credentials",))

    # AND no later command prints the secret or its hash, unless asked for the hash
    for args in (["client", "show", "billing"], ["client", "show", "billing", "--json"],
                 ["client", "list"], ["client", "list", "--json"], ["explain", "--client", "billing"]):
        result = quickstart_applied(*args)
        assert secret not in result.stdout + result.stderr, args
        assert stored.secrets[0].hash not in result.stdout + result.stderr, args
    shown = quickstart_applied("client", "show", "billing", "--show-hashes", "--json")
    assert json.loads(shown.stdout)["secrets"] == [{"index": 0, "hash": stored.secrets[0].hash, "expired": False}]
    assert secret not in shown.stdout


def test_client_show_and_list(quickstart_applied):
    quickstart_applied("client", "add", "billing", "--scope", "api1", "--claim", "tenant=acme", "--lifetime", "900",
                       "--secret-description", "billing 2025", "--secret-expires", "2030-01-01")

    shown = quickstart_applied("client", "show", "billing")
    listed = quickstart_applied("client", "list")

    assert lines(shown.stdout) == [
        "client_id: billing",
        "secrets:",
        "- index: 0",
        "  description: billing 2025",
        "  expiration: '2030-01-01T00:00:00+00:00'",
        "  expired: false",
        "allowed_grant_types: [client_credentials]",
        "allowed_scopes: [api1]",
        "access_token_lifetime: 900",
        "claims:",
        "  tenant: acme",
    ]
    assert lines(listed.stdout) == [
        "CLIENT_ID  ENABLED  SECRETS  GRANT_TYPES         ALLOWED_SCOPES",
        "billing    yes      1        client_credentials  api1",
        "client     yes      1        client_credentials  api1",
    ]


def test_client_add_is_checked_by_the_loaders_rules(quickstart_applied, stack):
    result = quickstart_applied("client", "add", "billing", "--scope", "nope", "--claim", "iss=x", "--lifetime", "0")

    assert (result.exit_code, result.stdout) == (1, "")
    assert lines(result.stderr) == [
        "Error: invalid client:",
        "  allowed_scopes[0]: 'nope' is not a defined api scope",
        "  access_token_lifetime: must be a whole number of seconds from 1 to 86400",
        "  claims.iss: 'iss' is a reserved JWT claim name",
    ]
    assert client(stack, "billing") is None


def test_client_add_refuses_an_existing_client(quickstart_applied):
    result = quickstart_applied("client", "add", "client")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: client 'client' already exists in table tokenvend-local-Table\n"


def test_client_secret_add_then_revoke_by_description_and_by_index(quickstart_applied, stack):
    added = quickstart_applied("client", "secret", "add", "client", "--expires", "2030-06-01",
                               "--description", "rollover", "--json")
    data = json.loads(added.stdout)
    assert {k: v for k, v in data.items() if k != "client_secret"} == {
        "client_id": "client", "index": 1, "description": "rollover", "expiration": "2030-06-01T00:00:00+00:00",
        "in_force_within_seconds": 10.0}
    stored = client(stack, "client").secrets
    assert client_secrets.verify_secret(data["client_secret"], stored[1].hash)
    assert client_secrets.verify_secret("secret", stored[0].hash)

    old = quickstart_applied("client", "secret", "revoke", "client", "0")
    assert (old.exit_code, old.stdout, old.stderr) == (0, "revoked secrets[0] of client 'client'; " + IN_FORCE + "\n", "")
    assert [s.description for s in client(stack, "client").secrets] == ["rollover"]

    new = quickstart_applied("client", "secret", "revoke", "client", "rollover")
    assert new.stdout == "revoked secrets[0] of client 'client'; " + IN_FORCE + "\n"
    assert new.stderr == ("Warning: client 'client' has no unexpired secret left and no jwks: "
                          "it cannot get a token\n")
    assert client(stack, "client").secrets == ()


def test_client_secret_errors(quickstart_applied):
    past = quickstart_applied("client", "secret", "add", "client", "--expires", "2020-01-01")
    bad = quickstart_applied("client", "secret", "add", "client", "--expires", "soon")
    unknown = quickstart_applied("client", "secret", "add", "ghost")
    no_match = quickstart_applied("client", "secret", "revoke", "client", "7")

    assert [r.exit_code for r in (past, bad, unknown, no_match)] == [1, 1, 1, 1]
    assert past.stderr == "Error: --expires 2020-01-01: that is in the past\n"
    assert lines(bad.stderr) == ["Error: invalid client:",
                                 "  secrets[0].expiration: 'soon' is not an ISO 8601 date or date-time"]
    assert unknown.stderr == "Error: no client 'ghost' in table tokenvend-local-Table\n"
    assert no_match.stderr == "Error: '7' matches no secret of client 'client'; its secrets: 0 (no description)\n"


def test_enable_disable_remove(quickstart_applied, stack):
    assert quickstart_applied("client", "disable", "client").stdout == "disabled client 'client'; " + IN_FORCE + "\n"
    assert client(stack, "client").enabled is False
    assert quickstart_applied("client", "enable", "client").stdout == "enabled client 'client'; " + IN_FORCE + "\n"
    assert client(stack, "client").enabled is True
    assert quickstart_applied("client", "remove", "client").stdout == "removed client 'client'; " + IN_FORCE + "\n"
    assert client(stack, "client") is None
    again = quickstart_applied("client", "remove", "client")
    assert (again.exit_code, again.stderr) == (1, "Error: no client 'client' in table tokenvend-local-Table\n")


def test_scope_commands(quickstart_applied):
    added = quickstart_applied("scope", "add", "orders.read", "--display-name", "Read orders", "--hidden")
    invalid = quickstart_applied("scope", "add", "orders read")
    disabled = quickstart_applied("scope", "disable", "api1")

    assert added.stdout == "added api scope 'orders.read'; " + IN_FORCE + "\n"
    assert (invalid.exit_code, lines(invalid.stderr)) == (1, [
        "Error: invalid api scope:",
        "  name: 'orders read' is not an RFC 6749 scope-token (no spaces, quotes or backslashes)"])
    assert disabled.stdout == "disabled api scope 'api1'; " + IN_FORCE + "\n"
    assert lines(quickstart_applied("scope", "list").stdout) == [
        "NAME         ENABLED  IN_DISCOVERY  DISPLAY_NAME",
        "api1         no       yes           My API",
        "orders.read  yes      no            Read orders",
    ]
    assert json.loads(quickstart_applied("scope", "show", "orders.read", "--json").stdout) == {
        "name": "orders.read", "display_name": "Read orders", "show_in_discovery_document": False}


def test_a_scope_still_named_is_removed_only_with_force(quickstart_applied, stack):
    refused = quickstart_applied("scope", "remove", "api1")
    forced = quickstart_applied("scope", "remove", "api1", "--force")

    assert (refused.exit_code, refused.stderr) == (1, (
        "Error: api scope 'api1' is still named (allowed for client 'client', listed by api resource 'api1'); "
        "remove those references first (edit the config and apply it) or pass --force\n"))
    assert (forced.exit_code, forced.stdout) == (0, "removed api scope 'api1'; " + IN_FORCE + "\n")
    assert forced.stderr == ("Warning: api scope 'api1' is still named (allowed for client 'client', listed by "
                             "api resource 'api1'); `tokenvend explain --client ID` shows what a client gets now\n")


def test_resource_commands(quickstart_applied):
    added = quickstart_applied("resource", "add", "https://orders.example.com", "--scope", "api1",
                               "--require-resource-indicator")
    undefined = quickstart_applied("resource", "add", "urn:x", "--scope", "nope")
    empty = quickstart_applied("resource", "add", "urn:empty")

    assert added.stdout == "added api resource 'https://orders.example.com'; " + IN_FORCE + "\n"
    assert (undefined.exit_code, lines(undefined.stderr)) == (1, [
        "Error: invalid api resource:", "  scopes[0]: 'nope' is not a defined api scope"])
    assert empty.stderr == ("Warning: api resource 'urn:empty' holds no api scope, so no token is issued for it; "
                            "a client asks for scopes, not resources (add an api scope and list it with --scope)\n")
    assert lines(quickstart_applied("resource", "list").stdout) == [
        "NAME                        ENABLED  REQUIRE_INDICATOR  SCOPES",
        "api1                        yes      no                 api1",
        "https://orders.example.com  yes      yes                api1",
        "urn:empty                   yes      no",
    ]
    assert quickstart_applied("resource", "remove", "urn:empty").stdout == "removed api resource 'urn:empty'; " + IN_FORCE + "\n"


def test_a_sixth_secret_is_refused(quickstart_applied, stack):
    # every verification compares with five stored hashes, so a client holds at most five
    added = [quickstart_applied("client", "secret", "add", "client") for _ in range(4)]
    sixth = quickstart_applied("client", "secret", "add", "client")
    assert [r.exit_code for r in added] == [0, 0, 0, 0]
    assert (sixth.exit_code, sixth.stdout) == (1, "")
    assert sixth.stderr == ("Error: client 'client' holds 5 secrets, the most a client may hold; "
                            "revoke one (tokenvend client secret revoke) first\n")
    assert len(client(stack, "client").secrets) == 5
