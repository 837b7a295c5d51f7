"""POST /connect/introspect — RFC 7662 token introspection, for api resources.

Thin: the event becomes an ``HttpRequest``, the core's ``IntrospectionEndpoint`` decides,
and one structured log line records the request (the caller, the token's jti, why it is
inactive; never the token or a secret). The adapters are built once per container.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from tokenvend import bootstrap
from tokenvend.apigw import audited_call, install_error_handlers, json_response
from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import NO_STORE_HEADERS
from tokenvend.introspection import INTROSPECTION_PATH

logger = Logger()
app = APIGatewayHttpResolver()
container = bootstrap.build()


@app.route(INTROSPECTION_PATH, method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def introspect():
    audit = TokenCheckAudit("introspection")
    body = audited_call(app.current_event.raw_event, container.settings, container.introspection_endpoint,
                        audit, logger, "introspection request")
    return json_response(200, body, NO_STORE_HEADERS)


install_error_handlers(app, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event, context):
    return app.resolve(event, context)
