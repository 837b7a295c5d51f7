"""The API front with a JWT authorizer: API Gateway's 401/403 bodies and www-authenticate,
one log line naming the failed check, the function never invoked on a denial, and the
claims in requestContext.authorizer.jwt on success."""

import json

from werkzeug.test import Client

from jwt_support import ROUTE, FakeKeys, token
from test_front import RecordingFunction
from tokenvend_cli.local.front import ApiFront
from tokenvend_cli.local.front_authorizer import FrontAuthorizer
from tokenvend_cli.local.jwks_cache import IssuerKeys
from tokenvend_cli.local.jwt_authorizer import KeysUnavailable
from tokenvend_cli.local.template import Route


def protected_front():
    log = []
    identity = RecordingFunction("IdentityFunction")
    front = ApiFront([(Route("GET", "/identity", ROUTE), identity), (Route("GET", "/health"), identity)],
                     log=log.append, authorizer=FrontAuthorizer(FakeKeys(), log=log.append))
    return Client(front), identity, log


def test_a_valid_token_reaches_the_function_with_its_claims_as_strings():
    client, identity, _ = protected_front()
    response = client.get("/identity", headers={"Authorization": f"Bearer {token(aud=['api1', 'api2'])}"})
    assert response.status_code == 200
    (event, _), = identity.events
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["aud"] == "[api1 api2]" and jwt["claims"]["client_id"] == "client"
    assert isinstance(jwt["claims"]["exp"], str) and jwt["scopes"] == ["api1"]


def test_no_header_is_401_unauthorized_and_the_function_does_not_run():
    client, identity, log = protected_front()
    response = client.get("/identity")
    assert response.status_code == 401
    assert response.get_data() == b'{"message":"Unauthorized"}'
    assert response.headers["www-authenticate"] == "Bearer"
    assert identity.events == []
    assert log[0].startswith("401 GET /identity: authorizer TokenvendJwt denied: token")


def test_another_audience_is_401_with_api_gateways_header_and_a_log_line():
    client, _, log = protected_front()
    value = token(aud="urn:api1")
    response = client.get("/identity", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == \
        'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'
    assert "denied: aud (the token holds urn:api1; the authorizer wants one of api1)" in log[0]
    assert "hint: the token's aud is the ApiResource name 'urn:api1'" in log[0]
    assert all(value not in line for line in log)


def test_a_missing_scope_is_403_forbidden():
    client, identity, log = protected_front()
    response = client.get("/identity", headers={"Authorization": f"Bearer {token(scope='api2')}"})
    assert response.status_code == 403
    assert response.get_data() == b'{"message":"Forbidden"}'
    assert identity.events == [] and "denied: scope (the token holds api2; the authorizer wants one of api1)" in log[0]


def test_an_open_route_needs_no_token_and_gets_no_authorizer_context():
    client, identity, _ = protected_front()
    assert client.get("/health").status_code == 200
    assert "authorizer" not in identity.events[0][0]["requestContext"]


def test_the_jwks_is_cached_and_an_unknown_kid_refetches_at_most_once_a_minute():
    fetched, now = [], [0.0]
    documents = {"https://i/.well-known/openid-configuration": {"jwks_uri": "https://i/jwks"},
                 "https://i/jwks": {"keys": [{"kty": "RSA", "kid": "k1", "n": "x", "e": "AQAB"}]}}

    def fetch(url):
        fetched.append(url)
        return documents[url]

    keys = IssuerKeys(fetch, clock=lambda: now[0])
    assert keys.key("https://i", "k1")["kid"] == "k1" and len(fetched) == 2
    assert keys.key("https://i", "k1") and len(fetched) == 2  # cached
    assert keys.key("https://i", "k2") is None and len(fetched) == 2  # refetched less than a minute ago
    now[0] = 61
    assert keys.key("https://i", "k2") is None and len(fetched) == 4  # an unknown kid refetches
    assert keys.key("https://i", "k2") is None and len(fetched) == 4
    now[0] = 61 + 7200
    keys.key("https://i", "k1")
    assert len(fetched) == 6  # two hours on, even a known kid refetches


def test_a_discovery_document_without_jwks_uri_is_keys_unavailable():
    keys = IssuerKeys(lambda url: {})
    try:
        keys.key("https://i", "k1")
    except KeysUnavailable as exc:
        assert str(exc) == "https://i/.well-known/openid-configuration names no jwks_uri"
    else:
        raise AssertionError("no KeysUnavailable")
