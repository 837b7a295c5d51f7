"""The API front as a WSGI app, with stand-in functions: routing as API Gateway routes,
its 404 and 500 answers, and one access-log line per request."""

import base64
import json
import re

from werkzeug.test import Client

from tokenvend_cli.local.front import ApiFront
from tokenvend_cli.local.runtime import LambdaContext
from tokenvend_cli.local.template import Route


class RecordingFunction:
    """Stands in for LocalFunction: records events, answers what it is told."""

    def __init__(self, name, answer=None, error=None):
        self.name, self.answer, self.error, self.events = name, answer, error, []

    def context(self):
        return LambdaContext(self.name, 512, f"arn:aws:lambda:us-east-1:123456789012:function:{self.name}", 10)

    def invoke(self, event, context):
        self.events.append((event, context))
        if self.error:
            raise self.error
        return self.answer or {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


def front_with(*pairs):
    log = []
    return ApiFront(list(pairs), log=log.append), log


def test_a_request_reaches_its_function_as_a_payload_2_event():
    token = RecordingFunction("TokenFunction")
    front, _ = front_with((Route("ANY", "/connect/token"), token))
    response = Client(front).post("/connect/token?x=1", data={"grant_type": "client_credentials"},
                                  headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="})
    assert response.status_code == 200
    (event, context), = token.events
    assert event["routeKey"] == "ANY /connect/token"
    assert event["rawPath"] == "/connect/token" and event["rawQueryString"] == "x=1"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["headers"]["authorization"] == "Basic Y2xpZW50OnNlY3JldA=="
    assert base64.b64decode(event["body"]) == b"grant_type=client_credentials" and event["isBase64Encoded"] is True
    assert response.headers["Apigw-Requestid"] == event["requestContext"]["requestId"]
    assert context.function_name == "TokenFunction" and context.get_remaining_time_in_millis() > 9000


def test_an_unknown_route_is_api_gateways_404_and_no_function_runs():
    token = RecordingFunction("TokenFunction")
    front, log = front_with((Route("ANY", "/connect/token"), token))
    response = Client(front).get("/connect/tokens")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_data() == b'{"message":"Not Found"}'
    assert token.events == []
    assert re.fullmatch(r"\S+Z GET /connect/tokens 404 \d+ms \S{16}", log[0])


def test_a_method_route_answers_only_its_method():
    only_get = RecordingFunction("Get")
    front, _ = front_with((Route("GET", "/thing"), only_get))
    assert Client(front).post("/thing").status_code == 404
    assert Client(front).get("/thing").status_code == 200


def test_the_most_specific_route_wins():
    exact, variable, greedy, default, get_only = (RecordingFunction(n) for n in ("exact", "var", "greedy", "default", "get"))
    front, _ = front_with((Route("ANY", "$default"), default), (Route("ANY", "/a/{proxy+}"), greedy),
                          (Route("ANY", "/a/{id}"), variable), (Route("ANY", "/a/b"), exact),
                          (Route("GET", "/a/b"), get_only))
    client = Client(front)
    client.get("/a/b"), client.post("/a/b"), client.get("/a/c"), client.get("/a/c/d"), client.get("/z")
    assert [len(f.events) for f in (get_only, exact, variable, greedy, default)] == [1, 1, 1, 1, 1]
    assert variable.events[0][0]["pathParameters"] == {"id": "c"}
    assert greedy.events[0][0]["pathParameters"] == {"proxy": "c/d"}
    assert default.events[0][0]["routeKey"] == "$default"


def test_a_function_that_raises_is_api_gateways_500():
    broken = RecordingFunction("Broken", error=RuntimeError("boom"))
    front, log = front_with((Route("ANY", "/x"), broken))
    response = Client(front).get("/x")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.get_data()) == {"message": "Internal Server Error"}
    assert " GET /x 500 " in log[0]


def test_the_function_response_is_written_back():
    answer = {"statusCode": 405, "headers": {"Allow": "POST", "Content-Type": "application/json"},
              "cookies": ["a=1"], "body": base64.b64encode(b'{"error":"invalid_request"}').decode(),
              "isBase64Encoded": True}
    front, _ = front_with((Route("ANY", "/x"), RecordingFunction("F", answer=answer)))
    response = Client(front).get("/x")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.headers.getlist("Set-Cookie") == ["a=1"]
    assert response.get_data() == b'{"error":"invalid_request"}'
    assert response.headers["Content-Length"] == str(len(b'{"error":"invalid_request"}'))


def test_the_access_log_has_no_header_query_or_body():
    front, log = front_with((Route("ANY", "/connect/token"), RecordingFunction("T")))
    Client(front).post("/connect/token?client_secret=s3cr3t", data={"client_secret": "s3cr3t"},
                       headers={"Authorization": "Basic c2VjcmV0"})
    assert len(log) == 1
    assert "s3cr3t" not in log[0] and "Basic" not in log[0] and "?" not in log[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ POST /connect/token 200 \d+ms \S{16}", log[0])


def test_a_body_over_api_gateways_limit_is_413():
    front, _ = front_with((Route("ANY", "/x"), RecordingFunction("F")))
    response = Client(front).post("/x", data=b"a" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.get_data() == b'{"message":"Request Entity Too Large"}'


def test_head_gets_the_headers_without_the_body():
    discovery = RecordingFunction("D", answer={"statusCode": 200, "headers": {"Content-Type": "application/json"},
                                               "body": '{"issuer":"x"}'})
    front, _ = front_with((Route("ANY", "/d"), discovery))
    response = Client(front).head("/d")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "14" and response.get_data() == b""
    assert discovery.events[0][0]["requestContext"]["http"]["method"] == "HEAD"
