"""POST /connect/introspect — RFC 7662 token introspection, for api resources.

Thin: the event becomes an ``HttpRequest``, the core's ``IntrospectionEndpoint`` decides,
and one structured log line records the request (the caller, the token's jti, why it is
inactive; never the token or a secret). The adapters are built once per container.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from tokenvend import bootstrap, snapstart
from tokenvend.adapters.aws import request_deadline
from tokenvend.apigw import audited_call, install_error_handlers, json_response, log_json
from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import NO_STORE_HEADERS
from tokenvend.introspection import INTROSPECTION_PATH

logger = Logger(json_serializer=log_json)
app = APIGatewayHttpResolver()
container = bootstrap.build(signs=False)  # verifies tokens, never signs one
snapstart.install(container)  # a no-op unless the function runs with SnapStart


@app.route(INTROSPECTION_PATH, method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def introspect():
    audit = TokenCheckAudit("introspection")
    body = audited_call(app.current_event.raw_event, container.settings, container.introspection_endpoint,
                        audit, logger, "introspection request")
    return json_response(200, body, NO_STORE_HEADERS)


# Any method the resolver does not route (FOO, PROPFIND) reaches introspect() too: 405, audited.
install_error_handlers(app, logger, paths={INTROSPECTION_PATH: introspect})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event, context):
    with request_deadline():  # one deadline for every AWS call of this request
        return app.resolve(event, context)
