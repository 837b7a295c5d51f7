"""GET /.well-known/openid-configuration, /.well-known/oauth-authorization-server and
/.well-known/openid-configuration/jwks — public, cacheable, with an ETag."""

from tokenvend import init_phase  # first: no garbage-collection pass during the init

from aws_lambda_powertools import Logger

from tokenvend import bootstrap, snapstart
from tokenvend.apigw import dispatcher, domain_name, header, json_response, log_json, method
from tokenvend.discovery import DISCOVERY_PATHS, JWKS_PATH, cacheable, discovery_document, jwks_document
from tokenvend.errors import MethodNotAllowed, OAuthError

logger = Logger(json_serializer=log_json)
container = bootstrap.build(signs=False, endpoints=())  # publishes keys, never holds a private half
snapstart.install(container)  # a no-op unless the function runs with SnapStart
READ_METHODS = ("GET", "HEAD")  # HEAD is answered as GET; API Gateway sends no body for it


def _cacheable(event: dict, document) -> dict:
    # RFC 9110 §9.1: the method token is case-sensitive ("get" is no GET).
    if method(event) not in READ_METHODS:
        raise MethodNotAllowed("This endpoint accepts only GET.", headers={"Allow": "GET, HEAD"})
    status, headers, body = cacheable(document(), header(event, "if-none-match"))
    return json_response(status, body, headers)


def discovery(event: dict) -> dict:
    issuer = container.settings.issuer_for(domain_name(event))
    return _cacheable(event, lambda: discovery_document(issuer, container.store.get_catalog(),
                                                        container.keys.signing_algorithms()))


def jwks(event: dict) -> dict:
    return _cacheable(event, lambda: jwks_document(container.keys.published_keys()))


def log_rejection(err: OAuthError):
    logger.warning("discovery request refused", extra={"error": err.error, "reasons": err.reasons})


resolve = dispatcher({**{path: discovery for path in DISCOVERY_PATHS}, JWKS_PATH: jwks}, logger, log_rejection)


@logger.inject_lambda_context
def lambda_handler(event, context):
    return resolve(event)  # under its correlation id and one deadline for its AWS calls


init_phase.done()
