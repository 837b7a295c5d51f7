"""``tokenvend export``: the table as a config file that ``apply`` accepts unchanged."""

from __future__ import annotations

import json

import yaml

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb import DynamoDBStore
from tokenvend.config import load_config

from cli_support import lines

TARGET = "table tokenvend-local-Table in us-east-1 (TOKENVEND_TABLE)"


def stored_hash(stack, client_id="client") -> str:
    item = stack.dynamodb.get_item(TableName=stack.table, Key={"pk": {"S": f"CLIENT#{client_id}"},
                                                                "sk": {"S": "CLIENT"}})["Item"]
    return item["secrets"]["L"][0]["M"]["hash"]["S"]


def test_export_writes_the_table_as_yaml_with_secrets_as_their_hashes(quickstart_applied, stack):
    result = quickstart_applied("export")

    assert (result.exit_code, result.stderr) == (0, "")
    assert lines(result.stdout)[0].startswith(f"# tokenvend config exported from {TARGET} at ")
    assert yaml.safe_load(result.stdout) == {
        "api_scopes": [{"name": "api1", "display_name": "My API"}],
        "api_resources": [{"name": "api1", "scopes": ["api1"]}],
        "clients": [{"client_id": "client", "secrets": [{"hash": stored_hash(stack)}],
                     "allowed_grant_types": ["client_credentials"], "allowed_scopes": ["api1"]}],
    }
    assert "secret\n" not in result.stdout


def test_export_then_apply_reports_no_change(quickstart_applied, tmp_path):
    # GIVEN a table with every kind of field set, applied from a file
    quickstart_applied("client", "add", "billing", "--scope", "api1", "--claim", "tenant=acme", "--lifetime", "900",
                       "--secret-description", "billing 2025", "--secret-expires", "2030-01-01")
    quickstart_applied("scope", "add", "hidden", "--hidden", "--disabled", "--description", "not listed")
    quickstart_applied("resource", "add", "urn:r", "--scope", "hidden", "--require-resource-indicator")
    output = tmp_path / "exported.yaml"

    # WHEN it is exported and the export applied
    exported = quickstart_applied("export", "--output", str(output))
    applied = quickstart_applied("apply", str(output))

    # THEN nothing changes
    assert (exported.exit_code, exported.stdout) == (0, "")
    assert exported.stderr == f"wrote 2 api scopes, 2 api resources and 2 clients to {output}\n"
    assert (applied.exit_code, lines(applied.stdout)[1:]) == (0, ["no changes"])
    assert load_config(output).development is False


def test_export_as_json_round_trips_too(quickstart_applied, tmp_path):
    output = tmp_path / "exported.json"

    quickstart_applied("export", "--output", str(output))
    applied = quickstart_applied("apply", str(output), "--json")

    assert json.loads(output.read_text())["api_scopes"] == [{"name": "api1", "display_name": "My API"}]
    assert json.loads(applied.stdout)["summary"] == {"added": 0, "changed": 0, "removed": 0}


def test_export_warns_when_the_table_holds_what_apply_would_refuse(broken_quickstart):
    result = broken_quickstart("export", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["clients"][0]["allowed_scopes"] == ["api1"]
    assert lines(result.stderr) == [
        "Warning: the table holds a config that `tokenvend apply` would refuse (1 problem):",
        "  clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api scope 'api1' "
        "and list it in the resource's scopes",
    ]


def test_every_stored_secret_form_round_trips_through_apply_and_export(tokenvend, stack, tmp_path):
    # GIVEN a client holding each stored form tokenvend verifies
    forms = {
        "hmac": client_secrets.hash_secret("hmac-form-secret"),
        "pbkdf2": client_secrets.pbkdf2_hash("pbkdf2-form-secret"),
        "sha256:": "sha256:" + client_secrets.identityserver_sha256("prefixed-form-secret"),
        "bare sha256": client_secrets.identityserver_sha256("bare-form-secret"),
    }
    config = tmp_path / "forms.json"
    config.write_text(json.dumps({
        "api_scopes": [{"name": "api1"}], "api_resources": [{"name": "api1", "scopes": ["api1"]}],
        "clients": [{"client_id": "forms", "allowed_scopes": ["api1"],
                     "secrets": [{"hash": h, "description": name} for name, h in forms.items()]}]}))
    # WHEN it is applied, exported, and the export applied again
    assert tokenvend("apply", str(config)).exit_code == 0
    exported = tmp_path / "exported.yaml"
    assert tokenvend("export", "--output", str(exported)).exit_code == 0
    again = tokenvend("apply", str(exported))
    # THEN every form comes back byte for byte, nothing changes, and each still verifies
    [client] = yaml.safe_load(exported.read_text())["clients"]
    assert [s["hash"] for s in client["secrets"]] == list(forms.values())
    assert (again.exit_code, lines(again.stdout)[1:]) == (0, ["no changes"])
    stored = DynamoDBStore(stack.table, stack.dynamodb).get_client("forms")
    for (name, _), secret, plain in zip(forms.items(), stored.secrets, [
            "hmac-form-secret", "pbkdf2-form-secret", "prefixed-form-secret", "bare-form-secret"]):
        assert client_secrets.verify_secret(plain, secret.hash), name
