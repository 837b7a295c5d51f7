"""API Gateway HTTP API (payload 2.0) glue shared by the four functions' handlers.

Turns the event into the core's ``HttpRequest``, routes it by path to the function's one
handler for that path, and turns an ``OAuthError`` into RFC 6749 §5.2 JSON with the
no-store headers (401 with the Basic challenge when the client used Basic, ``Allow`` on
405, ``Retry-After`` on 503).

Why tokenvend dispatches itself rather than through Powertools' ``APIGatewayHttpResolver``
(the model STYLE.md names): each function serves one to three fixed paths, and each path's
handler already answers every method itself (405 with ``Allow`` for all but the served ones,
case-sensitively, RFC 9110 §9.1), so the resolver's method routing, regexes and not-found
detour added nothing but cost. Measured on python3.13 with the layer as ``sam build`` makes
it (benchmarks/cold_init.py): importing ``aws_lambda_powertools.event_handler`` took ~274 ms
of a cold init, ~110 ms of it its AppSync module pulling in ``asyncio``; and per warm
request its event wrapping and routing showed in the profile (benchmarks/function_cpu.py).
A dict lookup on ``rawPath`` does the same routing. The response is the dict the resolver
produced for payload 2.0 (``statusCode``, ``headers``, ``cookies``, ``body``,
``isBase64Encoded``), so API Gateway and the tests see no difference.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING

from .adapters.aws import request_deadline
from .errors import NO_STORE_HEADERS, OAuthError, ServerError, error_body, error_headers

if TYPE_CHECKING:
    from .token_request import HttpRequest

# Each function's Logger serialises with this: ASCII-only JSON, so an input echoed into the
# log (a grant type with CR LF, ESC or U+202E) stays in full and inert — Powertools'
# default keeps non-ASCII characters as they are.
log_json = partial(json.dumps, default=str, separators=(",", ":"), ensure_ascii=True)


def http_request(event: dict) -> HttpRequest:
    """Build the request; a body that is not valid base64 becomes its ``body_error``, which
    the endpoint answers ``invalid_request`` after checking the method (step 1's order).
    The form-reading module is imported here: the discovery function reads no body, and its
    init need not load it."""
    from .token_request import HttpRequest, decode_body

    context = event.get("requestContext") or {}
    try:
        body, body_error = decode_body(event.get("body"), bool(event.get("isBase64Encoded"))), None
    except OAuthError as err:
        body, body_error = b"", err.description
    return HttpRequest(
        method=(context.get("http") or {}).get("method", ""),
        headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
        body=body, domain_name=context.get("domainName", ""), body_error=body_error,
    )


def domain_name(event: dict) -> str:
    return (event.get("requestContext") or {}).get("domainName", "")


def method(event: dict) -> str:
    """The request method exactly as sent (RFC 9110 §9.1: "case-sensitive")."""
    return ((event.get("requestContext") or {}).get("http") or {}).get("method", "")


def header(event: dict, name: str) -> str | None:
    """A request header by its lower-case name (API Gateway sends names in lower case)."""
    return next((v for k, v in (event.get("headers") or {}).items() if k.lower() == name), None)


def request_id(event: dict) -> str | None:
    """API Gateway's id of the request, the log lines' correlation id."""
    return (event.get("requestContext") or {}).get("requestId")


def route_path(event: dict) -> str:
    """``rawPath`` without the stage's name when the stage is not ``$default`` (API Gateway
    then keeps ``/{stage}`` in front), as the resolver matched it."""
    path = event.get("rawPath") or ""
    stage = (event.get("requestContext") or {}).get("stage") or "$default"
    return path if stage == "$default" else path[len("/" + stage):]


def response(status: int, body: str, headers: dict) -> dict:
    return {"statusCode": status, "headers": dict(headers), "cookies": [], "body": body, "isBase64Encoded": False}


def json_response(status: int, body, headers: dict) -> dict:
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return response(status, text, {"Content-Type": "application/json", **headers})


def oauth_error_response(err: OAuthError) -> dict:
    return json_response(err.status_code, error_body(err), error_headers(err))


def not_found_response() -> dict:
    return json_response(404, {"error": "not_found", "error_description": "No such endpoint."}, NO_STORE_HEADERS)


def server_error() -> ServerError:
    return ServerError("The authorization server could not complete the request.")


def dispatcher(routes: dict, logger, on_oauth_error=None):
    """The function's ``resolve(event)``: the one place where errors become responses.

    ``routes`` maps each path the function serves to its handler ``handler(event) -> dict``,
    which answers every method (405 with ``Allow`` for all but its own, DESIGN step 1). An
    unknown path is JSON 404 with the no-store headers; an OAuthError is §5.2 JSON
    (``on_oauth_error`` sees it first, for metrics or a log line); any other exception is a
    500 ``server_error`` whose trace goes to the log only. Each request runs under its
    correlation id (API Gateway's ``requestContext.requestId``) and one deadline for every
    AWS call it makes (the 3-second rule, ``adapters.aws.request_deadline``)."""

    def oauth_error(err: OAuthError) -> dict:
        if on_oauth_error is not None:
            on_oauth_error(err)
        return oauth_error_response(err)

    def resolve(event: dict) -> dict:
        logger.set_correlation_id(request_id(event))
        handler = routes.get(route_path(event))
        if handler is None:
            return not_found_response()
        try:
            with request_deadline():
                return handler(event)
        except OAuthError as err:
            return oauth_error(err)
        except Exception:  # noqa: BLE001 — every unexpected failure is the same audited 500
            logger.exception("request failed")
            return oauth_error(server_error())

    return resolve


def audited_call(event: dict, settings, endpoint, audit, logger, message: str):
    """Run ``endpoint.handle`` on the event with the request's issuer; the audit is logged
    as one line whatever happens (an OAuthError is re-raised for the error handler)."""
    try:
        request = http_request(event)
        return endpoint.handle(request, settings.issuer_for(request.domain_name), audit)
    except OAuthError as err:
        audit.failed(err)
        raise
    except Exception as exc:
        # the line still ends with its outcome: the 500 the client gets, and why
        audit.failed(server_error(), reasons=[f"unexpected {type(exc).__name__}"])
        raise
    finally:
        logger.info(message, extra=audit.as_log())
