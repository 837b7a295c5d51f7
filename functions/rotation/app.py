"""The scheduled signing-key rotation (template.yaml's RotationFunction, deployed when
``KeyRotationDays`` is above 0): EventBridge Scheduler invokes it every hour, and each run
carries out ``tokenvend.key_rotation.plan`` — remove the retired keys whose tokens have
expired, activate a pending key once every cache has it, or add a new pending key when the
active one is older than the rotation period.

Every write is conditional on the records as this run read them: if an operator's `tokenvend
key` command (or another run) changed a record meanwhile, that step is skipped, logged, and
the next run looks again. A key is proven as the token and discovery functions prove it
before it is recorded or activated. Not an HTTP function: it answers the scheduler with the
steps it took, and logs one line per step (kid, algorithm, times; never key material).

Its AWS clients keep boto3's standard retries: no caller is waiting, and a run that fails
is the next hour's run.
"""

import os
import time

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from tokenvend.adapters.envelope import new_envelope_key
from tokenvend.adapters.key_proof import KeyRefused
from tokenvend.adapters.key_table import CREATED_BY_TAG, STACK_TAG, KeyChanged, SigningKeyTable
from tokenvend.apigw import log_json
from tokenvend.key_lifecycle import PUBLISH_DELAY, RETIREMENT_WINDOW, activate, iso
from tokenvend.key_rotation import Step, plan
from tokenvend.model import PENDING

CREATED_BY = "rotation"  # the tokenvend:created-by tag of the KMS keys this function creates
DELETION_WINDOW_DAYS = 30  # KMS's longest: a key scheduled for deletion can be recovered until then

logger = Logger(json_serializer=log_json)
_config = Config(retries={"mode": "standard", "max_attempts": 5})
keys = SigningKeyTable(os.environ["TOKENVEND_TABLE"], boto3.client("dynamodb", config=_config),
                       boto3.client("kms", config=_config))
STACK_KEY_ID = os.environ["TOKENVEND_SIGNING_KEY_ID"]
STACK_NAME = os.environ["TOKENVEND_STACK_NAME"]
ROTATION_DAYS = int(os.environ["TOKENVEND_KEY_ROTATION_DAYS"])
clock = time.time  # the tests' clock in the rotation tests


def add(like, records, now) -> dict:
    """A new pending key of the active key's algorithm and kind."""
    if like.wrapped_key:
        record = new_envelope_key(keys.kms, like.key_id, like.alg, PENDING, now)
    else:
        arn = keys.create_kms_key(like.alg, STACK_NAME, created_by=CREATED_BY)
        record = keys.record_for(arn, like.alg, PENDING, now)
    keys.prove(record)
    keys.put_new(record)
    return {"action": "add", "kid": record.kid, "alg": record.alg, "key_id": record.key_id,
            "envelope": bool(record.wrapped_key), "activate_after": iso(now + PUBLISH_DELAY)}


def activate_pending(record, records, now) -> dict:
    changed = activate(records, record.kid, now)
    keys.prove(changed[0])
    checked = {r.kid: r for r in records}
    keys.replace([(checked[r.kid], r) for r in changed])  # one transaction: never a moment with none
    retired = [r.kid for r in changed[1:]]
    return {"action": "activate", "kid": record.kid, "retired": retired,
            "retired_until": iso(now + RETIREMENT_WINDOW) if retired else None}


def remove(record, records, now) -> dict:
    """Delete the record; a KMS key this function created, named by no other record, is
    scheduled for deletion (recoverable for 30 days). Any other KMS key is kept."""
    keys.delete(record)
    step = {"action": "remove", "kid": record.kid, "key_id": record.key_id, "kms_key_deletion": None}
    others = {r.key_id for r in records if r.kid != record.kid}
    if not record.wrapped_key and record.key_id not in others:
        tags = keys.tags(record.key_id)
        if tags.get(CREATED_BY_TAG) == CREATED_BY and tags.get(STACK_TAG) == STACK_NAME:
            key_id = record.key_id.rsplit("/", 1)[-1]  # KMS takes either; moto's ScheduleKeyDeletion the id only
            deletion = keys.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=DELETION_WINDOW_DAYS)
            step["kms_key_deletion"] = deletion["DeletionDate"].isoformat()
    return step


def record_stack_key(record, records, now) -> dict:
    keys.put_new(record)  # only if no run or operator recorded it meanwhile
    return {"action": "record_stack_key", "kid": record.kid, "alg": record.alg}


STEPS = {"record_stack_key": record_stack_key, "add": add, "activate": activate_pending, "remove": remove}


def rotate(now: int) -> list[dict]:
    records, malformed = keys.read()
    for sk, why in malformed:
        logger.warning("malformed key record skipped", extra={"sk": sk, "why": why})
    if records:
        steps = plan(records, now, ROTATION_DAYS)
    else:  # the stack's own key signs: record it as the active key first, as `key add` does
        steps = [Step("record_stack_key", keys.stack_key_record(STACK_KEY_ID, now - 1))]
    done = []
    for step in steps:
        try:
            done.append(STEPS[step.action](step.record, records, now))
        except KeyChanged as exc:
            logger.warning("signing key changed meanwhile; nothing of this step was written, the next run "
                           "looks again", extra={"action": step.action, "kid": step.record.kid, "changed": exc.kids})
        except KeyRefused as exc:  # for an add, the key it would have replaced
            logger.error("signing key refused; nothing of this step was recorded",
                         extra={"action": step.action, "kid": step.record.kid, "why": str(exc)})
    for step in done:
        logger.info(f"signing key rotation: {step['action']}", extra=step)
    return done


@logger.inject_lambda_context
def lambda_handler(event, context):
    return {"rotation_days": ROTATION_DAYS, "steps": rotate(int(clock()))}
