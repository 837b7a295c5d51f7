"""What a token costs to sign starts at init: the JWS and JWK helpers load neither PyJWT
nor cryptography until a key is first turned into a JWK (issue 12, cold init)."""

from __future__ import annotations

import subprocess
import sys

import jwt.utils
from hypothesis import given, strategies as st

from tokenvend.jws import base64url_encode


def test_jws_claims_and_jwk_load_without_pyjwt_or_cryptography():
    code = ("import sys\nimport tokenvend.jws, tokenvend.jwk, tokenvend.claims, tokenvend.model\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jwt', 'cryptography'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@given(st.binary(max_size=300))
def test_base64url_is_pyjwts(data):
    assert base64url_encode(data) == jwt.utils.base64url_encode(data)
