"""A function's init imports only what its routes need: no CLI, YAML, moto, pydantic or
X-Ray on the Lambda import path (DESIGN.md "Shape", cold start is paid by real callers)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from support import ROOT

FORBIDDEN = ["click", "yaml", "cfn_tools", "moto", "pydantic", "aws_xray_sdk", "tokenvend_cli",
             "werkzeug", "flask", "requests"]

# sys.modules[...] = None: the Lambda runtime has no pyOpenSSL, so botocore uses the ssl
# module; in the dev venv (where a dev dependency brings pyOpenSSL) botocore would load it,
# and with it cryptography, on every import of boto3.
PROBE = """
import importlib.util, json, os, sys
sys.modules["urllib3.contrib.pyopenssl"] = None
os.environ.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
                   "TOKENVEND_TABLE": "t", "TOKENVEND_SIGNING_KEY_ID": "k"})
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
modules = sorted(sys.modules)
import gc
print(json.dumps({"modules": modules, "collector": [gc.isenabled(), gc.get_freeze_count() > 10000]}))
"""
# What each function's init has no use for (tokenvend.apigw dispatches, so no Powertools
# event handler and the asyncio its AppSync module pulls in; PyJWT is loaded where a client
# assertion or an access token is checked; cryptography where a key is first proven or an
# ECDSA signature first converted, and the envelope signer only for an envelope key;
# discovery builds no endpoint, so none of their code): modules, or packages with
# everything under them.
POWERTOOLS_ROUTING = ["aws_lambda_powertools.event_handler", "asyncio"]
KEY_PROOF = ["cryptography", "_cffi_backend", "tokenvend.adapters.envelope"]
NOT_AT_INIT = {
    "token": [*POWERTOOLS_ROUTING, *KEY_PROOF, "jwt", "tokenvend.introspection", "tokenvend.revocation"],
    "discovery": [*POWERTOOLS_ROUTING, *KEY_PROOF, "jwt", "tokenvend.token_endpoint",
                  "tokenvend.authenticate_client", "tokenvend.introspection", "tokenvend.revocation",
                  "tokenvend.access_token", "tokenvend.token_request"],
    "introspect": [*POWERTOOLS_ROUTING, "tokenvend.revocation"],
    "revocation": [*POWERTOOLS_ROUTING, "tokenvend.introspection"],
}


@functools.cache  # a fresh interpreter costs 0.5 s; the three tests of a function read one probe
def probe(function: str) -> dict:
    """The modules a function's init left loaded, and its collector's state at the end of it."""
    result = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def init_modules(function: str) -> frozenset[str]:
    return frozenset(probe(function)["modules"])


@pytest.mark.parametrize("function", ["token", "discovery", "introspect", "revocation"])
def test_function_init_imports_no_tooling(function):
    loaded = {name.split(".")[0] for name in init_modules(function)}
    assert "tokenvend" in loaded and "aws_lambda_powertools" in loaded
    assert sorted(loaded & set(FORBIDDEN)) == []


@pytest.mark.parametrize("function", sorted(NOT_AT_INIT))
def test_function_init_imports_only_what_its_requests_need(function):
    loaded = init_modules(function)
    found = {prefix for prefix in NOT_AT_INIT[function] for name in loaded
             if name == prefix or name.startswith(prefix + ".")}
    assert sorted(found) == []


@pytest.mark.parametrize("function", ["token", "discovery", "introspect", "revocation"])
def test_function_init_ends_with_the_collector_on_and_its_objects_frozen(function):
    # tokenvend.init_phase: off during the init, on for the requests, the init's objects
    # kept out of later passes
    assert probe(function)["collector"] == [True, True]
