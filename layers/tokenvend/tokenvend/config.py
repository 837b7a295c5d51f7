"""The config file: ApiScopes, ApiResources and Clients in YAML or JSON.

``load_config`` reads the file; ``parse_config`` (``config_check``) checks everything and
reports every problem at once, each with the path of its field
(``api_resources[0].scopes[1]: 'api2' is not a defined api scope``). Plain secrets are
hashed as they are read; a weak one is refused unless the file says ``development: true``
(``config_secrets``). ``Config``, ``ConfigError`` and ``parse_config`` are re-exported
here: callers import them from ``tokenvend.config``.
"""

from __future__ import annotations

import json
from pathlib import Path

from .config_check import Config, ConfigError, parse_config

__all__ = ["Config", "ConfigError", "load_config", "parse_config"]


def load_config(path: str | Path) -> Config:
    """Read a YAML (``.yaml``/``.yml``) or JSON file and parse it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml  # only the tools read YAML; the Lambda functions never do

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise ConfigError([f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {_parse_problem(exc)}"]) from None
    return parse_config(data)


def _parse_problem(exc: Exception) -> str:
    """What is wrong and where, without the source line: a YAML error quotes the offending
    line, which may hold a plain secret."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{getattr(exc, 'problem', None) or 'syntax error'} at line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return type(exc).__name__
