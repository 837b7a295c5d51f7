"""An api resource's secrets (IdentityServer's ApiSecrets, for introspection): added and
revoked one at a time like a client's, shown once, carried by apply and export."""

from __future__ import annotations

import json

import yaml

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb import DynamoDBStore

from cli_support import lines
from support import EXAMPLES

STORE_IT = "Store it now: it is shown only this once (the table keeps only its hash)."
IN_FORCE = "in force on every warm function within 10 s (CacheTtlSeconds)"
INTROSPECTION = str(EXAMPLES / "introspection.yaml")


def resource(stack, name):
    return DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_catalog().api_resources[name]


def test_resource_secret_add_shows_it_once_and_revoke_removes_it(quickstart_applied, stack):
    added = quickstart_applied("resource", "secret", "add", "api1", "--description", "orders api", "--expires",
                               "2030-06-01")
    first, secret_line, store_it, in_force = lines(added.stdout)
    secret = secret_line.removeprefix("secret: ")
    assert (added.exit_code, first, store_it, in_force, len(secret)) == (
        0, "added secrets[0] to api resource 'api1' (expires 2030-06-01T00:00:00+00:00)", STORE_IT, IN_FORCE, 43)
    (stored,) = resource(stack, "api1").secrets
    assert client_secrets.verify_secret(secret, stored.hash) and stored.description == "orders api"

    shown = quickstart_applied("resource", "show", "api1")
    assert secret not in shown.stdout and stored.hash not in shown.stdout
    assert yaml.safe_load(shown.stdout)["secrets"] == [
        {"index": 0, "description": "orders api", "expiration": "2030-06-01T00:00:00+00:00", "expired": False}]
    hashes = json.loads(quickstart_applied("resource", "show", "api1", "--json", "--show-hashes").stdout)
    assert hashes["secrets"][0]["hash"] == stored.hash

    revoked = quickstart_applied("resource", "secret", "revoke", "api1", "orders api")
    assert (revoked.exit_code, revoked.stdout) == (0, f"revoked secrets[0] of api resource 'api1'; {IN_FORCE}\n")
    assert revoked.stderr == "Warning: api resource 'api1' has no unexpired secret left: it cannot introspect tokens\n"
    assert resource(stack, "api1").secrets == ()


def test_resource_secret_errors(quickstart_applied):
    unknown = quickstart_applied("resource", "secret", "add", "nope")
    past = quickstart_applied("resource", "secret", "add", "api1", "--expires", "2020-01-01")
    no_match = quickstart_applied("resource", "secret", "revoke", "api1", "0")
    assert (unknown.exit_code, unknown.stderr) == (1, "Error: no api resource 'nope' in table tokenvend-local-Table\n")
    assert (past.exit_code, past.stderr) == (1, "Error: --expires 2020-01-01: that is in the past\n")
    assert no_match.stderr == "Error: '0' matches no secret of api resource 'api1'; its secrets: none\n"


def test_apply_hashes_resource_secrets_keeps_them_on_a_second_apply_and_export_restores_them(tokenvend, stack,
                                                                                             tmp_path):
    first = tokenvend("apply", INTROSPECTION, "--allow-development")
    assert first.exit_code == 0, first.stderr
    (stored,) = resource(stack, "api1").secrets
    assert client_secrets.verify_secret("api1-secret", stored.hash)
    assert lines(tokenvend("apply", INTROSPECTION, "--allow-development").stdout)[-1] == "no changes"
    assert resource(stack, "api1").secrets == (stored,)

    exported = tokenvend("export", "--output", str(tmp_path / "backup.yaml"))
    data = yaml.safe_load((tmp_path / "backup.yaml").read_text())
    assert exported.exit_code == 0
    assert data["api_resources"][0] == {"name": "api1", "scopes": ["api1"], "secrets": [{"hash": stored.hash}]}
    assert lines(tokenvend("apply", str(tmp_path / "backup.yaml"), "--allow-development").stdout)[-1] == "no changes"


def test_a_changed_resource_secret_is_added_and_the_old_one_kept_until_prune(tokenvend, stack, tmp_path):
    # the rule of apply for every record's secrets: what the file does not name is kept
    tokenvend("apply", INTROSPECTION, "--allow-development")
    text = (EXAMPLES / "introspection.yaml").read_text().replace("value: api1-secret", "value: api1-rotated")
    (tmp_path / "rotated.yaml").write_text(text)
    kept = tokenvend("apply", str(tmp_path / "rotated.yaml"), "--allow-development")
    assert "changed  api_resource  api1: secrets (+1 -0: adds secrets[1])" in lines(kept.stdout)
    old, new = resource(stack, "api1").secrets
    assert client_secrets.verify_secret("api1-secret", old.hash)
    assert client_secrets.verify_secret("api1-rotated", new.hash)
    pruned = tokenvend("apply", str(tmp_path / "rotated.yaml"), "--allow-development", "--prune")
    assert "changed  api_resource  api1: secrets (+0 -1: removes secrets[0])" in lines(pruned.stdout)
    assert resource(stack, "api1").secrets == (new,)
