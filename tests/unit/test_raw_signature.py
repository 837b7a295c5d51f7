"""ECDSA signatures from KMS and from the envelope key become JWS's raw R || S (RFC 7518
§3.4) at the curve's width, short r or s included (PyJWT's helper, loaded on first use)."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from tokenvend.adapters.kms import raw_signature

CURVES = [(ec.SECP256R1(), 32), (ec.SECP384R1(), 48), (ec.SECP521R1(), 66)]


@pytest.mark.parametrize("curve,size", CURVES)
def test_raw_signature_is_r_then_s_at_the_curves_width(curve, size):
    der = ec.generate_private_key(curve).sign(b"message", ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    assert raw_signature(der, curve) == r.to_bytes(size, "big") + s.to_bytes(size, "big")


@pytest.mark.parametrize("curve,size", CURVES)
def test_a_short_r_or_s_is_left_padded_with_zero_octets(curve, size):
    # one value in 256 has a leading zero octet: chosen here rather than waited for
    for r, s in [(1, secrets.randbits(8 * size - 1)), (secrets.randbits(8 * size - 9), 255)]:
        raw = raw_signature(encode_dss_signature(r, s), curve)
        assert (len(raw), raw[:size], raw[size:]) == (2 * size, r.to_bytes(size, "big"), s.to_bytes(size, "big"))
