"""Helpers of the operator command tests (fixtures are in conftest.py)."""

from __future__ import annotations

from click.testing import CliRunner, Result

from tokenvend.adapters.dynamodb_items import client_to_item, resource_to_item
from tokenvend.client_secrets import hash_secret
from tokenvend.model import ApiResource, Client, ClientSecret
from tokenvend_cli.main import cli
from tokenvend_cli.local.seed import put_items

from support import EXAMPLES

QUICKSTART = str(EXAMPLES / "quickstart.yaml")


def invoke(*args: str, input: str | None = None, env: dict | None = None) -> Result:
    """``tokenvend ARGS...`` in process; stdout and stderr apart; a bug raises."""
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2+ keeps stderr apart already
        runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def write_broken_quickstart(stack) -> None:
    """IdentityServer 4's broken quickstart, written around the loader (which refuses it):
    ApiResource 'api1' with no scopes, and a client allowed the scope 'api1'."""
    put_items(stack.dynamodb, stack.table, [
        resource_to_item(ApiResource("api1")),
        client_to_item(Client("client", secrets=(ClientSecret(hash_secret("secret")),), allowed_scopes=("api1",))),
    ])


def lines(text: str) -> list[str]:
    return text.splitlines()


# A deployed stack's table as moto's CloudFormation creates it (the tests give the Outputs).
TABLE_RESOURCE = {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST"}}}
