"""The payload 2.0 event the local front builds, and how it writes a function's answer
back — field by field, as API Gateway does."""

import base64
import json

from tokenvend_cli.local.event import HttpCall, build_event, gateway_error, gateway_response, new_request_id
from tokenvend_cli.local.template import PROJECT_ROOT

EPOCH_MS = 1764448265123  # 29/Nov/2025:20:31:05 +0000
FORM = b"grant_type=client_credentials&scope=api1"


def token_call(**overrides) -> HttpCall:
    fields = dict(
        method="POST", raw_path="/connect/token", raw_query="",
        headers=(("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"),
                 ("Authorization", "Basic Y2xpZW50OnNlY3JldA=="), ("Content-Length", str(len(FORM))),
                 ("Content-Type", "application/x-www-form-urlencoded")),
        body=FORM, source_ip="127.0.0.1", protocol="HTTP/1.1", port=3000,
    )
    return HttpCall(**{**fields, **overrides})


def event_for(call: HttpCall, **kwargs) -> dict:
    return build_event(call, kwargs.pop("route_key", "ANY /connect/token"), request_id="cQ3mLhWsoAMEbWw=",
                       epoch_ms=EPOCH_MS, api_id="local", account_id="123456789012", **kwargs)


def test_a_form_post_becomes_the_event_api_gateway_sends():
    # GIVEN a client_secret_basic token request  WHEN the front builds its event
    event = event_for(token_call())
    # THEN every field is API Gateway's, the form body base64 encoded
    trace = event["headers"].pop("x-amzn-trace-id")
    assert trace.startswith("Root=1-692b5809-") and len(trace) == len("Root=1-692b5809-") + 24
    assert event == {
        "version": "2.0",
        "routeKey": "ANY /connect/token",
        "rawPath": "/connect/token",
        "rawQueryString": "",
        "headers": {
            "host": "127.0.0.1:3000", "user-agent": "curl/8.5.0", "accept": "*/*",
            "authorization": "Basic Y2xpZW50OnNlY3JldA==", "content-length": "40",
            "content-type": "application/x-www-form-urlencoded",
            "x-forwarded-for": "127.0.0.1", "x-forwarded-port": "3000", "x-forwarded-proto": "http",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1:3000",
            "domainPrefix": "127",
            "http": {"method": "POST", "path": "/connect/token", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0"},
            "requestId": "cQ3mLhWsoAMEbWw=",
            "routeKey": "ANY /connect/token",
            "stage": "$default",
            "time": "29/Nov/2025:20:31:05 +0000",
            "timeEpoch": EPOCH_MS,
        },
        "body": base64.b64encode(FORM).decode(),
        "isBase64Encoded": True,
    }


def test_the_event_matches_the_shape_of_the_event_files():
    recorded = json.loads((PROJECT_ROOT / "events" / "token-client-secret-basic.json").read_text())
    built = event_for(token_call())
    assert set(built) == set(recorded)
    assert set(built["requestContext"]) == set(recorded["requestContext"])
    assert set(built["requestContext"]["http"]) == set(recorded["requestContext"]["http"])
    assert built["body"] == recorded["body"] and built["isBase64Encoded"] is recorded["isBase64Encoded"] is True


def test_repeated_headers_are_joined_with_commas_and_names_lower_cased():
    event = event_for(token_call(headers=(("Host", "h"), ("X-Thing", "a"), ("x-thing", "b"), ("ACCEPT", "*/*"))))
    assert event["headers"]["x-thing"] == "a,b"
    assert event["headers"]["accept"] == "*/*"


def test_cookies_leave_the_headers_for_the_cookies_list():
    event = event_for(token_call(headers=(("Host", "h"), ("Cookie", "a=1; b=2"), ("Cookie", "c=3"))))
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_a_client_x_forwarded_for_gets_the_source_ip_appended():
    event = event_for(token_call(headers=(("Host", "h"), ("X-Forwarded-For", "203.0.113.9")), source_ip="10.0.0.2"))
    assert event["headers"]["x-forwarded-for"] == "203.0.113.9, 10.0.0.2"
    assert event["requestContext"]["http"]["sourceIp"] == "10.0.0.2"


def test_query_parameters_are_decoded_and_repeats_joined():
    event = event_for(token_call(method="GET", body=b"", raw_query="a=1&a=2&b=x%20y&c="))
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y&c="
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "c": ""}


def test_no_body_no_query_no_cookies_means_no_such_keys():
    event = event_for(token_call(method="GET", body=b"", headers=(("Host", "h"),)))
    assert "body" not in event and "queryStringParameters" not in event and "cookies" not in event
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["userAgent"] == ""


def test_json_and_text_bodies_stay_plain_binary_ones_are_base64():
    json_event = event_for(token_call(body=b'{"a":1}', headers=(("Content-Type", "application/json; charset=utf-8"),)))
    text_event = event_for(token_call(body="é".encode(), headers=(("Content-Type", "text/plain"),)))
    binary = event_for(token_call(body=b"\xff\xfe", headers=(("Content-Type", "text/plain"),)))
    untyped = event_for(token_call(body=b"abc", headers=()))
    assert (json_event["body"], json_event["isBase64Encoded"]) == ('{"a":1}', False)
    assert (text_event["body"], text_event["isBase64Encoded"]) == ("é", False)
    assert (binary["body"], binary["isBase64Encoded"]) == ("//4=", True)
    assert (untyped["body"], untyped["isBase64Encoded"]) == ("YWJj", True)


def test_path_parameters_are_passed_when_the_route_has_some():
    event = event_for(token_call(), route_key="GET /clients/{id}", path_parameters={"id": "c1"})
    assert event["pathParameters"] == {"id": "c1"}
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /clients/{id}"


def test_request_ids_are_unique_and_shaped_like_api_gateways():
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 16 and i.endswith("=") for i in ids)


# --- responses ---------------------------------------------------------------

def test_a_function_response_is_written_back_with_its_headers_cookies_and_body():
    result = {"statusCode": 200, "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
              "multiValueHeaders": {"X-Multi": ["a", "b"]}, "cookies": ["s=1; Path=/", "t=2"],
              "body": '{"ok":true}', "isBase64Encoded": False}
    response = gateway_response(result, "rid=")
    assert response.status == 200
    assert response.headers == (
        ("Content-Type", "application/json"), ("Cache-Control", "no-store"),
        ("X-Multi", "a"), ("X-Multi", "b"), ("Set-Cookie", "s=1; Path=/"), ("Set-Cookie", "t=2"),
        ("Content-Length", "11"), ("Apigw-Requestid", "rid="),
    )
    assert response.body == b'{"ok":true}'


def test_a_base64_body_is_decoded():
    response = gateway_response({"statusCode": 201, "body": base64.b64encode(b"\x00\x01").decode(),
                                 "isBase64Encoded": True}, "r")
    assert (response.status, response.body) == (201, b"\x00\x01")


def test_multi_value_headers_win_over_single_ones_of_the_same_name():
    response = gateway_response({"statusCode": 200, "headers": {"X-A": "1"}, "multiValueHeaders": {"x-a": ["2", "3"]}}, "r")
    assert [h for h in response.headers if h[0].lower() == "x-a"] == [("x-a", "2"), ("x-a", "3")]


def test_the_function_cannot_set_length_or_hop_by_hop_headers():
    response = gateway_response({"statusCode": 204, "headers": {"Content-Length": "99", "Connection": "close"}}, "r")
    assert response.headers == (("Content-Length", "0"), ("Apigw-Requestid", "r"))


def test_a_result_without_status_code_is_a_json_200():
    response = gateway_response({"hello": "world"}, "r")
    assert response.status == 200
    assert response.headers[0] == ("Content-Type", "application/json")
    assert json.loads(response.body) == {"hello": "world"}


def test_a_malformed_result_is_api_gateways_500():
    for result in ({"statusCode": "abc"}, {"statusCode": 200, "body": {"not": "a string"}},
                   {"statusCode": 200, "body": "!!", "isBase64Encoded": True}, {"statusCode": 99}):
        response = gateway_response(result, "r")
        assert (response.status, response.body) == (500, b'{"message":"Internal Server Error"}'), result
        assert ("Content-Type", "application/json") in response.headers


def test_gateway_errors_use_api_gateways_bodies():
    response = gateway_error(404, "Not Found", "r")
    assert response == type(response)(404, (("Content-Type", "application/json"), ("Content-Length", "23"),
                                            ("Apigw-Requestid", "r")), b'{"message":"Not Found"}')
