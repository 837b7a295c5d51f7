"""The KeyRing on moto: the stack's key alone, then records in the table taking over."""

from __future__ import annotations

import jwt
import pytest

from tokenvend.adapters.dynamodb_items import serialize, signing_key_to_item
from tokenvend.adapters.keyring import KeyRing
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
