"""env.local.json — the env file for `sam local start-api/invoke --env-vars env.local.json`
(Docker) — kept in step with template.yaml and with what `tokenvend dev` creates."""

import json
from urllib.parse import urlsplit

import pytest

from tokenvend_cli.local.dev import DOCKER_MOTO_PORT
from tokenvend_cli.local.stack import local_client, provision_local
from tokenvend_cli.local.template import PROJECT_ROOT, Template

ENV_FILE = PROJECT_ROOT / "env.local.json"


@pytest.fixture(scope="module")
def env_file():
    return json.loads(ENV_FILE.read_text())


# the parameters under which every function of the template exists (the rotation only with
# KeyRotationDays above 0: `sam local invoke RotationFunction --parameter-overrides KeyRotationDays=30`)
EVERY_FUNCTION = {"KeyRotationDays": "30"}


@pytest.fixture(scope="module")
def functions():
    return {spec.logical_id: spec for spec in Template(parameters=EVERY_FUNCTION).functions()}


def test_every_function_of_the_template_has_a_section(env_file, functions):
    assert set(env_file) == set(functions)


def test_every_variable_the_template_declares_is_set_for_each_function(env_file, functions):
    for name, spec in functions.items():
        assert set(spec.environment) <= set(env_file[name]), name


def test_the_values_are_those_of_the_local_stack(env_file, functions, aws):
    # GIVEN the table and key `tokenvend dev` creates from the template
    template = Template(parameters=EVERY_FUNCTION)
    provision_local(template, endpoint_url=None)
    aliases = [a["AliasName"] for a in local_client("kms", None).list_aliases()["Aliases"]
               if a.get("TargetKeyId") == template.physical["SigningKey"]["KeyId"]]
    for name in functions:
        env = env_file[name]
        # THEN the env file names them (the key by alias: its id is new on every start)
        assert env["TOKENVEND_TABLE"] == template.physical["Table"]["Ref"]
        assert [env["TOKENVEND_SIGNING_KEY_ID"]] == aliases == [template.physical["SigningKeyAlias"]["Ref"]]
        assert env["TOKENVEND_ISSUER"] == "http://127.0.0.1:3000"  # sam local start-api's port
        endpoint = urlsplit(env["AWS_ENDPOINT_URL"])
        assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", "host.docker.internal", DOCKER_MOTO_PORT)
        # and every other variable keeps the template's value
        same = {k for k in functions[name].environment if k not in
                {"TOKENVEND_TABLE", "TOKENVEND_SIGNING_KEY_ID", "TOKENVEND_ISSUER", "AWS_ENDPOINT_URL"}}
        assert {k: env[k] for k in same} == {k: functions[name].environment[k] for k in same}


def test_sam_local_would_pass_every_variable_of_the_env_file(env_file, functions):
    for name, spec in functions.items():
        assert set(env_file[name]) <= set(spec.environment), sorted(set(env_file[name]) - set(spec.environment))
