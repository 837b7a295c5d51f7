"""Running a template's function in process: each module loaded by file path under its
own name, with its own environment while it initializes and runs, and nothing left
behind in os.environ."""

import json
import os
import sys
from pathlib import Path

import pytest

from tokenvend_cli.local.runtime import (
    FunctionInitError, LocalFunction, environment, function_environment, lambda_variables, read_env_file,
)
from tokenvend_cli.local.template import FunctionSpec, Route

APP = '''
import os
from helper import greeting          # a module beside app.py, as Lambda allows
SEEN_AT_INIT = os.environ["GREETING_TARGET"]


def lambda_handler(event, context):
    return {"statusCode": 200, "body": greeting(SEEN_AT_INIT) + "/" + os.environ["GREETING_TARGET"],
            "function": context.function_name, "remaining": context.get_remaining_time_in_millis()}
'''


def write_function(root: Path, name: str, word: str) -> FunctionSpec:
    code = root / name
    code.mkdir()
    (code / "app.py").write_text(APP)
    (code / "helper.py").write_text(f"def greeting(who):\n    return '{word} ' + who\n")
    return FunctionSpec(name, code, "app.lambda_handler", {"GREETING_TARGET": "template"},
                        [Route("ANY", f"/{name}")], [], timeout=7, memory_size=256)


def test_two_app_py_modules_load_side_by_side_each_with_its_own_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("GREETING_TARGET", raising=False)
    one = LocalFunction(write_function(tmp_path, "One", "hello"), {"GREETING_TARGET": "one"}).load()
    two = LocalFunction(write_function(tmp_path, "Two", "bonjour"), {"GREETING_TARGET": "two"}).load()

    assert one.invoke({})["body"] == "hello one/one"
    assert two.invoke({})["body"] == "bonjour two/two"
    assert one.handler.__module__ != two.handler.__module__
    assert "helper" not in sys.modules  # each function keeps its own helper.py
    assert "GREETING_TARGET" not in os.environ  # set only while a function runs


def test_the_context_carries_the_functions_name_memory_and_deadline(tmp_path):
    function = LocalFunction(write_function(tmp_path, "One", "hi"), {"GREETING_TARGET": "x", "AWS_REGION": "eu-west-1"})
    context = function.context("req-1")
    assert (context.function_name, context.memory_limit_in_mb, context.aws_request_id) == ("One", 256, "req-1")
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:One"
    assert 6000 < context.get_remaining_time_in_millis() <= 7000


def test_a_module_that_fails_to_import_is_an_init_error(tmp_path):
    spec = write_function(tmp_path, "One", "hi")
    with pytest.raises(FunctionInitError, match=r"One failed to initialize: KeyError: 'GREETING_TARGET'"):
        LocalFunction(spec, {}).load()


def test_environment_restores_what_was_there(monkeypatch):
    monkeypatch.setenv("KEEP", "old")
    monkeypatch.delenv("NEW", raising=False)
    with environment({"KEEP": "temp", "NEW": "1"}):
        assert (os.environ["KEEP"], os.environ["NEW"]) == ("temp", "1")
    assert os.environ["KEEP"] == "old" and "NEW" not in os.environ


def test_env_file_sections_override_in_sams_order(tmp_path):
    spec = FunctionSpec("TokenFunction", tmp_path, "app.h", {"A": "template", "B": "template", "C": "template"})
    env_file = {"Parameters": {"B": "all", "C": "all"}, "TokenFunction": {"C": "mine"}, "Other": {"A": "no"}}
    assert function_environment(spec, {"A": "base", "D": "base"}, env_file) == {
        "A": "base", "B": "all", "C": "mine", "D": "base"}


def test_env_file_values_are_strings_as_sam_makes_them(tmp_path):
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"Parameters": {"N": 0, "T": True, "F": False, "X": None, "L": [1]}}))
    assert read_env_file(path) == {"Parameters": {"N": "0", "T": "true", "F": "false", "X": "", "L": ""}}


@pytest.mark.parametrize("text", ['["not", "an object"]', '{"TokenFunction": "flat"}', "{oops"])
def test_a_malformed_env_file_is_refused(tmp_path, text):
    path = tmp_path / "env.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="env.json"):
        read_env_file(path)


def test_the_lambda_service_variables_are_set_as_sam_local_sets_them(tmp_path):
    spec = FunctionSpec("TokenFunction", tmp_path, "app.lambda_handler", {}, timeout=10, memory_size=512)
    assert lambda_variables(spec, "us-east-1") == {
        "AWS_LAMBDA_FUNCTION_NAME": "TokenFunction", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": "10", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/TokenFunction", "AWS_LAMBDA_LOG_STREAM_NAME": "$LATEST",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "_HANDLER": "app.lambda_handler",
    }
