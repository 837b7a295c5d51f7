"""``tokenvend explain-token`` never disagrees with the local API front.

Property: for any token (audience, issuer, scope/scp, times, kid, signing key and
algorithm, how it is sent) and any authorizer settings (audience list, route scopes),
explain-token's status and failed check equal the front's answer and the check its log
line names — both fetching the keys from the same issuer's discovery jwks_uri.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from jwt_support import EC_KEY, KID, OTHER_RSA_KEY, RSA_KEY, IssuerServer, token
from local.test_front import RecordingFunction
from tokenvend_cli.local.front import ApiFront
from tokenvend_cli.local.front_authorizer import FrontAuthorizer
from tokenvend_cli.local.jwt_authorizer import JwtAuthorizer, RouteAuth
from tokenvend_cli.local.template import Route

from cli_support import invoke
from support import examples

SERVER = None


@pytest.fixture(scope="module", autouse=True)
def issuer_server():
    global SERVER
    SERVER = IssuerServer()
    yield
    SERVER.stop()


tokens = st.fixed_dictionaries({
    "aud": st.sampled_from([None, "api1", "urn:api1", "api2", ["api2", "api1"]]),
    "iss": st.sampled_from(["issuer", "issuer/", "https://other.example"]),
    "scope": st.sampled_from([None, "api1", "api2", "api1 api2"]),
    "scp": st.sampled_from([None, "api1", ["api2"]]),
    "exp": st.sampled_from([-100, 3600, None]),
    "nbf": st.sampled_from([None, -10, 600]),
    "kid": st.sampled_from([KID, "unknown"]),
    "signer": st.sampled_from(["rsa", "other-rsa", "es256"]),
    "sent": st.sampled_from(["bearer", "bare", "scheme", "garbage", "absent"]),
})
authorizers = st.fixed_dictionaries({
    "audience": st.lists(st.sampled_from(["api1", "api2", "client"]), min_size=1, max_size=2, unique=True),
    "scopes": st.lists(st.sampled_from(["api1", "api2"]), max_size=2, unique=True),
})


def _value(spec) -> str | None:
    now = int(time.time())
    key, alg = {"rsa": (RSA_KEY, "RS256"), "other-rsa": (OTHER_RSA_KEY, "RS256"), "es256": (EC_KEY, "ES256")}[
        spec["signer"]]
    iss = {"issuer": SERVER.url, "issuer/": SERVER.url + "/"}.get(spec["iss"], spec["iss"])
    value = token(key=key, kid=spec["kid"], alg=alg, aud=spec["aud"], iss=iss, scope=spec["scope"], scp=spec["scp"],
                  exp=None if spec["exp"] is None else now + spec["exp"],
                  nbf=None if spec["nbf"] is None else now + spec["nbf"], iat=None)
    return {"bearer": f"Bearer {value}", "bare": value, "scheme": f"JWT {value}", "garbage": "Bearer not-a-jwt",
            "absent": None}[spec["sent"]]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=tokens, config=authorizers)
def test_explain_token_answers_what_the_front_answers(spec, config):
    value = _value(spec)
    auth = RouteAuth(JwtAuthorizer("A", SERVER.url, tuple(config["audience"])), tuple(config["scopes"]))
    log = []
    front = ApiFront([(Route("GET", "/identity", auth), RecordingFunction("F"))], log=log.append,
                     authorizer=FrontAuthorizer(log=log.append))
    response = Client(front).get("/identity", headers={"Authorization": value} if value is not None else {})

    args = ["--issuer", SERVER.url, *[a for aud in config["audience"] for a in ("--audience", aud)],
            *[a for s in config["scopes"] for a in ("--scope", s)], "--json"]
    result = invoke("explain-token", "-", *args, input=(value or "") + "\n")
    data = json.loads(result.stdout)

    assert data["status"] == response.status_code
    assert result.exit_code == (0 if response.status_code == 200 else 1)
    if response.status_code != 200:
        assert f"denied: {data['failed']} (" in log[0]
        assert data["www_authenticate"] == response.headers["www-authenticate"]
