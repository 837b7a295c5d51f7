"""Write a whole config to the table as it is (no diff, no pruning): what the local stack
and the tests use to start from a known state. ``tokenvend apply`` is the operator's tool."""

from __future__ import annotations

from tokenvend.adapters.dynamodb_items import client_to_item, resource_to_item, scope_to_item, serialize
from tokenvend.config import Config


def config_items(config: Config) -> list[dict]:
    return ([scope_to_item(s) for s in config.api_scopes]
            + [resource_to_item(r) for r in config.api_resources]
            + [client_to_item(c) for c in config.clients])


def put_items(dynamodb, table_name: str, items: list[dict]) -> None:
    for item in items:
        dynamodb.put_item(TableName=table_name, Item=serialize(item))


def seed(dynamodb, table_name: str, config: Config) -> None:
    put_items(dynamodb, table_name, config_items(config))
