"""The KeySource of a deployment: the signing-key records in the table, or the stack's key.

One Query reads every record; like clients and the catalog, the result is kept on a warm
function for the cache TTL, so an activation reaches every function within it.

No record is trusted as written (DESIGN.md "Signing"): each is proven once per container
(``tokenvend.adapters.key_proof``: KMS ``GetPublicKey``, or the unwrapped private half of
an envelope key) before it is published or signs, and the JWKS is built from the proven
public half only. A record that is malformed or fails its proof is skipped and logged once;
the other keys and every endpoint keep working. A failed proof is retried after
``PROOF_RETRY`` seconds, not on every request, so a key that does not unwrap costs one KMS
``Decrypt`` per container and retry period, not one per token.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from ..errors import ServerError
from ..key_lifecycle import active_keys, published
from ..model import SigningKeyRecord
from .dynamodb import DEFAULT_TTL, query_partition
from .dynamodb_items import SIGNING_KEYS_PK, item_to_signing_key
from .key_proof import KeyRefused, claims_other_key, prove
from .kms import KMS_ALGORITHMS, KmsSigner

logger = logging.getLogger(__name__)
PROOF_RETRY = 30.0
MAX_REMEMBERED = 256  # proofs and logged refusals kept per container: hand-written records are few


@dataclass(frozen=True)
class PublicHalf:
    """What a KeyRing that only publishes keeps of a proven key: never an unwrapped private half."""

    alg: str
    jwk: dict

    def public_jwk(self) -> dict:
        return self.jwk


def _fingerprint(record: SigningKeyRecord) -> tuple:
    """What a proof depends on: a record edited in any of these is proven again."""
    return (record.kid, record.key_id, record.alg, record.wrapped_key, json.dumps(record.public_jwk, sort_keys=True))


class KeyRing:
    """``signs=False`` for the discovery function: it proves and publishes keys, and keeps
    only their public halves (an envelope key's private half is dropped once proven)."""

    def __init__(self, table_name: str, dynamodb, kms, default: KmsSigner, *, ttl: float = DEFAULT_TTL,
                 clock=time.monotonic, now=time.time, signs: bool = True):
        self.table_name, self._ddb, self._kms, self.default = table_name, dynamodb, kms, default
        self.ttl, self._clock, self._now, self.signs = ttl, clock, now, signs
        self._records: tuple[float, list[SigningKeyRecord]] | None = None
        self._proofs: dict[tuple, tuple[object | None, float]] = {}  # fingerprint -> (signer, retry at)
        self._logged: set[tuple] = set()

    def _report(self, what: str, reason: str, level=logging.ERROR) -> None:
        """Log a skipped (or, at WARNING, a suspicious) record once per container and reason."""
        reason = reason[:300]  # a hand-written value may be long
        if (what, reason) in self._logged:
            return
        if len(self._logged) >= MAX_REMEMBERED:
            self._logged.clear()
        self._logged.add((what, reason))
        message = "signing key record refused" if level == logging.ERROR else "signing key record altered"
        logger.log(level, message, extra={"record": what, "reason": reason})

    def drop_signers(self) -> None:
        """Forget every proven signer, and with it any unwrapped private key (SnapStart's
        before-snapshot hook); the next use proves the key again."""
        self._proofs.clear()

    def forget(self) -> None:
        """Drop the cached records and signers (SnapStart's after-restore hook)."""
        self._records = None
        self.drop_signers()

    def aws_clients(self) -> list:
        return [self._ddb, self._kms]

    def records(self) -> list[SigningKeyRecord]:
        """The well-formed records (cached for the TTL); a malformed one is skipped."""
        now = self._clock()
        if self._records and self._records[0] > now:
            return self._records[1]
        records = []
        for item in query_partition(self._ddb, self.table_name, SIGNING_KEYS_PK):
            try:
                records.append(item_to_signing_key(item))
            except ValueError as exc:
                self._report(str(item.get("sk"))[:200], f"malformed record: {exc}")
        self._records = (now + self.ttl, records)
        return records

    def _proven(self, record: SigningKeyRecord):
        """The record's Signer once proven, else None (refused, retried after PROOF_RETRY)."""
        key, now = _fingerprint(record), self._clock()
        signer, retry_at = self._proofs.get(key, (None, 0.0))
        if signer is not None or now < retry_at:
            return signer
        try:
            signer = prove(record, self._kms)
            if not self.signs:
                signer = PublicHalf(signer.alg, signer.public_jwk())
            if claims_other_key(record, signer.public_jwk()):
                self._report(f"KEY#{record.kid}"[:200], "public_jwk is not the key's public half; "
                             "the key proven from KMS is published instead", level=logging.WARNING)
        except KeyRefused as exc:
            self._report(f"KEY#{record.kid}"[:200], str(exc))
        if len(self._proofs) >= MAX_REMEMBERED:
            self._proofs = {k: v for k, v in self._proofs.items() if v[0] is not None}
        self._proofs[key] = (signer, now + PROOF_RETRY)
        return signer

    def signing_key(self):
        """The proven active key; should two be active (a hand edit), the last activated
        that proves its key signs."""
        if not self.signs:
            raise RuntimeError("this KeyRing only publishes keys (signs=False)")
        records = self.records()
        if not records:
            return self.default
        active = active_keys(records)
        for record in active:
            signer = self._proven(record)
            if signer is not None:
                return signer
        reason = ("no active signing key: activate one with `tokenvend key activate`" if not active else
                  f"the active signing key {active[0].kid} was refused (see the log line 'signing key record refused')")
        raise ServerError("The authorization server could not complete the request.", reasons=[reason])

    def published_keys(self) -> list[dict]:
        records = self.records()
        if not records:
            return [self.default.public_jwk()]
        signers = (self._proven(r) for r in published(records, self._now()))
        return [s.public_jwk() for s in signers if s is not None]

    def signing_algorithms(self) -> list[str]:
        """The algorithms of the published keys, from the records alone: the discovery
        document needs no signer, and answers even when no key is active. (A record the
        proof would refuse may add its algorithm here; it names an algorithm, not a key.)"""
        records = self.records()
        if not records:
            return [self.default.alg]
        algs = {r.alg for r in published(records, self._now()) if r.alg in KMS_ALGORITHMS}
        return sorted(algs) or [self.default.alg]
