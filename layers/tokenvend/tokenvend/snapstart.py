"""Lambda SnapStart (python3.13, the template's ``SnapStart=true``): what a restored
snapshot must not share, and why.

Lambda takes one snapshot of an initialized function and resumes every new execution
environment from it, so whatever init left in memory is the same in all of them, and is
as old as the snapshot. "To maintain uniqueness when using SnapStart, you must generate
unique content after initialization" (Lambda's *Handling uniqueness with SnapStart*). The
hooks come from ``snapshot_restore_py``, which only Lambda's managed runtimes have;
elsewhere ``install`` does nothing.

- ``jti`` (RFC 9068 §2.2, "unique identifier"): ``claims.new_jti`` draws each one from
  ``secrets.token_urlsafe``, i.e. ``os.urandom``, the kernel's generator read at every
  call — no user-space state is captured, so nothing needs re-seeding for it. The
  ``random`` module's state *is* in the snapshot: it is re-seeded after restore anyway, so
  that no dependency drawing from it repeats another environment's sequence.
- Caches (clients, catalog, key records): their expiry is kept on ``time.monotonic()``,
  which after a restore bears no relation to the clock of the snapshot, so an entry could
  outlive its TTL by however long the snapshot is old. They are emptied after restore.
- Envelope keys: the unwrapped private key must never be written into a snapshot (it
  would then persist as long as the function version does). It is dropped before the
  snapshot; the first token after restore decrypts it again (one ``kms:Decrypt``).
- boto3 connections: a socket opened before the snapshot is dead after restore; using it
  would fail and spend the request's only retry. The clients' connection pools are closed
  before the snapshot, so the first call after restore opens a fresh connection.
"""

from __future__ import annotations

import random


def _clients(container) -> list:
    return [c for c in (*container.store.aws_clients(), *container.keys.aws_clients()) if c is not None]


def before_snapshot(container) -> None:
    """Drop unwrapped private keys and close every AWS connection."""
    container.keys.drop_signers()
    for client in _clients(container):
        client._endpoint.http_session.close()


def after_restore(container) -> None:
    """Empty the caches timed on the snapshot's clock; give ``random`` fresh entropy."""
    container.store.forget()
    container.keys.forget()
    random.seed()


def install(container) -> bool:
    """Register the hooks for ``container`` (the function's ``bootstrap.build()``); False
    where the runtime has no SnapStart hooks (anywhere but Lambda's managed runtimes)."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot, container)
    register_after_restore(after_restore, container)
    return True
