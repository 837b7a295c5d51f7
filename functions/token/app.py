"""POST /connect/token — the client credentials grant (and POST /oauth2/token, Cognito's
path, on a stack deployed with CognitoTokenPath=true).

Thin: the event becomes an ``HttpRequest``, the core's ``TokenEndpoint`` decides, and
one structured log line records the request (never a secret, header or token). The
adapters are built once per container, outside the handler.
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from tokenvend import bootstrap, snapstart
from tokenvend.adapters.aws import request_deadline
from tokenvend.apigw import audited_call, install_error_handlers, json_response, log_json
from tokenvend.audit import TokenAudit
from tokenvend.errors import NO_STORE_HEADERS, OAuthError
from tokenvend.token_endpoint import COGNITO_TOKEN_PATH, TOKEN_PATH

logger = Logger(json_serializer=log_json)
metrics = Metrics()
app = APIGatewayHttpResolver()
container = bootstrap.build()
snapstart.install(container)  # a no-op unless the function runs with SnapStart


@app.route(TOKEN_PATH, method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@app.route(COGNITO_TOKEN_PATH, method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def token():
    body = audited_call(app.current_event.raw_event, container.settings, container.token_endpoint,
                        TokenAudit(), logger, "token request")
    metrics.add_metric(name="TokensIssued", unit=MetricUnit.Count, value=1)
    return json_response(200, body, NO_STORE_HEADERS)


def count_rejection(err: OAuthError):
    metrics.add_dimension(name="error", value=err.error)
    metrics.add_metric(name="RequestsRejected", unit=MetricUnit.Count, value=1)


# Any method the resolver does not route (FOO, PROPFIND) reaches token() too: 405, audited.
install_error_handlers(app, logger, count_rejection, paths={TOKEN_PATH: token, COGNITO_TOKEN_PATH: token})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event, context):
    # Each request's metrics carry its own dimensions only: Powertools keeps them when it
    # does not flush (POWERTOOLS_METRICS_DISABLED, as in the local stack), so clear first.
    metrics.clear_metrics()
    with request_deadline():  # one deadline for every AWS call of this request
        return app.resolve(event, context)
