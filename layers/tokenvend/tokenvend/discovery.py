"""The discovery document (OpenID Connect Discovery 1.0, RFC 8414) and the JWKS.

One document serves ``/.well-known/openid-configuration`` and
``/.well-known/oauth-authorization-server``. Every URL in it starts with the issuer, so
Duende IdentityModel's default policy (issuer equal to the authority, endpoints under it)
accepts it. Both answers are cacheable and carry a strong ETag of their body.
"""

from __future__ import annotations

import hashlib
import json

from .client_assertion import ASYMMETRIC_ALGORITHMS
from .jwk import public_only
from .model import Catalog
from .paths import DISCOVERY_PATHS, INTROSPECTION_PATH, JWKS_PATH, REVOCATION_PATH, TOKEN_PATH  # noqa: F401
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
# An api resource authenticates at introspection with its secrets (ApiSecrets) only.
INTROSPECTION_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
MAX_AGE = 300


def discovery_document(issuer: str, catalog: Catalog, signing_algs: list[str]) -> dict:
    """``signing_algs``: the algorithms of the published keys, read from the key records
    without a signer, so the document answers even while no key is active."""
    return {
        "issuer": issuer,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "scopes_supported": catalog.discovery_scopes(),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASYMMETRIC_ALGORITHMS,
        "introspection_endpoint": issuer + INTROSPECTION_PATH,
        "introspection_endpoint_auth_methods_supported": INTROSPECTION_AUTH_METHODS,
        "revocation_endpoint": issuer + REVOCATION_PATH,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ASYMMETRIC_ALGORITHMS,
        "id_token_signing_alg_values_supported": signing_algs,
        "subject_types_supported": ["public"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope"],
    }


def jwks_document(keys: list[dict]) -> dict:
    """RFC 7517 §5, public members only, whatever a key's source held."""
    return {"keys": [public_only(k) for k in keys]}


def _matches(etag: str, if_none_match: str) -> bool:
    """RFC 9110 §13.1.2: If-None-Match uses the weak comparison, and "*" matches any."""
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in [t.removeprefix("W/") for t in tags]


def cacheable(document: dict, if_none_match: str | None) -> tuple[int, dict, str]:
    """Status, headers and body for a public, cacheable JSON document (304 on a matching ETag)."""
    body = json.dumps(document, separators=(",", ":"), sort_keys=True)
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    headers = {"Content-Type": "application/json", "Cache-Control": f"public, max-age={MAX_AGE}", "ETag": etag}
    if if_none_match and _matches(etag, if_none_match):
        return 304, headers, ""
    return 200, headers, body
