"""The JWT authorizer decision, one test per check: the status, the failed check, what
the token held and what the authorizer wanted, the www-authenticate value and the hint."""

import time

import pytest

from jwt_support import AUTHORIZER, EC_KEY, ISSUER, OTHER_RSA_KEY, ROUTE, FakeKeys, token
from tokenvend_cli.local.jwt_authorizer import KeysUnavailable, RouteAuth, token_from
from tokenvend_cli.local.event import authorizer_context, claim_string
from tokenvend_cli.local.jwt_denial import HintContext, judge, log_line, www_authenticate

NOW = time.time()
INVALID = 'Bearer scope="" error="invalid_token" error_description="{}"'


def decide(value, auth=ROUTE, keys=None, now=None, context=HintContext()):
    return judge(value, auth, keys or FakeKeys(), time.time() + 1 if now is None else now, context)


def test_a_good_token_is_allowed_with_or_without_the_bearer_prefix():
    for value in (f"Bearer {token()}", token(), f"bearer {token()}"):
        verdict = decide(value)
        assert verdict.status == 200 and verdict.failed is None and verdict.hints == []
        assert www_authenticate(verdict, ROUTE) is None


def test_no_token_is_401_with_a_bare_bearer_challenge():
    verdict = decide(None)
    assert (verdict.status, verdict.failed.name) == (401, "token")
    assert www_authenticate(verdict, ROUTE) == "Bearer"
    assert verdict.hints == ["send the token as `Authorization: Bearer <token>`"]


@pytest.mark.parametrize("value, hint", [
    ("Bearer garbage", "the value is not a JWT: send the access_token member of the token response"),
    (f"Token {token()}", "the value's scheme is 'Token': send `Bearer <token>` (or the bare token)"),
])
def test_a_value_that_is_not_a_jwt_is_401(value, hint):
    verdict = decide(value)
    assert (verdict.status, verdict.failed.name) == (401, "jwt")
    assert www_authenticate(verdict, ROUTE) == INVALID.format("the token is not a valid JWT")
    assert verdict.hints == [hint]


def test_an_es256_token_is_refused_as_http_api_authorizers_refuse_it():
    verdict = decide(token(key=EC_KEY, alg="ES256"))
    assert (verdict.status, verdict.failed.name, verdict.failed.held) == (401, "alg", "ES256")
    assert verdict.hints == ["the token is ES256, which HTTP API JWT authorizers refuse (RSA only): "
                             "run tokenvend with SigningAlgorithm=RS256"]


def test_an_unknown_kid_is_401_with_the_publish_delay_hint():
    verdict = decide(token(kid="key-2"))
    assert (verdict.status, verdict.failed.name, verdict.failed.held) == (401, "kid", "key-2")
    assert www_authenticate(verdict, ROUTE) == INVALID.format("the token's key id was not found in the issuer's keys")
    assert "activated before its publish delay" in verdict.hints[0]


def test_keys_that_cannot_be_fetched_are_401_naming_the_kid_check():
    class Down:
        def key(self, issuer, kid):
            raise KeysUnavailable("GET http://127.0.0.1:3000/.well-known/openid-configuration: ConnectionError")

    verdict = decide(token(), keys=Down())
    assert (verdict.status, verdict.failed.name) == (401, "kid")
    assert "ConnectionError" in verdict.failed.wanted


def test_a_foreign_signature_is_401():
    verdict = decide(token(key=OTHER_RSA_KEY))
    assert (verdict.status, verdict.failed.name) == (401, "signature")
    assert www_authenticate(verdict, ROUTE) == INVALID.format("the token's signature is not valid")


def test_another_audience_is_api_gateways_documented_401():
    verdict = decide(token(aud="api2"))
    assert (verdict.status, verdict.failed.name, verdict.failed.held, verdict.failed.wanted) == \
        (401, "aud", "api2", "one of api1")
    assert www_authenticate(verdict, ROUTE) == \
        'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'


def test_an_audience_named_like_the_resource_gets_the_resource_name_hint():
    verdict = decide(token(aud="urn:api1"))
    assert verdict.hints == ["the token's aud is the ApiResource name 'urn:api1' but the authorizer wants 'api1': "
                             "name the ApiResource 'api1', or add 'urn:api1' to the authorizer's audience"]


def test_client_id_stands_in_for_aud_only_when_aud_is_absent():
    by_client = RouteAuth(AUTHORIZER.__class__("A", ISSUER, ("client",)), ())
    assert decide(token(aud=None), auth=by_client).status == 200
    assert decide(token(aud="api1"), auth=by_client).failed.name == "aud"
    assert decide(token(aud=["x", "api1"])).status == 200


def test_an_expired_token_is_401_saying_how_long_ago():
    verdict = decide(token(exp=int(NOW) - 30), now=NOW)
    assert (verdict.status, verdict.failed.name) == (401, "exp")
    assert www_authenticate(verdict, ROUTE) == INVALID.format("the token has expired")
    assert verdict.hints == ["expired 30 s ago: get a new token"]


def test_a_token_without_exp_is_refused():
    assert decide(token(exp=None)).failed.name == "exp"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_token_from_the_future_is_401(claim):
    verdict = decide(token(**{"nbf": None, "iat": None, claim: int(time.time()) + 600}))
    assert (verdict.status, verdict.failed.name) == (401, claim)


def test_another_issuer_is_401_and_a_trailing_slash_is_named():
    verdict = decide(token(iss=ISSUER + "/"))
    assert (verdict.status, verdict.failed.name) == (401, "iss")
    assert www_authenticate(verdict, ROUTE) == INVALID.format("the token does not have a valid issuer")
    assert "differ by a trailing slash" in verdict.hints[0]


def test_a_local_token_at_a_deployed_authorizer_says_so():
    deployed = RouteAuth(AUTHORIZER.__class__("A", "https://abc.execute-api.us-east-1.amazonaws.com", ("api1",)))
    verdict = decide(token(), auth=deployed, context=HintContext(local_issuer=ISSUER))
    assert verdict.failed.name == "iss"
    assert verdict.hints == ["the token comes from the local stack (http://127.0.0.1:3000) but the authorizer trusts "
                             "https://abc.execute-api.us-east-1.amazonaws.com: get a token from that issuer, or set "
                             "the API's Issuer parameter to the local one"]


def test_a_missing_scope_is_403_and_names_what_the_client_may_have():
    verdict = decide(token(scope="api1.admin"), context=HintContext(client_scopes=lambda cid: ["api1.admin"]))
    assert (verdict.status, verdict.failed.name, verdict.failed.held) == (403, "scope", "api1.admin")
    assert www_authenticate(verdict, ROUTE) == ('Bearer scope="api1" error="insufficient_scope" '
                                                'error_description="the token does not have the required scope"')
    assert verdict.hints == ["the token lacks api1 and client client is allowed only api1.admin: "
                             "add api1 to its allowed_scopes"]


def test_scp_suffices_as_well_as_scope():
    assert decide(token(scope=None, scp=["api1"])).status == 200
    assert decide(token(scope="other", scp="api1")).status == 200
    assert decide(token(scope=None)).status == 403


def test_a_route_without_scopes_takes_any_valid_token():
    assert decide(token(scope=None), auth=RouteAuth(AUTHORIZER)).status == 200


def test_the_log_line_names_the_check_and_never_the_token():
    value = token(aud="api2")
    verdict = decide(value)
    line = log_line(verdict, ROUTE, "GET /identity", verdict.hints)
    assert line.startswith("401 GET /identity: authorizer TokenvendJwt denied: aud (the token holds api2; the authorizer wants one of api1)")
    assert value not in line and value.split(".")[1] not in line


def test_claims_reach_the_function_as_api_gateway_flattens_them():
    context = authorizer_context({"aud": ["api1", "api2"], "exp": 1700000000, "scope": "api1 api2", "ok": True,
                                  "n": 1.5, "o": {"a": 1}})
    assert context == {"jwt": {"claims": {"aud": "[api1 api2]", "exp": "1700000000", "scope": "api1 api2",
                                          "ok": "true", "n": "1.5", "o": '{"a":1}'},
                               "scopes": ["api1", "api2"]}}
    assert authorizer_context({"sub": "x"})["jwt"]["scopes"] is None
    assert claim_string(2.0) == "2"


def test_the_identity_source_may_be_any_header_or_query_parameter():
    assert token_from("$request.header.Authorization", {"authorization": "t"}) == "t"
    assert token_from("$request.header.X-Token", {"X-TOKEN": "t"}) == "t"
    assert token_from("$request.querystring.access_token", {}, {"access_token": "q"}) == "q"
    assert token_from("$request.header.Authorization", {}) is None
