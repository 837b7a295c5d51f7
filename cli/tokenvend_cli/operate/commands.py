"""The operator's commands: config as code (apply, export), records one at a time
(client, scope, resource), signing keys (key), and answers (explain, explain-token, token,
import-identityserver, import-cognito).

Each lives in an ``ops_`` module; ``register`` adds them to the ``tokenvend`` group.
"""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    from .add import groups
    from .apply import apply, export
    from .explain import explain_command
    from .explain_token import explain_token
    from .import_identityserver import import_identityserver
    from .import_cognito import import_cognito
    from .keys import key_group
    from .revoke import revoke
    from .token import token

    token.add_command(revoke)

    for command in (apply, export, *groups(), key_group(), explain_command, explain_token, token,
                    import_identityserver, import_cognito):
        cli.add_command(command)
