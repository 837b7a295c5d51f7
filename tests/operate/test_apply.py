"""``tokenvend apply``: validate, diff, write; idempotent; exit codes 0, 1 and 2."""

from __future__ import annotations

import json
import textwrap

import pytest
from botocore.exceptions import ClientError

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb import DynamoDBStore

from cli_support import QUICKSTART, lines

TARGET = "table tokenvend-local-Table in us-east-1 (TOKENVEND_TABLE)"
STRONG = "s3cr3t-that-is-long-enough-for-production-use"


def write(tmp_path, text: str, name="config.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def production_config(tmp_path, **changes):
    client = {"client_id": "billing", "secrets": [{"value": STRONG, "description": "billing 2025"}],
              "allowed_scopes": ["orders.read"], **changes}
    data = {"api_scopes": [{"name": "orders.read"}, {"name": "orders.write"}],
            "api_resources": [{"name": "https://orders.example.com", "scopes": ["orders.read", "orders.write"]}],
            "clients": [client]}
    return write(tmp_path, json.dumps(data), "prod.json")


def test_apply_adds_the_quickstart_and_a_second_apply_changes_nothing(tokenvend, stack):
    # GIVEN an empty table
    # WHEN the quickstart is applied twice
    first = tokenvend("apply", QUICKSTART, "--allow-development")
    second = tokenvend("apply", QUICKSTART, "--allow-development")

    # THEN the first adds all three records, the second finds nothing to do
    assert (first.exit_code, first.stderr) == (0, "")
    assert lines(first.stdout) == [
        f"apply {QUICKSTART} to {TARGET}",
        "added    api_scope     api1",
        "added    api_resource  api1",
        "added    client        client",
        "applied: 3 added, 0 changed, 0 removed; in force on every warm function within 10 s (CacheTtlSeconds)",
    ]
    assert (second.exit_code, second.stderr) == (0, "")
    assert lines(second.stdout) == [f"apply {QUICKSTART} to {TARGET}", "no changes"]
    # and the plaintext secret was stored as a hash that verifies it
    client = DynamoDBStore(stack.table, stack.dynamodb).get_client("client")
    assert client_secrets.verify_secret("secret", client.secrets[0].hash)
    assert client.secrets[0].hash.startswith("hmac-sha256$")


def test_apply_keeps_the_stored_hash_of_an_unchanged_plaintext_secret(tokenvend, stack, tmp_path):
    config = production_config(tmp_path)
    tokenvend("apply", config)
    stored = DynamoDBStore(stack.table, stack.dynamodb).get_client("billing").secrets[0].hash

    result = tokenvend("apply", config)

    assert lines(result.stdout)[-1] == "no changes"
    assert DynamoDBStore(stack.table, stack.dynamodb).get_client("billing").secrets[0].hash == stored


def test_dry_run_prints_the_changes_and_writes_nothing(tokenvend, stack):
    result = tokenvend("apply", QUICKSTART, "--allow-development", "--dry-run")

    assert result.exit_code == 0
    assert lines(result.stdout)[1:] == [
        "added    api_scope     api1",
        "added    api_resource  api1",
        "added    client        client",
        "dry run: 3 added, 0 changed, 0 removed (nothing written)",
    ]
    assert stack.dynamodb.scan(TableName=stack.table)["Count"] == 0


def test_changed_records_name_their_fields_and_extra_records_are_kept_without_prune(quickstart_applied, tmp_path):
    config = write(tmp_path, """\
        development: true
        api_scopes:
          - name: api1
            display_name: My API v2
        api_resources: []
        clients:
          - client_id: client
            secrets:
              - value: secret
              - value: another-secret
            allowed_scopes: [api1]
            access_token_lifetime: 600
        """)

    result = quickstart_applied("apply", config, "--allow-development")

    assert result.exit_code == 0
    assert lines(result.stdout)[1:] == [
        "changed  api_scope     api1: display_name",
        "         api_resource  api1: not in file (kept; --prune removes)",
        "changed  client        client: secrets (+1 -0: adds secrets[1]), access_token_lifetime",
        "applied: 0 added, 2 changed, 0 removed; in force on every warm function within 10 s (CacheTtlSeconds)",
    ]
    assert lines(quickstart_applied("apply", config, "--allow-development").stdout)[1:] == [
        "         api_resource  api1: not in file (kept; --prune removes)",
        "no changes",
    ]


def test_prune_removes_what_the_file_does_not_have(quickstart_applied, stack, tmp_path):
    config = write(tmp_path, """\
        development: true
        api_scopes: [{name: api1}]
        """)

    result = quickstart_applied("apply", config, "--prune", "--json", "--allow-development")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "config": config, "target": TARGET, "dry_run": False,
        "changes": [
            {"action": "changed", "kind": "api_scope", "name": "api1", "fields": ["display_name"], "kept": []},
            {"action": "removed", "kind": "api_resource", "name": "api1", "fields": [], "kept": []},
            {"action": "removed", "kind": "client", "name": "client", "fields": [], "kept": []},
        ],
        "summary": {"added": 0, "changed": 1, "removed": 2},
        "in_force_within_seconds": 10.0,
    }
    assert [i["sk"]["S"] for i in stack.dynamodb.scan(TableName=stack.table)["Items"]] == ["SCOPE#api1"]


def test_a_secret_added_by_the_cli_survives_an_apply_of_a_file_that_does_not_name_it(quickstart_applied, stack):
    # GIVEN the quickstart applied, and a second secret handed to a caller with the CLI
    added = json.loads(quickstart_applied("client", "secret", "add", "client", "--description", "ci",
                                          "--json").stdout)

    # WHEN the quickstart file (which names only the first secret) is applied, twice
    first = quickstart_applied("apply", QUICKSTART, "--allow-development")
    second = quickstart_applied("apply", QUICKSTART, "--allow-development")

    # THEN the CLI's secret is kept and listed as kept by index and description, and still verifies
    kept = "         client        client: secrets[1] 'ci' not in file (kept; --prune removes)"
    assert lines(first.stdout)[1:] == [kept, "no changes"]
    assert lines(second.stdout)[1:] == [kept, "no changes"]
    stored = DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_client("client").secrets
    assert [s.description for s in stored] == ["", "ci"]
    assert client_secrets.verify_secret(added["client_secret"], stored[1].hash)
    assert client_secrets.verify_secret("secret", stored[0].hash)


def test_only_prune_removes_a_secret_the_file_does_not_name_and_the_diff_names_it(quickstart_applied, stack):
    quickstart_applied("client", "secret", "add", "client", "--description", "ci")

    result = quickstart_applied("apply", QUICKSTART, "--allow-development", "--prune", "--json")

    (change,) = json.loads(result.stdout)["changes"]
    assert change == {"action": "changed", "kind": "client", "name": "client",
                      "fields": ["secrets (+0 -1: removes secrets[1] 'ci')"], "kept": []}
    stored = DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_client("client").secrets
    assert [s.description for s in stored] == [""]


def test_a_file_secret_keeps_its_index_and_a_new_one_goes_after_the_kept_ones(quickstart_applied, stack, tmp_path):
    # GIVEN secrets[1] 'ci' added by the CLI
    quickstart_applied("client", "secret", "add", "client", "--description", "ci")
    # WHEN the file renames secrets[0] and adds a third
    config = write(tmp_path, """\
        development: true
        api_scopes: [{name: api1, display_name: My API}]
        api_resources: [{name: api1, scopes: [api1]}]
        clients:
          - client_id: client
            secrets:
              - {value: another-secret, description: new}
              - {value: secret, description: first}
            allowed_scopes: [api1]
        """)

    result = quickstart_applied("apply", config, "--allow-development")

    # THEN the diff names each secret, the indices of stored secrets do not move
    assert lines(result.stdout)[1:3] == [
        "changed  client        client: secrets (+1 -0: adds secrets[2] 'new'; updates secrets[0] 'first')",
        "         client        client: secrets[1] 'ci' not in file (kept; --prune removes)",
    ]
    stored = DynamoDBStore(stack.table, stack.dynamodb, ttl=0).get_client("client").secrets
    assert [s.description for s in stored] == ["first", "ci", "new"]
    assert lines(quickstart_applied("apply", config, "--allow-development").stdout)[-1] == "no changes"


def test_the_other_nested_lists_are_the_files_and_the_diff_names_each_element(quickstart_applied, stack, tmp_path):
    # GIVEN the quickstart; WHEN a file changes a resource's scopes and a client's lists
    config = write(tmp_path, """\
        development: true
        api_scopes: [{name: api1, display_name: My API}, {name: api2}]
        api_resources: [{name: api1, scopes: [api2]}]
        clients:
          - client_id: client
            secrets: [{value: secret}]
            allowed_scopes: [api2]
            claims: {tier: gold}
        """)

    result = quickstart_applied("apply", config, "--allow-development")

    # THEN the file's lists replace the stored ones, each element named; a second apply changes nothing
    assert lines(result.stdout)[1:4] == [
        "added    api_scope     api2",
        "changed  api_resource  api1: scopes (+api2 -api1)",
        "changed  client        client: allowed_scopes (+api2 -api1), claims (+tier)",
    ]
    stored = DynamoDBStore(stack.table, stack.dynamodb, ttl=0)
    assert (stored.get_client("client").allowed_scopes, stored.get_catalog().api_resources["api1"].scopes) == \
        (("api2",), ("api2",))
    assert lines(quickstart_applied("apply", config, "--allow-development").stdout)[-1] == "no changes"


def test_an_invalid_config_lists_every_problem_with_its_path_and_exits_1(tokenvend, stack, tmp_path):
    config = write(tmp_path, """\
        api_scopes:
          - name: "orders read"
        api_resources:
          - name: orders
            scopes: [orders.read]
        clients:
          - client_id: billing
            secrets: [{value: short}]
            allowed_scopes: [orders]
        """)

    result = tokenvend("apply", config)

    assert (result.exit_code, result.stdout) == (1, "")
    assert lines(result.stderr) == [
        f"Error: {config} is not a valid tokenvend config (4 problems):",
        "  api_scopes[0].name: 'orders read' is not an RFC 6749 scope-token (no spaces, quotes or backslashes)",
        "  api_resources[0].scopes[0]: 'orders.read' is not a defined api scope",
        "  clients[0].secrets[0].value: secret is shorter than 32 characters; use a generated secret "
        "(tokenvend client secret add) or mark the file 'development: true'",
        "  clients[0].allowed_scopes[0]: 'orders' is an api resource, not an api scope — add an api scope "
        "'orders' and list it in the resource's scopes",
    ]
    assert stack.dynamodb.scan(TableName=stack.table)["Count"] == 0


def test_the_broken_quickstart_is_refused_with_the_fix(tokenvend):
    broken = QUICKSTART.replace("quickstart.yaml", "quickstart-broken.yaml")

    result = tokenvend("apply", broken)

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"Error: {broken} is not a valid tokenvend config (1 problem):",
        "  clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api scope 'api1' "
        "and list it in the resource's scopes",
    ]


def test_a_missing_file_exits_1(tokenvend, tmp_path):
    result = tokenvend("apply", str(tmp_path / "nope.yaml"))

    assert (result.exit_code, result.stderr) == (1, f"Error: cannot read {tmp_path / 'nope.yaml'}: No such file or directory\n")


def test_a_development_config_is_refused_for_a_table_that_is_not_local(tokenvend, stack):
    result = tokenvend("apply", QUICKSTART)

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {QUICKSTART} is a development config (development: true allows weak secrets); refusing to apply "
        f"it to {TARGET}, which is not the local stack. Pass --allow-development to apply it anyway.\n")
    assert stack.dynamodb.scan(TableName=stack.table)["Count"] == 0


@pytest.mark.usefixtures("aws")
def test_a_missing_table_is_an_aws_error_exit_2(tmp_path):
    from cli_support import invoke

    result = invoke("apply", production_config(tmp_path), "--table", "no-such-table")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: AWS Scan: ResourceNotFoundException: Requested resource not found\n"


def test_an_unreachable_endpoint_is_exit_2_without_a_traceback(aws_credentials, tmp_path):
    from cli_support import invoke

    result = invoke("apply", production_config(tmp_path), "--table", "t", "--endpoint-url", "http://127.0.0.1:9")

    assert result.exit_code == 2
    assert result.stderr == 'Error: AWS: Could not connect to the endpoint URL: "http://127.0.0.1:9/"\n'


def test_an_apply_is_all_or_nothing(stack):
    # GIVEN a diff whose last action DynamoDB refuses (two operations on one item in a
    # transaction), standing for any failure part-way through an apply
    from tokenvend.model import ApiScope
    from tokenvend_cli.operate.apply import write
    from tokenvend_cli.operate.plan import ADDED, REMOVED, Change
    from tokenvend_cli.operate.table import ConfigTable
    from tokenvend_cli.operate.target import Target

    table = ConfigTable(Target(stack.table))
    changes = [Change(ADDED, "api_scope", "orders.read", record=ApiScope("orders.read")),
               Change(ADDED, "api_scope", "orders.write", record=ApiScope("orders.write")),
               Change(REMOVED, "api_scope", "orders.write")]
    # WHEN it is written
    with pytest.raises(ClientError) as caught:
        write(table, changes)
    # THEN the whole transaction was refused and nothing reached the table
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.operation_name == "TransactWriteItems"
    assert stack.dynamodb.scan(TableName=stack.table)["Items"] == []


def test_more_than_100_changes_go_in_transactions_of_100_in_order(stack):
    from tokenvend.model import ApiResource, ApiScope
    from tokenvend_cli.operate.apply import write
    from tokenvend_cli.operate.plan import ADDED, Change
    from tokenvend_cli.operate.table import ConfigTable
    from tokenvend_cli.operate.target import Target

    calls = []
    table = ConfigTable(Target(stack.table))
    real = table._ddb.transact_write_items
    table._ddb.transact_write_items = lambda **kw: (calls.append(kw["TransactItems"]), real(**kw))[1]
    changes = [Change(ADDED, "api_scope", f"s{i:03}", record=ApiScope(f"s{i:03}")) for i in range(120)]
    changes.append(Change(ADDED, "api_resource", "r", record=ApiResource("r", scopes=("s000",))))

    write(table, changes)

    assert [len(c) for c in calls] == [100, 21]
    assert calls[1][-1]["Put"]["Item"]["sk"] == {"S": "RESOURCE#r"}  # the resource after its scopes
    assert stack.dynamodb.scan(TableName=stack.table, Select="COUNT")["Count"] == 121
