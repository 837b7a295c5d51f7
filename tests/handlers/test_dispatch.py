"""The functions route by path themselves (tokenvend.apigw.dispatcher): the request's log
lines carry API Gateway's request id, and a named stage's prefix is not part of the path."""

from __future__ import annotations

from support import body, load_event


def test_the_log_lines_of_a_request_carry_api_gateways_request_id(functions):
    for call, module, name in ((functions.token_call, functions.token, "token-client-secret-basic.json"),
                               (functions.discovery_call, functions.discovery, "jwks.json"),
                               (functions.introspect_call, functions.introspect, "introspect-inactive.json"),
                               (functions.revocation_call, functions.revocation, "revocation-client-secret-basic.json")):
        event = load_event(name)
        event["requestContext"]["requestId"] = f"Kx7Yb-{name}"
        call(event)
        assert module.logger.get_correlation_id() == f"Kx7Yb-{name}"


def test_a_named_stage_is_not_part_of_the_routed_path(functions):
    event = load_event("jwks.json")
    event["requestContext"]["stage"] = "prod"
    event["rawPath"] = "/prod" + event["rawPath"]
    response = functions.discovery_call(event)
    assert response["statusCode"] == 200
    assert [key["alg"] for key in body(response)["keys"]] == ["RS256"]


def test_the_response_is_the_payload_2_0_shape_api_gateway_reads(functions):
    response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert sorted(response) == ["body", "cookies", "headers", "isBase64Encoded", "statusCode"]
    assert (response["cookies"], response["isBase64Encoded"]) == ([], False)
