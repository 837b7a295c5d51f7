"""AWS calls per warm token (issue 12): exactly one KMS Sign in KMS mode, none in envelope
mode, and no DynamoDB read while the cache is warm. Counted with botocore's before-call
event on the functions' real clients (against moto); nothing here is timed."""

from __future__ import annotations

import jwt
import pytest

from support import activate_envelope_key, issue_token, make_stack

WARM_TOKENS = 3


@pytest.fixture
def stack(aws):
    """The template deployed with EnvelopeMode=true: it signs with its KMS key until an
    envelope key is activated."""
    return make_stack({"EnvelopeMode": "true"})


def test_kms_mode_a_warm_token_costs_exactly_one_sign(counted, stack):
    functions, calls = counted()
    first = issue_token(functions)  # cold: reads the client, the catalog, the key records, the public key
    assert "kms.Sign" in calls.take()
    for _ in range(WARM_TOKENS):
        issue_token(functions)
    assert calls.take() == ["kms.Sign"] * WARM_TOKENS
    assert jwt.get_unverified_header(first)["alg"] == "RS256"


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_envelope_mode_a_warm_token_costs_no_aws_call(counted, stack, alg):
    kid = activate_envelope_key(stack.dynamodb, stack.kms, stack.table,
                                stack.template.physical["EnvelopeWrappingKey"]["Arn"], alg)
    functions, calls = counted()
    first = issue_token(functions)
    assert sorted(calls.take()) == ["dynamodb.GetItem", "dynamodb.Query", "dynamodb.Query", "kms.Decrypt"]
    for _ in range(WARM_TOKENS):
        issue_token(functions)
    assert calls.take() == []
    assert jwt.get_unverified_header(first) == {"alg": alg, "kid": kid, "typ": "at+jwt"}
