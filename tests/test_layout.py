"""The CLI's two halves and the one direction between them: ``tokenvend_cli.operate`` may
import ``tokenvend_cli.local`` (the template, the JWT authorizer's decision, the state file),
never the other way; and no module is left flat beside ``main.py`` and ``errors.py``."""

from __future__ import annotations

import ast
from pathlib import Path

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
