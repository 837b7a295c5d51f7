"""``tokenvend scope add``, ``resource add``, ``client add`` and ``client secret add|revoke``.

A new secret is ``generate_secret()`` (256 random bits). It is printed once, when it is
made, and only its hash is stored; no command prints a stored hash unless asked
(``--show-hashes``).
"""

from __future__ import annotations

import click

from tokenvend import client_secrets
from tokenvend.adapters.dynamodb_items import client_to_item
from tokenvend.model import Client, utcnow

from .ops_cli import Command, Group, OpsError, emit_json, warn
from .ops_records import CLIENT, RESOURCE, SCOPE, check_entry, group
from .ops_table import ConfigTable
from .ops_target import Target, target_options

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (with the secret).")


def _hand_over(target: Target, as_json: bool, data: dict, line: str) -> None:
    """Print a new secret, the only time it is ever shown."""
    if as_json:
        emit_json({**data, "in_force_within_seconds": target.cache_ttl})
        return
    click.echo(line)
    click.echo(f"client_secret: {data['client_secret']}")
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


@click.command("add", cls=Command, short_help="Add a generated secret to a client.")
@click.argument("client_id")
@click.option("--expires", metavar="DATE", help="When it stops working (ISO 8601 date or date-time; UTC if no offset).")
@click.option("--description", default="", help="What it is for, e.g. who holds it.")
@json_option
@target_options
def secret_add(target: Target, client_id, expires, description, as_json):
    """Add a generated secret to a client, beside its others (for rollover).

    The secret (256 random bits) is printed once; only its hash is stored. Revoke the
    old one with `tokenvend client secret revoke` once every caller uses the new one.

    \b
    Example:
      tokenvend client secret add billing --expires 2026-12-31 --description "billing 2026"
    """
    table = ConfigTable(target)
    held = len(table.require("client", client_id).secrets)
    if held >= client_secrets.SECRET_SLOTS:
        # every verification compares with this many stored hashes (timing): revoke one first
        raise OpsError(f"client {client_id!r} holds {held} secrets, the most a client may hold; "
                       "revoke one (tokenvend client secret revoke) first")
    secret = client_secrets.generate_secret()
    entry = {"client_id": client_id, "secrets": [
        {"hash": client_secrets.hash_secret(secret), "description": description, "expiration": expires}]}
    (stored,) = check_entry("client", entry, table.read_all()).secrets
    if stored.expired(utcnow()):
        raise OpsError(f"--expires {expires}: that is in the past")
    index = table.append_secret(client_id, client_to_item(Client(client_id, secrets=(stored,)))["secrets"][0])
    expiry = f" (expires {stored.expiration.isoformat()})" if stored.expiration else ""
    _hand_over(target, as_json, {"client_id": client_id, "index": index, "client_secret": secret,
                         "description": description,
                         "expiration": stored.expiration.isoformat() if stored.expiration else None},
               f"added secrets[{index}] to client {client_id!r}{expiry}")


@click.command("revoke", cls=Command, short_help="Remove one secret of a client.")
@click.argument("client_id")
@click.argument("which", metavar="INDEX_OR_DESCRIPTION")
@target_options
def secret_revoke(target: Target, client_id, which):
    """Remove one secret of a client, by its index (see `client show`) or its description.

    \b
    Example:
      tokenvend client secret revoke billing 0
      tokenvend client secret revoke billing "billing 2025"
    """
    table = ConfigTable(target)
    client = table.require("client", client_id)
    if which.isdigit():
        matches = [int(which)] if int(which) < len(client.secrets) else []
    else:
        matches = [i for i, s in enumerate(client.secrets) if s.description == which]
    if len(matches) != 1:
        known = ", ".join(f"{i} ({s.description or 'no description'})" for i, s in enumerate(client.secrets))
        problem = "matches several secrets" if matches else "matches no secret"
        raise OpsError(f"{which!r} {problem} of client {client_id!r}; its secrets: {known or 'none'}")
    (index,) = matches
    table.remove_secret(client_id, index, client.secrets[index].hash)
    click.echo(f"revoked secrets[{index}] of client {client_id!r}; {target.in_force()}")
    left = [s for i, s in enumerate(client.secrets) if i != index and not s.expired(utcnow())]
    if not left and not client.jwks:
        warn(f"client {client_id!r} has no unexpired secret left and no jwks: it cannot get a token")


def groups() -> list[click.Group]:
    secret = Group("secret", help="Add a generated secret to a client, or revoke one.\n\n"
                                  "\b\nExample:\n  tokenvend client secret add billing --expires 2026-12-31\n")
    secret.add_command(secret_add)
    secret.add_command(secret_revoke)
    return [group(SCOPE, scope_add), group(RESOURCE, resource_add), group(CLIENT, client_add, [secret])]
