"""Provisioning honours the template's Conditions, as CloudFormation does."""

from __future__ import annotations

import boto3

from tokenvend_cli.local.provision import provision
from tokenvend_cli.local.template import Template


def test_the_wrapping_key_exists_only_in_envelope_mode(aws):
    default = provision(Template(), boto3.client("dynamodb"), boto3.client("kms"))
    assert sorted(default) == ["SigningKey", "SigningKeyAlias", "Table"]


def test_envelope_mode_adds_the_wrapping_key(aws):
    envelope = provision(Template(parameters={"EnvelopeMode": "true"}), boto3.client("dynamodb"),
                         boto3.client("kms"))
    assert sorted(envelope) == ["EnvelopeWrappingKey", "SigningKey", "SigningKeyAlias", "Table"]
    meta = boto3.client("kms").describe_key(KeyId=envelope["EnvelopeWrappingKey"]["Arn"])["KeyMetadata"]
    assert (meta["KeyUsage"], meta["KeySpec"]) == ("ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT")


def test_the_signing_key_carries_the_stack_tag(aws):
    physical = provision(Template(), boto3.client("dynamodb"), boto3.client("kms"))
    tags = boto3.client("kms").list_resource_tags(KeyId=physical["SigningKey"]["KeyId"])["Tags"]
    assert tags == [{"TagKey": "tokenvend:stack", "TagValue": "tokenvend-local"}]
