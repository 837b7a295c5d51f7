"""POST /connect/revocation — RFC 7009 token revocation, for clients.

Thin: the event becomes an ``HttpRequest``, the core's ``RevocationEndpoint`` decides,
and one structured log line records the request (the client, the token's jti, whether
it was revoked or why it was left alone; never the token or a secret).
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from tokenvend import bootstrap
from tokenvend.apigw import audited_call, install_error_handlers
from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import NO_STORE_HEADERS
from tokenvend.revocation import REVOCATION_PATH

logger = Logger()
app = APIGatewayHttpResolver()
container = bootstrap.build()
# RFC 7009 §2.2: "The content of the response body is ignored by the client": none is sent.
EMPTY_HEADERS = {k: v for k, v in NO_STORE_HEADERS.items() if k != "Content-Type"}


@app.route(REVOCATION_PATH, method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def revoke():
    audit = TokenCheckAudit("revocation")
    audited_call(app.current_event.raw_event, container.settings, container.revocation_endpoint,
                 audit, logger, "revocation request")
    return Response(status_code=200, body="", headers=EMPTY_HEADERS)


install_error_handlers(app, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event, context):
    return app.resolve(event, context)
