"""The KeySource of a deployment: the signing-key records in the table, or the stack's key.

One Query reads every record; like clients and the catalog, the result is kept on a warm
function for the cache TTL, so an activation reaches every function within it. Signers
are kept per KMS key, so a key's public half is never fetched twice in a container.
"""

from __future__ import annotations

import time

from ..errors import ServerError
from ..key_lifecycle import active_key, published
from ..model import SigningKeyRecord
from .dynamodb import DEFAULT_TTL, query_partition
from .dynamodb_items import SIGNING_KEYS_PK, item_to_signing_key
from .envelope import EnvelopeSigner
from .kms import KmsSigner


class KeyRing:
    def __init__(self, table_name: str, dynamodb, kms, default: KmsSigner, *, ttl: float = DEFAULT_TTL,
                 clock=time.monotonic, now=time.time):
        self.table_name, self._ddb, self._kms, self.default = table_name, dynamodb, kms, default
        self.ttl, self._clock, self._now = ttl, clock, now
        self._records: tuple[float, list[SigningKeyRecord]] | None = None
        self._signers: dict[str, KmsSigner] = {}

    def records(self) -> list[SigningKeyRecord]:
        now = self._clock()
        if self._records and self._records[0] > now:
            return self._records[1]
        records = [item_to_signing_key(i) for i in query_partition(self._ddb, self.table_name, SIGNING_KEYS_PK)]
        self._records = (now + self.ttl, records)
        return records

    def _signer(self, record: SigningKeyRecord):
        signer = self._signers.get(record.kid)
        if signer is None:
            signer = (EnvelopeSigner(record, self._kms) if record.wrapped_key
                      else KmsSigner(record.key_id, record.alg, self._kms, record.public_jwk))
            self._signers[record.kid] = signer
        return signer

    def signing_key(self):
        records = self.records()
        if not records:
            return self.default
        record = active_key(records)
        if record is None:
            raise ServerError("The authorization server could not complete the request.",
                              reasons=["no active signing key: activate one with `tokenvend key activate`"])
        return self._signer(record)

    def published_keys(self) -> list[dict]:
        records = self.records()
        if not records:
            return [self.default.public_jwk()]
        return [self._signer(r).public_jwk() for r in published(records, self._now())]
