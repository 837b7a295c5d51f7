"""Which table a command works on: --table/TOKENVEND_TABLE, --stack, or the running local stack."""

from __future__ import annotations

import json
import os
import subprocess

import boto3
import pytest
from moto import mock_aws

from tokenvend_cli.local import state as local_state
from tokenvend_cli.local.provision import provision
from tokenvend_cli.local.template import Template

from cli_support import QUICKSTART, TABLE_RESOURCE, invoke, lines


def test_no_target_is_one_line_and_exit_2(aws_credentials):
    result = invoke("client", "list")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: no target: give --table NAME (or TOKENVEND_TABLE) or --stack NAME; no local stack is running "
        f"(no {local_state.STATE_FILE}): start one with `tokenvend dev`\n")


def test_a_local_stack_whose_process_has_exited_is_no_target(aws_credentials):
    exited = subprocess.Popen(["true"])
    exited.wait()
    local_state.write_state({"table": "t", "endpoint_url": "http://127.0.0.1:9", "pid": exited.pid},
                            local_state.STATE_FILE)

    result = invoke("scope", "list")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no target: give --table NAME (or TOKENVEND_TABLE) or --stack NAME; no local stack is running "
        "(its process has exited): start one with `tokenvend dev`\n")


def test_the_running_local_stack_is_the_default_target_and_takes_a_development_config(moto_server):
    # GIVEN the template's table on a loopback moto server, described in .local/stack.json
    template = Template()
    physical = provision(template, boto3.client("dynamodb", endpoint_url=moto_server),
                         boto3.client("kms", endpoint_url=moto_server))
    table = physical["Table"]["Ref"]
    local_state.write_state({"endpoint_url": moto_server, "region": "us-east-1", "table": table,
                             "signing_key_arn": physical["SigningKey"]["Arn"],
                             "issuer": "http://127.0.0.1:3000", "pid": os.getpid()}, local_state.STATE_FILE)

    # WHEN the quickstart is applied with no target given
    result = invoke("apply", QUICKSTART)

    # THEN it goes to the local stack, development config and all
    assert (result.exit_code, result.stderr) == (0, "")
    assert lines(result.stdout)[0] == f"apply {QUICKSTART} to table {table} at {moto_server} (local stack)"
    assert lines(result.stdout)[-1] == "applied: 3 added, 0 changed, 0 removed; in force on every warm function within 10 s (CacheTtlSeconds)"
    explained = invoke("explain", "--client", "client", "--json")
    assert json.loads(explained.stdout)["aud"] == "api1"


def test_state_file_reaches_a_stack_started_with_its_own(moto_server, tmp_path):
    # GIVEN a local stack recorded in its own state file (tokenvend dev --state-file), none in the default one
    table = "tokenvend-other-stack"  # moto's backend is per process: a name of its own
    boto3.client("dynamodb", endpoint_url=moto_server).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", **{k: TABLE_RESOURCE["Table"]["Properties"][k]
                                                         for k in ("AttributeDefinitions", "KeySchema")})
    state_file = tmp_path / "other-stack.json"
    local_state.write_state({"endpoint_url": moto_server, "region": "us-east-1", "table": table,
                             "issuer": "http://127.0.0.1:3000", "pid": os.getpid()}, state_file)

    # WHEN an operator command names it
    applied = invoke("apply", QUICKSTART, "--state-file", str(state_file))
    listed = invoke("client", "list", "--state-file", str(state_file))

    # THEN it works on that stack's table; without the option there is no target
    assert (applied.exit_code, listed.exit_code) == (0, 0)
    assert lines(listed.stdout)[1].split()[0] == "client"
    assert invoke("client", "list").exit_code == 2


STACK_TEMPLATE = {
    "Resources": TABLE_RESOURCE,
    "Outputs": {"TableName": {"Value": {"Ref": "Table"}},
                "Issuer": {"Value": "https://auth.example.com"},
                "SigningKeyArn": {"Value": "arn:aws:kms:us-east-1:123456789012:key/k"}},
}


@pytest.fixture
def deployed(aws_credentials):
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName="tokenvend", TemplateBody=json.dumps(STACK_TEMPLATE))
        yield


@pytest.mark.usefixtures("deployed")
def test_stack_reads_the_table_and_issuer_from_the_stack_outputs(monkeypatch):
    monkeypatch.setenv("TOKENVEND_TABLE", "ignored-when-a-stack-is-named")
    invoke("scope", "add", "api1", "--stack", "tokenvend")
    invoke("client", "add", "c", "--scope", "api1", "--stack", "tokenvend", "--no-secret")
    invoke("client", "secret", "add", "c", "--stack", "tokenvend")

    result = invoke("explain", "--client", "c", "--stack", "tokenvend", "--json")

    assert json.loads(result.stdout)["aud"] == "https://auth.example.com/resources"
    assert lines(invoke("scope", "list", "--stack", "tokenvend").stdout)[1:] == ["api1  yes      yes"]


@pytest.mark.usefixtures("deployed")
def test_table_and_stack_together_are_refused():
    result = invoke("scope", "list", "--stack", "tokenvend", "--table", "t")

    assert (result.exit_code, result.stderr) == (1, "Error: give --table or --stack, not both\n")


@pytest.mark.usefixtures("deployed")
def test_a_stack_that_does_not_exist_is_exit_2():
    result = invoke("scope", "list", "--stack", "nope")

    assert result.exit_code == 2
    assert result.stderr == "Error: AWS DescribeStacks: ValidationError: Stack with id nope does not exist\n"
