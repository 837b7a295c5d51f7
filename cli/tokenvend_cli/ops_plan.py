"""What ``apply`` would change: the config file against the table, record by record.

A plaintext secret in the file is hashed with a fresh salt each time the file is loaded,
so its hash never equals the stored one; when a stored hash of the same client already
verifies the plaintext, that stored hash is kept and the secret counts as unchanged. So
a second ``apply`` of the same file reports no change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from tokenvend import client_secrets
from tokenvend.config import Config
from .ops_table import KINDS, TableState

ADDED, CHANGED, REMOVED, KEPT = "added", "changed", "removed", "kept"


@dataclass(frozen=True)
class Change:
    action: str
    kind: str
    name: str
    fields: tuple[str, ...] = ()
    record: object = None  # what to write, for added and changed

    def as_json(self) -> dict:
        return {"action": self.action, "kind": self.kind, "name": self.name, "fields": list(self.fields)}


def keep_stored_hashes(record, stored):
    """Replace the fresh hash of each plaintext secret that a stored hash already verifies
    (a client's secrets, or an api resource's)."""
    if stored is None:
        return record
    secrets = []
    for secret in record.secrets:
        if secret.plaintext is not None:
            match = next((s for s in stored.secrets if client_secrets.verify_secret(secret.plaintext, s.hash)), None)
            if match is not None:
                secret = replace(secret, hash=match.hash)
        secrets.append(secret)
    return replace(record, secrets=tuple(secrets))


def _comparable(record, name: str):
    value = getattr(record, name)
    # Claims are a mapping: DynamoDB does not keep a map's order.
    return tuple(sorted(value, key=lambda claim: claim[0])) if name == "claims" else value


def _changed_fields(old, new) -> tuple[str, ...]:
    changed = []
    for f in fields(new):
        if _comparable(old, f.name) == _comparable(new, f.name):
            continue
        if f.name == "secrets":
            before, after = {s.hash for s in old.secrets}, {s.hash for s in new.secrets}
            counts = f"+{len(after - before)} -{len(before - after)}"
            changed.append(f"secrets ({counts})" if before != after else "secrets (descriptions or expirations)")
        else:
            changed.append(f.name)
    return tuple(changed)


def plan(config: Config, state: TableState, *, prune: bool) -> list[Change]:
    desired = {
        "api_scope": {s.name: s for s in config.api_scopes},
        "api_resource": {r.name: keep_stored_hashes(r, state.api_resources.get(r.name)) for r in config.api_resources},
        "client": {c.client_id: keep_stored_hashes(c, state.clients.get(c.client_id)) for c in config.clients},
    }
    changes = []
    for kind in KINDS:
        current = state.records[kind]
        for name, record in desired[kind].items():
            old = current.get(name)
            if old is None:
                changes.append(Change(ADDED, kind, name, record=record))
            elif changed := _changed_fields(old, record):
                changes.append(Change(CHANGED, kind, name, changed, record))
        for name in current:
            if name not in desired[kind]:
                changes.append(Change(REMOVED if prune else KEPT, kind, name))
    return changes


def summary(changes: list[Change]) -> dict[str, int]:
    return {action: sum(c.action == action for c in changes) for action in (ADDED, CHANGED, REMOVED)}
