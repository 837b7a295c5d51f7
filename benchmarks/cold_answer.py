"""Benchmark: the discovery function's cold answer, and what it would be at each MemorySize.

API Gateway's JWT authorizer fetches the discovery document and then the JWKS, and gives up
on each after 1500 ms (DESIGN.md "Signing"). On a cold function the first of them waits
for the init and for the first requests' work: a DynamoDB Query of the catalog and of the
signing keys, then, for the JWKS, one KMS ``GetPublicKey`` per published key, its public
half loaded with cryptography and turned into a JWK (``tokenvend.adapters.key_proof``).

Measured as ``cold_init.py`` measures an init: a fresh ``python3.13 -S`` with the layer as
``sam build`` makes it and boto3 only, the built ``app.py`` of DiscoveryFunction with the
template's environment, and then ``lambda_handler`` on ``events/discovery.json`` and
``events/jwks.json``; the child prints its clock and its CPU time (user + sys) at the end of
the init and of each answer. AWS is a moto server in another process on 127.0.0.1, over
TLS as AWS is (its certificate added to botocore's CA bundle, so each client loads the whole
bundle and makes a TLS handshake, as in Lambda), provisioned and seeded as ``tokenvend dev``
does it (``tokenvend_cli.local.stack``): the quickstart, KMS mode, RS256. Two key states:
a new stack (no key records: the stack's key is the JWKS) and a rotation (the stack's key
active and a second KMS key pending, both published and proven).

Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB (AWS Lambda
Developer Guide, "Configure Lambda function memory"). So at MemorySize M the cold answer is
estimated as the measured CPU time × 1769 / M (for M below 1769; above, a single-threaded
Python uses one vCPU all the same) plus the wall time that was not CPU (waiting on moto, the
loopback network, the scheduler). Throttling a process to a CPU share (cgroup cpu.max) does
not work on this machine, so the share is applied by arithmetic, not measured. Not in the
figure: this machine is x86_64 (AMD EPYC), not the Graviton (arm64) that runs the functions,
whose per-core speed differs; Lambda's own part of a cold start (placing the sandbox,
fetching the code and layer, starting the runtime) and API Gateway's hop; and the real AWS
endpoints' latency, for which moto on loopback stands in.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import ipaddress
import statistics
import subprocess
import sys
import time
from pathlib import Path

from cold_init import BUILD, ROOT, checkpoints, command

sys.path.insert(0, str(ROOT / "tests"))
from support import load_event  # noqa: E402

FULL_CPU_MB = 1769  # the memory at which a function has one vCPU
DEADLINE_MS = 1500  # API Gateway's JWT authorizer, per discovery or JWKS fetch
CANDIDATES = (512, 1024, 1769, 2048)
MOTO = """
import sys
from tokenvend_cli.local.stack import MotoServer
plain, tls = MotoServer(), MotoServer(tls=(sys.argv[1], sys.argv[2]))  # one moto state: both serve it
print(plain.url, tls.url, flush=True)
sys.stdin.read()  # until the benchmark goes away
"""
STEPS = ("init", "first GET /.well-known/openid-configuration", "first GET .../openid-configuration/jwks")


def certificate(folder: Path, boto: Path) -> tuple[Path, Path, Path]:
    """A self-signed certificate for 127.0.0.1, its key, and botocore's CA bundle with it added."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    paths = folder / "cert.pem", folder / "key.pem", folder / "ca-bundle.pem"
    paths[0].write_bytes(pem)
    paths[1].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].write_bytes((boto / "botocore" / "cacert.pem").read_bytes() + b"\n" + pem)
    return paths


class Stack:
    """moto (plain http for provisioning, https for the function), the template's table and
    key on it, the quickstart in the table."""

    def __init__(self, cert: Path, key: Path):
        from tokenvend.config import load_config
        from tokenvend_cli.local.stack import provision_local, seed_local
        from tokenvend_cli.local.template import Template

        self.proc = subprocess.Popen([sys.executable, "-c", MOTO, str(cert), str(key)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.url, self.tls_url = self.proc.stdout.readline().split()
        self.template = Template()
        provision_local(self.template, self.url)
        self.table = self.template.physical["Table"]["Ref"]
        seed_local(load_config(ROOT / "examples" / "quickstart.yaml"), self.table, self.url)
        self.function = next(f for f in self.template.functions() if f.logical_id == "DiscoveryFunction")

    def start_rotation(self) -> None:
        """The stack's key recorded as active and a new KMS key as pending, as ``tokenvend key
        add`` leaves them: the JWKS publishes both."""
        from tokenvend.model import ACTIVE, PENDING
        from tokenvend_cli.local.stack import local_client
        from tokenvend_cli.operate.key_table import KeyTable
        from tokenvend_cli.operate.target import Target

        keys, now = KeyTable(Target(self.table, "us-east-1", self.url)), int(time.time())
        keys.put_new(keys.record_for(self.template.physical["SigningKey"]["Arn"], "RS256", ACTIVE, now - 60))
        new = local_client("kms", self.url).create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")
        keys.put_new(keys.record_for(new["KeyMetadata"]["Arn"], "RS256", PENDING, now))

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def request(name: str, memory_mb: int) -> str:
    """One invocation of the function on an event file; anything but a 200 fails the run."""
    context = (f"type('LambdaContext', (), {{'function_name': 'DiscoveryFunction', 'memory_limit_in_mb': {memory_mb}, "
               "'invoked_function_arn': 'arn:aws:lambda:us-east-1:123456789012:function:DiscoveryFunction', "
               "'aws_request_id': 'c6af9ac6-7b61-11e6-9a41-93e812345678'})()")
    return (f"_r = app.lambda_handler({load_event(name)!r}, {context})\n"
            f"if _r['statusCode'] != 200: raise SystemExit(_r)")


def measure(stack: Stack, layer: Path, boto: Path, bundle: Path, base_env: dict, runs: int, calls: int) -> list[list]:
    """Each run's (wall, CPU) seconds of the init and of each first answer. The run fails
    unless the answers made ``calls`` AWS calls."""
    folder = BUILD / "sam" / "DiscoveryFunction"
    env = {**base_env, **stack.function.environment, "AWS_ENDPOINT_URL": stack.tls_url, "AWS_CA_BUNDLE": str(bundle)}
    count = ("_calls = []\nfor _c in app.container.keys.aws_clients():\n"
             "    _c.meta.events.register('before-send', lambda **_: _calls.append(1))\n")
    check = f"if len(_calls) != {calls}: raise SystemExit(f'{{len(_calls)}} AWS calls, not {calls}')\n"
    memory = stack.function.memory_size
    cmd = command("import app", [folder, layer, boto],
                  steps=(count + request("discovery.json", memory), request("jwks.json", memory) + "\n" + check))
    checkpoints(cmd, env, folder)  # fills the page cache and writes .pyc files
    results = []
    for _ in range(runs):
        marks = checkpoints(cmd, env, folder)
        results.append([(marks[0][0], marks[0][1])] + [(b[0] - a[0], b[1] - a[1]) for a, b in zip(marks, marks[1:])])
    return results


def estimate(cpu_ms: float, wall_ms: float, memory_mb: int) -> float:
    """The cold answer at ``memory_mb``: CPU at Lambda's share for that memory, the rest as measured."""
    return cpu_ms * max(1.0, FULL_CPU_MB / memory_mb) + max(0.0, wall_ms - cpu_ms)


def report(scenarios: dict[str, list[list]], memory_mb: int) -> dict:
    """The steps' medians, the cold answer (moto keeps connections alive, as AWS does: one
    TLS connection per client), and the estimate per MemorySize."""
    totals = {}
    for scenario, results in scenarios.items():
        print(f"  {scenario}:{'wall':>{57 - len(scenario)}}       CPU")
        for i, step in enumerate(STEPS):
            wall, cpu = (statistics.median(r[i][k] for r in results) * 1000 for k in (0, 1))
            print(f"    {step:<47} {wall:7.1f} ms {cpu:7.1f} ms")
        wall, cpu = (statistics.median(sum(s[k] for s in r[:len(STEPS)]) for r in results) * 1000 for k in (0, 1))
        print(f"    {'cold answer (the three together)':<47} {wall:7.1f} ms {cpu:7.1f} ms")
        totals[scenario] = (wall, cpu)
    print(f"  Estimated on Lambda at MemorySize M: CPU × {FULL_CPU_MB}/M (below {FULL_CPU_MB} MB) + the wall time "
          f"not on CPU; measured on x86_64, not Graviton (authorizer deadline {DEADLINE_MS} ms per fetch):")
    print(f"    {'MemorySize':<30}" + "".join(f"{s.split(' (')[0]:>14}" for s in scenarios))
    for mb in sorted({*CANDIDATES, memory_mb}):
        label = f"{mb} MB" + (" (DiscoveryFunction's)" if mb == memory_mb else "")
        cells = "".join(f"{estimate(cpu, wall, mb):11.0f} ms" for wall, cpu in totals.values())
        print(f"    {label:<30}{cells}")
    return {scenario: {"wall_ms": wall, "cpu_ms": cpu, "estimate_ms": {mb: estimate(cpu, wall, mb) for mb in CANDIDATES}}
            for scenario, (wall, cpu) in totals.items()}


def run(layer: Path, boto: Path, base_env: dict, runs: int) -> dict:
    cert, key, bundle = certificate(BUILD / "tls", boto)
    with contextlib.redirect_stdout(io.StringIO()):  # provisioning's own chatter, if any
        stack = Stack(cert, key)
    try:
        print(f"Discovery function's cold answer (python3.13 -S, the layer from sam build + boto3 only; moto over "
              f"TLS on 127.0.0.1; quickstart, KMS mode RS256; median of {runs} fresh interpreters)")
        # AWS calls: a Query of the catalog and one of the key records, a GetPublicKey per
        # published key, over one connection per client (DynamoDB, KMS)
        scenarios = {"new stack (the stack's key, no key records)":
                     measure(stack, layer, boto, bundle, base_env, runs, calls=3)}
        stack.start_rotation()
        scenarios["rotation (two keys published)"] = measure(stack, layer, boto, bundle, base_env, runs, calls=4)
        return report(scenarios, stack.function.memory_size)
    finally:
        stack.stop()
