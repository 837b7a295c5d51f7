"""POST /connect/token — the client credentials grant (and POST /oauth2/token, Cognito's
path, on a stack deployed with CognitoTokenPath=true).

Thin: the event becomes an ``HttpRequest``, the core's ``TokenEndpoint`` decides, and
one structured log line records the request (never a secret, header or token). The
adapters are built once per container, outside the handler. Routing is
``tokenvend.apigw.dispatcher`` (its docstring says why it is not Powertools' resolver).
"""

from tokenvend import init_phase  # first: no garbage-collection pass during the init

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from tokenvend import bootstrap, snapstart
from tokenvend.apigw import audited_call, dispatcher, json_response, log_json
from tokenvend.audit import TokenAudit
from tokenvend.errors import NO_STORE_HEADERS, OAuthError
from tokenvend.token_endpoint import COGNITO_TOKEN_PATH, TOKEN_PATH

logger = Logger(json_serializer=log_json)
metrics = Metrics()
container = bootstrap.build(endpoints=("token",))
snapstart.install(container)  # a no-op unless the function runs with SnapStart


def token(event: dict) -> dict:
    """Every method comes here: the endpoint answers all but POST with 405, audited."""
    body = audited_call(event, container.settings, container.token_endpoint, TokenAudit(), logger, "token request")
    metrics.add_metric(name="TokensIssued", unit=MetricUnit.Count, value=1)
    return json_response(200, body, NO_STORE_HEADERS)


def count_rejection(err: OAuthError):
    metrics.add_dimension(name="error", value=err.error)
    metrics.add_metric(name="RequestsRejected", unit=MetricUnit.Count, value=1)


resolve = dispatcher({TOKEN_PATH: token, COGNITO_TOKEN_PATH: token}, logger, count_rejection)


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event, context):
    # Each request's metrics carry its own dimensions only: Powertools keeps them when it
    # does not flush (POWERTOOLS_METRICS_DISABLED, as in the local stack), so clear first.
    metrics.clear_metrics()
    return resolve(event)  # under its correlation id and one deadline for its AWS calls


init_phase.done()
