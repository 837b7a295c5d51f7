"""GET /identity — the IdentityServer quickstart's IdentityController: it answers the
caller's claims and scopes exactly as API Gateway's JWT authorizer hands them to the
function (``requestContext.authorizer.jwt``: every claim value a string, a list as
``[a b]``, ``scopes`` null when the token has none).

The function does no token checking of its own: API Gateway (or ``tokenvend dev``'s
front) has already refused a request without a valid token of audience api1 and scope api1.

Revocation: the JWT authorizer checks tokens offline and never asks tokenvend, so a token
revoked at /connect/revocation keeps working here until it expires. Keep the callers'
access_token_lifetime short (e.g. 300 s), or, where a revocation must count at once, check
each token at /connect/introspect with api1's secret (`tokenvend resource secret add api1`),
e.g. from a Lambda authorizer.
"""

import json


def lambda_handler(event, context):
    jwt = (event.get("requestContext") or {}).get("authorizer", {}).get("jwt") or {}
    body = {"claims": jwt.get("claims") or {}, "scopes": jwt.get("scopes")}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
