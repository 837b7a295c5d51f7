"""``tokenvend key list|add|activate|remove``: rotating the signing key without rejecting a
token (see ``tokenvend.key_lifecycle``).

A rotation: ``key add`` creates a KMS key (tagged ``tokenvend:stack`` so the functions'
tag-scoped policy lets them sign with it) and records it *pending* — in the JWKS of every
warm function within its cache TTL, not signing. ``key activate KID`` makes it sign once
every function and verifier has it (``PUBLISH_DELAY``, 3 h 20 min: the longest function
cache, API Gateway's 2-hour JWKS cache, IAM tag propagation, clock skew and a margin), and
retires the previous key, which stays published for ``RETIREMENT_WINDOW`` (28 h 25 min).
``key remove KID`` deletes a record once that has passed. The first ``key add`` also
records the stack's own key as the active one, so nothing changes until activation. A kid
may begin with ``-``: give it after ``--``.

Both ``add`` and ``activate`` prove the key as the functions will (KMS ``GetPublicKey``, or
unwrapping an envelope key), so a key the functions would refuse is never recorded or
activated; every write is conditional on the state it checked, so two operators at once
cannot lose a key. Times are ISO 8601 UTC.
"""

from __future__ import annotations

import time

import click

from tokenvend.adapters.envelope import new_envelope_key
from tokenvend.adapters.key_table import STACK_TAG
from tokenvend.adapters.kms import KMS_ALGORITHMS
from tokenvend.key_lifecycle import (
    APIGW_JWKS_CACHE, MAX_CACHE_TTL, PUBLISH_DELAY, KeyLifecycleError, activate, check_removable, duration,
    is_published, iso, retired_until,
)
from tokenvend.model import ACTIVE, PENDING, SigningKeyRecord

from .output import Command, Group, OpsError, columns, emit_json, warn
from .key_table import KeyTable
from .target import Target, stack_outputs, target_options

clock = time.time  # the wall clock of every key command (a test's clock, in the rotation tests)
WHEN_PUBLISHED = (f"on every warm function within its cache TTL (CacheTtlSeconds, at most "
                  f"{duration(MAX_CACHE_TTL)})")
WHY_THE_DELAY = (f"the delay covers the functions' key cache (at most {duration(MAX_CACHE_TTL)}) and "
                 f"verifiers that keep a JWKS up to {duration(APIGW_JWKS_CACHE)}, as API Gateway's "
                 "HTTP API JWT authorizer may")


def _row(record: SigningKeyRecord, now: float) -> dict:
    until = retired_until(record)
    return {"kid": record.kid, "alg": record.alg, "status": record.status, "key_id": record.key_id,
            "published": is_published(record, now), "retired_until": iso(until) if until else None}


@click.command("list", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@target_options
def key_list(target: Target, as_json):
    """List the signing keys and their status.

    \b
    Example:
      tokenvend key list --stack tokenvend
    """
    now = clock()
    rows = [_row(r, now) for r in KeyTable(target).records()]
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo(f"no key records: the stack's own key signs ({target.signing_key_arn or 'TOKENVEND_SIGNING_KEY_ID'})")
    else:
        click.echo(columns([["kid", "alg", "status", "published", "key"]] + [
            [r["kid"], r["alg"], r["status"], "yes" if r["published"] else "no", r["key_id"]] for r in rows]))


@click.command("add", cls=Command, short_help="Add a signing key, pending: published, not signing.")
@click.option("--alg", type=click.Choice(sorted(KMS_ALGORITHMS)), default="RS256", show_default=True,
              help="The JWS algorithm; decides the new KMS key's spec.")
@click.option("--kms-key-id", metavar="ARN", help="Record an existing KMS key instead of creating one.")
@click.option("--stack-name", metavar="NAME", help="Tag value for a created key (default: the --stack name, "
              "or tokenvend-local on the local stack).")
@click.option("--envelope", is_flag=True,
              help="Envelope mode: generate the key pair here and store its private half only wrapped "
                   "by --wrapping-key-id (zero KMS calls per token; see the README's trade-off).")
@click.option("--wrapping-key-id", envvar="TOKENVEND_WRAPPING_KEY_ID", metavar="ARN",
              help="With --envelope: the stack's WrappingKeyArn output (EnvelopeMode=true) "
                   "[env TOKENVEND_WRAPPING_KEY_ID].")
@click.option("--signing-key-id", envvar="TOKENVEND_SIGNING_KEY_ID", metavar="ARN",
              help="The stack's own key, recorded as active by the first add (default: from --stack or "
                   "the local stack) [env TOKENVEND_SIGNING_KEY_ID].")
@target_options
def key_add(target: Target, alg, kms_key_id, stack_name, envelope, wrapping_key_id, signing_key_id):
    """Add a signing key as pending: published in the JWKS, not yet signing.

    \b
    Example:
      tokenvend key add --alg ES256 --stack tokenvend
      # after the time it prints (every cache has the new key), then:
      tokenvend key activate --stack tokenvend -- <kid>
    """
    if envelope and (kms_key_id or not wrapping_key_id):
        raise OpsError("--envelope needs --wrapping-key-id (the stack's WrappingKeyArn output) and no --kms-key-id")
    keys, now = KeyTable(target), int(clock())
    if envelope:  # before anything is written
        _check_wrapping_key(keys, target, wrapping_key_id)
    records = keys.records()
    if not records:
        keys.put_new(_stack_key_record(keys, target, signing_key_id, now - 1))
        records = keys.records()
    tag = _stack_tag(target, stack_name)
    if envelope:
        record = new_envelope_key(keys.kms, wrapping_key_id, alg, PENDING, now)
        keys.prove(record)  # it unwraps, under the context the functions use
    elif kms_key_id:
        _check_tag(keys, kms_key_id, tag)
        record = _record(keys, kms_key_id, alg, PENDING, now)
    else:
        record = _record(keys, _create_kms_key(keys, alg, tag), alg, PENDING, now)
    if record.kid in {r.kid for r in records}:
        raise OpsError(f"signing key {record.kid} is already recorded")
    keys.put_new(record)
    mode = "envelope, wrapped by " if envelope else ""
    click.echo(f"added pending signing key {record.kid} ({alg}, {mode}{record.key_id})")
    click.echo(f"It is in the JWKS {WHEN_PUBLISHED}. Activate it after "
               f"{iso(record.created_at + PUBLISH_DELAY)} ({duration(PUBLISH_DELAY)} from now: {WHY_THE_DELAY}):")
    click.echo(f"  tokenvend key activate -- {record.kid}")
    if not alg.startswith("RS"):
        warn(f"API Gateway HTTP API JWT authorizers accept only RSA signatures: an API behind one will "
             f"refuse every {alg} token this key signs. Use --alg RS256 for such APIs.")


def _record(keys: KeyTable, key_id: str, alg: str, status: str, now: int) -> SigningKeyRecord:
    try:
        return keys.record_for(key_id, alg, status, now)
    except ValueError as exc:  # the key's spec cannot sign alg
        raise OpsError(str(exc)) from None


def _stack_key_record(keys: KeyTable, target: Target, signing_key_id: str | None, now: int) -> SigningKeyRecord:
    """The stack's own key, recorded as active before the first new key, so it stays the
    one that signs (and published) until an activation."""
    current = signing_key_id or target.signing_key_arn
    if not current:
        raise OpsError("the stack's signing key is unknown: use --stack NAME, the local stack, or "
                       "--signing-key-id, so it is recorded as the active key before a new one is added")
    arn = keys.kms.describe_key(KeyId=current)["KeyMetadata"]["Arn"]
    if target.signing_key_arn and arn != keys.kms.describe_key(KeyId=target.signing_key_arn)["KeyMetadata"]["Arn"]:
        raise OpsError(f"--signing-key-id {current} is not the stack's signing key ({target.signing_key_arn})")
    try:
        return keys.stack_key_record(arn, now)
    except ValueError as exc:
        raise OpsError(str(exc)) from None


def _stack_tag(target: Target, stack_name: str | None) -> str | None:
    """The stack's name, which the functions' policy requires as the tokenvend:stack tag."""
    if stack_name:
        return stack_name
    if target.source.startswith("stack "):
        stack = target.source.removeprefix("stack ")
        # arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID
        return stack.split(":stack/", 1)[1].split("/", 1)[0] if ":stack/" in stack else stack
    return "tokenvend-local" if target.is_local else None


def _check_wrapping_key(keys: KeyTable, target: Target, wrapping_key_id: str) -> None:
    """With --stack, the wrapping key must be the stack's WrappingKeyArn: only that key
    carries the token function's Decrypt permission."""
    if not target.source.startswith("stack "):
        return
    outputs = stack_outputs(target.source.removeprefix("stack "), target.region, target.endpoint_url)
    expected = outputs.get("WrappingKeyArn")
    if expected is None:
        raise OpsError("the stack has no WrappingKeyArn output: deploy it with EnvelopeMode=true first")
    arn = keys.kms.describe_key(KeyId=wrapping_key_id)["KeyMetadata"]["Arn"]
    if arn != expected:
        raise OpsError(f"--wrapping-key-id {wrapping_key_id} is not the stack's WrappingKeyArn ({expected})")


def _check_tag(keys: KeyTable, key_id: str, tag: str | None) -> None:
    tags = keys.tags(key_id)
    if tag is None or tags.get(STACK_TAG) != tag:
        raise OpsError(f"KMS key {key_id} must carry the tag {STACK_TAG}={tag or '<stack name>'} (it has "
                       f"{tags.get(STACK_TAG)!r}): the functions' policy lets them sign only with such keys")


def _create_kms_key(keys: KeyTable, alg: str, tag: str | None) -> str:
    """A new KMS signing key, tagged with its stack's name as the functions' policy requires."""
    if tag is None:
        raise OpsError("give --stack NAME or --stack-name NAME: a new key is tagged with its stack's name, "
                       "which the functions' policy requires before they may sign with it")
    return keys.create_kms_key(alg, tag)


@click.command("activate", cls=Command, short_help="Make a pending key sign; the active one retires.")
@click.argument("kid")
@click.option("--force", is_flag=True, help="Activate before PUBLISH_DELAY has passed, or roll back to a key "
              "published for less than that more: only for functions and verifiers known to cache for less "
              "(the README says what it costs).")
@target_options
def key_activate(target: Target, kid, force):
    """Make a pending key sign; the active key is retired (still published for 28 h 25 min).
    A retired key published for 3 h 20 min more may be activated again, to roll back.

    \b
    Example (a kid may start with '-', hence the '--'):
      tokenvend key activate --stack tokenvend -- 3kX9dQ...
    """
    keys, now = KeyTable(target), int(clock())
    records = keys.records()
    try:
        changed = activate(records, kid, now, force=force)
    except KeyLifecycleError as exc:
        raise OpsError(str(exc)) from None
    if not changed:
        click.echo(f"signing key {kid} is already active")
        return
    keys.prove(changed[0])  # the functions would refuse it: nothing is written
    checked = {r.kid: r for r in records}
    keys.replace([(checked[r.kid], r) for r in changed])  # one transaction: never a moment with none
    for record in changed:
        until = f" (published until {iso(retired_until(record))})" if record.status != ACTIVE else ""
        click.echo(f"{record.status:8} {record.kid}{until}")
    click.echo(f"Every warm function signs with {kid} within its cache TTL (at most {duration(MAX_CACHE_TTL)}).")
    if force:
        warn("--force: verifiers that have not fetched the JWKS since this key was added reject its tokens "
             "until they do (API Gateway's JWT authorizer may keep a JWKS for "
             f"{duration(APIGW_JWKS_CACHE)}); see the README's \"Rotating the signing key\"")


@click.command("remove", cls=Command, short_help="Remove a retired key whose tokens have expired.")
@click.argument("kid")
@click.option("--force", is_flag=True, help="Remove a retired key before its tokens have expired.")
@target_options
def key_remove(target: Target, kid, force):
    """Remove a retired key's record once every token it signed has expired.

    \b
    Example:
      tokenvend key remove --stack tokenvend -- 3kX9dQ...
    """
    keys = KeyTable(target)
    record = next((r for r in keys.records() if r.kid == kid), None)
    if record is None:
        raise OpsError(f"no signing key {kid!r}")
    try:
        check_removable(record, clock())
    except KeyLifecycleError as exc:
        if not force or record.status == ACTIVE:
            raise OpsError(str(exc)) from None
    keys.delete(record)  # only if it is still as checked: a concurrent activate wins
    if record.wrapped_key:
        click.echo(f"removed signing key {kid} (its wrapped private key is gone; keep the wrapping key "
                   f"{record.key_id}: it wraps the other envelope keys)")
    else:
        click.echo(f"removed signing key {kid} (the KMS key {record.key_id} is kept; schedule its deletion in KMS "
                   "once no other record names it)")


def key_group() -> click.Group:
    @click.group("key", cls=Group, short_help="Signing keys: add, activate, list, remove.")
    def key():
        """Signing keys: add, activate, list, remove (rotation without rejected tokens).

        \b
        Example:
          tokenvend key add --alg ES256 && tokenvend key list
        """
    for command in (key_list, key_add, key_activate, key_remove):
        key.add_command(command)
    return key
