"""The local API front's JWT authorizer: before a route with an authorizer invokes its
function, ``jwt_denial.judge`` decides; a denial is API Gateway's 401/403 and one log line
that says why, an allowance hands the claims on in ``requestContext.authorizer.jwt``."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from .jwks_cache import IssuerKeys
from .jwt_authorizer import token_from
from .jwt_denial import HintContext, judge, log_line, www_authenticate
from .event import GatewayResponse, authorizer_context, gateway_error
from .template import Route

MESSAGES = {401: "Unauthorized", 403: "Forbidden"}


class FrontAuthorizer:
    def __init__(self, keys=None, *, context: HintContext = HintContext(), clock=time.time, log=print):
        self.keys = keys or IssuerKeys()
        self.context, self.clock, self.log = context, clock, log

    def __call__(self, route: Route, headers, raw_query: str, request_id: str) \
            -> tuple[GatewayResponse | None, dict | None]:
        """(the denial to answer, None) or (None, the event's ``requestContext.authorizer``)."""
        auth = route.auth
        value = token_from(auth.authorizer.identity_source, dict(headers), dict(parse_qsl(raw_query)))
        verdict = judge(value, auth, self.keys, self.clock(), self.context)
        if verdict.allowed:
            return None, authorizer_context(verdict.claims)
        self.log(log_line(verdict, auth, route.route_key, verdict.hints))
        challenge = www_authenticate(verdict, auth)
        return gateway_error(verdict.status, MESSAGES[verdict.status], request_id,
                             (("www-authenticate", challenge),) if challenge else ()), None
