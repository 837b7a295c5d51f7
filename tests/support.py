"""Helpers shared by the test suites (fixtures live in conftest.py files)."""

from __future__ import annotations

import base64
import copy
import functools
import importlib.util
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus, urlencode

ROOT = Path(__file__).resolve().parents[1]
FAST_PROFILE = "fast"  # `make test-fast` runs pytest --hypothesis-profile=fast
EVENTS = ROOT / "events"
EXAMPLES = ROOT / "examples"
ISSUER = "https://abc123defg.execute-api.us-east-1.amazonaws.com"

@dataclass
class Stack:
    """The template's table and signing key, created on moto."""

    template: object
    dynamodb: object
    kms: object
    table: str
    key_arn: str
    environment: dict  # the token/discovery functions' resolved Environment


_CLIENT_SETTINGS = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN")


@functools.lru_cache(maxsize=None)
def _own_clients(settings: tuple) -> tuple:
    import boto3

    session = boto3.session.Session()
    return session.client("dynamodb"), session.client("kms")


def own_clients() -> tuple:
    """The tests' own DynamoDB and KMS clients (never the functions'), one pair per AWS
    setting in the environment: moto's mock answers any client while it is on and keeps its
    state per test, not per client, and no test changes these clients (a client costs 3 ms,
    and a stack is made by about 200 tests a run)."""
    return _own_clients(tuple(os.environ.get(name) for name in _CLIENT_SETTINGS))


def make_stack(parameters: dict | None = None) -> Stack:
    from tokenvend_cli.local.provision import provision
    from tokenvend_cli.local.template import Template

    template = Template(parameters=parameters)
    dynamodb, kms = own_clients()
    physical = provision(template, dynamodb, kms)
    environment = {f.logical_id: f.environment for f in template.functions()}["TokenFunction"]
    return Stack(template, dynamodb, kms, physical["Table"]["Ref"], physical["SigningKey"]["Arn"], environment)


def policy_statements(template: dict, function: str) -> list[dict]:
    """The statements of a template function's inline policies (template.yaml as cfn-flip
    reads it); a conditional statement (``Fn::If``) is judged as present."""
    statements = []
    for policy in template["Resources"][function]["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            statements.append(statement["Fn::If"][1] if "Fn::If" in statement else statement)
    return statements


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def reset_service_logger() -> None:
    """The service's logging.Logger as a new process has it: no handler, and unmarked, so
    the next Powertools ``Logger`` configures it again. Powertools marks it once per process
    and binds its handler to the sys.stdout of that moment, which a test's capture closes."""
    service = logging.getLogger("tokenvend")
    service.handlers.clear()
    for attribute in ("init", "powertools_handler"):
        service.__dict__.pop(attribute, None)


def load_function(name: str, module_name: str | None = None):
    """Import functions/<name>/app.py afresh under a unique module name (as Lambda would
    on a cold start), so each test gets its own container state.

    Powertools configures the service's logging.Logger once per process; a new container
    starts with none, so the previous container's handler (bound to an old stdout) goes.
    """
    reset_service_logger()
    module_name = module_name or f"tokenvend_function_{name}"
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class LambdaContext:
    function_name: str = "tokenvend-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tokenvend-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def form_event(params, *, authorization: str | None = None, base="token-client-secret-post.json", method="POST"):
    """A token event like API Gateway's, with another form body and Authorization header."""
    event = copy.deepcopy(load_event(base))
    body = params if isinstance(params, (str, bytes)) else urlencode(params, doseq=True)
    body = body.encode() if isinstance(body, str) else body
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    event["headers"].pop("authorization", None)
    if authorization:
        event["headers"]["authorization"] = authorization
    event["requestContext"]["http"]["method"] = method
    return event


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: each part form-urlencoded, then joined with ':' and base64'd."""
    credentials = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode("utf-8")
    return "Basic " + base64.b64encode(credentials).decode("ascii")


def body(response) -> dict:
    return json.loads(response["body"])


class AwsCalls:
    """Every AWS call the boto3 clients of the default session make, as ``service.Operation``,
    counted with botocore's ``before-call`` event (a client copies the session's handlers
    when it is created, so this must be installed before the function starts)."""

    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, event_name: str, **_kwargs):
        self.calls.append(event_name.removeprefix("before-call."))

    @classmethod
    def install(cls) -> "AwsCalls":
        import boto3

        boto3.setup_default_session()
        counter = cls()
        boto3.DEFAULT_SESSION.events.register("before-call", counter)
        return counter

    def take(self) -> list[str]:
        """The calls since the last ``take``."""
        calls, self.calls = self.calls, []
        return calls


def remove_signing_key_records(dynamodb, table: str) -> None:
    """Back to the stack's own KMS key: no signing-key record left in ``table``."""
    from tokenvend.adapters.dynamodb import query_partition
    from tokenvend.adapters.dynamodb_items import SIGNING_KEYS_PK, serialize, signing_key_key

    for item in query_partition(dynamodb, table, SIGNING_KEYS_PK):
        dynamodb.delete_item(TableName=table, Key=serialize(signing_key_key(item["kid"])))


def activate_envelope_key(dynamodb, kms, table: str, wrapping_key_arn: str, alg: str) -> str:
    """Make a new envelope key (as ``tokenvend key add --envelope`` makes it) the one
    signing-key record of ``table``, active; return its kid."""
    import dataclasses
    import time

    from tokenvend.adapters.dynamodb_items import serialize, signing_key_to_item
    from tokenvend.adapters.envelope import new_envelope_key
    from tokenvend.model import ACTIVE

    remove_signing_key_records(dynamodb, table)
    now = int(time.time()) - 1
    record = dataclasses.replace(new_envelope_key(kms, wrapping_key_arn, alg, ACTIVE, now), activated_at=now)
    dynamodb.put_item(TableName=table, Item=serialize(signing_key_to_item(record)))
    return record.kid


def issue_token(functions) -> str:
    """A token from the quickstart's client_secret_basic event; it must be issued."""
    response = functions.token_call(load_event("token-client-secret-basic.json"))
    assert response["statusCode"] == 200, response["body"]
    return body(response)["access_token"]


def examples(full: int) -> int:
    """A property test's number of examples: ``full`` under ``make test``; a tenth of it, at
    least 20, under the hypothesis profile ``fast`` that ``make test-fast`` loads."""
    from hypothesis import settings

    return max(20, full // 10) if settings.get_current_profile_name() == FAST_PROFILE else full
