"""What every operator command shares: an expected failure is one line on stderr and an
exit code, never a traceback; ``--json`` prints machine-readable output on stdout.

Exit codes and the error format are every command's (``tokenvend_cli.errors``): 0 done (or nothing
to do), 1 the input is invalid or the answer is "no", 2 usage, AWS, connection or target
trouble.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from tokenvend.errors import ServerError, TemporarilyUnavailable

from ..errors import EXIT_AWS, EXIT_INVALID, OpsError  # noqa: F401 (re-exported: every ops module imports them here)


def aws_message(exc: Exception) -> str:
    """One line for a botocore error: the operation, AWS's error code and its message."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"AWS {exc.operation_name}: {error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": ")
    return f"AWS: {exc}"


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


class Command(click.Command):
    """A command whose AWS failures (raw, or wrapped by the core's adapters) become one
    line on stderr and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ClientError, BotoCoreError) as exc:
            raise OpsError(aws_message(exc), EXIT_AWS) from None
        except (ServerError, TemporarilyUnavailable) as exc:  # the core's adapters wrap AWS failures
            cause = exc.__cause__
            raise OpsError(aws_message(cause) if cause else exc.description, EXIT_AWS) from None


class Group(click.Group):
    command_class = Command
    group_class = type  # subgroups are Groups too


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def write_file(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OpsError(f"cannot write {path}: {exc.strerror or exc}") from None


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def columns(rows: list[list[str]]) -> str:
    """Rows as left-aligned columns, the first row being the header."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows)
