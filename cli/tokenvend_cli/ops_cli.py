"""What every operator command shares: an expected failure is one line on stderr and an
exit code, never a traceback; ``--json`` prints machine-readable output on stdout.

Exit codes: 0 done (or nothing to do), 1 the input is invalid or the answer is "no"
(an invalid config, an unknown client, a refused token), 2 AWS, connection or target
trouble. click's own usage errors keep click's code, 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from tokenvend.errors import ServerError, TemporarilyUnavailable

EXIT_INVALID = 1
EXIT_AWS = 2


class OpsError(click.ClickException):
    """An expected failure: click prints ``Error: <message>`` on stderr and exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID):
        super().__init__(message)
        self.exit_code = exit_code


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
