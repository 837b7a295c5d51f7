"""Client authentication that never refuses what the table would allow (DESIGN.md "Shape").

"What is cached ... never makes it refuse a request that the table would allow: before
answering invalid_client for a known client ..., it re-reads that record once (at most
once a second per record and container) and answers from the fresh read." The token,
introspection and revocation endpoints all authenticate through here; the store bounds how
often a second look reads.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .authenticate_client import authenticate_client
from .errors import InvalidClient
from .model import Client
from .ports import ClientStore, ReplayCache


class _SecondLook:
    """The client store as its fresh read, for the second run of client authentication."""

    def __init__(self, clients: ClientStore):
        self._clients = clients

    def get_client(self, client_id: str, *, fresh: bool = True) -> Client | None:
        return self._clients.get_client(client_id, fresh=True)


class _ThisRequest:
    """The replay cache as one request sees it: an assertion ``jti`` this request already
    recorded (on the first run of authentication) is not a replay on its second run."""

    def __init__(self, replay: ReplayCache):
        self._replay, self._recorded = replay, set()

    def add_once(self, key: str, expires_at: int) -> bool:
        if key in self._recorded:
            return True
        added = self._replay.add_once(key, expires_at)
        if added:
            self._recorded.add(key)
        return added


def authenticate_with_fresh_reads(request, clients: ClientStore, *, now: float, issuer: str, token_endpoint: str,
                                  replay: ReplayCache | None):
    """``authenticate_client``, run a second time over fresh reads when the first would
    answer invalid_client; returns its ``(client, method, basic_form)``."""
    replay = _ThisRequest(replay) if replay is not None else None

    def run(store: ClientStore):
        return authenticate_client(request, store, now=datetime.fromtimestamp(now, timezone.utc), issuer=issuer,
                                   token_endpoint=token_endpoint, replay=replay)

    try:
        return run(clients)
    except InvalidClient:
        return run(_SecondLook(clients))
