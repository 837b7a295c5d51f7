"""The one structured log line of a token request (DESIGN.md "Shape").

Filled step by step as the request is processed, so the line says how far it got. It
holds parsed values only — never a secret, an assertion, an Authorization header or a
token. ``requested_scopes`` is the parsed list (an empty list when ``scope`` was omitted
is logged as null together with ``scope_omitted: true``, never beside a raw value).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
        """The request ends with ``err``: "rejected" for a client's error, "failed" for ours (5xx)."""
        self.outcome = "failed" if err.status_code >= 500 else "rejected"
        self.error = err.error
        self.error_description = err.description
        self.reasons = list(err.reasons if reasons is None else reasons)
        self.hints = list(err.hints)

    def as_log(self) -> dict:
        return asdict(self)
