"""Run a template's Lambda function in this process, as the Lambda Python runtime would:
its layers importable, its handler module loaded from its file under a name of its own
(both functions' modules are ``app.py``), its environment in ``os.environ`` while the
module initializes and while the handler runs.

One invocation runs at a time in the whole process: functions loaded side by side share
one interpreter — ``os.environ``, and Powertools' logger keys (the correlation id) — so
two at once would mix them. ``tokenvend invoke`` runs one function this way; the local
stack runs each function in worker processes of its own (``containers``), so its
requests are served concurrently.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .template import FunctionSpec

_ONE_AT_A_TIME = threading.RLock()


class FunctionInitError(RuntimeError):
    """The function's module failed to import (Lambda's ``Runtime.ImportModuleError`` / init error)."""


@dataclass
class LambdaContext:
    """The fields of the Lambda context object the handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout: float = 3.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity = None
    client_context = None

    def __post_init__(self):
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "$LATEST"
        self._deadline = time.monotonic() + self.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def read_env_file(path: str | Path) -> dict[str, dict[str, str]]:
    """A ``sam local --env-vars`` file: ``{"FunctionLogicalId": {"VAR": "value"}, "Parameters":
    {"VAR": "value"}}``, where ``Parameters`` applies to every function. Raises ValueError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON file: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f'{path}: expected {{"FunctionLogicalId": {{"VAR": "value"}}, "Parameters": {{...}}}}')
    return {name: {k: _env_value(v) for k, v in section.items()} for name, section in data.items()}


def _env_value(value) -> str:
    # as sam local does: booleans as true/false, null/lists/objects as empty
    if value is True or value is False:
        return str(value).lower()
    return "" if value is None or isinstance(value, (list, dict)) else str(value)


def function_environment(spec: FunctionSpec, base: dict[str, str], env_file: dict | None = None) -> dict[str, str]:
    """The template's variables, then ``base`` (the local stack's endpoint, credentials...),
    then the env file's ``Parameters``, then its section for this function."""
    env_file = env_file or {}
    return {**spec.environment, **base, **env_file.get("Parameters", {}), **env_file.get(spec.logical_id, {})}


def lambda_variables(spec: FunctionSpec, region: str) -> dict[str, str]:
    """The variables the Lambda service sets for every function (as ``sam local`` does)."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "$LATEST",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "_HANDLER": spec.handler,
    }


@contextlib.contextmanager
def environment(variables: dict[str, str]):
    """``os.environ`` with ``variables`` set, restored afterwards."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LocalFunction:
    """One function of the template, loaded once (a warm container) and invoked many times."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], *, account_id: str = "123456789012"):
        self.spec = spec
        self.env = env
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{spec.logical_id}"
        self.handler = None

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def load(self) -> "LocalFunction":
        """Import the handler module with the function's environment; raises FunctionInitError."""
        module_path, _, function = self.spec.handler.rpartition(".")
        source = self.spec.code_uri / (module_path.replace(".", "/") + ".py")
        module_name = f"tokenvend_local_{self.spec.logical_id}_{module_path.replace('.', '_').replace('/', '_')}"
        for layer in reversed(self.spec.layers):  # Lambda puts layers on the path for good
            if str(layer) not in sys.path:
                sys.path.insert(0, str(layer))
        with _ONE_AT_A_TIME, environment(self.env), _own_modules(self.spec.code_uri):
            try:
                spec = importlib.util.spec_from_file_location(module_name, source)
                if spec is None or not source.is_file():
                    raise FileNotFoundError(f"no handler module {source}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
                self.handler = getattr(module, function)
            except Exception as exc:
                sys.modules.pop(module_name, None)
                raise FunctionInitError(f"{self.name} failed to initialize: {type(exc).__name__}: {exc}") from exc
        return self

    def context(self, request_id: str | None = None) -> LambdaContext:
        return LambdaContext(self.name, self.spec.memory_size, self.arn, float(self.spec.timeout),
                             **({"aws_request_id": request_id} if request_id else {}))

    def own_process(self) -> "LocalFunction":
        """Make this process the function's alone, as a Lambda container is: its environment
        in ``os.environ`` and its directory on ``sys.path`` for good, then load it. Each
        invocation is then the handler call alone (``call``); the swapping of ``os.environ``
        and ``sys.modules`` around every ``invoke`` is for functions that share a process."""
        os.environ.update(self.env)
        sys.path.insert(0, str(self.spec.code_uri))
        return self.load()

    def call(self, event: dict, context: LambdaContext):
        """Call the handler of a function that owns its process (``own_process``)."""
        return self.handler(event, context)

    def invoke(self, event: dict, context: LambdaContext | None = None):
        """Call the handler; whatever it raises propagates, as it would fail the invocation."""
        if self.handler is None:
            self.load()
        with _ONE_AT_A_TIME, environment(self.env), _own_modules(self.spec.code_uri):
            return self.handler(event, context or self.context())


@contextlib.contextmanager
def _own_modules(code_uri: Path):
    """The function's directory on sys.path while it runs, and the modules it imports from
    there kept out of sys.modules afterwards, so another function's ``helper.py`` is its own."""
    before = set(sys.modules)
    sys.path.insert(0, str(code_uri))
    try:
        yield
    finally:
        sys.path.remove(str(code_uri))
        for name in set(sys.modules) - before:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin.startswith(str(code_uri) + os.sep) and not name.startswith("tokenvend_local_"):
                del sys.modules[name]
