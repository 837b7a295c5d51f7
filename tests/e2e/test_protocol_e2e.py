"""Protocol edges over real HTTP on the local stack: unrouted methods reach the functions
through the template's ANY routes (as at API Gateway) and get 405 with Allow; clients that
send Basic credentials raw (requests' auth=, curl -u) authenticate."""

import socket

import pytest
import requests

pytestmark = pytest.mark.slow
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


def raw_request(stack, request_line: str) -> bytes:
    """Send one request with any method token, as a probe would, and read the whole answer."""
    host, port = stack.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"{request_line}\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "QUERY", "DELETE"])
def test_any_method_at_the_token_endpoint_is_405_allow_post_over_http(quickstart_stack, method):
    response = requests.request(method, f"{quickstart_stack.url}/connect/token", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert {k: response.headers[k] for k in NO_STORE} == NO_STORE
    assert response.json() == {"error": "invalid_request", "error_description": "The token endpoint accepts only POST."}


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/openid-configuration/jwks"])
def test_an_unrouted_method_at_discovery_is_405_allow_get_head_over_http(quickstart_stack, path):
    answer = raw_request(quickstart_stack, f"PROPFIND {path} HTTP/1.1")
    head = answer.split(b"\r\n\r\n", 1)[0].decode().lower()
    assert head.startswith("http/1.1 405")
    assert "allow: get, head" in head and "cache-control: no-store" in head


def test_requests_auth_tuple_authenticates(quickstart_stack):
    response = requests.post(f"{quickstart_stack.url}/connect/token", auth=("client", "secret"),
                             data={"grant_type": "client_credentials"}, timeout=10)
    assert response.status_code == 200 and response.json()["scope"] == "api1"


def test_a_bearer_authorization_header_gets_the_basic_challenge(quickstart_stack):
    response = requests.post(f"{quickstart_stack.url}/connect/token", headers={"Authorization": "Bearer x"},
                             data={"grant_type": "client_credentials"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="tokenvend", charset="UTF-8"'
