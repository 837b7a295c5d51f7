"""``tokenvend explain`` against the table: the verdict, per scope, the aud and the hints."""

from __future__ import annotations

import json

import pytest

from cli_support import invoke, lines

HINT = ("hint      'api1' is the name of an ApiResource, not an ApiScope — define an ApiScope 'api1' "
        "and list it in that resource's scopes")
SOURCE = "source    the table, read directly; in force on every warm function within 10 s (CacheTtlSeconds)"


def test_explain_on_the_broken_quickstart_says_api1_is_a_resource_not_a_scope(broken_quickstart):
    result = broken_quickstart("explain", "--client", "client", "--scope", "api1")

    assert (result.exit_code, result.stderr) == (1, "")
    assert lines(result.stdout) == [
        "client    client: found, enabled, 1 unexpired secret, allowed client_credentials",
        'request   scope "api1", no resource',
        "scope     api1: refused — unknown: it is not a defined ApiScope",
        "result    invalid_scope: Refused scope 'api1' unknown: it is not a defined ApiScope.",
        HINT,
        SOURCE,
    ]


def test_explain_on_the_broken_quickstart_without_scope(broken_quickstart):
    result = broken_quickstart("explain", "--client", "client", "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "client_id": "client",
        "request": {"scope": None, "resources": []},
        "client": {"found": True, "enabled": True, "unexpired_secrets": 1, "jwks": False,
                   "allowed_client_credentials": True},
        "scopes": [],
        "granted": None,
        "aud": None,
        "error": {"error": "invalid_scope",
                  "error_description": "No scope requested and the client has no allowed, enabled ApiScope.",
                  "reasons": ["the client has no allowed, enabled ApiScope"]},
        "hints": [HINT.removeprefix("hint      ")],
        "source": "table",
        "in_force_within_seconds": 10.0,
    }


def test_explain_a_granted_request_shows_the_scopes_and_aud(quickstart_applied):
    result = quickstart_applied("explain", "--client", "client", "--scope", "api1 api1")

    assert (result.exit_code, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "client    client: found, enabled, 1 unexpired secret, allowed client_credentials",
        'request   scope "api1 api1", no resource',
        "scope     api1: granted",
        'aud       "api1"',
        "result    a token would be issued (expires_in 3600)",
        SOURCE,
    ]


def test_explain_the_default_scope_and_the_issuer_audience(quickstart_applied):
    quickstart_applied("scope", "add", "loose")
    quickstart_applied("client", "add", "c2", "--scope", "loose", "--no-secret")
    quickstart_applied("client", "secret", "add", "c2")

    result = quickstart_applied("explain", "--client", "c2", "--issuer", "https://tokens.example.com", "--json")

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["granted"], data["aud"], data["error"]) == (["loose"], "https://tokens.example.com/resources", None)


def test_explain_a_resource_that_is_not_there_is_invalid_target(quickstart_applied):
    result = quickstart_applied("explain", "--client", "client", "--scope", "api1", "--resource", "urn:nope")

    assert result.exit_code == 1
    assert lines(result.stdout)[2:] == [
        "scope     api1: acceptable — but the request is refused",
        "result    invalid_target: Refused resource 'urn:nope' is not an enabled ApiResource.",
        SOURCE,
    ]


@pytest.mark.parametrize("setup, expected", [
    ([], ["client    ghost: not found",
          'request   scope "api1", no resource',
          "result    invalid_client: Client authentication failed.",
          "why       unknown client"]),
    ([("client", "add", "ghost", "--scope", "api1"), ("client", "disable", "ghost")],
     ["client    ghost: found, disabled, 1 unexpired secret, allowed client_credentials",
      'request   scope "api1", no resource',
      "result    invalid_client: Client authentication failed.",
      "why       client disabled"]),
    ([("client", "add", "ghost", "--scope", "api1", "--no-secret")],
     ["client    ghost: found, enabled, 0 unexpired secrets, allowed client_credentials",
      'request   scope "api1", no resource',
      "result    invalid_client: Client authentication failed.",
      "why       it has no secret and no jwks"]),
])
def test_explain_client_failures_say_why_the_endpoint_would_not(quickstart_applied, setup, expected):
    for args in setup:
        quickstart_applied(*args)

    result = quickstart_applied("explain", "--client", "ghost", "--scope", "api1")

    assert (result.exit_code, lines(result.stdout)) == (1, [*expected, SOURCE])


def test_explain_an_over_long_scope_is_invalid_request_as_at_the_endpoint(quickstart_applied):
    result = quickstart_applied("explain", "--client", "client", "--scope", "a" * 301)

    assert lines(result.stdout)[-2] == "result    invalid_request: The 'scope' parameter is longer than 300 characters."


@pytest.mark.usefixtures("aws")
def test_explain_on_a_missing_table_is_exit_2():
    result = invoke("explain", "--client", "client", "--table", "no-such-table")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: AWS GetItem: ResourceNotFoundException: Requested resource not found\n"


ORDERS_CONFIG = """\
development: true
api_scopes: [{name: orders.read}, {name: orders.write}]
api_resources: [{name: "https://orders.example.com", scopes: [orders.read, orders.write]}]
clients:
  - {client_id: billing, secrets: [{value: secret}], allowed_grant_types: [client_credentials],
     allowed_scopes: [orders.read]}
"""


def test_explain_hints_that_a_resource_sent_as_scope_is_sent_as_resource(tokenvend, tmp_path):
    config = tmp_path / "orders.yaml"
    config.write_text(ORDERS_CONFIG)
    assert tokenvend("apply", str(config), "--allow-development").exit_code == 0

    result = tokenvend("explain", "--client", "billing", "--scope", "https://orders.example.com")

    assert (result.exit_code, result.stderr) == (1, "")
    assert [line for line in lines(result.stdout) if line.startswith("hint")] == [
        "hint      'https://orders.example.com' is an ApiResource: send resource=https://orders.example.com and "
        "request its scopes (orders.read)"]
