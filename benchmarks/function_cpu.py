"""Benchmark: the token function's CPU per warm token, with its real adapters, beside its floor.

The function is ``functions/token/app.py`` itself (tokenvend.apigw's dispatch, Powertools'
logger and metrics, the DynamoDB and KMS adapters), invoked with ``events/token-client-secret-basic.json``
against a moto server in *another* process, so this process's CPU time is the function's
own side only:

- KMS mode, next to the client side of one boto3 ``kms.sign`` of a same-sized message
  against the same moto (the floor: a KMS-signing function cannot cost less);
- envelope mode (RS256 and ES256), next to one local sign of the same claims with
  cryptography (JSON, base64url, sign).

Also printed: the AWS calls per warm token (botocore ``before-call`` events), the wall time
per warm token (what Lambda bills) and a cProfile of the warm path.

Run: ``.venv/bin/python benchmarks/function_cpu.py [--tokens N]``
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import contextlib
import io
import json
import logging
import os
import pstats
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support import (  # noqa: E402
    AwsCalls, LambdaContext, activate_envelope_key, load_event, load_function, remove_signing_key_records,
)

MOTO = """
import sys
from tokenvend_cli.local.stack import MotoServer
server = MotoServer()
print(server.url, flush=True)
sys.stdin.read()  # until the benchmark goes away
server.stop()
"""
EVENT = load_event("token-client-secret-basic.json")


class Moto:
    """A moto server in a child process, which exits when our end of its stdin closes."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", MOTO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        self.url = self.proc.stdout.readline().strip()

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(10)


class Deployment:
    """The template's table and keys on moto, the quickstart in the table, the function's
    environment in ``os.environ`` (as Lambda gives it)."""

    def __init__(self, moto_url: str):
        from tokenvend.config import load_config
        from tokenvend_cli.local.stack import LOCAL_CREDENTIALS, local_client, provision_local, seed_local
        from tokenvend_cli.local.template import Template

        template = Template(parameters={"EnvelopeMode": "true"})
        provision_local(template, moto_url)
        self.table = template.physical["Table"]["Ref"]
        self.wrapping_key = template.physical["EnvelopeWrappingKey"]["Arn"]
        self.quickstart = load_config(ROOT / "examples" / "quickstart.yaml")
        seed_local(self.quickstart, self.table, moto_url)
        self.dynamodb, self.kms = local_client("dynamodb", moto_url), local_client("kms", moto_url)
        self.key_arn = template.physical["SigningKey"]["Arn"]
        environment = {f.logical_id: f.environment for f in template.functions()}["TokenFunction"]
        os.environ.update({**environment, **LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": moto_url,
                           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                           "POWERTOOLS_METRICS_NAMESPACE": "tokenvend"})

    def seed_sha256_secret(self):
        """The same client, its secret stored as an IdentityServer Sha256() value: the
        function without tokenvend's PBKDF2 (issue 5 weighs that one)."""
        import dataclasses

        from tokenvend.client_secrets import identityserver_sha256
        from tokenvend.model import ClientSecret
        from tokenvend_cli.local.seed import seed

        client = dataclasses.replace(self.quickstart.clients[0], secrets=(ClientSecret(identityserver_sha256("secret")),))
        seed(self.dynamodb, self.table, dataclasses.replace(self.quickstart, clients=[client]))


class WarmFunction:
    """A fresh token function (a cold start), its log sent to /dev/null, warmed by a few tokens."""

    def __init__(self, warmup: int = 5):
        self.calls = AwsCalls.install()
        self.module = load_function("token")
        self.devnull = open(os.devnull, "w")  # noqa: SIM115
        logging.getLogger("tokenvend").powertools_handler.setStream(self.devnull)
        self.context = LambdaContext()
        for _ in range(warmup):
            self.invoke()
        self.calls.take()

    def invoke(self) -> dict:
        with contextlib.redirect_stdout(self.devnull):  # the metrics' EMF lines, as Lambda prints them
            response = self.module.lambda_handler(EVENT, self.context)
        if response["statusCode"] != 200:
            raise RuntimeError(f"token function answered {response['statusCode']}: {response['body']}")
        return response

    def measure(self, n: int) -> tuple[float, float, Counter]:
        """(CPU ms, wall ms) per warm token, and the AWS calls per token."""
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            self.invoke()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return cpu / n * 1000, wall / n * 1000, Counter(self.calls.take())

    def claims_and_header(self) -> tuple[dict, dict]:
        token = json.loads(self.invoke()["body"])["access_token"]
        header, claims = (json.loads(base64.urlsafe_b64decode(p + "==")) for p in token.split(".")[:2])
        self.calls.take()
        return header, claims


def kms_floor(deployment: Deployment, message: bytes, n: int) -> float:
    """CPU ms of the client side of one boto3 kms.sign (same client settings as the function)."""
    from tokenvend.adapters.aws import aws_client

    kms = aws_client("kms")
    for _ in range(3):
        kms.sign(KeyId=deployment.key_arn, Message=message, MessageType="RAW", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")
    cpu = time.process_time()
    for _ in range(n):
        kms.sign(KeyId=deployment.key_arn, Message=message, MessageType="RAW", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")
    return (time.process_time() - cpu) / n * 1000


def local_sign_floor(alg: str, header: dict, claims: dict, n: int) -> float:
    """CPU ms of one compact JWS of the same header and claims, signed locally with cryptography."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if alg == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        sign = lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA256())  # noqa: E731
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        sign = lambda m: key.sign(m, ec.ECDSA(hashes.SHA256()))  # noqa: E731

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    cpu = time.process_time()
    for _ in range(n):
        message = b64(json.dumps(header, separators=(",", ":")).encode()) + b"." + \
            b64(json.dumps(claims, separators=(",", ":")).encode())
        b64(sign(message))
    return (time.process_time() - cpu) / n * 1000


# The steps of a token request worth reading by cumulative time (the rest is the wrappers around them).
STEPS = (r"\((token|handle|_handle|authenticate_client|resolve|encode|sign|http_request|info|add_metric|"
         r"log_metrics|inject_lambda_context|json_response|get_client|get_catalog|signing_key|verify_secret|"
         r"read_token_request|access_token_claims|as_log|format)\)")


def profile(function: WarmFunction, n: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        function.invoke()
    profiler.disable()
    function.calls.take()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(STEPS, top)
    lines = [line for line in out.getvalue().splitlines()
             if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced"))]
    return "\n".join("    " + line for line in lines)


def calls_text(calls: Counter, n: int) -> str:
    if not calls:
        return "0 AWS calls"
    return ", ".join(f"{count / n:g} {name}" for name, count in sorted(calls.items()))


MODES = (("KMS mode RS256", None), ("envelope mode RS256", "RS256"), ("envelope mode ES256", "ES256"))


def run(tokens: int, profile_tokens: int, top: int) -> dict:
    """Print every figure; return CPU and wall ms per warm token by mode (for the cost table)."""
    moto = Moto()
    figures, profiles = {}, {}
    try:
        deployment = Deployment(moto.url)
        print(f"Function CPU per warm token (functions/token/app.py, real adapters, moto in another process; "
              f"{tokens} tokens each; the quickstart secret stored as tokenvend's PBKDF2 hash, then as an "
              "IdentityServer Sha256() value, which leaves out the secret hash that issue 5 weighs)")
        for secret in ("PBKDF2", "Sha256()"):
            if secret == "Sha256()":
                deployment.seed_sha256_secret()
            for mode, alg in MODES:
                if alg:
                    activate_envelope_key(deployment.dynamodb, deployment.kms, deployment.table,
                                          deployment.wrapping_key, alg)
                function = WarmFunction()
                header, claims = function.claims_and_header()
                cpu, wall, calls = function.measure(tokens)
                if alg is None:
                    message = json.dumps(header).encode() + b"." + json.dumps(claims).encode()
                    floor, what, goal = kms_floor(deployment, message, tokens), "client side of one boto3 kms.sign", 1.5
                else:
                    floor, what, goal = local_sign_floor(alg, header, claims, tokens), f"one local {alg} JWS", 2.0
                figures[(mode, secret)] = {"cpu_ms": cpu, "wall_ms": wall}
                print(f"  {mode:<20} {secret:<9} {cpu:6.2f} ms CPU (wall {wall:6.2f} ms)  floor, {what}: "
                      f"{floor:5.2f} ms -> {cpu / floor:5.2f}× (goal ≤ {goal}×)  AWS calls/token: {calls_text(calls, tokens)}")
                if secret == "Sha256()" and alg in (None, "RS256"):
                    profiles[mode] = profile(function, profile_tokens, top)
            remove_signing_key_records(deployment.dynamodb, deployment.table)  # the next pass starts in KMS mode
        for mode, text in profiles.items():
            print(f"cProfile, {mode}, Sha256() secret, {profile_tokens} warm tokens "
                  f"(top {top} by own time, then the steps of a request by cumulative time):")
            print(text)
    finally:
        moto.stop()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--profile-tokens", type=int, default=200)
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args()
    run(args.tokens, args.profile_tokens, args.top)


if __name__ == "__main__":
    main()
