"""Rotating the signing key with `tokenvend key`, seen by the functions and a resource
server: no token is rejected at any step (DESIGN.md "Signing": pending → active → retired)."""

from __future__ import annotations

import json
from dataclasses import replace

import jwt
import pytest
from click.testing import CliRunner

from support import ISSUER, body, load_event
from tokenvend_cli.main import cli


def tokenvend(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def token(functions) -> str:
    response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert response["statusCode"] == 200
    return body(response)["access_token"]


def jwks(functions) -> dict:
    return body(functions.discovery_call(load_event("jwks.json")))


def verify(token_value: str, key_set: dict) -> dict:
    """As a resource server: find the kid in the published set, check signature and claims."""
    header = jwt.get_unverified_header(token_value)
    key = next(k for k in jwt.PyJWKSet.from_dict(key_set).keys if k.key_id == header["kid"])
    return jwt.decode(token_value, key.key, algorithms=[header["alg"]], audience="api1", issuer=ISSUER)


def kids(key_set: dict) -> list[str]:
    return [k["kid"] for k in key_set["keys"]]


def test_rotation_end_to_end(deployed, stack, quickstart):
    from tokenvend_cli.local.seed import seed
    seed(stack.dynamodb, stack.table, quickstart)
    functions = deployed.start(cache_ttl="0")
    target = ["--table", stack.table]

    # GIVEN the stack's own key signing, alone in the JWKS
    first = token(functions)
    stack_kid = jwt.get_unverified_header(first)["kid"]
    assert kids(jwks(functions)) == [stack_kid]
    assert tokenvend("key", "list", *target).output.startswith("no key records: the stack's own key signs")

    # WHEN a new ES256 key is added
    added = tokenvend("key", "add", "--alg", "ES256", "--signing-key-id", stack.key_arn,
                      "--stack-name", "tokenvend-local", *target)
    assert added.exit_code == 0, added.output
    new_kid = added.output.split()[4]
    assert added.output.splitlines()[0].startswith(f"added pending signing key {new_kid} (ES256, arn:aws:kms:")

    # THEN it is published but does not sign yet; the created KMS key carries the stack tag
    assert kids(jwks(functions)) == [stack_kid, new_kid]
    assert jwt.get_unverified_header(token(functions))["kid"] == stack_kid
    listed = {r["kid"]: r for r in json.loads(tokenvend("key", "list", "--json", *target).output)}
    assert {k: r["status"] for k, r in listed.items()} == {stack_kid: "active", new_kid: "pending"}
    tags = stack.kms.list_resource_tags(KeyId=listed[new_kid]["key_id"])["Tags"]
    assert tags == [{"TagKey": "tokenvend:stack", "TagValue": "tokenvend-local"}]

    # WHEN it is activated at once (it waits for the publish delay unless forced; a kid
    # may begin with '-', hence the '--')
    early = tokenvend("key", "activate", *target, "--", new_kid)
    assert early.exit_code == 1
    assert f"signing key '{new_kid}' has been published for" in early.output
    assert f"  tokenvend key activate -- {new_kid}" in added.output
    activated = tokenvend("key", "activate", "--force", *target, "--", new_kid)
    assert activated.output.splitlines()[0] == f"active   {new_kid}"
    assert activated.output.splitlines()[1].startswith(f"retired  {stack_kid} (published until 20")

    # THEN new tokens are ES256 under the new kid, and the old token still verifies
    second = token(functions)
    assert jwt.get_unverified_header(second) == {"alg": "ES256", "kid": new_kid, "typ": "at+jwt"}
    key_set = jwks(functions)
    assert kids(key_set) == [stack_kid, new_kid]
    assert verify(second, key_set)["scope"] == "api1"
    assert verify(first, key_set)["scope"] == "api1"

    # AND the retired key cannot be removed while its tokens may be valid, nor the active one
    refused = tokenvend("key", "remove", *target, "--", stack_kid)
    assert refused.exit_code == 1
    assert f"signing key '{stack_kid}' may still have valid tokens until" in refused.output
    active = tokenvend("key", "remove", "--force", *target, "--", new_kid)
    assert active.exit_code == 1
    assert f"signing key '{new_kid}' is active; activate another key first" in active.output


def test_first_add_needs_the_stacks_key(stack):
    result = tokenvend("key", "add", "--table", stack.table, "--stack-name", "x", env={"TOKENVEND_SIGNING_KEY_ID": ""})
    assert result.exit_code == 1
    assert "the stack's signing key is unknown" in result.output


def test_envelope_key_signs_with_no_kms_call_per_token(deployed, stack, quickstart):
    from botocore.stub import Stubber
    from tokenvend_cli.local.seed import seed
    seed(stack.dynamodb, stack.table, quickstart)
    functions = deployed.start(cache_ttl="0")
    target = ["--table", stack.table, "--signing-key-id", stack.key_arn]
    wrapping = stack.kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]

    # GIVEN an envelope key added and activated
    assert tokenvend("key", "add", "--envelope", "--alg", "RS256", *target).exit_code == 1  # no wrapping key
    added = tokenvend("key", "add", "--envelope", "--wrapping-key-id", wrapping, "--alg", "ES384", *target)
    assert added.exit_code == 0, added.output
    kid = added.output.split()[4]
    assert f"(ES384, envelope, wrapped by {wrapping})" in added.output
    assert tokenvend("key", "activate", "--force", "--table", stack.table, "--", kid).exit_code == 0

    # WHEN tokens are issued: the first unwraps the key (one kms:Decrypt) ...
    first = token(functions)
    # ... and the next ones call KMS not at all (the Stubber fails on any call)
    kms = functions.token.container.keys._kms
    with Stubber(kms) as stub:
        second, third = token(functions), token(functions)
        stub.assert_no_pending_responses()

    # THEN every token is ES384 under the envelope key's kid and verifies with the JWKS
    key_set = jwks(functions)
    for value in (first, second, third):
        assert jwt.get_unverified_header(value) == {"alg": "ES384", "kid": kid, "typ": "at+jwt"}
        assert verify(value, key_set)["client_id"] == "client"


def test_rolling_back_to_the_retired_key(deployed, stack, quickstart):
    from tokenvend_cli.local.seed import seed
    seed(stack.dynamodb, stack.table, quickstart)
    functions = deployed.start(cache_ttl="0")
    target = ["--table", stack.table]
    stack_kid = jwt.get_unverified_header(token(functions))["kid"]
    added = tokenvend("key", "add", "--signing-key-id", stack.key_arn, "--stack-name", "tokenvend-local", *target)
    new_kid = added.output.split()[4]
    assert tokenvend("key", "activate", "--force", *target, "--", new_kid).exit_code == 0
    assert jwt.get_unverified_header(token(functions))["kid"] == new_kid
    # WHEN the operator rolls back to the retired (still published) stack key
    rollback = tokenvend("key", "activate", *target, "--", stack_kid)
    assert rollback.output.splitlines()[0] == f"active   {stack_kid}"
    assert rollback.output.splitlines()[1].startswith(f"retired  {new_kid} (published until 20")
    # THEN it signs again, and both stay published
    assert jwt.get_unverified_header(token(functions))["kid"] == stack_kid
    assert kids(jwks(functions)) == [stack_kid, new_kid]


def test_key_add_refuses_what_the_functions_could_not_use(stack):
    target = ["--table", stack.table, "--signing-key-id", stack.key_arn, "--stack-name", "tokenvend-local"]
    untagged = stack.kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]
    result = tokenvend("key", "add", "--kms-key-id", untagged, *target)
    assert result.exit_code == 1
    assert f"KMS key {untagged} must carry the tag tokenvend:stack=tokenvend-local (it has None)" in result.output
    tagged = stack.kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048",
                                  Tags=[{"TagKey": "tokenvend:stack", "TagValue": "tokenvend-local"}])["KeyMetadata"]["Arn"]
    mismatch = tokenvend("key", "add", "--alg", "ES256", "--kms-key-id", tagged, *target)
    assert mismatch.exit_code == 1
    assert "cannot sign ES256" in mismatch.output
    duplicate = tokenvend("key", "add", "--kms-key-id", stack.key_arn, *target)
    assert duplicate.exit_code == 1
    assert "is already recorded" in duplicate.output
    listed = json.loads(tokenvend("key", "list", "--json", "--table", stack.table).output)
    assert [r["status"] for r in listed] == ["active"]  # the stack's key still signs


# --- what the key commands print, prove and write ------------------------------------------

NOW = 1_900_000_000  # 2030-03-17T17:46:40Z


@pytest.fixture
def at_now(monkeypatch):
    from tokenvend_cli.operate import keys as ops_keys
    monkeypatch.setattr(ops_keys, "clock", lambda: NOW)


def add_key(stack, *args):
    result = tokenvend("key", "add", "--signing-key-id", stack.key_arn, "--stack-name", "tokenvend-local",
                       "--table", stack.table, *args)
    assert result.exit_code == 0, result.output
    return result, result.output.split()[4]


def stored(stack) -> dict:
    from tokenvend.adapters.dynamodb import query_partition
    return {i["kid"]: i for i in query_partition(stack.dynamodb, stack.table, "SIGNING_KEYS")}


def test_key_add_says_when_the_key_is_published_and_why_activation_waits(stack, at_now):
    added, kid = add_key(stack)
    assert added.output.splitlines()[1:] == [
        "It is in the JWKS on every warm function within its cache TTL (CacheTtlSeconds, at most 1 h). "
        "Activate it after 2030-03-17T21:06:40Z (3 h 20 min from now: the delay covers the functions' key "
        "cache (at most 1 h) and verifiers that keep a JWKS up to 2 h, as API Gateway's HTTP API JWT "
        "authorizer may):",
        f"  tokenvend key activate -- {kid}",
    ]
    early = tokenvend("key", "activate", "--table", stack.table, "--", kid)
    assert early.output == (
        f"Error: signing key '{kid}' has been published for 0 s; activate it after 2030-03-17T21:06:40Z, when "
        "every function and verifier has it (API Gateway's JWT authorizer may keep a JWKS for 2 h), or "
        "--force, if they cache for less\n")


def test_key_add_of_an_ecdsa_key_warns_that_api_gateway_accepts_only_rsa(stack):
    added, _ = add_key(stack, "--alg", "ES256")
    assert added.output.splitlines()[-1] == (
        "Warning: API Gateway HTTP API JWT authorizers accept only RSA signatures: an API behind one will "
        "refuse every ES256 token this key signs. Use --alg RS256 for such APIs.")
    assert "Warning" not in add_key(stack)[0].output  # RS256


def test_key_activate_prints_iso_times_and_what_force_costs(stack, at_now):
    _, kid = add_key(stack)
    stack_kid = next(k for k, i in stored(stack).items() if i["status"] == "active")
    activated = tokenvend("key", "activate", "--force", "--table", stack.table, "--", kid)
    assert activated.output.splitlines() == [
        f"active   {kid}",
        f"retired  {stack_kid} (published until 2030-03-18T22:11:40Z)",
        f"Every warm function signs with {kid} within its cache TTL (at most 1 h).",
        "Warning: --force: verifiers that have not fetched the JWKS since this key was added reject its tokens "
        "until they do (API Gateway's JWT authorizer may keep a JWKS for 2 h); see the README's \"Rotating "
        "the signing key\"",
    ]
    listed = {r["kid"]: r for r in json.loads(tokenvend("key", "list", "--json", "--table", stack.table).output)}
    assert listed[stack_kid]["retired_until"] == "2030-03-18T22:11:40Z"


def corrupt_blob(stack, kid):
    import base64
    item = stored(stack)[kid]
    blob = bytearray(base64.b64decode(item["wrapped_key"]))
    blob[-1] ^= 0xFF
    stack.dynamodb.update_item(TableName=stack.table, Key={"pk": {"S": "SIGNING_KEYS"}, "sk": {"S": f"KEY#{kid}"}},
                               UpdateExpression="SET wrapped_key = :w",
                               ExpressionAttributeValues={":w": {"S": base64.b64encode(blob).decode()}})


def wrapping_key(stack) -> str:
    return stack.kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]


def test_key_activate_refuses_an_envelope_key_that_does_not_unwrap(stack):
    _, kid = add_key(stack, "--envelope", "--wrapping-key-id", wrapping_key(stack))
    corrupt_blob(stack, kid)
    before = stored(stack)
    refused = tokenvend("key", "activate", "--force", "--table", stack.table, "--", kid)
    assert refused.exit_code == 1
    assert refused.output == f"Error: signing key {kid} cannot be used: kms:Decrypt: InvalidCiphertextException\n"
    assert stored(stack) == before  # nothing written


def test_key_add_refuses_an_envelope_key_that_does_not_unwrap(stack, monkeypatch):
    from tokenvend_cli.operate import keys as ops_keys
    wrap = ops_keys.new_envelope_key

    def wrapped_wrongly(*args):
        record = wrap(*args)
        return replace(record, kid=record.kid[::-1])  # the context names another kid: Decrypt refuses

    monkeypatch.setattr(ops_keys, "new_envelope_key", wrapped_wrongly)
    result = tokenvend("key", "add", "--envelope", "--wrapping-key-id", wrapping_key(stack), "--signing-key-id",
                       stack.key_arn, "--table", stack.table)
    assert result.exit_code == 1
    assert result.output.startswith("Error: signing key ") and result.output.endswith(
        " cannot be used: kms:Decrypt: InvalidCiphertextException\n")
    assert [i["status"] for i in stored(stack).values()] == ["active"]  # only the stack's key


def test_key_activate_refuses_a_record_whose_kms_key_has_another_thumbprint(stack):
    from tokenvend.adapters.dynamodb_items import serialize, signing_key_to_item
    from tokenvend.model import PENDING, SigningKeyRecord

    add_key(stack)
    other = stack.kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]
    forged = SigningKeyRecord("forged-kid", other, "RS256", PENDING, {}, created_at=1)
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(signing_key_to_item(forged)))
    refused = tokenvend("key", "activate", "--force", "--table", stack.table, "--", "forged-kid")
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: signing key forged-kid cannot be used: the key's RFC 7638 thumbprint is ")
    assert refused.output.endswith(", not the record's kid\n")


def concurrently(monkeypatch, change):
    """Run ``change`` right after a key command has read the records: another operator."""
    from tokenvend_cli.operate import keys as ops_keys
    read = ops_keys.KeyTable.records

    pending = [change]

    def records(self):
        result = read(self)
        while pending:  # once: the other operator's own command reads the table as it is
            pending.pop()()
        return result
    monkeypatch.setattr(ops_keys.KeyTable, "records", records)


def test_key_remove_loses_no_key_activated_meanwhile(stack, monkeypatch):
    _, kid = add_key(stack)
    concurrently(monkeypatch, lambda: tokenvend("key", "activate", "--force", "--table", stack.table, "--", kid))
    refused = tokenvend("key", "remove", "--table", stack.table, "--", kid)  # it was pending when checked
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == (
        f"Error: signing key {kid} changed meanwhile (another key command?); nothing was written: look again "
        "with `tokenvend key list`")
    assert stored(stack)[kid]["status"] == "active"


def test_two_activations_at_once_leave_one_active_key(stack, monkeypatch):
    _, first = add_key(stack)
    _, second = add_key(stack)
    concurrently(monkeypatch, lambda: tokenvend("key", "activate", "--force", "--table", stack.table, "--", second))
    refused = tokenvend("key", "activate", "--force", "--table", stack.table, "--", first)
    assert refused.exit_code == 1
    assert "changed meanwhile" in refused.output
    assert [k for k, i in stored(stack).items() if i["status"] == "active"] == [second]
