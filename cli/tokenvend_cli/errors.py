"""The one error rule of every ``tokenvend`` command, the local stack's and the operator's.

An expected failure is one line (or a headline and indented lines) on stderr, ``Error: ...``,
never a traceback, and one of three exit codes:

- 0 done, or nothing to do;
- 1 the input is invalid or the answer is "no": an invalid config, an unknown record, a
  refused token or denied request, a function that fails to start;
- 2 usage, or trouble reaching the target: click's own usage errors, a bad option value or
  env file, no local stack running, a busy port, AWS or connection trouble.
"""

from __future__ import annotations

import click

EXIT_INVALID = 1
EXIT_AWS = 2  # also usage and target trouble: what to fix is the command line or the machine, not the input


class OpsError(click.ClickException):
    """An expected failure: click prints ``Error: <message>`` on stderr and exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID):
        super().__init__(message)
        self.exit_code = exit_code


def invalid_config(path, problems: list[str]) -> OpsError:
    """A config the loader refuses: every problem on its own line with its field path (exit 1)."""
    count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
    return OpsError(f"{path} is not a valid tokenvend config ({count}):\n" + "\n".join(f"  {p}" for p in problems))
