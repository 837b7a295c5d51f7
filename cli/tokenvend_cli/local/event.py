"""What API Gateway (HTTP API, payload format 2.0) hands a Lambda function (with a JWT
authorizer's claims and scopes, ``authorizer_context``), and what it
makes of the function's answer — for the local API front.

The rules are API Gateway's, from "Create AWS Lambda proxy integrations for HTTP APIs"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
header names lower-cased and repeated headers joined with commas; the Cookie header
moved to ``cookies``; repeated query parameters joined with commas; the body base64
encoded unless it is text; ``x-forwarded-*`` and a trace id added. A response without
``statusCode`` is taken as a JSON body with status 200; a malformed one, like a function
that failed, becomes ``500 {"message":"Internal Server Error"}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
TEXT_SUFFIXES = ("+json", "+xml")
# Hop-by-hop and length headers are the server's to set, never the function's.
SERVER_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class HttpCall:
    """One HTTP request as the front received it, before API Gateway rewrites it."""

    method: str
    raw_path: str
    raw_query: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # in arrival order; a repeated header repeats
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    port: int = 3000


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def new_request_id() -> str:
    """An id shaped like API Gateway's (``cQ3mLhWsoAMEbWw=``), random so it is unique per request."""
    return base64.b64encode(os.urandom(11)).decode()


def _request_time(epoch_ms: int) -> str:
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def _trace_id(epoch_ms: int) -> str:
    return f"Root=1-{epoch_ms // 1000:08x}-{os.urandom(12).hex()}"


def _is_text(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith(TEXT_TYPES) or media_type.endswith(TEXT_SUFFIXES)


def _joined(pairs) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def build_event(call: HttpCall, route_key: str, *, request_id: str, epoch_ms: int,
                api_id: str, account_id: str, path_parameters: dict | None = None,
                authorizer: dict | None = None) -> dict:
    """The payload 2.0 event API Gateway would send for ``call`` on route ``route_key``;
    ``authorizer`` is its ``requestContext.authorizer`` (a JWT authorizer's claims and scopes)."""
    cookies = []
    plain = []
    for name, value in call.headers:
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            plain.append((name.lower(), value))
    headers = _joined(plain)
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {call.source_ip}" if forwarded else call.source_ip
    headers["x-forwarded-port"] = str(call.port)
    headers["x-forwarded-proto"] = "http"
    headers.setdefault("x-amzn-trace-id", _trace_id(epoch_ms))
    domain_name = headers.get("host", "")
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": call.raw_path,
        "rawQueryString": call.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.rsplit(":", 1)[0].split(".", 1)[0] if domain_name else "",
            "http": {
                "method": call.method.upper(),
                "path": call.raw_path,
                "protocol": call.protocol,
                "sourceIp": call.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": _request_time(epoch_ms),
            "timeEpoch": epoch_ms,
        },
        "isBase64Encoded": False,
    }
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    if cookies:
        event["cookies"] = cookies
    if call.raw_query:
        event["queryStringParameters"] = _joined(parse_qsl(call.raw_query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if call.body:
        text = None
        if _is_text(headers.get("content-type", "")):
            try:
                text = call.body.decode("utf-8")
            except UnicodeDecodeError:
                pass
        event["body"] = text if text is not None else base64.b64encode(call.body).decode("ascii")
        event["isBase64Encoded"] = text is None
    return event


def gateway_error(status: int, message: str, request_id: str, headers: tuple = ()) -> GatewayResponse:
    """API Gateway's own answers: ``404 {"message":"Not Found"}``, ``500 {"message":"Internal Server Error"}``..."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return _finish(status, [("Content-Type", "application/json"), *headers], body, request_id)


def _finish(status: int, headers: list, body: bytes, request_id: str) -> GatewayResponse:
    headers = [(n, v) for n, v in headers if n.lower() not in SERVER_HEADERS and n.lower() != "apigw-requestid"]
    headers += [("Content-Length", str(len(body))), ("Apigw-Requestid", request_id)]
    return GatewayResponse(status, tuple(headers), body)


def gateway_response(result, request_id: str) -> GatewayResponse:
    """Turn a function's return value into the HTTP response API Gateway would send."""
    if not isinstance(result, dict) or "statusCode" not in result:
        body = json.dumps(result).encode()
        return _finish(200, [("Content-Type", "application/json")], body, request_id)
    try:
        status = int(result["statusCode"])
        if not 100 <= status <= 599 or isinstance(result["statusCode"], bool):
            raise ValueError(status)
        multi = {str(n): [str(v) for v in vs] for n, vs in (result.get("multiValueHeaders") or {}).items()}
        headers = [(str(n), str(v)) for n, v in (result.get("headers") or {}).items()
                   if str(n).lower() not in {m.lower() for m in multi}]
        headers += [(n, v) for n, vs in multi.items() for v in vs]
        headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or []]
        body = result.get("body")
        if body is None:
            data = b""
        elif not isinstance(body, str):
            raise TypeError("body must be a string")
        elif result.get("isBase64Encoded"):
            data = base64.b64decode(body, validate=True)
        else:
            data = body.encode("utf-8")
    except (TypeError, ValueError, AttributeError, binascii.Error):
        return gateway_error(500, "Internal Server Error", request_id)
    return _finish(status, headers, data, request_id)


def claim_string(value) -> str:
    """A claim as API Gateway hands it to the function: a string as is, a list like Go
    prints a slice (``[a b]``), a number without a fraction as an integer, a boolean as
    ``true``/``false``, an object as JSON (a choice: AWS documents none of these)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(claim_string(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def authorizer_context(claims: dict) -> dict:
    """``requestContext.authorizer`` of the payload 2.0 event for an allowed token."""
    from .jwt_authorizer import token_scopes

    return {"jwt": {"claims": {k: claim_string(v) for k, v in claims.items()}, "scopes": token_scopes(claims)}}
