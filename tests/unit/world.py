"""The default world of the token endpoint tests: a catalog, a few clients, a local signer.

Orders and invoices are ordinary resources; ``urn:audit`` is put in ``aud`` only when
named; ``urn:retired`` is disabled. ``legacy`` is a disabled scope, ``admin`` a scope no
client is allowed, ``loose`` a scope that belongs to no resource.
"""

from __future__ import annotations

import time

from dataclasses import dataclass

import jwt
import pytest

from tokenvend.audit import TokenAudit
from tokenvend.client_secrets import hash_secret
from tokenvend.model import ApiResource, ApiScope, Catalog, Client, ClientSecret
from tokenvend.ports import StaticKey
from tokenvend.token_endpoint import TOKEN_PATH, TokenEndpoint

from .fakes import (
    FIXED_NOW, FixedClock, InMemoryReplayCache, InMemoryStore, LocalSigner, form, http, private_key,
)

ISSUER = "https://tokens.example.com"
TOKEN_ENDPOINT = ISSUER + TOKEN_PATH
ORDERS = "https://orders.example.com"
INVOICES = "https://invoices.example.com"
AUDIT = "urn:audit"
RETIRED = "urn:retired"
SECRET = "app-secret-0123456789-abcdefghijklmnop"
SECRET_HASH = hash_secret(SECRET)
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

SCOPES = (
    ApiScope("orders.read"), ApiScope("orders.write"), ApiScope("invoices.read"),
    ApiScope("legacy", enabled=False), ApiScope("admin"), ApiScope("loose"),
)
RESOURCES = (
    ApiResource(ORDERS, scopes=("orders.read", "orders.write")),
    ApiResource(INVOICES, scopes=("invoices.read",)),
    ApiResource(AUDIT, scopes=("orders.read",), require_resource_indicator=True),
    ApiResource(RETIRED, scopes=("orders.read",), enabled=False),
)
APP = Client(
    "app", secrets=(ClientSecret(SECRET_HASH),),
    allowed_scopes=("orders.read", "orders.write", "invoices.read", "legacy"),
)


def client_jwk(kid: str = "k1") -> dict:
    public = private_key("RS256", "client").public_key()
    return {**jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True), "kid": kid, "alg": "RS256", "use": "sig"}


JWT_APP = Client("jwt-app", jwks={"keys": [client_jwk()]}, allowed_scopes=("orders.read",))


def assertion(*, iss="jwt-app", sub=None, aud=TOKEN_ENDPOINT, exp_in=60, jti="jti-1", kid="k1",
              key=None, now=FIXED_NOW, **extra) -> str:
    """A private_key_jwt client assertion (RFC 7523 §3) signed with the client's key."""
    claims = {"iss": iss, "sub": iss if sub is None else sub, "aud": aud,
              "iat": int(now), "exp": int(now) + exp_in, "jti": jti, **extra}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key or private_key("RS256", "client"), "RS256", headers=headers)


@dataclass
class World:
    store: InMemoryStore
    signer: LocalSigner
    clock: FixedClock
    replay: InMemoryReplayCache
    endpoint: TokenEndpoint

    def token(self, request) -> tuple[dict, TokenAudit]:
        """Issue a token; fail the test on any OAuthError."""
        audit = TokenAudit()
        return self.endpoint.handle(request, ISSUER, audit), audit

    def refuse(self, error_class, request):
        """The exact error class raised, and the audit it filled."""
        audit = TokenAudit()
        with pytest.raises(error_class) as info:
            self.endpoint.handle(request, ISSUER, audit)
        assert type(info.value) is error_class
        return info.value, audit

    def post(self, *pairs, authorization=None, **params):
        """An HttpRequest for a client_credentials request with these form parameters."""
        return http(form(*pairs, **params), authorization=authorization)


def make_world(clients=(APP, JWT_APP), scopes=SCOPES, resources=RESOURCES, alg="RS256",
               store: InMemoryStore | None = None) -> World:
    """A TokenEndpoint over these model objects (or over ``store``, e.g. one from a Config)."""
    clock = FixedClock()
    store = store if store is not None else InMemoryStore(clients, Catalog.of(scopes, resources))
    signer = LocalSigner(alg)
    replay = InMemoryReplayCache(clock)
    return World(store, signer, clock, replay, TokenEndpoint(store, store, StaticKey(signer), replay, clock))


def app_params(**params) -> dict:
    """client_secret_post credentials of ``app`` plus the grant type."""
    return {"grant_type": "client_credentials", "client_id": "app", "client_secret": SECRET, **params}


def decode(world: World, access_token: str, audience) -> dict:
    """Verify the token as a resource server would: with the published JWK."""
    key = jwt.PyJWK(world.signer.public_jwk()).key
    # as of the world's fixed clock: a slow run must not see a 300 s token expire
    leeway = max(0.0, time.time() - world.clock())
    return jwt.decode(access_token, key, algorithms=[world.signer.alg], audience=audience, issuer=ISSUER,
                      leeway=leeway)

