"""An issuer's signing keys as API Gateway's JWT authorizer gets them: its OpenID
discovery document (``{issuer}/.well-known/openid-configuration``) names the
``jwks_uri``; the keys are cached ("API Gateway can cache the public key for two hours",
http-api-jwt-authorizer.html), and a ``kid`` not in the cache refetches the JWKS — at most
once a minute per issuer (a choice: AWS documents no refetch interval), so a flood of
tokens with made-up kids costs one request a minute.
"""

from __future__ import annotations

import threading
import time

import requests

from .jwt_authorizer import KeysUnavailable

DISCOVERY_PATH = "/.well-known/openid-configuration"
KEY_TTL = 2 * 60 * 60
REFETCH_INTERVAL = 60
FETCH_TIMEOUT = 5


def fetch_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=FETCH_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise KeysUnavailable(f"GET {url}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise KeysUnavailable(f"GET {url}: not a JSON object")
    return data


class IssuerKeys:
    """``key(issuer, kid)``: the JWK of that kid, or None; raises KeysUnavailable."""

    def __init__(self, fetch=fetch_json, clock=time.monotonic, ttl: float = KEY_TTL,
                 refetch_interval: float = REFETCH_INTERVAL):
        self._fetch, self._clock, self.ttl, self.refetch_interval = fetch, clock, ttl, refetch_interval
        self._keys: dict[str, tuple[float, dict[str, dict]]] = {}  # issuer -> (fetched at, kid -> jwk)
        self._lock = threading.Lock()

    def key(self, issuer: str, kid: str) -> dict | None:
        with self._lock:
            now = self._clock()
            cached = self._keys.get(issuer)
            if cached and now - cached[0] < self.ttl and (kid in cached[1] or now - cached[0] < self.refetch_interval):
                return cached[1].get(kid)
            keys = self._load(issuer)
            self._keys[issuer] = (now, keys)
            return keys.get(kid)

    def _load(self, issuer: str) -> dict[str, dict]:
        jwks_uri = self._fetch(issuer.rstrip("/") + DISCOVERY_PATH).get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise KeysUnavailable(f"{issuer}{DISCOVERY_PATH} names no jwks_uri")
        keys = self._fetch(jwks_uri).get("keys")
        if not isinstance(keys, list):
            raise KeysUnavailable(f"{jwks_uri} holds no keys")
        return {k["kid"]: k for k in keys if isinstance(k, dict) and isinstance(k.get("kid"), str)
                and k.get("kty") == "RSA"}
