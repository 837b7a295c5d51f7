"""``bootstrap.build`` builds the endpoints a function serves, and only those."""

from __future__ import annotations

import pytest

from tokenvend import bootstrap

SETTINGS = bootstrap.Settings(table="t", signing_key_id="alias/k")


@pytest.fixture(autouse=True)
def region(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("endpoints,built", [
    ((), []),
    (("token",), ["token_endpoint"]),
    (("introspection",), ["introspection_endpoint"]),
    (("revocation",), ["revocation_endpoint"]),
    (bootstrap.ENDPOINTS, ["introspection_endpoint", "revocation_endpoint", "token_endpoint"]),
])
def test_only_the_named_endpoints_are_built(endpoints, built):
    container = bootstrap.build(SETTINGS, endpoints=endpoints)
    names = ["token_endpoint", "introspection_endpoint", "revocation_endpoint"]
    assert sorted(name for name in names if getattr(container, name) is not None) == built
    assert container.store is not None and container.keys is not None


def test_an_unknown_endpoint_is_refused_by_name():
    with pytest.raises(ValueError, match="^no such endpoint: introspect$"):
        bootstrap.build(SETTINGS, endpoints=("token", "introspect"))
