from __future__ import annotations

import pytest

from support import LambdaContext, load_function
from tokenvend_cli.seed import seed


@pytest.fixture
def deployed(stack, monkeypatch):
    """The two functions as Lambda would start them: the template's environment, fresh modules."""
    for name, value in stack.environment.items():
        monkeypatch.setenv(name, value)

    class Functions:
        def start(self, cache_ttl: str | None = None):
            if cache_ttl is not None:
                monkeypatch.setenv("TOKENVEND_CACHE_TTL", cache_ttl)
            self.token = load_function("token")
            self.discovery = load_function("discovery")
            return self

        def call(self, module, event):
            return module.lambda_handler(event, LambdaContext())

        def token_call(self, event):
            return self.call(self.token, event)

        def discovery_call(self, event):
            return self.call(self.discovery, event)

    return Functions()


@pytest.fixture
def functions(deployed, stack, quickstart):
    seed(stack.dynamodb, stack.table, quickstart)
    return deployed.start()
