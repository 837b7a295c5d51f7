"""``tokenvend key add`` against a deployed stack: tags and wrapping key from its outputs."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from cli_support import TABLE_RESOURCE, invoke


@pytest.fixture
def deployed(aws_credentials):
    with mock_aws():
        kms = boto3.client("kms")
        signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]
        wrapping = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
        template = {
            "Resources": TABLE_RESOURCE,
            "Outputs": {"TableName": {"Value": {"Ref": "Table"}}, "SigningKeyArn": {"Value": signing},
                        "WrappingKeyArn": {"Value": wrapping}},
        }
        stack_id = boto3.client("cloudformation").create_stack(
            StackName="tokenvend", TemplateBody=json.dumps(template))["StackId"]
        yield {"kms": kms, "signing": signing, "wrapping": wrapping, "stack_id": stack_id}


def test_a_new_key_is_tagged_with_the_stack_name_even_when_given_its_arn(deployed):
    result = invoke("key", "add", "--alg", "ES256", "--stack", deployed["stack_id"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(invoke("key", "list", "--json", "--stack", "tokenvend").stdout)
    assert [(r["status"], r["key_id"] == deployed["signing"]) for r in rows] == [("active", True), ("pending", False)]
    tags = deployed["kms"].list_resource_tags(KeyId=rows[1]["key_id"])["Tags"]
    assert tags == [{"TagKey": "tokenvend:stack", "TagValue": "tokenvend"}]


def test_an_envelope_key_must_use_the_stacks_wrapping_key(deployed):
    other = deployed["kms"].create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["Arn"]
    refused = invoke("key", "add", "--envelope", "--wrapping-key-id", other, "--stack", "tokenvend")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Error: --wrapping-key-id {other} is not the stack's WrappingKeyArn ({deployed['wrapping']})")
    assert json.loads(invoke("key", "list", "--json", "--stack", "tokenvend").stdout) == []  # nothing written

    added = invoke("key", "add", "--envelope", "--wrapping-key-id", deployed["wrapping"], "--stack", "tokenvend")
    assert added.exit_code == 0, added.stderr
    assert f"(RS256, envelope, wrapped by {deployed['wrapping']})" in added.stdout
