"""GET /.well-known/openid-configuration, /.well-known/oauth-authorization-server and
/.well-known/openid-configuration/jwks — public, cacheable, with an ETag."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from tokenvend import bootstrap, snapstart
from tokenvend.adapters.aws import request_deadline
from tokenvend.apigw import domain_name, install_error_handlers, json_response, log_json
from tokenvend.discovery import DISCOVERY_PATHS, JWKS_PATH, cacheable, discovery_document, jwks_document
from tokenvend.errors import MethodNotAllowed, OAuthError

logger = Logger(json_serializer=log_json)
app = APIGatewayHttpResolver()
container = bootstrap.build(signs=False)  # publishes keys, never holds a private half
snapstart.install(container)  # a no-op unless the function runs with SnapStart
READ_METHODS = ["GET", "HEAD"]
OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _cacheable(document: dict):
    # The resolver matches methods case-insensitively; RFC 9110 §9.1 does not ("get" is no GET).
    if (app.current_event.raw_event.get("requestContext") or {}).get("http", {}).get("method") not in READ_METHODS:
        _method_not_allowed()
    status, headers, body = cacheable(document, app.current_event.headers.get("if-none-match"))
    return json_response(status, body, headers)


def _discovery():
    issuer = container.settings.issuer_for(domain_name(app.current_event.raw_event))
    return _cacheable(discovery_document(issuer, container.store.get_catalog(), container.keys.signing_algorithms()))


for path in DISCOVERY_PATHS:
    app.route(path, method=READ_METHODS)(_discovery)


@app.route(JWKS_PATH, method=READ_METHODS)
def jwks():
    return _cacheable(jwks_document(container.keys.published_keys()))


def _method_not_allowed():
    raise MethodNotAllowed("This endpoint accepts only GET.", headers={"Allow": "GET, HEAD"})


for path in (*DISCOVERY_PATHS, JWKS_PATH):
    app.route(path, method=OTHER_METHODS)(_method_not_allowed)


def log_rejection(err: OAuthError):
    logger.warning("discovery request refused", extra={"error": err.error, "reasons": err.reasons})


install_error_handlers(app, logger, log_rejection,
                       paths={path: _method_not_allowed for path in (*DISCOVERY_PATHS, JWKS_PATH)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event, context):
    with request_deadline():  # one deadline for every AWS call of this request
        return app.resolve(event, context)
