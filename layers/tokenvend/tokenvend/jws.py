"""Compact JWS serialization with an external signer (the private key stays in KMS)."""

from __future__ import annotations

import json

from jwt.utils import base64url_encode

from .ports import Signer


def _segment(data: dict) -> bytes:
    return base64url_encode(json.dumps(data, separators=(",", ":"), sort_keys=False).encode("utf-8"))


def signing_input(header: dict, claims: dict) -> bytes:
    return _segment(header) + b"." + _segment(claims)


def encode(header: dict, claims: dict, signer: Signer) -> str:
    message = signing_input(header, claims)
    signature = signer.sign(message)
    return (message + b"." + base64url_encode(signature)).decode("ascii")
