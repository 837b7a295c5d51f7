"""Shared fixtures: AWS on moto (in process), the template's resources, the quickstart."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import (  # noqa: E402,F401
    EXAMPLES, FAST_PROFILE, LambdaContext, Stack, load_event, load_function, make_stack,
)

# `--hypothesis-profile=fast` (make test-fast): property tests run examples(N) of their N.
settings.register_profile(FAST_PROFILE, max_examples=20)


class KeyMaterialPool:
    """moto's KMS generates a fresh RSA key pair for every CreateKey (for a symmetric key
    too): 0.1-0.2 s each, paid twice by every test that provisions the template. The pool
    generates each key once and hands the n-th key a test creates the n-th key of the pool,
    so within a test every key is as distinct as before, and no test waits for RSA."""

    def __init__(self, generate):
        self.generate, self.keys, self.used = generate, {}, {}

    def __call__(self, key_spec: str):
        n = self.used.get(key_spec, 0)
        self.used[key_spec] = n + 1
        keys = self.keys.setdefault(key_spec, [])
        while len(keys) <= n:
            keys.append(self.generate(key_spec))
        return keys[n]


@pytest.fixture(scope="session")
def kms_key_pool():
    import moto.kms.models

    pool = KeyMaterialPool(moto.kms.models.generate_private_key)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto.kms.models, "generate_private_key", pool)
        yield pool


@pytest.fixture(scope="session", autouse=True)
def one_botocore_loader():
    """moto gives every test a new default boto3 session, and each new botocore session
    parses the service models and endpoint rules again (0.1-0.2 s a test). One loader for
    every session reads each file once, as one long-lived session (a warm Lambda) does;
    the files are botocore's, never written."""
    import botocore.loaders
    import botocore.session

    loaders: dict = {}

    def create_loader(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = botocore.loaders.create_loader(search_path_string)
        return loaders[search_path_string]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", create_loader)
        yield


@pytest.fixture(scope="session", autouse=True)
def one_event_alias_cache():
    """Every botocore session and client starts an empty memo of which event names its
    aliases rename (``EventAliaser._alias_name_cache``), and fills it again handler by
    handler: 3.5 ms of a new session's 5.6 (about 240 sessions and 1,600 clients a run).
    The aliases are botocore's constant ``EVENT_ALIASES``, so the answer for a name is
    the same in every session; one memo serves them all, as it does in a long-lived one."""
    import botocore.hooks

    shared: dict = {}
    init = botocore.hooks.EventAliaser.__init__

    def __init__(self, event_emitter, event_aliases=None):
        init(self, event_emitter, event_aliases)
        if self._event_aliases == botocore.hooks.EVENT_ALIASES:
            self._alias_name_cache = shared

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.hooks.EventAliaser, "__init__", __init__)
        yield


@pytest.fixture(scope="session", autouse=True)
def templates_parsed_once():
    """template.yaml is parsed by every test that provisions it (0.1 s of cfn-flip's YAML);
    each text is parsed once and every Template gets its own copy, unpickled from the parse
    (the same ODicts, lists and scalars; a deep copy took 5 ms, this 0.2)."""
    import functools
    import pickle

    from tokenvend_cli.local import template

    load = template.load_yaml
    parsed = functools.lru_cache(maxsize=None)(lambda text: pickle.dumps(load(text)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(template, "load_yaml", lambda text: pickle.loads(parsed(text)))
        yield


@pytest.fixture(autouse=True)
def kms_keys_afresh(kms_key_pool):
    """Each test draws its KMS keys from the start of the pool."""
    kms_key_pool.used.clear()


@pytest.fixture
def aws_credentials(monkeypatch):
    """Fake credentials and region, and no endpoint override, so nothing reaches AWS."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_credentials):
    from moto import mock_aws  # here, not at the top: xdist's controller loads this file and runs no test

    with mock_aws():
        yield


@pytest.fixture
def stack(aws) -> Stack:
    return make_stack()


@pytest.fixture
def quickstart():
    from tokenvend.config import load_config

    return load_config(EXAMPLES / "quickstart.yaml")


@pytest.fixture
def moto_server(aws_credentials):
    """A moto server on a loopback port of its own (bound to port 0, so parallel workers never
    race for one): the one `tokenvend dev` runs; its URL."""
    from tokenvend_cli.local.stack import MotoServer

    server = MotoServer("127.0.0.1", 0)
    yield server.url
    server.stop()
