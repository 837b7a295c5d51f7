"""The core imports only the standard library, PyJWT and cryptography (DESIGN.md "Shape")."""

from __future__ import annotations

import subprocess
import sys

CORE = ["model", "config", "config_check", "config_clients", "config_secrets", "client_secrets", "secret_strength", "basic_credentials", "token_request", "authenticate_client", "client_assertion",
        "resolution", "claims", "jws", "jwk", "signing_limits", "token_endpoint", "discovery", "errors",
        "audit", "ports"]
FORBIDDEN = ("boto3", "botocore", "moto", "aws_lambda_powertools", "yaml", "requests")


def test_the_core_loads_no_aws_or_framework_module():
    # a fresh interpreter: this test process has boto3 and moto loaded by tests/conftest.py
    code = ("import sys\n" + "".join(f"import tokenvend.{m}\n" for m in CORE)
            + f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
