"""ECDSA signatures from KMS and from the envelope key become JWS's raw R || S (RFC 7518
§3.4) at the curve's width, short r or s included (PyJWT's helper, loaded on first use)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwt.utils import der_to_raw_signature

from tokenvend.adapters.kms import raw_signature


@pytest.mark.parametrize("curve,size", [(ec.SECP256R1(), 32), (ec.SECP384R1(), 48), (ec.SECP521R1(), 66)])
def test_raw_signature_is_r_then_s_at_the_curves_width(curve, size):
    key = ec.generate_private_key(curve)
    short = 0
    for i in range(400):
        der = key.sign(b"message %d" % i, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        raw = raw_signature(der, curve)
        assert raw == der_to_raw_signature(der, curve)
        assert (len(raw), raw[:size], raw[size:]) == (2 * size, r.to_bytes(size, "big"), s.to_bytes(size, "big"))
        short += min(r, s).bit_length() <= 8 * (size - 1)
        if short and i > 20:
            break
    assert short, "no signature with a leading zero octet was drawn"
