"""The CLI's two halves and the one direction between them: ``tokenvend_cli.operate`` may
import ``tokenvend_cli.local`` (the template, the JWT authorizer's decision, the state file),
never the other way; and no module is left flat beside ``main.py`` and ``errors.py``."""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cli" / "tokenvend_cli"


def imported_modules(path: Path) -> list[str]:
    """Every module ``path`` imports, absolute, resolved against its own package."""
    package = ["tokenvend_cli", *path.parent.relative_to(PACKAGE).parts]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.append(stem)
            found.extend(f"{stem}.{alias.name}" for alias in node.names)
    return found


def test_imported_modules_resolves_relative_imports():
    """The checker itself: a relative import of the sibling half is seen as the absolute name."""
    module = PACKAGE / "local" / "commands.py"
    assert "tokenvend_cli.errors.OpsError" in imported_modules(module)
    assert "tokenvend_cli.local.runtime" in imported_modules(module)


def test_local_never_imports_operate():
    offenders = {
        str(path.relative_to(PACKAGE)): name
        for path in sorted((PACKAGE / "local").rglob("*.py"))
        for name in imported_modules(path)
        if name == "tokenvend_cli.operate" or name.startswith("tokenvend_cli.operate.")
    }
    assert offenders == {}


def test_only_the_entry_point_and_the_error_rule_are_flat():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "errors.py", "main.py"]
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == ["local", "operate"]


# A CLI installed without the local extra: moto, werkzeug, cheroot and uvicorn cannot be imported (a ``None``
# in sys.modules makes ``import`` raise ModuleNotFoundError and ``find_spec`` answer None).
# One interpreter imports the CLI so, then forks a child per command: each child is a fresh
# process that has just imported the CLI, and runs the command from there with its own
# stdout, stderr and exit code. (Importing the CLI is most of a process's half second.)
WITHOUT_LOCAL_EXTRA = """
import json, os, sys, tempfile
for name in ("moto", "werkzeug", "cheroot", "uvicorn"):
    sys.modules[name] = None
from tokenvend_cli.main import cli
results = []
for args in json.loads(sys.argv[1]):
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        break
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    results.append([status] + [f.seek(0) or f.read().decode() for f in (out, err)])
else:
    print(json.dumps(results))
    sys.exit()
try:
    cli(args, prog_name="tokenvend")
finally:
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("moto", "werkzeug", "cheroot", "uvicorn", "flask")
                 and sys.modules[m] is not None), file=sys.stderr)
"""
OPERATOR_COMMANDS = [
    ("--help",), ("client", "list", "--help"), ("apply", "--help"), ("explain-token", "--help"),
    ("token", "--help"), ("key", "list", "--help"), ("import-cognito", "--help"),
]
LOCAL_COMMANDS = [("dev",), ("invoke", "DiscoveryFunction", "events/jwks.json")]


@functools.cache
def runs_without_local_extra() -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    commands = OPERATOR_COMMANDS + LOCAL_COMMANDS
    result = subprocess.run([sys.executable, "-c", WITHOUT_LOCAL_EXTRA, json.dumps(commands)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr  # the CLI itself imports without the local extra
    return {args: subprocess.CompletedProcess(args, *run)
            for args, run in zip(commands, json.loads(result.stdout), strict=True)}


def without_local_extra(*args: str) -> subprocess.CompletedProcess:
    return runs_without_local_extra()[args]


@pytest.mark.parametrize("args", OPERATOR_COMMANDS)
def test_the_operator_commands_need_neither_moto_nor_werkzeug(args):
    result = without_local_extra(*args)
    assert (result.returncode, result.stderr) == (0, "[]\n")
    assert result.stdout.startswith(f"Usage: tokenvend {' '.join(args[:-1])}".rstrip() + " [OPTIONS]")


@pytest.mark.parametrize("args", LOCAL_COMMANDS)
def test_the_local_commands_without_the_local_extra_say_what_to_install(args):
    result = without_local_extra(*args)
    assert result.returncode == 2
    assert result.stderr == ("Error: moto, werkzeug, cheroot and uvicorn not installed; the local stack needs the local extra: "
                             "pip install 'tokenvend[local]' (in a clone: pip install '.[local]')\n[]\n")
