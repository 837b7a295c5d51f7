"""POST /connect/introspect — RFC 7662 token introspection, for api resources.

Thin: the event becomes an ``HttpRequest``, the core's ``IntrospectionEndpoint`` decides,
and one structured log line records the request (the caller, the token's jti, why it is
inactive; never the token or a secret). The adapters are built once per container.
"""

from tokenvend import init_phase  # first: no garbage-collection pass during the init

from aws_lambda_powertools import Logger

from tokenvend import bootstrap, snapstart
from tokenvend.apigw import audited_call, dispatcher, json_response, log_json
from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import NO_STORE_HEADERS
from tokenvend.introspection import INTROSPECTION_PATH

logger = Logger(json_serializer=log_json)
container = bootstrap.build(signs=False, endpoints=("introspection",))  # verifies tokens, never signs one
snapstart.install(container)  # a no-op unless the function runs with SnapStart


def introspect(event: dict) -> dict:
    """Every method comes here: the endpoint answers all but POST with 405, audited."""
    audit = TokenCheckAudit("introspection")
    body = audited_call(event, container.settings, container.introspection_endpoint, audit, logger,
                        "introspection request")
    return json_response(200, body, NO_STORE_HEADERS)


resolve = dispatcher({INTROSPECTION_PATH: introspect}, logger)


@logger.inject_lambda_context
def lambda_handler(event, context):
    return resolve(event)  # under its correlation id and one deadline for its AWS calls


init_phase.done()
