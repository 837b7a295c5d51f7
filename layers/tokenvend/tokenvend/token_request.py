"""Reading a token request: method, body and parameters (token endpoint steps 1 and 2).

The introspection and revocation endpoints read their requests the same way, each with
its own parameters and limits (``read_form_request``).

RFC 6749 §3.2: "The client MUST use the HTTP "POST" method when making access token
requests." and "Request and response parameters MUST NOT be included more than once."
RFC 8707 §2 lets ``resource`` repeat. §3.1: "Parameters sent without a value MUST be
treated as if they were omitted from the request."
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .errors import InvalidRequest, MethodNotAllowed

MAX_BODY_BYTES = 64 * 1024
# The parameters this endpoint reads, with IdentityServer's InputLengthRestrictions so
# migrating clients meet the same limits. Any other parameter is ignored.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_LENGTHS = {
    "grant_type": 100,
    "client_id": 100,
    "client_secret": 100,
    "scope": 300,
    "client_assertion_type": 100,
    "client_assertion": 51200,
    "resource": 512,
}
REPEATABLE = {"resource"}


@dataclass(frozen=True)
class HttpRequest:
    """What the core needs of an HTTP request, free of any framework."""

    method: str
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    domain_name: str = ""
    body_error: str | None = None  # a body that could not be read, answered after the method check

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class TokenRequest:
    params: dict[str, str] = field(default_factory=dict)
    resources: tuple[str, ...] = ()
    authorization: str | None = None

    def get(self, name: str) -> str | None:
        return self.params.get(name)


def decode_body(body: str | None, is_base64: bool) -> bytes:
    """An API Gateway body as bytes: base64 when ``isBase64Encoded``, else UTF-8 text."""
    if not body:
        return b""
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("The request body is not valid base64.") from None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_lengths(values: dict[str, str], limits: dict[str, int] = MAX_LENGTHS) -> None:
    """Step 2's limits, for form parameters and for the Basic header's id and secret alike."""
    for name, value in values.items():
        limit = limits[name]
        if len(value) > limit:
            raise InvalidRequest(f"The '{name}' parameter is longer than {limit} characters.")


def read_token_request(request: HttpRequest) -> TokenRequest:
    """Steps 1 and 2: POST, a form body within limits, no parameter repeated or too long."""
    return read_form_request(request, MAX_LENGTHS, REPEATABLE, "token endpoint")


def read_form_request(request: HttpRequest, limits: dict[str, int], repeatable: set[str],
                      endpoint: str) -> TokenRequest:
    """A POSTed form of the parameters in ``limits`` (others ignored), none repeated but
    those in ``repeatable``, each within its limit."""
    if request.method != "POST":  # RFC 9110 §9.1: "The method token is case-sensitive"
        raise MethodNotAllowed(f"The {endpoint} accepts only POST.", headers={"Allow": "POST"})
    if request.body_error is not None:
        raise InvalidRequest(request.body_error)
    if _media_type(request.header("content-type")) != FORM_CONTENT_TYPE:
        raise InvalidRequest(f"The request body must be {FORM_CONTENT_TYPE}.")
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidRequest(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        text = request.body.decode("utf-8", errors="strict")
        pairs = parse_qsl(text, keep_blank_values=False, strict_parsing=False,
                          encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InvalidRequest("The request body is not valid UTF-8.") from None

    params: dict[str, str] = {}
    resources: list[str] = []
    for name, value in pairs:
        if name not in limits:
            continue  # §3.2: "The authorization server MUST ignore unrecognized request parameters."
        check_lengths({name: value}, limits)
        if name in repeatable:
            resources.append(value)
        elif name in params:
            raise InvalidRequest(f"The '{name}' parameter is included more than once.")
        else:
            params[name] = value
    return TokenRequest(params, tuple(resources), request.header("authorization"))
