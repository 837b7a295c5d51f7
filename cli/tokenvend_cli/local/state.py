"""``.local/stack.json``: where the running local stack is, for the tools that target it
(``tokenvend invoke``, the operator commands). ``tokenvend dev`` writes it once it
serves and removes it on exit; a file whose ``pid`` has exited is stale.

Keys: ``endpoint_url`` (the moto server), ``region``, ``table``, ``signing_key_arn``,
``issuer``, ``pid``, and for ``invoke`` ``api_url``, ``parameters`` (the template
parameters in effect) and ``physical`` (logical id -> the physical ids provisioned).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .template import PROJECT_ROOT

STATE_FILE = PROJECT_ROOT / ".local" / "stack.json"


class NoLocalStack(RuntimeError):
    """No local stack is running (no state file, or its process has exited)."""


def pid_alive(pid) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:  # kill(0 or -1) means a group
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def write_state(state: dict, path: Path = STATE_FILE) -> None:
    """Write atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def remove_state(path: Path = STATE_FILE, pid: int | None = None) -> None:
    """Remove the file if it is ours (its pid is ``pid``, this process by default)."""
    pid = os.getpid() if pid is None else pid
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


def running_state(path: Path = STATE_FILE) -> dict | None:
    """The state of a live stack, or None (no file, unreadable, or its process is gone)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and pid_alive(state.get("pid")) else None


def read_state(path: Path = STATE_FILE) -> dict:
    state = running_state(path)
    if state is None:
        why = "its process has exited" if path.exists() else f"no {_shown(path)}"
        raise NoLocalStack(f"no local stack is running ({why}): start one with `tokenvend dev`")
    return state


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
