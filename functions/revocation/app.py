"""POST /connect/revocation — RFC 7009 token revocation, for clients.

Thin: the event becomes an ``HttpRequest``, the core's ``RevocationEndpoint`` decides,
and one structured log line records the request (the client, the token's jti, whether
it was revoked or why it was left alone; never the token or a secret).
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from tokenvend import bootstrap, snapstart
from tokenvend.adapters.aws import request_deadline
from tokenvend.apigw import audited_call, install_error_handlers, log_json
from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import NO_STORE_HEADERS
from tokenvend.revocation import REVOCATION_PATH

logger = Logger(json_serializer=log_json)
app = APIGatewayHttpResolver()
container = bootstrap.build(signs=False)  # verifies tokens, never signs one
snapstart.install(container)  # a no-op unless the function runs with SnapStart
# RFC 7009 §2.2: "The content of the response body is ignored by the client": none is sent.
EMPTY_HEADERS = {k: v for k, v in NO_STORE_HEADERS.items() if k != "Content-Type"}


@app.route(REVOCATION_PATH, method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def revoke():
    audit = TokenCheckAudit("revocation")
    audited_call(app.current_event.raw_event, container.settings, container.revocation_endpoint,
                 audit, logger, "revocation request")
    return Response(status_code=200, body="", headers=EMPTY_HEADERS)


# Any method the resolver does not route (FOO, PROPFIND) reaches revoke() too: 405, audited.
install_error_handlers(app, logger, paths={REVOCATION_PATH: revoke})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event, context):
    with request_deadline():  # one deadline for every AWS call of this request
        return app.resolve(event, context)
