"""The scheduled rotation (functions/rotation/app.py, on with KeyRotationDays): run after run
on a clock of its own, it rotates the signing key as `tokenvend key add/activate/remove`
would, and the token and discovery functions follow without a refused token."""

from __future__ import annotations

import json
import logging
import time

import jwt
import pytest

from support import (
    ROOT, LambdaContext, activate_envelope_key, body, issue_token, load_event, load_function, make_stack,
    policy_statements,
)
from tokenvend.key_lifecycle import PUBLISH_DELAY, RETIREMENT_WINDOW
from tokenvend.key_rotation import DAY

ROTATION_DAYS = 30


@pytest.fixture
def stack(aws):
    return make_stack({"KeyRotationDays": str(ROTATION_DAYS), "EnvelopeMode": "true"})


@pytest.fixture
def rotation(stack, monkeypatch, functions):
    """The rotation function as Lambda starts it, with its template environment, and a
    ``run(at)`` that invokes it as the scheduler would at that time; every line it logs is
    kept in ``rotation.lines``."""
    (spec,) = [f for f in stack.template.functions() if f.logical_id == "RotationFunction"]
    for name, value in spec.environment.items():
        monkeypatch.setenv(name, value)
    module = load_function("rotation", "tokenvend_function_rotation")
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))
    handler.setFormatter(logging.getLogger("tokenvend").powertools_handler.formatter)
    logging.getLogger("tokenvend").addHandler(handler)

    def run(at: float) -> list[dict]:
        monkeypatch.setattr(module, "clock", lambda: at)
        answer = module.lambda_handler({}, LambdaContext())
        assert answer["rotation_days"] == ROTATION_DAYS
        return answer["steps"]

    module.run, module.lines = run, lines
    return module


def signing_kid(functions) -> str:
    return jwt.get_unverified_header(issue_token(functions))["kid"]


def published(functions) -> list[str]:
    return [k["kid"] for k in body(functions.discovery_call(load_event("jwks.json")))["keys"]]


def tags(stack, key_id) -> dict:
    return {t["TagKey"]: t["TagValue"] for t in stack.kms.list_resource_tags(KeyId=key_id)["Tags"]}


def test_two_rotations_from_a_new_stack(stack, functions, rotation, monkeypatch):
    monkeypatch.setenv("TOKENVEND_CACHE_TTL", "0")
    functions.start(cache_ttl="0")
    start = int(time.time())
    stack_kid = signing_kid(functions)

    # GIVEN a new stack: the first run records the stack's own key as the active one, and adds nothing
    assert rotation.run(start) == [{"action": "record_stack_key", "kid": stack_kid, "alg": "RS256"}]
    assert rotation.run(start + ROTATION_DAYS * DAY - 2) == []

    # WHEN the key has signed for the rotation period: a new pending RS256 KMS key, tagged
    (added,) = rotation.run(start + ROTATION_DAYS * DAY)
    new_kid = added["kid"]
    assert (added["action"], added["alg"], added["envelope"]) == ("add", "RS256", False)
    assert tags(stack, added["key_id"]) == {"tokenvend:stack": "tokenvend-local", "tokenvend:created-by": "rotation"}
    # THEN it is published at once and signs nothing yet
    assert published(functions) == [stack_kid, new_kid]
    assert signing_kid(functions) == stack_kid
    old_token = issue_token(functions)

    # WHEN runs follow, hourly: nothing until the publish delay has passed, then the activation
    added_at = start + ROTATION_DAYS * DAY
    assert rotation.run(added_at + PUBLISH_DELAY - 1) == []
    (activated,) = rotation.run(added_at + PUBLISH_DELAY)
    assert (activated["action"], activated["kid"], activated["retired"]) == ("activate", new_kid, [stack_kid])
    # THEN the new key signs, and the old one stays published for the tokens it signed
    assert signing_kid(functions) == new_kid
    assert published(functions) == [stack_kid, new_kid]
    assert jwt.get_unverified_header(old_token)["kid"] in published(functions)

    # WHEN the retirement window ends: the stack's record goes, its KMS key (not the rotation's) stays
    activated_at = added_at + PUBLISH_DELAY
    assert rotation.run(activated_at + RETIREMENT_WINDOW - 1) == []
    (removed,) = rotation.run(activated_at + RETIREMENT_WINDOW)
    assert (removed["action"], removed["kid"], removed["kms_key_deletion"]) == ("remove", stack_kid, None)
    assert stack.kms.describe_key(KeyId=stack.key_arn)["KeyMetadata"]["KeyState"] == "Enabled"
    assert published(functions) == [new_kid]

    # WHEN the second rotation has run its course
    second_at = activated_at + ROTATION_DAYS * DAY
    (second,) = rotation.run(second_at)
    assert rotation.run(second_at + PUBLISH_DELAY)[0]["kid"] == second["kid"]
    (removed,) = rotation.run(second_at + PUBLISH_DELAY + RETIREMENT_WINDOW)
    # THEN the key the function made is scheduled for deletion, recoverable for 30 days
    assert (removed["kid"], removed["key_id"]) == (new_kid, added["key_id"])
    assert removed["kms_key_deletion"] is not None
    assert stack.kms.describe_key(KeyId=added["key_id"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert signing_kid(functions) == second["kid"]
    assert published(functions) == [second["kid"]]


def test_an_envelope_key_is_replaced_by_an_envelope_key_under_the_same_wrapping_key(stack, functions, rotation):
    wrapping = stack.template.physical["EnvelopeWrappingKey"]["Arn"]
    kid = activate_envelope_key(stack.dynamodb, stack.kms, stack.table, wrapping, "ES256")
    start = int(time.time())
    called = record_calls(rotation)

    (added,) = rotation.run(start + ROTATION_DAYS * DAY)

    assert (added["action"], added["alg"], added["envelope"], added["key_id"]) == ("add", "ES256", True, wrapping)
    (activated,) = rotation.run(start + ROTATION_DAYS * DAY + PUBLISH_DELAY)
    assert activated["retired"] == [kid]
    assert signing_kid(functions) == added["kid"]
    # no private half, wrapped or not, reaches the log
    stored = [item["wrapped_key"]["S"] for item in stack.dynamodb.scan(TableName=stack.table)["Items"]
              if "wrapped_key" in item]
    assert stored and rotation.lines
    assert not [line for line in rotation.lines if any(blob in line for blob in stored)]
    # and its policy wraps and unwraps with the stack's wrapping key, under tokenvend's context only
    assert {"kms:Encrypt", "kms:Decrypt"} <= set(called)
    (wrap,) = granted_actions()["kms:Encrypt"]
    assert (wrap["Resource"], wrap["Condition"]) == ({"Fn::GetAtt": ["EnvelopeWrappingKey", "Arn"]}, {
        "StringEquals": {"kms:EncryptionContext:tokenvend:purpose": "access-token-signing-key"}})


def test_a_record_changed_by_an_operator_meanwhile_is_left_as_the_operator_wrote_it(stack, functions, rotation):
    start = int(time.time())
    rotation.run(start)
    (added,) = rotation.run(start + ROTATION_DAYS * DAY)
    # GIVEN the run reads the records, then an operator activates the pending key before its write
    read = rotation.keys.read

    def read_then_operator(*args):
        records = read(*args)
        from tokenvend.adapters.key_table import SigningKeyTable
        from tokenvend.key_lifecycle import activate
        table = SigningKeyTable(stack.table, stack.dynamodb, stack.kms)
        current = {r.kid: r for r in table.read()[0]}
        changed = activate(list(current.values()), added["kid"], start + ROTATION_DAYS * DAY + 60, force=True)
        table.replace([(current[r.kid], r) for r in changed])
        return records

    rotation.keys.read = read_then_operator
    try:
        steps = rotation.run(start + ROTATION_DAYS * DAY + PUBLISH_DELAY)
    finally:
        rotation.keys.read = read
    # THEN the function's activation is not written, and it says so
    assert steps == []
    (line,) = [json.loads(line) for line in rotation.lines if "changed meanwhile" in line]
    assert (line["level"], line["action"], line["kid"]) == ("WARNING", "activate", added["kid"])
    records = {r.kid: r for r in rotation.keys.read()[0]}
    assert records[added["kid"]].activated_at == start + ROTATION_DAYS * DAY + 60


def record_calls(rotation) -> list[str]:
    """Each AWS call the rotation function's clients make from now on, as its IAM action."""
    called = []
    for client in (rotation.keys.ddb, rotation.keys.kms):
        client.meta.events.register("provide-client-params", lambda event_name, **_: called.append(
            "{}:{}".format(*event_name.split(".")[1:3])))
    return called


def granted_actions() -> dict[str, list[dict]]:
    """Each IAM action the RotationFunction's policy names, with the statements that grant it."""
    from cfn_tools import load_yaml

    granted = {}
    for statement in policy_statements(load_yaml((ROOT / "template.yaml").read_text()), "RotationFunction"):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            granted.setdefault(action, []).append(statement)
    return granted


def test_its_policy_grants_every_call_of_a_whole_rotation_and_only_for_this_stacks_keys(stack, functions, rotation):
    # GIVEN every AWS call the function makes, recorded as its IAM action
    called = record_calls(rotation)
    start = int(time.time())
    # WHEN it rotates twice, so it also deletes a key it made
    for at in (start, start + ROTATION_DAYS * DAY, start + ROTATION_DAYS * DAY + PUBLISH_DELAY):
        rotation.run(at)
    second = start + ROTATION_DAYS * DAY + PUBLISH_DELAY + ROTATION_DAYS * DAY
    for at in (second, second + PUBLISH_DELAY, second + PUBLISH_DELAY + RETIREMENT_WINDOW):
        rotation.run(at)
    # IAM authorizes a transaction by the actions inside it (here Puts: dynamodb:PutItem)
    granted = granted_actions()
    iam = {"dynamodb:PutItem" if call == "dynamodb:TransactWriteItems" else call for call in called}
    assert "dynamodb:TransactWriteItems" in called
    # THEN each is granted, and the writes and key creation are scoped to this stack
    assert iam == {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem",
                   "kms:DescribeKey", "kms:GetPublicKey", "kms:CreateKey", "kms:ListResourceTags",
                   "kms:ScheduleKeyDeletion"}
    assert iam <= set(granted)
    for action in ("dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"):
        (statement,) = granted[action]
        assert statement["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["SIGNING_KEYS"]}}
    # IAM has no dynamodb:TransactWriteItems action to grant: a statement naming it would grant nothing
    assert "dynamodb:TransactWriteItems" not in granted
    # CreateKey with tags is also authorized as kms:TagResource, whose request context need not
    # hold CreateKey's key spec and usage: TagResource's statement conditions on the tags alone
    (tag_resource,) = granted["kms:TagResource"]
    assert set(tag_resource["Condition"]["StringEquals"]) == {
        "aws:RequestTag/tokenvend:stack", "aws:RequestTag/tokenvend:created-by"}
    for action in ("kms:CreateKey", "kms:TagResource"):
        (statement,) = granted[action]
        assert statement["Condition"]["StringEquals"]["aws:RequestTag/tokenvend:stack"] == {"Ref": "AWS::StackName"}
        assert statement["Condition"]["StringEquals"]["aws:RequestTag/tokenvend:created-by"] == "rotation"
        assert statement["Condition"]["ForAllValues:StringEquals"] == {
            "aws:TagKeys": ["tokenvend:stack", "tokenvend:created-by"]}
    (delete,) = granted["kms:ScheduleKeyDeletion"]
    assert delete["Condition"] == {"StringEquals": {"aws:ResourceTag/tokenvend:stack": {"Ref": "AWS::StackName"},
                                                    "aws:ResourceTag/tokenvend:created-by": "rotation"}}


def test_two_first_runs_at_once_record_the_stacks_key_once(stack, functions, rotation):
    # GIVEN a run that read no records, and another run (or `key add`) that recorded the stack's key meanwhile
    read = rotation.keys.read
    empty = read()
    rotation.run(int(time.time()))
    rotation.keys.read = lambda: empty
    try:
        steps = rotation.run(int(time.time()))
    finally:
        rotation.keys.read = read
    # THEN the second writes nothing, says so, and the one record stays
    assert steps == []
    (line,) = [json.loads(line) for line in rotation.lines if "changed meanwhile" in line]
    assert (line["action"], line["kid"]) == ("record_stack_key", signing_kid(functions))
    assert [r.kid for r in read()[0]] == [signing_kid(functions)]
