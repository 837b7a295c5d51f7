"""The config's secret rules: a client's or an api resource's ``secrets`` (a plain value,
hashed as it is read, or a stored hash) and a client's public keys (``jwks``, for
private_key_jwt). A plain secret must be presentable (RFC 6749 Appendix A.2) and, unless
the file says ``development: true``, not weak (``client_secrets.is_weak``).
"""

from __future__ import annotations

from datetime import datetime, time, timezone, date
from typing import TYPE_CHECKING

from . import client_secrets
from .model import ClientSecret

if TYPE_CHECKING:
    from .config_check import Checker

SECRET_FIELDS = {"value", "hash", "description", "expiration"}


def expiration_of(check: Checker, path: str, value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time.min)
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            check.add(path, f"{value!r} is not an ISO 8601 date or date-time")
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def check_secret(check: Checker, path: str, item: dict, development: bool, command: str) -> ClientSecret | None:
    check.unknown_fields(path, item, SECRET_FIELDS)
    value, stored = item.get("value"), item.get("hash")
    if (value is None) == (stored is None):
        check.add(path, "give exactly one of 'value' (plaintext, hashed on load) or 'hash'")
        return None
    expiration = expiration_of(check, f"{path}.expiration", item.get("expiration"))
    description = check.string(path, item, "description")
    if value is not None:
        if not isinstance(value, str) or not value:
            check.add(f"{path}.value", "must be a non-empty string")
            return None
        if not client_secrets.presentable(value):
            check.add(f"{path}.value", "may hold only printable ASCII (RFC 6749 Appendix A.2: "
                                       "client-secret = *VSCHAR, %x20-7E)")
            return None
        if client_secrets.is_weak(value) and not development:
            why = (f"is shorter than {client_secrets.WEAK_SECRET_LENGTH} characters"
                   if len(value) < client_secrets.WEAK_SECRET_LENGTH else
                   f"has under {client_secrets.MIN_SECRET_BITS} bits of estimated entropy "
                   "(repeated, sequential or few kinds of characters)")
            check.add(f"{path}.value", f"secret {why}; use a generated secret "
                                       f"(tokenvend {command} secret add) or mark the file 'development: true'")
            return None
        return ClientSecret(client_secrets.hash_secret(value), description, expiration, plaintext=value)
    if not isinstance(stored, str) or not client_secrets.is_hash(stored):
        check.add(f"{path}.hash", "is not a tokenvend hmac-sha256 or pbkdf2-sha256 hash or an IdentityServer Sha256() value")
        return None
    return ClientSecret(stored, description, expiration)


def check_secrets(check: Checker, path: str, item: dict, development: bool, command: str) -> tuple[ClientSecret, ...]:
    """A client's or an api resource's ``secrets``: the same shape and rules for both."""
    secrets_raw = item.get("secrets") or []
    secrets = []
    if not isinstance(secrets_raw, list):
        check.add(f"{path}.secrets", "must be a list")
        return ()
    for j, raw in enumerate(secrets_raw):
        if not isinstance(raw, dict):
            check.add(f"{path}.secrets[{j}]", "must be a mapping with 'value' or 'hash'")
            continue
        secret = check_secret(check, f"{path}.secrets[{j}]", raw, development, command)
        if secret is not None:
            secrets.append(secret)
    if len(secrets_raw) > client_secrets.SECRET_SLOTS:
        check.add(f"{path}.secrets", f"holds {len(secrets_raw)} secrets; at most "
                                     f"{client_secrets.SECRET_SLOTS} (enough for a rollover)")
    return tuple(secrets)


PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def jwks_problems(jwks) -> list[tuple[str, str]]:
    """A client's JWK Set for private_key_jwt: public RSA or EC keys only — a private or
    symmetric key does not belong in the server's store."""
    if not (isinstance(jwks, dict) and isinstance(jwks.get("keys"), list) and jwks["keys"]):
        return [("", "must be a JWK Set: a mapping with a non-empty 'keys' list")]
    problems = []
    for i, key in enumerate(jwks["keys"]):
        where = f".keys[{i}]"
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC"):
            problems.append((where, "must be a public RSA or EC key (kty RSA or EC)"))
        elif any(m in key for m in PRIVATE_JWK_MEMBERS):
            problems.append((where, "holds private key material; give only the public key"))
        else:
            try:
                import jwt

                jwt.PyJWK(key)
            except Exception as exc:  # PyJWT's message says what is wrong with the key
                problems.append((where, f"is not a usable key: {exc}"))
    return problems
