"""The local stack's HTTP servers over real loopback sockets (``ApiServer`` for the API front,
``WsgiServer`` for moto): they keep a client's connection open between requests, as API
Gateway and AWS do, send without waiting for the client's delayed ACK, and stop when asked."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time

import pytest

from tokenvend_cli.local.front import ApiFront, ApiServer, WsgiServer, listen, make_front_server
from tokenvend_cli.local.stack import MotoServer
from tokenvend_cli.local.template import Route

from test_front import RecordingFunction

pytestmark = pytest.mark.slow  # starts servers


@pytest.fixture
def front():
    token = RecordingFunction("TokenFunction")
    sock = listen("127.0.0.1", 0)
    server = make_front_server(ApiFront([(Route("ANY", "/connect/token"), token)], log=lambda line: None), sock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, sock, token
    server.shutdown()
    thread.join(5)
    assert not thread.is_alive()


def three_requests(port: int, method: str, path: str, headers: dict, body: bytes = b"") -> list:
    """(status, Connection header, the same socket as the first request's) of three requests
    on one http.client connection, which reconnects by itself after a ``Connection: close``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    seen, first = [], None
    try:
        for _ in range(3):
            connection.request(method, path, body=body, headers=headers)
            used = connection.sock
            response = connection.getresponse()
            response.read()
            first = first or used
            seen.append((response.status, response.getheader("Connection"), used is first))
    finally:
        connection.close()
    return seen


def test_the_api_front_keeps_the_connection_open_between_requests(front):
    server, _, token = front
    answers = three_requests(server.port, "POST", "/connect/token", {"Content-Type": "application/x-www-form-urlencoded"},
                             b"grant_type=client_credentials")
    assert answers == [(200, None, True)] * 3
    assert len(token.events) == 3


def test_an_unread_body_of_a_404_does_not_break_the_next_request(front):
    server, _, _ = front
    answers = three_requests(server.port, "POST", "/nope", {"Content-Type": "text/plain"}, b"x" * 70_000)
    assert answers == [(404, None, True)] * 3


def test_moto_answers_without_waiting_for_the_clients_delayed_ack():
    # cheroot writes headers and body apart; accepted connections inherit the listening
    # socket's TCP_NODELAY (asyncio sets it on the API front's connections itself)
    sock = listen("127.0.0.1", 0)
    server = WsgiServer(lambda environ, start_response: [], sock, server_name="moto")
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.server_close()


def test_moto_keeps_the_functions_connections_open():
    moto = MotoServer()
    try:
        port = int(moto.url.rsplit(":", 1)[1])
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
                   "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261207/us-east-1/dynamodb/aws4_request, "
                                    "SignedHeaders=host, Signature=0"}
        assert three_requests(port, "POST", "/", headers, b"{}") == [(200, None, True)] * 3
    finally:
        moto.stop()


def test_shutdown_ends_serve_forever_and_frees_the_port():
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = ApiServer(ApiFront([], log=lambda line: None).asgi, sock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.shutdown()
    thread.join(5)
    assert not thread.is_alive()
    server.server_close()  # a second stop does nothing
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_many_clients_each_keep_their_connection(front):
    server, _, token = front
    connections = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(40)]
    try:
        answers = []
        for _ in range(2):
            for connection in connections:  # all 40 open at once, each idle between its requests
                connection.request("POST", "/connect/token", body=b"grant_type=client_credentials")
                response = connection.getresponse()
                response.read()
                answers.append((response.status, response.getheader("Connection"), connection.sock is not None))
    finally:
        for connection in connections:
            connection.close()
    assert answers == [(200, None, True)] * 80
    assert len(token.events) == 80


def test_a_process_that_never_stops_its_servers_still_exits():
    script = ("from tokenvend_cli.local.front import ApiFront, ApiServer, listen\n"
              "from tokenvend_cli.local.stack import MotoServer\n"
              "import threading\n"
              "server = ApiServer(ApiFront([]).asgi, listen('127.0.0.1', 0))\n"
              "threading.Thread(target=server.serve_forever, daemon=True).start()\n"
              "moto = MotoServer()\n"
              "print('serving', flush=True)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (0, "serving\n")


def test_a_body_over_api_gateways_limit_is_413_over_http(front):
    server, _, token = front
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/connect/token", body=b"x" * (10 * 1024 * 1024 + 1))
        response = connection.getresponse()
        assert (response.status, response.read()) == (413, b'{"message":"Request Entity Too Large"}')
    finally:
        connection.close()
    assert token.events == []


def test_head_gets_the_headers_of_get_and_no_body_over_http(front):
    server, _, _ = front
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("HEAD", "/connect/token")
        response = connection.getresponse()
        assert (response.status, response.getheader("Content-Length"), response.read()) == (200, "2", b"")
    finally:
        connection.close()


def test_a_client_that_leaves_before_its_body_arrives_invokes_nothing(front):
    server, _, token = front
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(b"POST /connect/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ngrant_type=")
    assert make_request_after(server.port) == 200
    deadline = time.monotonic() + 0.5  # time enough for a wrongly invoked first request to land
    while time.monotonic() < deadline and len(token.events) < 2:
        time.sleep(0.01)
    assert len(token.events) == 1  # only the second client's request reached the function


def make_request_after(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/connect/token", body=b"grant_type=client_credentials")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
