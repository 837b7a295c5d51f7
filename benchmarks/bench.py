"""``make bench``: every benchmark of tokenvend in one run, each figure beside its baseline
from the same run, then the cost per million tokens from the measured durations.

On a shared, noisy machine only the ratios of one run mean anything; the machine is named
at the top so a figure can be read against where it came from.

Prices (us-east-1 list prices): HTTP API $1.00 per million requests; Lambda arm64
$0.0000133334 per GB-second and $0.20 per million requests (billed per 1 ms); KMS Sign
$0.03 per 10,000 with RSA_2048 and $0.15 per 10,000 with ECC; DynamoDB $0.125 per million
read units (none per warm token: every read is cached); Cognito M2M $2.25 per 1,000 token
requests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import cold_init
import function_cpu
import side_by_side

ROOT = Path(__file__).resolve().parents[1]
MEMORY_GB = 512 / 1024  # template.yaml's MemorySize
HTTP_API, LAMBDA_REQUEST, LAMBDA_GB_SECOND = 1.00, 0.20, 0.0000133334
KMS_SIGN = {"RS256": 3.00, "ES256": 15.00}  # per million: $0.03 / $0.15 per 10,000
COGNITO_M2M = 2.25 * 1000  # per million


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    load = os.getloadavg()
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()} "
            f"{platform.machine()}, Python {platform.python_version()}, load average {load[0]:.1f} at start")


def per_million(duration_ms: float, kms_sign: float) -> dict:
    duration = LAMBDA_GB_SECOND * MEMORY_GB * math.ceil(duration_ms) / 1000 * 1_000_000
    parts = {"HTTP API": HTTP_API, "Lambda requests": LAMBDA_REQUEST, "Lambda duration": duration,
             "KMS Sign": kms_sign, "DynamoDB": 0.0}
    return {**parts, "total": sum(parts.values())}


def cost_table(figures: dict) -> None:
    """Cost per million tokens from the warm wall time per token that function_cpu measured
    (its KMS mode's wall time includes moto's Sign, standing in for KMS's)."""
    rows = [("KMS mode RS256", "PBKDF2", KMS_SIGN["RS256"]), ("KMS mode RS256", "Sha256()", KMS_SIGN["RS256"]),
            ("envelope mode RS256", "PBKDF2", 0.0), ("envelope mode ES256", "PBKDF2", 0.0),
            ("envelope mode ES256", "Sha256()", 0.0)]
    print(f"Cost per million tokens (us-east-1 list prices; Lambda arm64 at {MEMORY_GB * 1024:.0f} MB, billed per "
          "1 ms of the measured warm duration; 0 DynamoDB reads per warm token)")
    print(f"  {'mode':<20} {'secret':<9} {'ms':>6} {'HTTP API':>9} {'Lambda req':>10} {'Lambda GB-s':>11} "
          f"{'KMS Sign':>9} {'total':>8}  vs Cognito M2M")
    for mode, secret, kms in rows:
        wall = figures[(mode, secret)]["wall_ms"]
        cost = per_million(wall, kms)
        print(f"  {mode:<20} {secret:<9} {wall:6.2f} {cost['HTTP API']:9.2f} {cost['Lambda requests']:10.2f} "
              f"{cost['Lambda duration']:11.2f} {cost['KMS Sign']:9.2f} {cost['total']:8.2f}  "
              f"{COGNITO_M2M / cost['total']:5.0f}× cheaper")
    print(f"  Cognito M2M: ${COGNITO_M2M:,.2f} per million token requests")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and runs (a smoke run)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"tokenvend benchmarks, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"Machine: {machine()}")
    lock = json.loads((ROOT / "benchmarks" / "peer" / "package-lock.json").read_text())
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Peer: oidc-provider {lock['packages']['node_modules/oidc-provider']['version']} on Node {node}")
    print()
    side_by_side.run(100 if args.quick else 800, 10 if args.quick else 20, 1 if args.quick else 3)
    print()
    figures = function_cpu.run(50 if args.quick else 300, 50 if args.quick else 200, 12)
    print()
    cold_init.run(3 if args.quick else 9, 10)
    print()
    cost_table(figures)
    print(f"\n(make bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
