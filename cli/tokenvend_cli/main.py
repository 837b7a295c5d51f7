"""The ``tokenvend`` command. Each group of subcommands lives in its own module and
registers itself here, so the local-stack commands and the operator commands stay apart."""

from __future__ import annotations

import importlib

import click

COMMAND_MODULES = (
    "tokenvend_cli.local.commands",     # dev, invoke
    "tokenvend_cli.operate.commands",  # apply, export, client, scope, resource, explain(-token), token, import-*
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tokenvend")
def cli():
    """tokenvend: OAuth 2.0 client-credentials tokens on AWS — run it locally, operate it."""


for _name in COMMAND_MODULES:
    try:
        module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
        continue
    module.register(cli)
