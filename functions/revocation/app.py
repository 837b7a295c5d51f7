"""POST /connect/revocation — RFC 7009 token revocation, for clients.

Thin: the event becomes an ``HttpRequest``, the core's ``RevocationEndpoint`` decides,
and one structured log line records the request (the client, the token's jti, whether
it was revoked or why it was left alone; never the token or a secret).
"""

from tokenvend import init_phase  # first: no garbage-collection pass during the init

from aws_lambda_powertools import Logger

from tokenvend import bootstrap, snapstart
from tokenvend.apigw import audited_call, dispatcher, log_json, response
from tokenvend.audit import TokenCheckAudit
from tokenvend.errors import NO_STORE_HEADERS
from tokenvend.revocation import REVOCATION_PATH

logger = Logger(json_serializer=log_json)
container = bootstrap.build(signs=False, endpoints=("revocation",))  # verifies tokens, never signs one
snapstart.install(container)  # a no-op unless the function runs with SnapStart
# RFC 7009 §2.2: "The content of the response body is ignored by the client": none is sent.
EMPTY_HEADERS = {k: v for k, v in NO_STORE_HEADERS.items() if k != "Content-Type"}


def revoke(event: dict) -> dict:
    """Every method comes here: the endpoint answers all but POST with 405, audited."""
    audit = TokenCheckAudit("revocation")
    audited_call(event, container.settings, container.revocation_endpoint, audit, logger, "revocation request")
    return response(200, "", EMPTY_HEADERS)


resolve = dispatcher({REVOCATION_PATH: revoke}, logger)


@logger.inject_lambda_context
def lambda_handler(event, context):
    return resolve(event)  # under its correlation id and one deadline for its AWS calls


init_phase.done()
