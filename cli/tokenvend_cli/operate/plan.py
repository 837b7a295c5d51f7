"""What ``apply`` would change: the config file against the table, record by record.

The rule for the lists inside a record (stated in the README next to ``apply``):

- ``secrets`` are merged. A secret the table holds and the file does not name is kept — it
  may be one `tokenvend client secret add` handed to a caller, whose plaintext no file
  holds — and listed as kept by its index and description; only ``--prune`` removes it.
  A file secret that a stored hash verifies (a plaintext) or equals (a ``hash:``) is that
  stored secret: it keeps its hash and index, and takes the file's description and
  expiration. Any other file secret is added after the stored ones, so the indices that
  ``client secret revoke`` takes do not move. The diff names each secret it adds, removes
  or keeps.
- Every other list — a resource's ``scopes``, a client's ``allowed_scopes``,
  ``allowed_grant_types``, ``claims`` and ``jwks`` keys — is declared by the file: no
  command adds to them outside it, so the file's list is the record's list, and the diff
  names each element it adds or removes.

A plaintext secret in the file is hashed with a fresh salt each time the file is loaded,
so its hash never equals the stored one; because the stored hash is kept, a second
``apply`` of the same file reports no change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from tokenvend import client_secrets
from tokenvend.config import Config
from tokenvend.model import ClientSecret

from .table import KINDS, TableState

ADDED, CHANGED, REMOVED, KEPT = "added", "changed", "removed", "kept"


@dataclass(frozen=True)
class Change:
    action: str
    kind: str
    name: str
    fields: tuple[str, ...] = ()
    record: object = None  # what to write, for added and changed
    kept: tuple[str, ...] = ()  # the record's secrets the file does not name, kept

    def as_json(self) -> dict:
        return {"action": self.action, "kind": self.kind, "name": self.name, "fields": list(self.fields),
                "kept": list(self.kept)}


def secret_label(index: int, secret: ClientSecret) -> str:
    return f"secrets[{index}]" + (f" {secret.description!r}" if secret.description else "")


def _same_secret(stored: ClientSecret, wanted: ClientSecret) -> bool:
    if wanted.plaintext is not None:
        return client_secrets.verify_secret(wanted.plaintext, stored.hash)
    return stored.hash == wanted.hash


@dataclass(frozen=True)
class SecretMerge:
    secrets: tuple[ClientSecret, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def field(self) -> str | None:
        """The diff's ``secrets`` entry, or None when the secrets do not change."""
        parts = [f"adds {a}" for a in self.added] + [f"removes {r}" for r in self.removed]
        parts += [f"updates {u}" for u in self.updated]
        if not parts:
            return None
        return f"secrets (+{len(self.added)} -{len(self.removed)}: " + "; ".join(parts) + ")"


def merge_secrets(wanted: tuple[ClientSecret, ...], stored: tuple[ClientSecret, ...], *, prune: bool) -> SecretMerge:
    """A client's or an api resource's secrets after apply (see the module docstring for the rule)."""
    unmatched = list(wanted)
    result, removed, updated, kept = [], [], [], []
    for index, old in enumerate(stored):
        match = next((w for w in unmatched if _same_secret(old, w)), None)
        if match is None:
            (removed if prune else kept).append(secret_label(index, old))
            if not prune:
                result.append(old)
            continue
        unmatched.remove(match)
        new = replace(match, hash=old.hash)
        if (new.description, new.expiration) != (old.description, old.expiration):
            updated.append(secret_label(len(result), new))
        result.append(new)
    added = []
    for secret in unmatched:
        added.append(secret_label(len(result), secret))
        result.append(secret)
    return SecretMerge(tuple(result), tuple(added), tuple(removed), tuple(updated), tuple(kept))


def _element_names(name: str, value) -> list[str]:
    if name == "claims":
        return [claim for claim, _ in value]
    if name == "jwks":
        return [k.get("kid") or f"keys[{i}]" for i, k in enumerate((value or {}).get("keys", []))]
    return [str(v) for v in value]


LISTS = {"scopes", "allowed_scopes", "allowed_grant_types"}


def _field_diff(name: str, old, new) -> str:
    """A list field with the elements it adds and removes; any other field by its name."""
    if name not in LISTS | {"claims", "jwks"}:
        return name
    before, after = _element_names(name, old), _element_names(name, new)
    parts = [f"+{n}" for n in after if n not in before] + [f"-{n}" for n in before if n not in after]
    return f"{name} ({' '.join(parts)})" if parts else f"{name} (values)"


def _comparable(record, name: str):
    value = getattr(record, name)
    # Claims are a mapping: DynamoDB does not keep a map's order.
    return tuple(sorted(value, key=lambda claim: claim[0])) if name == "claims" else value


def _changed_fields(old, new) -> tuple[str, ...]:
    return tuple(_field_diff(f.name, getattr(old, f.name), getattr(new, f.name)) for f in fields(new)
                 if f.name != "secrets" and _comparable(old, f.name) != _comparable(new, f.name))


def _secrets_record_change(kind: str, name: str, wanted, stored, prune: bool) -> Change | None:
    """A client's or an api resource's change: its secrets merged, its other fields declared."""
    merge = merge_secrets(wanted.secrets, stored.secrets, prune=prune)
    record = replace(wanted, secrets=merge.secrets)
    changed = _changed_fields(stored, record)
    secrets = merge.field()
    if secrets:
        changed = (secrets, *changed)
    if not changed and not merge.kept:
        return None
    return Change(CHANGED if changed else KEPT, kind, name, changed, record, merge.kept)


def plan(config: Config, state: TableState, *, prune: bool) -> list[Change]:
    desired = {
        "api_scope": {s.name: s for s in config.api_scopes},
        "api_resource": {r.name: r for r in config.api_resources},
        "client": {c.client_id: c for c in config.clients},
    }
    changes = []
    for kind in KINDS:
        current = state.records[kind]
        for name, record in desired[kind].items():
            old = current.get(name)
            if old is None:
                changes.append(Change(ADDED, kind, name, record=record))
            elif kind in ("client", "api_resource"):
                if change := _secrets_record_change(kind, name, record, old, prune):
                    changes.append(change)
            elif changed := _changed_fields(old, record):
                changes.append(Change(CHANGED, kind, name, changed, record))
        for name in current:
            if name not in desired[kind]:
                changes.append(Change(REMOVED if prune else KEPT, kind, name))
    return changes


def summary(changes: list[Change]) -> dict[str, int]:
    return {action: sum(c.action == action for c in changes) for action in (ADDED, CHANGED, REMOVED)}
