"""API Gateway HTTP API (payload 2.0) glue shared by the two functions' handlers.

Turns the event into the core's ``HttpRequest`` and an ``OAuthError`` into a Powertools
``Response``: RFC 6749 §5.2 JSON with the no-store headers, 401 with the Basic challenge
when the client used Basic, ``Allow`` on 405, ``Retry-After`` on 503.
"""

from __future__ import annotations

import json
from functools import partial

from aws_lambda_powertools.event_handler import Response

from .errors import NO_STORE_HEADERS, OAuthError, ServerError, error_body, error_headers
from .token_request import HttpRequest, decode_body


# Each function's Logger serialises with this: ASCII-only JSON, so an input echoed into the
# log (a grant type with CR LF, ESC or U+202E) stays in full and inert — Powertools'
# default keeps non-ASCII characters as they are.
log_json = partial(json.dumps, default=str, separators=(",", ":"), ensure_ascii=True)


def http_request(event: dict) -> HttpRequest:
    """Build the request; a body that is not valid base64 becomes its ``body_error``, which
    the endpoint answers ``invalid_request`` after checking the method (step 1's order)."""
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


def json_response(status: int, body, headers: dict) -> Response:
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return Response(status_code=status, body=text, headers={"Content-Type": "application/json", **headers})


def oauth_error_response(err: OAuthError) -> Response:
    return json_response(err.status_code, error_body(err), error_headers(err))


def not_found_response() -> Response:
    return json_response(404, {"error": "not_found", "error_description": "No such endpoint."}, NO_STORE_HEADERS)


def server_error() -> ServerError:
    return ServerError("The authorization server could not complete the request.")


def install_error_handlers(app, logger, on_oauth_error=None, paths=None) -> None:
    """One place per function where errors become responses: an OAuthError as §5.2 JSON
    (``on_oauth_error`` sees it first, for metrics or a log line), any other exception as
    a 500 ``server_error`` whose trace goes to the log only, an unknown path as JSON 404
    with the no-store headers.

    ``paths`` maps each path the function serves to its handler. The resolver routes only
    the methods a route lists, so a method it has never heard of (``FOO``, ``PROPFIND``)
    on such a path comes to the not-found handler; it is given to the path's own handler,
    which answers 405 with ``Allow`` — for every method, known or not (DESIGN step 1)."""

    @app.exception_handler(OAuthError)
    def oauth_error(err: OAuthError):
        if on_oauth_error is not None:
            on_oauth_error(err)
        return oauth_error_response(err)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception):
        logger.exception("request failed")
        return oauth_error(server_error())

    @app.not_found
    def not_found(_exc):
        handler = (paths or {}).get(app.current_event.path)
        if handler is None:
            return not_found_response()
        try:
            return handler()
        except OAuthError as err:
            return oauth_error(err)
        except Exception as exc:  # noqa: BLE001 — the same 500 as any route's
            return unexpected(exc)


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
