"""Compact JWS serialization with an external signer (the private key stays in KMS).

RFC 7515 §2: "Base64url Encoding ... with all trailing '=' characters omitted". That is
one line of the standard library; importing PyJWT for it would put the whole of PyJWT
(and cryptography behind it) on every function's init, which only private_key_jwt
requests and envelope keys need.
"""

from __future__ import annotations

import base64
import json

from .ports import Signer


def base64url_encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _segment(data: dict) -> bytes:
    return base64url_encode(json.dumps(data, separators=(",", ":"), sort_keys=False).encode("utf-8"))


def signing_input(header: dict, claims: dict) -> bytes:
    return _segment(header) + b"." + _segment(claims)


def sign(message: bytes, signer: Signer) -> str:
    """The compact JWS of a ``signing_input`` already built (and measured against KMS's limit)."""
    return (message + b"." + base64url_encode(signer.sign(message))).decode("ascii")


def encode(header: dict, claims: dict, signer: Signer) -> str:
    return sign(signing_input(header, claims), signer)
