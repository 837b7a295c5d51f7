"""Benchmark: a function's cold init with exactly what Lambda has, beside its baseline.

What Lambda's python3.13 runtime has: the standard library, boto3, and the layer as
``sam build`` makes it. So the layer is built with ``sam build --build-dir`` (as
tests/template does), boto3 alone is installed for python3.13 into a folder of its own,
and each init runs in a fresh ``python3.13 -S`` (no site-packages: nothing else is
importable) that loads the built function's ``app.py``. The baseline is what every Python
Lambda that talks to DynamoDB and KMS pays: ``import boto3`` plus those two clients.

Each run's init is timed from just before the interpreter is started to the end of the
init, where the child prints its clock (``time.perf_counter``, CLOCK_MONOTONIC: one clock
for every process) and its own CPU time (``time.process_time``: user + sys of the child)
and leaves with ``os._exit``: interpreter start is in both figures, the same for both; the
interpreter's teardown is in neither, as no Lambda pays it. Prints the medians of several
runs, the ratio, and where the time goes (``python -X importtime``: each module's own
time, summed by top-level package); then the discovery function's cold answer
(``cold_answer.py``).

Run: ``.venv/bin/python benchmarks/cold_init.py [--runs N]``
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "bench"
PYENV_VERSION = "3.11.7:3.12.1:3.13.0"
ENV = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "x",
       "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "TOKENVEND_TABLE": "tokenvend-Table",
       "TOKENVEND_SIGNING_KEY_ID": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
       "TOKENVEND_SIGNING_ALG": "RS256", "TOKENVEND_CACHE_TTL": "60", "POWERTOOLS_SERVICE_NAME": "tokenvend",
       "POWERTOOLS_METRICS_NAMESPACE": "tokenvend", "POWERTOOLS_LOG_LEVEL": "INFO",
       "AWS_LAMBDA_FUNCTION_NAME": "tokenvend-bench", "LAMBDA_TASK_ROOT": ""}
BASELINE = "import boto3; boto3.client('dynamodb'); boto3.client('kms')"
# The same as tokenvend's init runs it (tokenvend.init_phase): the goal is against BASELINE,
# this shows how much of a function's gain is the collector's work in boto3's own share.
BASELINE_NO_GC = f"import gc; gc.disable(); {BASELINE}; gc.freeze(); gc.enable()"
FUNCTION = "import app"
OWN_BODY = " (its own body: bootstrap.build() makes the two clients)"


@functools.cache
def python313() -> str:
    """The python3.13 executable itself: a pyenv shim on PATH is a shell script that spends
    60-100 ms finding it on every start, which no Lambda pays and which would dilute each
    ratio."""
    found = shutil.which("python3.13", path=os.environ.get("PATH"))
    if not found:
        raise SystemExit("python3.13 is not on PATH (pyenv: PYENV_VERSION=3.11.7:3.12.1:3.13.0)")
    return subprocess.run([found, "-S", "-c", "import sys; print(sys.executable)"], check=True, timeout=60,
                          capture_output=True, text=True, env={**os.environ, "PYENV_VERSION": PYENV_VERSION}).stdout.strip()


def build(env: dict) -> tuple[Path, Path]:
    """The layer's python/ folder as sam build makes it, and a folder holding boto3 alone.

    The template builds for arm64; so that the layer's compiled wheels (cryptography) load
    here, it is built for this machine's architecture from a copy of the template that
    differs in that alone (``--base-dir`` keeps its relative paths)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    arch = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
    template = BUILD / "template.yaml"
    template.write_text((ROOT / "template.yaml").read_text().replace("arm64", arch))
    sam = Path(sys.executable).parent / "sam"
    subprocess.run([str(sam), "build", "--template-file", str(template), "--base-dir", str(ROOT),
                    "--build-dir", str(BUILD / "sam")], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    boto = BUILD / "boto3"
    if not (boto / "boto3").is_dir():
        subprocess.run([python313(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--target", str(boto), "boto3"], env=env, check=True, timeout=600, capture_output=True)
    return BUILD / "sam" / "TokenvendLayer" / "python", boto


MARK = "tokenvend-bench-checkpoint"
CHECKPOINT = f"\nimport time as _t; print({MARK!r}, _t.perf_counter(), _t.process_time(), flush=True)\n"


def command(code: str, paths: list[Path], *flags: str, steps: tuple[str, ...] = ()) -> list[str]:
    """``code``, then each of ``steps``, each followed by a checkpoint (see ``checkpoints``)."""
    prelude = f"import sys; sys.path[:0] = {[str(p) for p in paths]!r}\n"
    body = "".join(part + CHECKPOINT for part in (code, *steps))
    return [python313(), "-S", *flags, "-c", prelude + body + "import os; os._exit(0)"]


def checkpoints(cmd: list[str], env: dict, cwd: Path) -> list[tuple[float, float]]:
    """(wall, CPU) seconds from the start of the process to each of its checkpoints."""
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=cwd, check=True, timeout=60, capture_output=True, text=True)
    marks = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith(MARK)]
    return [(float(wall) - started, float(cpu)) for wall, cpu in marks]


def import_profile(cmd: list[str], env: dict, cwd: Path, top: int) -> list[str]:
    """Import time by top-level package: the sum of each module's own time (``-X importtime``)."""
    result = subprocess.run(cmd, env=env, cwd=cwd, check=True, timeout=60, capture_output=True, text=True)
    by_package: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or "cumulative" in line:
            continue
        package = parts[2].strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(parts[0])
    total = sum(by_package.values())
    rows = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return [f"    {us / 1000:7.1f} ms  {us / total:4.0%}  {name}{OWN_BODY if name == 'app' else ''}" for name, us in rows] + \
        [f"    {total / 1000:7.1f} ms  in all imports"]


def run(runs: int, top: int) -> dict:
    env = {**os.environ, "PYENV_VERSION": PYENV_VERSION}
    layer, boto = build(env)
    functions = {name: BUILD / "sam" / f"{name.capitalize()}Function" for name in ("token", "discovery")}
    run_env = {**{k: v for k, v in env.items() if not k.startswith(("AWS_", "PYTHON"))}, **ENV}
    cases = {"baseline": (command(BASELINE, [boto]), ROOT), "baseline, no gc": (command(BASELINE_NO_GC, [boto]), ROOT)}
    for name, folder in functions.items():
        cases[name] = (command(FUNCTION, [folder, layer, boto]), folder)
    for cmd, cwd in cases.values():  # the first run of each fills the page cache and writes .pyc files
        checkpoints(cmd, run_env, cwd)
    times = {name: [] for name in cases}
    for _ in range(runs):  # interleaved, so noise falls on all alike
        for name, (cmd, cwd) in cases.items():
            times[name].append(checkpoints(cmd, run_env, cwd)[0])
    medians = {name: statistics.median(wall for wall, _ in values) * 1000 for name, values in times.items()}
    cpu = {name: statistics.median(cpu for _, cpu in values) * 1000 for name, values in times.items()}
    print(f"Cold init with what Lambda has (python3.13 -S: the layer from sam build + boto3 only; "
          f"median of {runs} fresh interpreters, from their start to the end of the init)")
    print(f"  import boto3 + dynamodb and kms clients (baseline)  {medians['baseline']:7.1f} ms  "
          f"(CPU {cpu['baseline']:.1f} ms)")
    print(f"  the same, no collector pass (as tokenvend.init_phase) {medians['baseline, no gc']:7.1f} ms  "
          f"(CPU {cpu['baseline, no gc']:.1f} ms)")
    for name, goal in (("token", 1.1), ("discovery", 1.05)):
        ratio = medians[name] / medians["baseline"]
        print(f"  functions/{name}/app.py init{' ' * (25 - len(name))}  {medians[name]:7.1f} ms  {ratio:4.2f}× baseline "
              f"(goal ≤ {goal}×: {'met' if ratio <= goal else 'short by ' + format(ratio - goal, '.2f') + '×'}; "
              f"+{medians[name] - medians['baseline']:.1f} ms; CPU {cpu[name] / cpu['baseline']:4.2f}×; "
              f"{medians[name] / medians['baseline, no gc']:4.2f}× the same with no collector pass)")
    for name in ("baseline", "token", "discovery"):
        cmd, cwd = cases[name]
        print(f"  where {name}'s init goes (python -X importtime, own time summed by top-level package):")
        print("\n".join(import_profile(cmd[:2] + ["-X", "importtime"] + cmd[2:], run_env, cwd, top)))
    import cold_answer  # it builds on this module

    print()
    return {"init": medians, "discovery cold answer": cold_answer.run(layer, boto, run_env, runs)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    run(args.runs, args.top)


if __name__ == "__main__":
    main()
