"""The checks Duende IdentityModel's ``GetDiscoveryDocumentAsync`` makes by default
(``DiscoveryPolicy``: ValidateIssuerName, ValidateEndpoints, RequireHttps with
AllowHttpOnLoopback, RequireKeySet), written out so a test can hold a discovery
document to them. IdentityModel stops at the first violation; this lists them all.

Source: IdentityModel ``DiscoveryPolicy.cs``, ``DiscoveryEndpoint.IsSecureScheme``,
``DiscoveryDocumentResponse.ValidateEndpoints`` and
``StringComparisonAuthorityValidationStrategy`` (ordinal comparison, trailing slash
ignored for the issuer, ``StartsWith`` for endpoints).
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_ADDRESSES = {"localhost", "127.0.0.1"}  # DiscoveryPolicy.LoopbackAddresses


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() == "https" or (parts.hostname or "").lower() in LOOPBACK_ADDRESSES


def _authority(url: str) -> str:
    """.NET ``Uri.Authority``: host (lower case) and port, the scheme's default port left out."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    host = (parts.hostname or "").lower()
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def discovery_policy_violations(document: dict, authority: str, jwks: dict | None = None) -> list[str]:
    """Every violation of the default policy by ``document`` fetched from ``authority``;
    ``jwks`` (the document at jwks_uri), when given, must hold keys, each with a kid."""
    problems = []
    if not _secure(authority):
        problems.append(f"Authority does not use HTTPS: {authority}")
    issuer = document.get("issuer")
    if not issuer or not str(issuer).strip():
        problems.append("Issuer name is missing")
    elif str(issuer).rstrip("/") != authority.rstrip("/"):
        problems.append(f"Issuer name does not match authority: {issuer}")
    for name, value in document.items():
        if not (name.lower().endswith("endpoint") or name.lower() in ("jwks_uri", "check_session_iframe")):
            continue
        endpoint = str(value)
        parts = urlsplit(endpoint)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            problems.append(f"Malformed endpoint: {endpoint}")
        elif not _secure(endpoint):
            problems.append(f"Endpoint does not use HTTPS: {endpoint}")
        elif _authority(endpoint) != _authority(authority):
            problems.append(f"Endpoint is on a different host than authority: {endpoint}")
        elif not endpoint.startswith(authority):
            problems.append(f"Endpoint belongs to different authority: {endpoint}")
    if not str(document.get("jwks_uri") or "").strip():
        problems.append("Keyset is missing")
    elif jwks is not None:
        keys = jwks.get("keys") or []
        if not keys:
            problems.append("Keyset is empty")
        problems += [f"Key {i} has no kid" for i, key in enumerate(keys) if not key.get("kid")]
    return problems
