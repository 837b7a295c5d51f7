"""``tokenvend apply`` and ``tokenvend export``: the table as a config file, and back."""

from __future__ import annotations

import click

from tokenvend.config import Config, ConfigError, load_config, parse_config
from tokenvend.model import utcnow

from ..errors import invalid_config
from .output import Command, OpsError, emit_json, plural, warn, write_file
from .entries import config_document, dump
from .plan import ADDED, CHANGED, KEPT, REMOVED, Change, plan, summary
from .table import ConfigTable
from .target import Target, target_options


def load(path: str) -> Config:
    """The config, or every problem with its field path (exit 1)."""
    try:
        return load_config(path)
    except ConfigError as err:
        raise invalid_config(path, err.problems) from None
    except OSError as exc:
        raise OpsError(f"cannot read {path}: {exc.strerror or exc}") from None


def change_line(change: Change) -> str:
    """One line per change; a client's secrets that the file does not name get a line each."""
    def line(action: str, detail: str) -> str:
        return f"{action:<8} {change.kind:<13} {change.name}" + (f": {detail}" if detail else "")

    if change.action == KEPT and not change.kept:
        return line("", "not in file (kept; --prune removes)")
    out = [] if change.action == KEPT else [line(change.action, ", ".join(change.fields))]
    out += [line("", f"{label} not in file (kept; --prune removes)") for label in change.kept]
    return "\n".join(out)


MAX_TRANSACTION = 100  # DynamoDB's limit of actions in one TransactWriteItems


def write(table: ConfigTable, changes: list[Change]) -> None:
    """Up to 100 changes in one DynamoDB transaction: a failure leaves the table as it was.

    More go in transactions of 100 — a failure then leaves the earlier ones applied (the
    next apply completes them) — in this order: scopes, then resources, then clients;
    removals the other way round, so even between two transactions a client never names a
    scope that is not there yet or any more."""
    actions = [("put", c.kind, c.record) for c in changes if c.action in (ADDED, CHANGED)]
    actions += [("delete", c.kind, c.name) for c in reversed(changes) if c.action == REMOVED]
    for start in range(0, len(actions), MAX_TRANSACTION):
        chunk = actions[start:start + MAX_TRANSACTION]
        table.transact([(kind, x) for op, kind, x in chunk if op == "put"],
                       [(kind, x) for op, kind, x in chunk if op == "delete"])


@click.command("apply", cls=Command, short_help="Make the table match a config file.")
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--prune", is_flag=True, help="Also remove what the table has and the file does not.")
@click.option("--allow-development", is_flag=True,
              help="Apply a 'development: true' config to a table that is not the local stack.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@target_options
def apply(target: Target, config_path, dry_run, prune, allow_development, as_json):
    """Make the table match a config file (YAML or JSON); safe to repeat.

    The whole file is checked first and every problem is listed with its field path.
    Then each change is printed by kind and name: added, changed (with the fields that
    differ) and, with --prune, removed; without --prune what the table has beyond the
    file is listed and kept. Plain secrets are hashed; a secret that a stored hash
    already verifies keeps that hash, so a second apply of the same file changes
    nothing. New clients, secrets, scopes and resources work at once; what the file no
    longer allows is in force on every warm function within the cache TTL (CacheTtlSeconds,
    10 s by default).

    Inside a record, secrets are merged: a stored secret the file does not name is kept
    (listed by index and description) and only --prune removes it; every other list
    (scopes, allowed_scopes, allowed_grant_types, claims, jwks) is the file's.

    A 'development: true' config (weak secrets allowed) is refused for any table not
    reached through a loopback endpoint URL, unless --allow-development.

    Exit codes: 0 applied or nothing to do, 1 invalid config, 2 AWS or connection error.

    \b
    Example:
      tokenvend apply examples/quickstart.yaml
      tokenvend apply prod.yaml --stack tokenvend --dry-run
    """
    config = load(config_path)
    if config.development and not target.is_local and not allow_development:
        raise OpsError(f"{config_path} is a development config (development: true allows weak secrets); "
                       f"refusing to apply it to {target.describe()}, which is not the local stack. "
                       "Pass --allow-development to apply it anyway.")
    table = ConfigTable(target)
    changes = plan(config, table.read_all(), prune=prune)
    if not dry_run:
        write(table, changes)
    counts = summary(changes)
    if as_json:
        emit_json({"config": config_path, "target": target.describe(), "dry_run": dry_run,
                   "changes": [c.as_json() for c in changes], "summary": counts,
                   "in_force_within_seconds": target.cache_ttl})
        return
    click.echo(f"apply {config_path} to {target.describe()}")
    for change in changes:
        click.echo(change_line(change))
    counted = f"{counts[ADDED]} added, {counts[CHANGED]} changed, {counts[REMOVED]} removed"
    if not any(counts.values()):
        click.echo("no changes")
    elif dry_run:
        click.echo(f"dry run: {counted} (nothing written)")
    else:
        click.echo(f"applied: {counted}; {target.in_force()}")


@click.command("export", cls=Command, short_help="Write the table out as a config file.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of stdout (JSON when it ends in .json).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of YAML.")
@target_options
def export(target: Target, output, as_json):
    """Write the table out as a config file that `tokenvend apply` accepts unchanged.

    Secrets are written as their stored hashes ('hash:'), never as plaintext, so
    export then apply reports no changes. When the table holds something the loader
    would refuse (a client allowed an undefined scope, after a hand edit), each problem
    is printed as a warning and the file is written anyway.

    \b
    Example:
      tokenvend export --output backup.yaml
      tokenvend export --stack tokenvend --json > config.json
    """
    state = ConfigTable(target).read_all()
    data = config_document(state.api_scopes.values(), state.api_resources.values(), state.clients.values())
    try:
        parse_config(data)
    except ConfigError as err:
        warn(f"the table holds a config that `tokenvend apply` would refuse ({plural(len(err.problems), 'problem')}):")
        for problem in err.problems:
            click.echo(f"  {problem}", err=True)
    fmt = "json" if as_json or (output and output.lower().endswith(".json")) else "yaml"
    comment = (f"tokenvend config exported from {target.describe()} at {utcnow():%Y-%m-%dT%H:%M:%SZ}.\n"
               "Secrets are their stored hashes; `tokenvend apply` this file unchanged to restore the table.")
    text = dump(data, fmt, comment)
    if output is None:
        click.echo(text, nl=False)
        return
    write_file(output, text)
    click.echo(f"wrote {plural(len(data['api_scopes']), 'api scope')}, "
               f"{plural(len(data['api_resources']), 'api resource')} and {plural(len(data['clients']), 'client')} "
               f"to {output}", err=True)
