"""Client authentication at the token endpoint (step 4).

Methods: ``client_secret_basic`` (RFC 6749 §2.3.1), ``client_secret_post`` and
``private_key_jwt`` (RFC 7523 §2.2, OpenID Connect Core §9). Exactly one may be used:
"The client MUST NOT use more than one authentication method in each request."

Every failure is one generic ``invalid_client``; which part failed goes to the log only.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from urllib.parse import unquote_plus

from . import client_secrets
from .client_assertion import JWT_BEARER, verify_client_assertion
from .errors import InvalidClient, InvalidRequest
from .model import Client
from .ports import ClientStore, ReplayCache
from .token_request import TokenRequest, check_lengths

GENERIC = "Client authentication failed."
# Verified when the client is unknown, so the answer takes as long as for a known one.
_DUMMY_HASH = client_secrets.hash_secret("tokenvend-timing-equaliser")


def parse_basic(authorization: str) -> tuple[str, str] | None:
    """§2.3.1: "The client identifier is encoded using the application/x-www-form-urlencoded
    encoding algorithm ..., and the encoded value is used as the username; the client
    password is encoded using the same algorithm and used as the password."
    """
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ("", "")
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return ("", "")
    return unquote_plus(client_id), unquote_plus(secret)


def presented_client_id(request: TokenRequest) -> str | None:
    """The client_id the request claims, before it is authenticated (for the log)."""
    basic = parse_basic(request.authorization) if request.authorization else None
    return (basic[0] if basic else None) or request.get("client_id")


def authenticate_client(
    request: TokenRequest, clients: ClientStore, *, now: datetime, issuer: str,
    token_endpoint: str, replay: ReplayCache | None,
) -> tuple[Client, str]:
    """Return the authenticated client and the method used, or raise ``invalid_client``."""
    basic = parse_basic(request.authorization) if request.authorization else None
    body_id = request.get("client_id")
    methods = [name for name, used in (
        ("client_secret_basic", basic is not None),
        ("client_secret_post", request.get("client_secret") is not None),
        ("private_key_jwt", request.get("client_assertion") is not None),
    ) if used]
    challenge = {"WWW-Authenticate": 'Basic realm="tokenvend", charset="UTF-8"'} if basic is not None else {}

    def fail(reason: str):
        return InvalidClient(GENERIC, reasons=[reason], headers=challenge)

    if len(methods) > 1:
        raise InvalidRequest(
            "Use exactly one client authentication method; this request used " + " and ".join(methods) + ".")
    if not methods:
        raise fail("no client authentication")
    method = methods[0]

    if method == "private_key_jwt":
        if request.get("client_assertion_type") != JWT_BEARER:
            raise InvalidRequest(f"client_assertion_type must be {JWT_BEARER}.")
        client = verify_client_assertion(
            request.get("client_assertion"), body_id, clients, now=now,
            audiences=(issuer, token_endpoint), replay=replay, fail=fail,
        )
        return client, method

    client_id, secret = basic if basic is not None else (body_id, request.get("client_secret"))
    if basic is not None:
        check_lengths({"client_id": client_id, "client_secret": secret})
    if basic is not None and body_id is not None and body_id != client_id:
        raise InvalidRequest("client_id in the body does not match the Authorization header.")
    if not client_id:
        client_secrets.verify_secret(secret or "", _DUMMY_HASH)
        raise fail("no client_id")
    client = clients.get_client(client_id)
    if client is None:
        client_secrets.verify_secret(secret, _DUMMY_HASH)
        raise fail("unknown client")
    matched = [s for s in client.secrets if client_secrets.verify_secret(secret, s.hash)]
    if not matched:
        raise fail("client_secret matches no stored hash")
    if all(s.expired(now) for s in matched):
        raise fail("the matching client_secret has expired")
    if not client.enabled:
        raise fail("client disabled")
    return client, method
