"""SnapStart hooks (tokenvend.snapstart): registered with Lambda's snapshot_restore_py (faked
here: only Lambda's managed runtimes have it), and what each hook resets, seen through the
AWS calls the token function makes afterwards."""

from __future__ import annotations

import random
import sys
import types

import pytest

from support import activate_envelope_key, issue_token, make_stack
from tokenvend import snapstart


@pytest.fixture
def stack(aws):
    return make_stack({"EnvelopeMode": "true"})


@pytest.fixture
def hooks(monkeypatch):
    """A stand-in for Lambda's snapshot_restore_py that records what is registered."""
    registered = {"before": [], "after": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = lambda func, *args: registered["before"].append((func, args))
    module.register_after_restore = lambda func, *args: registered["after"].append((func, args))
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def run(registered, which):
    for func, args in registered[which]:
        func(*args)


def test_without_lambdas_hooks_module_install_does_nothing(counted, monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as outside Lambda
    functions, _ = counted()
    assert snapstart.install(functions.token.container) is False


def test_each_function_registers_its_hooks_when_it_starts(counted, hooks):
    functions, _ = counted()
    containers = [f.container for f in (functions.token, functions.discovery, functions.introspect, functions.revocation)]
    assert hooks == {"before": [(snapstart.before_snapshot, (c,)) for c in containers],
                     "after": [(snapstart.after_restore, (c,)) for c in containers]}


def test_after_restore_caches_are_read_afresh(counted, hooks):
    # GIVEN a warm function: its client, catalog and key records cached
    functions, calls = counted()
    issue_token(functions)
    issue_token(functions)
    assert calls.take().count("dynamodb.GetItem") == 1
    # WHEN it is restored from a snapshot
    run(hooks, "after")
    # THEN nothing cached under the snapshot's clock answers: the next token reads again
    issue_token(functions)
    assert sorted(calls.take()) == ["dynamodb.GetItem", "dynamodb.Query", "dynamodb.Query", "kms.Sign"]


def test_the_unwrapped_envelope_key_is_never_in_a_snapshot(counted, hooks, stack):
    activate_envelope_key(stack.dynamodb, stack.kms, stack.table,
                          stack.template.physical["EnvelopeWrappingKey"]["Arn"], "ES256")
    functions, calls = counted()
    container = functions.token.container
    issue_token(functions)
    assert "kms.Decrypt" in calls.take()
    run(hooks, "before")
    issue_token(functions)  # the key records are still cached; the private key is unwrapped again
    assert calls.take() == ["kms.Decrypt"]


def test_before_snapshot_closes_every_aws_connection(counted, hooks, monkeypatch):
    functions, _ = counted()
    container = functions.token.container
    closed = []
    for client in (*container.store.aws_clients(), container.keys.aws_clients()[1]):
        monkeypatch.setattr(client._endpoint.http_session, "close", lambda c=client: closed.append(c.meta.service_model.service_name))
    run(hooks, "before")
    assert sorted(closed) == ["dynamodb", "dynamodb", "kms"]  # the store and the key ring share the DynamoDB client


def test_after_restore_random_is_reseeded(counted, hooks):
    functions, _ = counted()
    container = functions.token.container  # the function starts: its init registers the hooks
    assert hooks["after"] == [(snapstart.after_restore, (container,))]
    random.seed(12)
    snapshot_state = random.getstate()
    run(hooks, "after")
    assert random.getstate() != snapshot_state
