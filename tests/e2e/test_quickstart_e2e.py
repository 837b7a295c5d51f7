"""The IdentityServer quickstart against the real local stack, over HTTP, with the
libraries a client and a resource server would use: Authlib to get the token, PyJWT's
PyJWKClient to check it, and IdentityModel's discovery policy."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from identitymodel_policy import discovery_policy_violations

pytestmark = pytest.mark.slow
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


def fetch_token(stack, method="client_secret_basic", **params):
    session = OAuth2Session("client", "secret", scope="api1", token_endpoint_auth_method=method)
    return session.fetch_token(f"{stack.url}/connect/token", grant_type="client_credentials", **params)


def verify_as_resource_server(stack, access_token: str, audience: str = "api1") -> tuple[dict, dict]:
    """What an API does with a bearer token: keys from jwks_uri, then typ, signature, iss, aud, exp."""
    discovery = requests.get(f"{stack.url}/.well-known/openid-configuration", timeout=5).json()
    header = jwt.get_unverified_header(access_token)
    assert header["typ"] == "at+jwt"  # RFC 9068 §4: refuse anything else as an access token
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(access_token)
    claims = jwt.decode(access_token, key.key, algorithms=[header["alg"]], audience=audience,
                        issuer=discovery["issuer"], options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
    return header, claims


def test_the_quickstart_client_gets_a_token_an_api_accepts(quickstart_stack):
    # GIVEN the quickstart's client  WHEN it asks with client_secret_basic, as Authlib does
    token = fetch_token(quickstart_stack)
    # THEN it gets a bearer token for api1, and the API accepts it
    assert (token["token_type"], token["expires_in"], token["scope"]) == ("Bearer", 3600, "api1")
    header, claims = verify_as_resource_server(quickstart_stack, token["access_token"])
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["iss"] == quickstart_stack.url == quickstart_stack.state["issuer"]
    assert (claims["sub"], claims["client_id"], claims["aud"], claims["scope"]) == ("client", "client", "api1", "api1")
    assert claims["exp"] - claims["iat"] == 3600 and abs(claims["iat"] - time.time()) < 60


def test_client_secret_post_works_too(quickstart_stack):
    token = fetch_token(quickstart_stack, method="client_secret_post")
    _, claims = verify_as_resource_server(quickstart_stack, token["access_token"])
    assert claims["client_id"] == "client"


def test_a_token_response_carries_the_no_store_headers(quickstart_stack):
    response = requests.post(f"{quickstart_stack.url}/connect/token", auth=("client", "secret"),
                             data={"grant_type": "client_credentials", "scope": "api1"}, timeout=5)
    assert response.status_code == 200
    assert {k: response.headers[k] for k in NO_STORE} == NO_STORE
    assert re.fullmatch(r"\S{15}=", response.headers["Apigw-Requestid"])


def test_a_wrong_secret_is_401_invalid_client_with_the_basic_challenge(quickstart_stack):
    response = requests.post(f"{quickstart_stack.url}/connect/token", auth=("client", "wrong"),
                             data={"grant_type": "client_credentials"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert {k: response.headers[k] for k in NO_STORE} == NO_STORE


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"])
def test_discovery_passes_identitymodels_default_policy(quickstart_stack, path):
    response = requests.get(quickstart_stack.url + path, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"].startswith("public, max-age=") and response.headers["ETag"]
    document = response.json()
    jwks = requests.get(document["jwks_uri"], timeout=5).json()
    assert discovery_policy_violations(document, authority=quickstart_stack.url, jwks=jwks) == []
    assert document["scopes_supported"] == ["api1"]
    assert document["grant_types_supported"] == ["client_credentials"]


def test_an_unknown_route_is_api_gateways_404(quickstart_stack):
    response = requests.get(f"{quickstart_stack.url}/connect/authorize", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == b'{"message":"Not Found"}'


def test_get_on_the_token_endpoint_is_405_allow_post(quickstart_stack):
    response = requests.get(f"{quickstart_stack.url}/connect/token", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert {k: response.headers[k] for k in NO_STORE} == NO_STORE
    assert response.json()["error"] == "invalid_request"


def test_requests_are_served_concurrently_and_each_token_is_unique(quickstart_stack):
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda _: fetch_token(quickstart_stack)["access_token"], range(16)))
    jtis = {jwt.decode(t, options={"verify_signature": False})["jti"] for t in tokens}
    assert len(jtis) == 16


def test_one_access_log_line_per_request_without_secrets(quickstart_stack):
    response = requests.post(f"{quickstart_stack.url}/connect/token", auth=("client", "secret"),
                             data={"grant_type": "client_credentials", "scope": "api1"}, timeout=5)
    request_id = response.headers["Apigw-Requestid"]
    lines = [line for line in quickstart_stack.lines_after(request_id, count=2) if request_id in line]
    access = [line for line in lines if not line.startswith("{")]
    assert len(access) == 1
    assert re.fullmatch(rf"\S+Z POST /connect/token 200 \d+ms {re.escape(request_id)}", access[0])
    # the function's own log line carries the same id as its correlation id, and no secret
    log_line, = [line for line in lines if line.startswith("{")]
    assert f'"correlation_id":"{request_id}"' in log_line
    assert "secret" not in log_line.replace("client_secret_basic", "") and response.json()["access_token"] not in log_line


def test_the_banner_shows_a_curl_that_works(quickstart_stack):
    curl = f"curl -s -u client:secret -d grant_type=client_credentials -d scope=api1 {quickstart_stack.url}/connect/token"
    assert f"  {curl}" in quickstart_stack.stdout
    assert f"Issuer: {quickstart_stack.url}" in quickstart_stack.stdout
    # what that curl sends, sent with requests
    response = requests.post(f"{quickstart_stack.url}/connect/token", auth=("client", "secret"),
                             data={"grant_type": "client_credentials", "scope": "api1"}, timeout=5)
    assert response.status_code == 200
