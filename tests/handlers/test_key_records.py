"""Key records as an attacker or a careless hand edit leaves them, seen by the functions:
a bad record is skipped and logged once, the other keys and every endpoint keep working
(DESIGN.md "Signing"). The records are written to the table directly."""

from __future__ import annotations

import base64
from dataclasses import replace

import jwt
import pytest

from support import body, load_event
from tokenvend.adapters.dynamodb_items import serialize, signing_key_to_item
from tokenvend.adapters.envelope import new_envelope_key
from tokenvend.adapters.kms import KmsSigner
from tokenvend.model import ACTIVE, PENDING, SigningKeyRecord
from tokenvend_cli.local.seed import seed

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def write(stack, item: dict) -> None:
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(item))


def stack_key_record(stack) -> SigningKeyRecord:
    jwk = KmsSigner(stack.key_arn, "RS256", stack.kms).public_jwk()
    record = SigningKeyRecord(jwk["kid"], stack.key_arn, "RS256", ACTIVE, jwk, created_at=1, activated_at=1)
    write(stack, signing_key_to_item(record))
    return record


def refusals(functions) -> list[str]:
    return [line for line in functions.log_lines if '"message":"signing key record refused"' in line]


@pytest.mark.parametrize("edit", [{"public_jwk": "not json"}, {"alg": None}])
def test_a_malformed_record_leaves_every_endpoint_working(deployed, stack, quickstart, edit):
    seed(stack.dynamodb, stack.table, quickstart)
    current = stack_key_record(stack)
    broken = {**signing_key_to_item(replace(current, kid="broken", status=PENDING, created_at=2)), **edit}
    write(stack, {k: v for k, v in broken.items() if v is not None})
    functions = deployed.start(cache_ttl="0")

    for _ in range(2):
        issued = functions.token_call(load_event("token-client-secret-basic.json"))
        assert issued["statusCode"] == 200
        assert jwt.get_unverified_header(body(issued)["access_token"])["kid"] == current.kid
        document = functions.discovery_call(load_event("discovery.json"))
        assert (document["statusCode"], body(document)["id_token_signing_alg_values_supported"]) == (200, ["RS256"])
        key_set = functions.discovery_call(load_event("jwks.json"))
        assert (key_set["statusCode"], [k["kid"] for k in body(key_set)["keys"]]) == (200, [current.kid])
    # logged once per function (token, discovery), not once per request
    assert len(refusals(functions)) == 2
    assert '"record":"KEY#broken"' in refusals(functions)[0]


def test_discovery_answers_while_no_key_is_active(deployed, stack, quickstart):
    seed(stack.dynamodb, stack.table, quickstart)
    write(stack, signing_key_to_item(replace(stack_key_record(stack), status=PENDING, activated_at=None)))
    functions = deployed.start(cache_ttl="0")

    document = functions.discovery_call(load_event("discovery.json"))
    assert document["statusCode"] == 200
    assert body(document)["id_token_signing_alg_values_supported"] == ["RS256"]
    assert functions.discovery_call(load_event("jwks.json"))["statusCode"] == 200
    refused = functions.token_call(load_event("token-client-secret-basic.json"))
    assert refused["statusCode"] == 500
    assert body(refused) == {"error": "server_error",
                             "error_description": "The authorization server could not complete the request."}


def test_an_active_envelope_key_that_does_not_unwrap_is_a_server_error_without_a_decrypt_per_request(
        deployed, stack, quickstart):
    seed(stack.dynamodb, stack.table, quickstart)
    wrapping = stack.kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
    record = new_envelope_key(stack.kms, wrapping, "RS256", ACTIVE, 1)
    blob = bytearray(base64.b64decode(record.wrapped_key))
    blob[-1] ^= 0xFF
    write(stack, signing_key_to_item(replace(record, activated_at=1, wrapped_key=base64.b64encode(blob).decode())))
    functions = deployed.start(cache_ttl="0")
    kms = functions.token.container.keys._kms
    decrypts = []
    kms.meta.events.register("before-call.kms.Decrypt", lambda **kw: decrypts.append(1))

    for _ in range(21):
        response = functions.token_call(load_event("token-client-secret-basic.json"))
        assert response["statusCode"] == 500
        assert {k: response["headers"][k] for k in NO_STORE} == NO_STORE
        assert body(response)["error"] == "server_error"
    assert len(decrypts) == 1
    assert len(refusals(functions)) == 1
    assert "kms:Decrypt: InvalidCiphertextException" in refusals(functions)[0]


def test_discovery_publishes_an_envelope_key_and_keeps_only_its_public_half(deployed, stack, quickstart):
    from tokenvend.adapters.envelope import EnvelopeSigner

    seed(stack.dynamodb, stack.table, quickstart)
    wrapping = stack.kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
    record = new_envelope_key(stack.kms, wrapping, "ES256", ACTIVE, 1)
    write(stack, signing_key_to_item(replace(record, activated_at=1)))
    functions = deployed.start(cache_ttl="0")

    key_set = functions.discovery_call(load_event("jwks.json"))
    assert body(key_set)["keys"] == [record.public_jwk]
    issued = functions.token_call(load_event("token-client-secret-basic.json"))
    assert jwt.get_unverified_header(body(issued)["access_token"])["kid"] == record.kid
    kept = [proof for proof, _ in functions.discovery.container.keys._proofs.values()]
    assert kept and not any(isinstance(k, EnvelopeSigner) for k in kept)
    assert any(isinstance(k, EnvelopeSigner) for k, _ in functions.token.container.keys._proofs.values())


def test_a_forged_record_neither_reaches_the_jwks_nor_lets_its_token_through(deployed, stack, quickstart):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from tokenvend.jwk import jwk_for

    seed(stack.dynamodb, stack.table, quickstart)
    current = stack_key_record(stack)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwk_for(attacker.public_key(), "RS256")
    missing = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    write(stack, signing_key_to_item(SigningKeyRecord(jwk["kid"], missing, "RS256", PENDING, jwk, created_at=2)))
    functions = deployed.start(cache_ttl="0")

    key_set = body(functions.discovery_call(load_event("jwks.json")))
    assert [k["kid"] for k in key_set["keys"]] == [current.kid]
    forged = jwt.encode({"iss": "x", "sub": "attacker", "scope": "api1 admin", "exp": 2_000_000_000}, attacker,
                        algorithm="RS256", headers={"kid": jwk["kid"], "typ": "at+jwt"})
    assert jwt.get_unverified_header(forged)["kid"] not in {k["kid"] for k in key_set["keys"]}
    assert len(refusals(functions)) == 1 and "kms:GetPublicKey: NotFoundException" in refusals(functions)[0]
