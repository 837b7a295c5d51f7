"""OAuth 2.0 errors as data: one class per RFC 6749 §5.2 code, plus RFC 8707's ``invalid_target``.

https://www.rfc-editor.org/rfc/rfc6749#section-5.2 — "The authorization server responds with
an HTTP 400 (Bad Request) status code (unless specified otherwise)".

``description`` goes to the client; ``reasons`` and ``hints`` go to the log line only, so
an error can say more to the operator than is safe to say to the caller.
"""

from __future__ import annotations

# §5.2: "Values for the "error_description" parameter MUST NOT include characters outside
# the set %x20-21 / %x23-5B / %x5D-7E."
DESCRIPTION_CHARACTERS = frozenset(chr(c) for c in (0x20, 0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F)))


def _escape(text: str, also: str = "") -> str:
    return "".join(ch if ch in DESCRIPTION_CHARACTERS and ch not in also
                   else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")) for ch in text)


def echo(value: str) -> str:
    """An input value as it may appear in an ``error_description``: every character outside
    the §5.2 set, and ``%`` itself, percent-encoded as UTF-8 (``"`` is ``%22``, CR LF is
    ``%0D%0A``, U+202E is ``%E2%80%AE``), so the caller sees an unambiguous, inert copy.
    The log keeps the raw value (JSON-escaped by the logger)."""
    return _escape(value, also="%")



class OAuthError(Exception):
    """Base of every error the token endpoint answers with."""

    error = "invalid_request"
    status_code = 400

    def __init__(self, description: str, *, reasons=(), hints=(), headers=None):
        description = _escape(description)  # a net under ``echo``: the §5.2 set, always
        super().__init__(description)
        self.description = description
        self.reasons = list(reasons)
        self.hints = list(hints)
        self.headers = dict(headers or {})


class InvalidRequest(OAuthError):
    """A parameter is missing, repeated, too long or malformed, or the request is unreadable."""

    error = "invalid_request"


class InvalidClient(OAuthError):
    """Client authentication failed (§5.2): unknown client, no or bad credentials.

    "The authorization server MAY return an HTTP 401 (Unauthorized) status code to
    indicate which HTTP authentication schemes are supported. If the client attempted to
    authenticate via the "Authorization" request header field, the authorization server
    MUST respond with an HTTP 401 status code and include the "WWW-Authenticate" response
    header field matching the authentication scheme used by the client."
    """

    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    """The grant is invalid; unused by the client credentials grant but part of §5.2."""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """The client is not allowed this grant type."""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    """The grant type is not supported by this server."""

    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """A requested scope is unknown, disabled, not allowed, or outside the named resource."""

    error = "invalid_scope"


class InvalidTarget(OAuthError):
    """RFC 8707 §2: a ``resource`` is not an enabled ApiResource."""

    error = "invalid_target"


class UnsupportedTokenType(OAuthError):
    """RFC 7009 §2.2.1: "The authorization server does not support the revocation of the
    presented token type." tokenvend issues no refresh tokens."""

    error = "unsupported_token_type"


class MethodNotAllowed(OAuthError):
    """The endpoint was called with a method other than the one it serves."""

    error = "invalid_request"
    status_code = 405


class ServerError(OAuthError):
    """A dependency (DynamoDB, KMS) failed; no token is issued."""

    error = "server_error"
    status_code = 500


class TemporarilyUnavailable(OAuthError):
    """A dependency throttled us; the caller may retry after ``Retry-After`` seconds."""

    error = "temporarily_unavailable"
    status_code = 503


NO_STORE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


def error_body(err: OAuthError) -> dict[str, str]:
    return {"error": err.error, "error_description": err.description}


def error_headers(err: OAuthError) -> dict[str, str]:
    """§5.1/§5.2: errors carry the same no-store headers as a token response."""
    return {**NO_STORE_HEADERS, **err.headers}
