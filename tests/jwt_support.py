"""Tokens for the JWT authorizer tests: a local RSA (and EC) key, a JWKS holding it, and
PyJWT to sign whatever claims a test needs."""

from __future__ import annotations

import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tokenvend_cli.local.jwt_authorizer import JwtAuthorizer, RouteAuth

ISSUER = "http://127.0.0.1:3000"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
KID = "key-1"
AUTHORIZER = JwtAuthorizer("TokenvendJwt", ISSUER, ("api1",))
ROUTE = RouteAuth(AUTHORIZER, ("api1",))


def public_jwk(key=RSA_KEY, kid=KID) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": "api1", "client_id": "client", "scope": "api1", "iat": now, "nbf": now,
            "exp": now + 3600, "jti": "j1", "sub": "client"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(key=RSA_KEY, kid=KID, alg="RS256", **overrides) -> str:
    return jwt.encode(claims(**overrides), key, algorithm=alg, headers={"kid": kid})


class FakeKeys:
    """The issuer's JWKS in memory; records each lookup."""

    def __init__(self, keys: dict[str, dict[str, dict]] | None = None):
        self.keys = keys if keys is not None else {ISSUER: {KID: public_jwk()}}
        self.lookups: list[tuple[str, str]] = []

    def key(self, issuer, kid):
        self.lookups.append((issuer, kid))
        return self.keys.get(issuer, {}).get(kid)


class IssuerServer:
    """An issuer's discovery document and JWKS on a loopback port (what API Gateway fetches)."""

    def __init__(self, jwks: list[dict] | None = None):
        import threading

        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.jwks = jwks if jwks is not None else [public_jwk()]
        self.requests: list[str] = []

        @Request.application
        def app(request):
            self.requests.append(request.path)
            if request.path == "/.well-known/openid-configuration":
                body = {"issuer": self.url, "jwks_uri": self.url + "/jwks"}
            elif request.path == "/jwks":
                body = {"keys": self.jwks}
            else:
                return Response("{}", 404)
            return Response(json.dumps(body), content_type="application/json")

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)  # stop() waits for the next poll
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
