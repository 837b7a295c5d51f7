"""Client authentication at the token endpoint (step 4).

Methods: ``client_secret_basic`` (RFC 6749 §2.3.1), ``client_secret_post`` and
``private_key_jwt`` (RFC 7523 §2.2, OpenID Connect Core §9). Exactly one may be used:
"The client MUST NOT use more than one authentication method in each request."

Every failure is one generic ``invalid_client``; which part failed goes to the log only.
"""

from __future__ import annotations

from datetime import datetime

from . import client_secrets
from .basic_credentials import Candidate, encoding_hint, parse_basic
from .client_assertion import JWT_BEARER, verify_client_assertion
from .errors import InvalidClient, InvalidRequest
from .model import Client
from .ports import ClientStore, ReplayCache
from .token_request import TokenRequest, check_lengths

GENERIC = "Client authentication failed."
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="tokenvend", charset="UTF-8"'}


def presented_client_id(request: TokenRequest) -> str | None:
    """The client_id the request claims, before it is authenticated (for the log)."""
    basic = parse_basic(request.authorization) if request.authorization is not None else None
    return (basic[0].client_id if basic else None) or request.get("client_id")


def authenticate_client(
    request: TokenRequest, clients: ClientStore, *, now: datetime, issuer: str,
    token_endpoint: str, replay: ReplayCache | None,
) -> tuple[Client, str, str | None]:
    """Return the authenticated client, the method used and, for Basic, which form of the
    header verified (``"decoded"`` per §2.3.1 or ``"raw"``); or raise ``invalid_client``."""
    attempted_basic = request.authorization is not None
    basic = parse_basic(request.authorization) if attempted_basic else None
    body_id = request.get("client_id")
    challenge = BASIC_CHALLENGE if attempted_basic else {}

    def fail(reason: str, hints=()):
        return InvalidClient(GENERIC, reasons=[reason], hints=hints, headers=challenge)

    if attempted_basic and basic is None:
        # §5.2: "If the client attempted to authenticate via the "Authorization" request
        # header field, the authorization server MUST respond with an HTTP 401".
        raise fail("the Authorization header is not usable Basic credentials")
    methods = [name for name, used in (
        ("client_secret_basic", attempted_basic),
        ("client_secret_post", request.get("client_secret") is not None),
        ("private_key_jwt", request.get("client_assertion") is not None),
    ) if used]
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
            issuer=issuer, token_endpoint=token_endpoint, replay=replay, fail=fail,
        )
        return client, method, None

    if basic is not None:
        check_lengths({"client_id": basic[0].client_id, "client_secret": basic[0].secret})
        if body_id is not None and all(body_id != c.client_id for c in basic):
            raise InvalidRequest("client_id in the body does not match the Authorization header.")
        candidates = basic if body_id is None else [c for c in basic if c.client_id == body_id]
    else:
        candidates = [Candidate(body_id or "", request.get("client_secret"), "post")]
    client, candidate, matched = _verify(candidates, clients)
    if client is None:
        raise fail("unknown client" if any(c.client_id for c in candidates) else "no client_id")
    if not matched:
        hints = encoding_hint(candidates) if basic is not None else []
        raise fail("client_secret matches no stored hash", hints)
    if all(s.expired(now) for s in matched):
        raise fail("the matching client_secret has expired")
    if not client.enabled:
        raise fail("client disabled")
    return client, method, candidate.form if basic is not None else None


def _verify(candidates: list[Candidate], clients: ClientStore):
    """Look up each candidate's client and verify its secret in the fixed slots
    (``client_secrets.verify_in_slots``): the same work for an unknown client as for a
    known one. Returns (first known client, the candidate that matched, matched secrets)."""
    first_known, found = None, None
    for candidate in candidates:
        client = clients.get_client(candidate.client_id) if candidate.client_id else None
        stored = [s.hash for s in client.secrets] if client is not None else []
        matches = client_secrets.verify_in_slots([candidate.secret], stored)
        first_known = first_known or client
        if matches and found is None:
            found = (client, candidate, [client.secrets[j] for _, j in matches])
    return found or (first_known, None, [])
