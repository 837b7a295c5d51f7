"""The one structured log line of a token request (DESIGN.md "Shape").

Filled step by step as the request is processed, so the line says how far it got. It
holds parsed values only — never a secret, an assertion, an Authorization header or a
token. ``requested_scopes`` is the parsed list (an empty list when ``scope`` was omitted
is logged as null together with ``scope_omitted: true``, never beside a raw value).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .errors import OAuthError


def _record_failure(audit, err, reasons=None) -> None:
    """The request ends with ``err``: "rejected" for a client's error, "failed" for ours (5xx)."""
    audit.outcome = "failed" if err.status_code >= 500 else "rejected"
    audit.error = err.error
    audit.error_description = err.description
    audit.reasons = list(err.reasons if reasons is None else reasons)


def _as_log(audit) -> dict:
    """The line's fields, in declaration order. A shallow copy: the logger serialises it at
    once, so the deep copy ``dataclasses.asdict`` makes (recursing into every list) buys
    nothing and showed in the warm token's profile."""
    return dict(vars(audit))


def records_failure(handle):
    """An endpoint's ``handle(http, issuer, audit)`` that fills ``audit`` from the
    OAuthError it raises, so the log line says how far the request got and why it stopped."""
    @functools.wraps(handle)
    def wrapper(self, http, issuer, audit):
        try:
            return handle(self, http, issuer, audit)
        except OAuthError as err:
            audit.failed(err)
            raise

    return wrapper


@dataclass
class TokenAudit:
    client_id: str | None = None
    auth_method: str | None = None
    basic_form: str | None = None  # which form of the Basic header verified: "decoded" or "raw"
    grant_type: str | None = None
    scope_omitted: bool | None = None
    requested_scopes: list[str] | None = None
    requested_resources: list[str] = field(default_factory=list)
    granted_scopes: list[str] = field(default_factory=list)
    aud: str | list[str] | None = None
    kid: str | None = None
    jti: str | None = None
    expires_in: int | None = None
    outcome: str = "pending"
    error: str | None = None
    error_description: str | None = None
    reasons: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    def failed(self, err, reasons=None) -> None:
        _record_failure(self, err, reasons)
        self.hints = list(err.hints)

    as_log = _as_log


@dataclass
class TokenCheckAudit:
    """The one log line of an introspection or revocation request.

    ``caller`` is the authenticated api resource (introspection) or client (revocation);
    ``jti``, ``token_client_id`` and ``aud`` are set only from a token whose signature
    verified, so nothing a caller made up reaches the log as if it were a token's. The
    token itself is never logged; ``reason`` says why it is inactive or left alone.
    """

    endpoint: str
    caller: str | None = None
    auth_method: str | None = None
    token_type_hint: str | None = None
    jti: str | None = None
    token_client_id: str | None = None
    aud: str | list[str] | None = None
    outcome: str = "pending"
    reason: str | None = None
    error: str | None = None
    error_description: str | None = None
    reasons: list[str] = field(default_factory=list)

    def failed(self, err, reasons=None) -> None:
        _record_failure(self, err, reasons)

    def token(self, claims: dict) -> None:
        self.jti, self.token_client_id, self.aud = claims.get("jti"), claims.get("client_id"), claims.get("aud")

    as_log = _as_log
