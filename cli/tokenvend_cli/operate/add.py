"""``tokenvend scope add``, ``resource add``, ``client add`` and ``client|resource secret add|revoke``.

A new secret is ``generate_secret()`` (256 random bits). It is printed once, when it is
made, and only its hash is stored; no command prints a stored hash unless asked
(``--show-hashes``).
"""

from __future__ import annotations

import click

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb_items import secrets_to_items
from tokenvend.model import utcnow

from .output import Command, Group, OpsError, emit_json, warn
from .records import CLIENT, RESOURCE, SCOPE, Kind, check_entry, group
from .table import ConfigTable, TableState
from .target import Target, target_options

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (with the secret).")


def _hand_over(target: Target, as_json: bool, data: dict, line: str, field: str = "client_secret") -> None:
    """Print a new secret, the only time it is ever shown."""
    if as_json:
        emit_json({**data, "in_force_within_seconds": target.cache_ttl})
        return
    click.echo(line)
    click.echo(f"{field}: {data[field]}")
    click.echo("Store it now: it is shown only this once (the table keeps only its hash).")
    click.echo(target.in_force())


@click.command("add", cls=Command)
@click.argument("name")
@click.option("--display-name", default="", help="A human name.")
@click.option("--description", default="", help="What it grants.")
@click.option("--disabled", is_flag=True, help="Add it disabled.")
@click.option("--hidden", is_flag=True, help="Leave it out of the discovery document's scopes_supported.")
@target_options
def scope_add(target: Target, name, display_name, description, disabled, hidden):
    """Add an api scope: a name a client asks for with `scope`.

    \b
    Example:
      tokenvend scope add orders.read --display-name "Read orders"
    """
    table = ConfigTable(target)
    entry = {"name": name, "display_name": display_name, "description": description,
             "enabled": not disabled, "show_in_discovery_document": not hidden}
    table.put_new("api_scope", check_entry("api_scope", entry, table.read_all()))
    click.echo(f"added api scope {name!r}; {target.in_force()}")


@click.command("add", cls=Command)
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="NAME", help="An api scope it holds (repeatable).")
@click.option("--display-name", default="", help="A human name.")
@click.option("--require-resource-indicator", is_flag=True,
              help="Put it in aud only when the client names it with `resource`.")
@click.option("--disabled", is_flag=True, help="Add it disabled.")
@target_options
def resource_add(target: Target, name, scopes, display_name, require_resource_indicator, disabled):
    """Add an api resource: an audience (aud) that holds api scopes.

    \b
    Example:
      tokenvend resource add https://orders.example.com --scope orders.read --scope orders.write
    """
    table = ConfigTable(target)
    entry = {"name": name, "display_name": display_name, "scopes": list(scopes), "enabled": not disabled,
             "require_resource_indicator": require_resource_indicator}
    table.put_new("api_resource", check_entry("api_resource", entry, table.read_all()))
    click.echo(f"added api resource {name!r}; {target.in_force()}")
    if not scopes:
        warn(f"api resource {name!r} holds no api scope, so no token is issued for it; a client asks for "
             "scopes, not resources (add an api scope and list it with --scope)")


def _claims(pairs) -> dict:
    claims = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise OpsError(f"--claim {pair!r}: give NAME=VALUE")
        claims[name] = value
    return claims


@click.command("add", cls=Command, short_help="Add a client, with a generated secret.")
@click.argument("client_id")
@click.option("--name", "client_name", default="", help="A human name (client_name).")
@click.option("--scope", "scopes", multiple=True, metavar="NAME", help="An allowed api scope (repeatable).")
@click.option("--lifetime", type=int, default=3600, show_default=True, help="access_token_lifetime in seconds.")
@click.option("--claim", "claims", multiple=True, metavar="NAME=VALUE", help="A static claim (repeatable).")
@click.option("--claims-prefix", default="client_", show_default=True, help="client_claims_prefix.")
@click.option("--disabled", is_flag=True, help="Add it disabled.")
@click.option("--no-secret", is_flag=True, help="Add no secret (add one later with `client secret add`).")
@click.option("--secret-description", default="", help="Description of the generated secret.")
@click.option("--secret-expires", metavar="DATE", help="Expiry of the generated secret (ISO 8601).")
@json_option
@target_options
def client_add(target: Target, client_id, client_name, scopes, lifetime, claims, claims_prefix, disabled,
               no_secret, secret_description, secret_expires, as_json):
    """Add a client allowed the client_credentials grant, with a generated secret.

    The secret (256 random bits) is printed once; only its hash is stored.

    \b
    Example:
      tokenvend client add billing --scope orders.read --secret-description "billing prod"
    """
    table = ConfigTable(target)
    secret = None if no_secret else client_secrets.generate_secret()
    secrets = [] if secret is None else [
        {"hash": client_secrets.hash_secret(secret), "description": secret_description, "expiration": secret_expires}]
    entry = {"client_id": client_id, "client_name": client_name, "enabled": not disabled, "secrets": secrets,
             "allowed_grant_types": ["client_credentials"], "allowed_scopes": list(scopes),
             "access_token_lifetime": lifetime, "claims": _claims(claims), "client_claims_prefix": claims_prefix}
    record = check_entry("client", entry, table.read_all())
    if any(s.expired(utcnow()) for s in record.secrets):
        raise OpsError(f"--secret-expires {secret_expires}: that is in the past")
    table.put_new("client", record)
    if secret is None:
        click.echo(f"added client {client_id!r} without a secret; {target.in_force()}")
        return
    _hand_over(target, as_json, {"client_id": client_id, "index": 0, "client_secret": secret},
               f"added client {client_id!r} with secrets[0]")


def _secret_add(spec: Kind) -> click.Command:
    """``client secret add`` and ``resource secret add``: the same rules for both."""
    noun = "client" if spec.kind == "client" else "api resource"
    field = "client_secret" if spec.kind == "client" else "secret"
    use = "" if spec.kind == "client" else (
        " The resource authenticates with it at /connect/introspect (its name as the client_id).")

    def secret_add(target: Target, name, expires, description, as_json):
        table = ConfigTable(target)
        held = len(table.require(spec.kind, name).secrets)
        if held >= client_secrets.SECRET_SLOTS:
            # every verification compares with this many stored hashes (timing): revoke one first
            raise OpsError(f"{noun} {name!r} holds {held} secrets, the most a{'n' if noun[0] == 'a' else ''} {noun} may "
                           f"hold; revoke one (tokenvend {spec.word} secret revoke) first")
        secret = client_secrets.generate_secret()
        key = "client_id" if spec.kind == "client" else "name"
        entry = {key: name, "secrets": [
            {"hash": client_secrets.hash_secret(secret), "description": description, "expiration": expires}]}
        (stored,) = check_entry(spec.kind, entry, TableState()).secrets
        if stored.expired(utcnow()):
            raise OpsError(f"--expires {expires}: that is in the past")
        index = table.append_secret(name, secrets_to_items([stored])[0], kind=spec.kind)
        expiry = f" (expires {stored.expiration.isoformat()})" if stored.expiration else ""
        _hand_over(target, as_json, {key: name, "index": index, field: secret, "description": description,
                             "expiration": stored.expiration.isoformat() if stored.expiration else None},
                   f"added secrets[{index}] to {noun} {name!r}{expiry}", field)

    secret_add.__doc__ = f"""Add a generated secret to {"a client" if spec.kind == "client" else "an api resource"}, beside its others (for rollover).

    The secret (256 random bits) is printed once; only its hash is stored.{use} Revoke the
    old one with `tokenvend {spec.word} secret revoke` once every caller uses the new one.

    \b
    Example:
      tokenvend {spec.word} secret add {spec.example} --expires 2026-12-31 --description "{spec.word} 2026"
    """
    secret_add = json_option(target_options(secret_add))
    secret_add = click.option("--description", default="", help="What it is for, e.g. who holds it.")(secret_add)
    secret_add = click.option("--expires", metavar="DATE",
                              help="When it stops working (ISO 8601 date or date-time; UTC if no offset).")(secret_add)
    secret_add = click.argument("name", metavar="CLIENT_ID" if spec.kind == "client" else "NAME")(secret_add)
    whom = "a client" if spec.kind == "client" else "an api resource"
    return click.command("add", cls=Command, short_help=f"Add a generated secret to {whom}.")(secret_add)


def _secret_revoke(spec: Kind) -> click.Command:
    noun = "client" if spec.kind == "client" else "api resource"

    def secret_revoke(target: Target, name, which):
        table = ConfigTable(target)
        record = table.require(spec.kind, name)
        if which.isdigit():
            matches = [int(which)] if int(which) < len(record.secrets) else []
        else:
            matches = [i for i, s in enumerate(record.secrets) if s.description == which]
        if len(matches) != 1:
            known = ", ".join(f"{i} ({s.description or 'no description'})" for i, s in enumerate(record.secrets))
            problem = "matches several secrets" if matches else "matches no secret"
            raise OpsError(f"{which!r} {problem} of {noun} {name!r}; its secrets: {known or 'none'}")
        (index,) = matches
        table.remove_secret(name, index, record.secrets[index].hash, kind=spec.kind)
        click.echo(f"revoked secrets[{index}] of {noun} {name!r}; {target.in_force()}")
        left = [s for i, s in enumerate(record.secrets) if i != index and not s.expired(utcnow())]
        if spec.kind == "client" and not left and not record.jwks:
            warn(f"client {name!r} has no unexpired secret left and no jwks: it cannot get a token")
        elif not left:
            warn(f"api resource {name!r} has no unexpired secret left: it cannot introspect tokens")

    secret_revoke.__doc__ = f"""Remove one secret of {"a client" if spec.kind == "client" else "an api resource"}, by its index (see `{spec.word} show`) or its description.

    \b
    Example:
      tokenvend {spec.word} secret revoke {spec.example} 0
      tokenvend {spec.word} secret revoke {spec.example} "{spec.word} 2025"
    """
    secret_revoke = target_options(secret_revoke)
    secret_revoke = click.argument("which", metavar="INDEX_OR_DESCRIPTION")(secret_revoke)
    secret_revoke = click.argument("name", metavar="CLIENT_ID" if spec.kind == "client" else "NAME")(secret_revoke)
    whose = "a client" if spec.kind == "client" else "an api resource"
    return click.command("revoke", cls=Command, short_help=f"Remove one secret of {whose}.")(secret_revoke)


def _secret_group(spec: Kind) -> click.Group:
    whose = "a client" if spec.kind == "client" else "an api resource (for introspection)"
    secret = Group("secret", short_help="Add a generated secret, or revoke one.",
                   help=f"Add a generated secret to {whose}, or revoke one.\n\n"
                                  f"\b\nExample:\n  tokenvend {spec.word} secret add {spec.example} --expires 2026-12-31\n")
    secret.add_command(_secret_add(spec))
    secret.add_command(_secret_revoke(spec))
    return secret


def groups() -> list[click.Group]:
    return [group(SCOPE, scope_add), group(RESOURCE, resource_add, [_secret_group(RESOURCE)]),
            group(CLIENT, client_add, [_secret_group(CLIENT)])]
