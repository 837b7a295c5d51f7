"""KMS signs a RAW message of at most 4096 bytes; check a client's largest token fits.

https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html — "Message ...
Length Constraints: Minimum length of 1. Maximum length of 4096."
"""

from __future__ import annotations

from .claims import access_token_claims, access_token_header, audience_value, new_jti
from .jws import signing_input
from .model import Catalog, Client

KMS_RAW_MESSAGE_LIMIT = 4096
# What the worst case assumes of values the config does not fix.
LONGEST_ISSUER = "https://" + "i" * 248
LONGEST_KID = "k" * 43  # an RFC 7638 SHA-256 thumbprint, base64url
LONGEST_ALG = "ES512"


def worst_case_signing_input_size(client: Client, catalog: Catalog) -> int:
    """Size of the signing input of the biggest token this client can get without ``resource``.

    Every allowed scope granted at once and every resource that holds one of them in
    ``aud``. Requests naming resources are checked again at the token endpoint.
    """
    scopes = sorted(set(client.allowed_scopes))
    auds = [r.name for r in catalog.api_resources.values() if set(r.scopes) & set(scopes)]
    aud = audience_value(auds) if auds else LONGEST_ISSUER + "/resources"
    claims = access_token_claims(
        issuer=LONGEST_ISSUER, client=client, scopes=scopes, aud=aud,
        now=9_999_999_999, jti=new_jti(),
    )
    return len(signing_input(access_token_header(LONGEST_ALG, LONGEST_KID), claims))
