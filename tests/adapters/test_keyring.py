"""The KeyRing on moto: the stack's key alone, then records in the table taking over."""

from __future__ import annotations

from dataclasses import replace

import jwt
import pytest

from tokenvend.adapters.dynamodb_items import serialize, signing_key_to_item
from tokenvend.adapters.keyring import PROOF_RETRY, KeyRing
from tokenvend.adapters.kms import KmsSigner
from tokenvend.errors import ServerError
from tokenvend.jws import encode
from tokenvend.model import ACTIVE, PENDING, RETIRED, SigningKeyRecord


def new_record(stack, status, alg="ES256", spec="ECC_NIST_P256", **kw):
    arn = stack.kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=spec)["KeyMetadata"]["Arn"]
    jwk = KmsSigner(arn, alg, stack.kms).public_jwk()
    record = SigningKeyRecord(jwk["kid"], arn, alg, status, jwk, **kw)
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(signing_key_to_item(record)))
    return record


def ring(stack, now=2_000_000_000.0):
    default = KmsSigner(stack.key_arn, "RS256", stack.kms)
    return KeyRing(stack.table, stack.dynamodb, stack.kms, default, ttl=0, now=lambda: now)


def test_without_records_the_stacks_key_signs_and_is_published(stack):
    keys = ring(stack)
    assert keys.signing_key() is keys.default
    assert keys.published_keys() == [keys.default.public_jwk()]


def test_records_take_over_signing_and_publishing(stack):
    current = new_record(stack, ACTIVE, created_at=2, activated_at=2)
    upcoming = new_record(stack, PENDING, created_at=3)
    old = new_record(stack, RETIRED, created_at=1, retired_at=1_999_999_000)
    gone = new_record(stack, RETIRED, created_at=0, retired_at=1)
    keys = ring(stack)

    signer = keys.signing_key()
    assert (signer.kid(), signer.alg) == (current.kid, "ES256")
    assert [k["kid"] for k in keys.published_keys()] == [old.kid, current.kid, upcoming.kid]
    assert gone.kid not in [k["kid"] for k in keys.published_keys()]
    # and a token it signs verifies with the published key of that kid
    token = encode({"alg": "ES256", "kid": signer.kid(), "typ": "at+jwt"}, {"sub": "c"}, signer)
    jwk = next(k for k in keys.published_keys() if k["kid"] == jwt.get_unverified_header(token)["kid"])
    assert jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["ES256"]) == {"sub": "c"}


def test_records_without_an_active_key_are_a_server_error(stack):
    new_record(stack, PENDING)
    with pytest.raises(ServerError) as caught:
        ring(stack).signing_key()
    assert caught.value.reasons == ["no active signing key: activate one with `tokenvend key activate`"]


# --- what a table write can and cannot do (an attacker with table access) -------------------

def attacker_key():
    from tokenvend.jwk import jwk_for
    from unit.fakes import private_key

    private = private_key("RS256", "attacker")  # one for the run; never a key the stack has
    return private, jwk_for(private.public_key(), "RS256")


def write(stack, item: dict) -> None:
    stack.dynamodb.put_item(TableName=stack.table, Item=serialize(item))


def attacker_token(private, kid) -> str:
    return jwt.encode({"sub": "attacker", "scope": "api1 admin", "exp": 2_031_536_000}, private,
                      algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})


def verifies(token_value: str, keys: list[dict]) -> bool:
    kid = jwt.get_unverified_header(token_value)["kid"]
    jwk = next((k for k in keys if k["kid"] == kid), None)
    if jwk is None:
        return False
    try:
        jwt.decode(token_value, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]], options={"verify_exp": False})
    except jwt.InvalidTokenError:
        return False
    return True


def test_a_record_naming_a_key_kms_does_not_have_is_neither_published_nor_used(stack, caplog):
    current = new_record(stack, ACTIVE, created_at=2, activated_at=2)
    private, jwk = attacker_key()
    forged = SigningKeyRecord(jwk["kid"], "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
                              "RS256", ACTIVE, jwk, created_at=3, activated_at=3)  # "activated" last
    write(stack, signing_key_to_item(forged))
    keys = ring(stack)

    assert [k["kid"] for k in keys.published_keys()] == [current.kid]
    assert keys.signing_key().kid() == current.kid
    assert not verifies(attacker_token(private, jwk["kid"]), keys.published_keys())
    refused = [r for r in caplog.records if r.getMessage() == "signing key record refused"]
    assert [(r.record, r.reason) for r in refused] == [(f"KEY#{jwk['kid']}", "kms:GetPublicKey: NotFoundException")]


def test_a_replaced_public_jwk_is_never_published(stack, caplog):
    current = new_record(stack, ACTIVE, "RS256", "RSA_2048", created_at=2, activated_at=2)
    private, jwk = attacker_key()
    write(stack, signing_key_to_item(replace(current, public_jwk=jwk)))  # the kid stays
    keys = ring(stack)

    published_keys = keys.published_keys()
    assert published_keys == [current.public_jwk]  # KMS's public half, not the record's
    signer = keys.signing_key()
    token = encode({"alg": "RS256", "kid": signer.kid(), "typ": "at+jwt"}, {"sub": "c"}, signer)
    assert verifies(token, published_keys)  # legitimate tokens still verify
    assert not verifies(attacker_token(private, current.kid), published_keys)
    altered = [r for r in caplog.records if r.getMessage() == "signing key record altered"]
    assert [r.reason for r in altered] == [
        "public_jwk is not the key's public half; the key proven from KMS is published instead"]


def test_a_kms_key_under_another_kid_is_refused(stack):
    arn = stack.kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]
    _, jwk = attacker_key()
    write(stack, signing_key_to_item(SigningKeyRecord(jwk["kid"], arn, "RS256", PENDING, jwk, created_at=1)))
    current = new_record(stack, ACTIVE, created_at=2, activated_at=2)
    assert [k["kid"] for k in ring(stack).published_keys()] == [current.kid]


def test_private_members_in_a_record_are_never_published(stack):
    from tokenvend.adapters.envelope import new_envelope_key

    wrapping = stack.kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
    record = new_envelope_key(stack.kms, wrapping, "ES256", ACTIVE, 1)
    leaky = {**record.public_jwk, "d": "c2VjcmV0", "p": "cA", "q": "cQ", "dp": "ZHA", "dq": "ZHE", "qi": "cWk"}
    write(stack, signing_key_to_item(replace(record, public_jwk=leaky, activated_at=1)))
    kms_record = new_record(stack, PENDING, created_at=2)
    write(stack, signing_key_to_item(replace(kms_record, public_jwk={**kms_record.public_jwk, "d": "c2VjcmV0"})))

    published_keys = ring(stack).published_keys()
    assert [sorted(k) for k in published_keys] == [["alg", "crv", "kid", "kty", "use", "x", "y"]] * 2


@pytest.mark.parametrize("edit,reason", [
    ({"public_jwk": "not json"}, "malformed record: public_jwk is not JSON"),
    ({"alg": None}, "malformed record: alg is missing or not a string"),
    ({"status": "enabled"}, "malformed record: status 'enabled' is not one of pending, active, retired"),
    ({"created_at": "yesterday"}, "malformed record: created_at is missing or not a whole number"),
    ({"kid": "other"}, "malformed record: kid differs from the item's sort key"),
])
def test_a_malformed_record_is_skipped_and_logged_once(stack, caplog, edit, reason):
    current = new_record(stack, ACTIVE, created_at=2, activated_at=2)
    broken = new_record(stack, PENDING, created_at=3)
    item = {k: v for k, v in {**signing_key_to_item(broken), **edit}.items() if v is not None}
    write(stack, item)
    keys = ring(stack)

    for _ in range(3):
        assert keys.signing_key().kid() == current.kid
        assert [k["kid"] for k in keys.published_keys()] == [current.kid]
        assert keys.signing_algorithms() == ["ES256"]
    refused = [r for r in caplog.records if r.getMessage() == "signing key record refused"]
    assert [(r.record, r.reason) for r in refused] == [(f"KEY#{broken.kid}", reason)]


def test_without_an_active_key_the_algorithms_are_still_known(stack):
    new_record(stack, PENDING, created_at=1)
    keys = ring(stack)
    assert keys.signing_algorithms() == ["ES256"]
    with pytest.raises(ServerError):
        keys.signing_key()


# --- envelope keys that do not unwrap ----------------------------------------------------

class CountingKms:
    """The moto KMS client, counting the calls made through it."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def __getattr__(self, name):
        def call(**params):
            self.calls.append(name)
            return getattr(self.client, name)(**params)
        return call


def envelope_record(stack, status=ACTIVE, **kw):
    from tokenvend.adapters.envelope import new_envelope_key

    wrapping = stack.kms.create_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
    record = replace(new_envelope_key(stack.kms, wrapping, "ES256", status, 1), **kw)
    write(stack, signing_key_to_item(record))
    return record


def corrupt(stack, record):
    import base64
    blob = bytearray(base64.b64decode(record.wrapped_key))
    blob[-1] ^= 0xFF
    write(stack, signing_key_to_item(replace(record, wrapped_key=base64.b64encode(bytes(blob)).decode())))


def test_a_key_that_does_not_unwrap_costs_one_decrypt_per_retry_period(stack, caplog):
    record = envelope_record(stack, activated_at=1)
    corrupt(stack, record)
    t = [0.0]
    kms = CountingKms(stack.kms)
    keys = KeyRing(stack.table, stack.dynamodb, kms, KmsSigner(stack.key_arn, "RS256", kms), ttl=0,
                   clock=lambda: t[0], now=lambda: 2_000_000_000.0)

    for _ in range(21):
        with pytest.raises(ServerError) as caught:
            keys.signing_key()
    assert caught.value.reasons == [
        f"the active signing key {record.kid} was refused (see the log line 'signing key record refused')"]
    assert kms.calls == ["decrypt"]
    t[0] = PROOF_RETRY  # retried once the retry period has passed
    with pytest.raises(ServerError):
        keys.signing_key()
    assert kms.calls == ["decrypt", "decrypt"]
    refused = [r for r in caplog.records if r.getMessage() == "signing key record refused"]
    assert [r.reason for r in refused] == ["kms:Decrypt: InvalidCiphertextException"]


def test_a_blob_corrupted_on_an_active_key_is_found_within_the_cache_ttl(stack):
    record = envelope_record(stack, activated_at=1)
    keys = ring(stack)
    assert keys.signing_key().kid() == record.kid
    corrupt(stack, record)  # the warm function has the key unwrapped already
    with pytest.raises(ServerError):
        keys.signing_key()
    assert keys.published_keys() == []
