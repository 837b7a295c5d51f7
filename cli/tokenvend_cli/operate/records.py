"""``tokenvend scope|resource|client list|show|enable|disable|remove``: one record at a time.

The three kinds share these five commands; each adds its own ``add`` (``add``).
What a record may hold is checked by the config loader itself (``entry_problems``), so a
record added here passes exactly the rules a config file does. To change other fields,
``tokenvend export``, edit, ``tokenvend apply``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import click

from tokenvend.config import ConfigError, parse_config

from .output import Command, Group, OpsError, columns, emit_json, warn
from .entries import client_entry, dump, resource_entry, scope_entry
from .table import LABELS, ConfigTable, TableState
from .target import Target, target_options

SECTIONS = {"api_scope": "api_scopes", "api_resource": "api_resources", "client": "clients"}
HAS_SECRETS = ("client", "api_resource")  # an api resource's secrets are for introspection


def entry_problems(kind: str, entry: dict, state: TableState):
    """Check ``entry`` as the loader would check it in a file beside the table's scopes and
    resources; return (record, problems), the problems without the entry's own path."""
    data = {
        "api_scopes": [{"name": name} for name in state.api_scopes],
        "api_resources": [{"name": r.name, "scopes": [s for s in r.scopes if s in state.api_scopes]}
                          for r in state.api_resources.values()],
        "clients": [],
    }
    section = data[SECTIONS[kind]]
    prefix = f"{SECTIONS[kind]}[{len(section)}]"
    section.append(entry)
    try:
        config = parse_config(data)
    except ConfigError as err:
        own = [p[len(prefix):] for p in err.problems if p.startswith(prefix)]
        return None, [p[1:] if p.startswith(".") else p.lstrip(": ") for p in own]
    return getattr(config, SECTIONS[kind])[-1], []


def check_entry(kind: str, entry: dict, state: TableState):
    record, problems = entry_problems(kind, entry, state)
    if problems:
        raise OpsError(f"invalid {LABELS[kind]}:\n" + "\n".join(f"  {p}" for p in problems))
    return record


def yes(value: bool) -> str:
    return "yes" if value else "no"


@dataclass(frozen=True)
class Kind:
    kind: str        # the config section's record name: api_scope
    word: str        # the command group: scope
    header: tuple[str, ...]
    row: Callable[[object], list]
    entry: Callable[..., dict]
    example: str     # a name for the help examples

    @property
    def label(self) -> str:
        return LABELS[self.kind]


SCOPE = Kind("api_scope", "scope", ("NAME", "ENABLED", "IN_DISCOVERY", "DISPLAY_NAME"),
             lambda s: [s.name, yes(s.enabled), yes(s.show_in_discovery_document), s.display_name],
             lambda s, hashes=False: scope_entry(s), "orders.read")
RESOURCE = Kind("api_resource", "resource", ("NAME", "ENABLED", "REQUIRE_INDICATOR", "SCOPES"),
                lambda r: [r.name, yes(r.enabled), yes(r.require_resource_indicator), " ".join(r.scopes)],
                lambda r, hashes=False: resource_entry(r, hashes=hashes), "https://orders.example.com")
CLIENT = Kind("client", "client", ("CLIENT_ID", "ENABLED", "SECRETS", "GRANT_TYPES", "ALLOWED_SCOPES"),
              lambda c: [c.client_id, yes(c.enabled), str(len(c.secrets)), " ".join(c.allowed_grant_types),
                         " ".join(c.allowed_scopes)],
              lambda c, hashes=False: client_entry(c, hashes=hashes), "billing")

show_hashes_option = click.option("--show-hashes", is_flag=True, help="Include the stored secret hashes.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _list(spec: Kind) -> click.Command:
    def list_records(target: Target, as_json: bool, show_hashes: bool = False):
        records = ConfigTable(target).read_all().records[spec.kind].values()
        if as_json:
            emit_json([spec.entry(r, hashes=show_hashes) for r in records])
        elif records:
            click.echo(columns([list(spec.header)] + [spec.row(r) for r in records]))
        else:
            click.echo(f"no {spec.label}s in table {target.table}")

    params = [json_option] + ([show_hashes_option] if spec.kind in HAS_SECRETS else [])
    return _command("list", spec, list_records, params,
                    f"List every {spec.label}.", f"tokenvend {spec.word} list --json")


def _show(spec: Kind) -> click.Command:
    def show(target: Target, name: str, as_json: bool, show_hashes: bool = False):
        entry = spec.entry(ConfigTable(target).require(spec.kind, name), hashes=show_hashes)
        if as_json:
            emit_json(entry)
        else:
            click.echo(dump(entry).rstrip())

    params = [click.argument("name", metavar="NAME"), json_option] + (
        [show_hashes_option] if spec.kind in HAS_SECRETS else [])
    extra = " Secrets are listed by index, description and expiry; their hashes only with --show-hashes." \
        if spec.kind in HAS_SECRETS else ""
    return _command("show", spec, show, params, f"Show one {spec.label}.{extra}",
                    f"tokenvend {spec.word} show {spec.example}")


def _set_enabled(spec: Kind, enabled: bool) -> click.Command:
    verb = "enable" if enabled else "disable"

    def set_enabled(target: Target, name: str):
        ConfigTable(target).set_enabled(spec.kind, name, enabled)
        click.echo(f"{verb}d {spec.label} {name!r}; {target.in_force()}")

    effect = {"api_scope": "no token carries it", "api_resource": "no token names it in aud",
              "client": "it gets no token"}[spec.kind]
    short = f"Enable {a(spec.label)}." if enabled else f"Disable {a(spec.label)}: {effect}."
    about = short if enabled else short[:-1] + \
        " (in force on every warm function within the cache TTL, CacheTtlSeconds, 10 s by default)."
    return _command(verb, spec, set_enabled, [click.argument("name", metavar="NAME")], about,
                    f"tokenvend {spec.word} {verb} {spec.example}", short)


def references(kind: str, name: str, state: TableState) -> list[str]:
    """What still names an api scope; nothing names a resource or a client."""
    if kind != "api_scope":
        return []
    return ([f"allowed for client {c.client_id!r}" for c in state.clients.values() if name in c.allowed_scopes]
            + [f"listed by api resource {r.name!r}" for r in state.api_resources.values() if name in r.scopes])


def _remove(spec: Kind) -> click.Command:
    def remove(target: Target, name: str, force: bool):
        table = ConfigTable(target)
        used = references(spec.kind, name, table.read_all()) if spec.kind == "api_scope" else []
        if used and not force:
            raise OpsError(f"{spec.label} {name!r} is still named ({', '.join(used)}); remove those references "
                           "first (edit the config and apply it) or pass --force")
        table.delete(spec.kind, name)
        click.echo(f"removed {spec.label} {name!r}; {target.in_force()}")
        if used:
            warn(f"{spec.label} {name!r} is still named ({', '.join(used)}); "
                 "`tokenvend explain --client ID` shows what a client gets now")

    params = [click.argument("name", metavar="NAME")]
    if spec.kind == "api_scope":
        params.append(click.option("--force", is_flag=True, help="Remove it even while clients or resources name it."))
    about = f"Remove {a(spec.label)} from the table."
    if spec.kind == "api_scope":
        about += " Refused while a client or resource names it, unless --force."
    return _command("remove", spec, lambda target, name, force=False: remove(target, name, force), params,
                    about, f"tokenvend {spec.word} remove {spec.example}")


def a(label: str) -> str:
    """The label with its article: "an api scope", "a client"."""
    return ("an " if label[:1] in "aeiou" else "a ") + label


def _command(name, spec, callback, params, about, example, short=None) -> click.Command:
    callback = target_options(callback)
    for param in reversed(params):
        callback = param(callback)
    help_text = f"{about}\n\n\b\nExample:\n  {example}\n"
    return click.command(name, cls=Command, help=help_text, short_help=short)(callback)


def group(spec: Kind, add: click.Command, extra=()) -> click.Group:
    commands = [add, _list(spec), _show(spec), _set_enabled(spec, True), _set_enabled(spec, False), _remove(spec),
                *extra]
    g = Group(spec.word, short_help=f"Add, list, show, enable, disable, remove {spec.word}s.",
              help=f"Add, list, show, enable, disable or remove {spec.label}s.\n\n"
                              f"\b\nExample:\n  tokenvend {spec.word} list\n")
    for command in commands:
        g.add_command(command)
    return g
