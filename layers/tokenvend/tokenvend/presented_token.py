"""The request of an endpoint a token is presented to: introspection (RFC 7662 §2.1)
and revocation (RFC 7009 §2.1).

Both read a POSTed form as the token endpoint does (``read_form_request``), authenticate
the caller first with ``authenticate_client`` — RFC 7009 §2.1: "The authorization server
first validates the client credentials" — and require ``token``: "REQUIRED. The string
value of the token." ``token_type_hint`` is optional in both.
"""

from __future__ import annotations

from .audit import TokenCheckAudit
from .authenticate_client import presented_client_id
from .errors import InvalidRequest
from .model import Client
from .ports import ClientStore, ReplayCache
from .second_look import authenticate_with_fresh_reads
from .token_endpoint import TOKEN_PATH
from .token_request import HttpRequest, TokenRequest, read_form_request


def read_presented_token(
    http: HttpRequest, *, limits: dict[str, int], endpoint: str, callers: ClientStore, issuer: str,
    now: float, audit: TokenCheckAudit, replay: ReplayCache | None = None,
) -> tuple[TokenRequest, Client, str]:
    """The request, the authenticated caller and the token; or raise the first OAuthError.

    A client assertion's ``aud`` is the issuer or the token endpoint, as at the token
    endpoint (IdentityServer accepts the same at every endpoint)."""
    request = read_form_request(http, limits, set(), endpoint)
    audit.token_type_hint = request.get("token_type_hint")
    audit.caller = presented_client_id(request)
    caller, method, _basic_form = authenticate_with_fresh_reads(
        request, callers, now=now, issuer=issuer, token_endpoint=issuer + TOKEN_PATH, replay=replay)
    audit.caller, audit.auth_method = caller.client_id, method
    token = request.get("token")
    if token is None:
        raise InvalidRequest("The 'token' parameter is missing.")
    return request, caller, token
