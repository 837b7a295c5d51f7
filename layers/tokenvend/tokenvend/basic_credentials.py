"""The ``Authorization: Basic`` header of ``client_secret_basic`` (RFC 6749 §2.3.1, RFC 7617).

§2.3.1: "The client identifier is encoded using the application/x-www-form-urlencoded
encoding algorithm ..., and the encoded value is used as the username; the client password
is encoded using the same algorithm and used as the password." Most HTTP clients
(``requests``' ``auth=``, ``curl -u``) send both raw instead, so each header yields its
candidate pairs: the decoded one first, then the raw one(s) when they differ. A raw user-id
cannot hold ``:`` (RFC 7617 §2), so every split of the raw user-pass at a colon is a
candidate (a client id ``svc:one`` sent raw is ``svc:one:secret``).

A header that is present but not this shape (another scheme, a tab, bad base64, no colon,
not UTF-8) is a failed Basic attempt: ``parse_basic`` returns None and the endpoint answers
401 with ``WWW-Authenticate: Basic`` (§5.2).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

# RFC 7235 §2.1: credentials = auth-scheme [ 1*SP token68 ]; the scheme is case-insensitive.
_CREDENTIALS = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) +([A-Za-z0-9+/]+=*)")
MAX_RAW_SPLITS = 3
# Characters §2.3.1's encoding changes: a secret holding one verifies only in one form.
ENCODED_CHARACTERS = set("+% :")


@dataclass(frozen=True)
class Candidate:
    client_id: str
    secret: str
    form: str  # "decoded" (§2.3.1) or "raw"


def _decoded(part: str) -> str | None:
    try:
        return unquote_plus(part, errors="strict")
    except UnicodeDecodeError:
        return None


def parse_basic(authorization: str) -> list[Candidate] | None:
    """The candidate (client_id, secret) pairs of a Basic header, or None when unusable."""
    match = _CREDENTIALS.fullmatch(authorization.strip(" \t"))
    if match is None or match.group(1).lower() != "basic":
        return None
    try:
        user_pass = base64.b64decode(match.group(2), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    raw_id, sep, raw_secret = user_pass.partition(":")
    if not sep:
        return None
    candidates = []
    client_id, secret = _decoded(raw_id), _decoded(raw_secret)
    if client_id is not None and secret is not None:
        candidates.append(Candidate(client_id, secret, "decoded"))
    splits = [i for i, ch in enumerate(user_pass) if ch == ":"][:MAX_RAW_SPLITS]
    for i in splits:
        raw = Candidate(user_pass[:i], user_pass[i + 1:], "raw")
        if all((c.client_id, c.secret) != (raw.client_id, raw.secret) for c in candidates):
            candidates.append(raw)
    return candidates


def encoding_hint(candidates: list[Candidate]) -> list[str]:
    """The log hint when no form verified but the credentials hold characters §2.3.1 encodes."""
    if not any(ENCODED_CHARACTERS & set(c.client_id + c.secret) for c in candidates):
        return []
    return ["the Basic credentials hold '+', '%', ':' or a space, which RFC 6749 §2.3.1 "
            "form-urlencodes before base64; neither the decoded nor the raw form matched"]
