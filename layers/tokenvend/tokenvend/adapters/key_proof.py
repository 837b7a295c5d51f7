"""Proving a key record before it is published or signs (DESIGN.md "Signing").

A record in the table is a claim, and a table write must not be enough to publish a key or
to sign with one. So the public half never comes from the record: for a KMS key it is what
KMS ``GetPublicKey`` answers for the record's key, and its RFC 7638 thumbprint must be the
record's kid; for an envelope key it is derived from the private half that KMS ``Decrypt``
unwraps under the encryption context naming that kid. A record whose algorithm the key
cannot make is refused as well. The record's own ``public_jwk`` is never published: a
record whose ``public_jwk`` differs from the proven key is reported (``claims_other_key``)
but its key, proven, still serves — otherwise a table write could take verification of
every legitimate token down.

A KMS answer that says the record is wrong (no such key, disabled, not our ciphertext,
access denied) refuses the record (``KeyRefused``); throttling or an outage stays a
dependency failure (``tokenvend.adapters.aws.aws_errors``), so a JWKS is never published
short of a key only because KMS was busy.

cryptography (and with it the envelope signer) is imported where a record is first proven,
not at init: the first request that reads the keys needs it, a function's init does not.
"""

from __future__ import annotations

import base64
import binascii
import contextlib

from botocore.exceptions import ClientError

from ..jwk import THUMBPRINT_MEMBERS, jwk_for
from ..model import SigningKeyRecord
from .aws import THROTTLING_CODES, aws_errors
from .kms import KMS_ALGORITHMS, KmsSigner, kms_public_jwk

TRANSIENT_CODES = THROTTLING_CODES | {
    "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException",
    "InternalFailure", "InternalError", "ServiceUnavailable",
}


class KeyRefused(ValueError):
    """The record does not prove its key: it is neither published nor used."""


@contextlib.contextmanager
def refusing(operation: str):
    with aws_errors(operation):
        try:
            yield
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in TRANSIENT_CODES:
                raise
            raise KeyRefused(f"{operation}: {code}") from None


def _unwrap(record: SigningKeyRecord, kms):
    from cryptography.hazmat.primitives import serialization

    from .envelope import encryption_context

    try:
        blob = base64.b64decode(record.wrapped_key, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRefused("wrapped_key is not base64") from None
    with refusing("kms:Decrypt"):
        plaintext = kms.decrypt(CiphertextBlob=blob, KeyId=record.key_id,
                                EncryptionContext=encryption_context(record.kid))["Plaintext"]
    try:
        return serialization.load_der_private_key(plaintext, password=None)
    except (TypeError, ValueError):
        raise KeyRefused("wrapped_key does not unwrap to a private key") from None


def prove(record: SigningKeyRecord, kms):
    """The record's Signer, its ``public_jwk()`` proven; KeyRefused saying why not."""
    if record.alg not in KMS_ALGORITHMS:
        raise KeyRefused(f"alg {record.alg!r} is not one of {', '.join(KMS_ALGORITHMS)}")
    try:
        if record.wrapped_key:
            from .envelope import EnvelopeSigner

            private = _unwrap(record, kms)
            jwk = jwk_for(private.public_key(), record.alg)
            signer = EnvelopeSigner(record, private, jwk)
        else:
            with refusing("kms:GetPublicKey"):
                response = kms.get_public_key(KeyId=record.key_id)
            jwk = kms_public_jwk(response, record.key_id, record.alg)
            signer = KmsSigner(record.key_id, record.alg, kms, jwk)
    except KeyRefused:
        raise
    except ValueError as exc:  # the key cannot make record.alg signatures
        raise KeyRefused(str(exc)) from None
    if jwk["kid"] != record.kid:
        raise KeyRefused(f"the key's RFC 7638 thumbprint is {jwk['kid']}, not the record's kid")
    return signer


def claims_other_key(record: SigningKeyRecord, proven: dict) -> bool:
    """True when the record's ``public_jwk`` is not the proven key's public half."""
    members = THUMBPRINT_MEMBERS[proven["kty"]]
    return bool(record.public_jwk) and any(record.public_jwk.get(k) != proven[k] for k in members)
