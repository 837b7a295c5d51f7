"""The signing-key records as the key commands read and write them: the layer's
``SigningKeyTable`` (conditional writes, keys proven as the functions prove them), with its
refusals said the operator's way."""

from __future__ import annotations

import contextlib

from tokenvend.adapters.key_proof import KeyRefused
from tokenvend.adapters.key_table import KeyChanged, SigningKeyTable
from tokenvend.errors import OAuthError
from tokenvend.model import SigningKeyRecord

from .output import OpsError, warn
from .target import Target


@contextlib.contextmanager
def _checked_state():
    try:
        yield
    except KeyChanged as exc:
        raise OpsError(f"signing key {exc.kids} changed meanwhile (another key command?); nothing was "
                       "written: look again with `tokenvend key list`") from None


class KeyTable(SigningKeyTable):
    def __init__(self, target: Target):
        super().__init__(target.table, target.client("dynamodb"), target.client("kms"))
        self.target = target

    def records(self) -> list[SigningKeyRecord]:
        """The well-formed records; a malformed one is named on stderr (the functions skip it)."""
        records, malformed = self.read()
        for sk, why in malformed:
            warn(f"key record {sk!r} is malformed ({why}); the functions skip it")
        return records

    def put_new(self, record: SigningKeyRecord) -> None:
        with _checked_state():
            super().put_new(record)

    def replace(self, changes: list[tuple[SigningKeyRecord, SigningKeyRecord]]) -> None:
        with _checked_state():
            super().replace(changes)

    def delete(self, checked: SigningKeyRecord) -> None:
        with _checked_state():
            super().delete(checked)

    def prove(self, record: SigningKeyRecord) -> None:
        """Refuse a record the functions would refuse: its public half must be proven."""
        try:
            super().prove(record)
        except (KeyRefused, OAuthError) as exc:
            reasons = getattr(exc, "reasons", None) or [str(exc)]
            raise OpsError(f"signing key {record.kid} cannot be used: {'; '.join(reasons)}") from None
