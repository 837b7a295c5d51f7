"""template.yaml and events/: lint, validate, build, and the contract the code relies on.

The handlers read the environment variables named here, the local stack serves the
HttpApi routes it finds here, and events/ holds one API Gateway HTTP API payload 2.0
event per scenario for `sam local invoke -e` and the handler tests alike.
"""

import base64
import datetime
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfn_tools import load_yaml

from support import policy_statements

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"

# `sam build` for python3.13 needs python3.13 on PATH; pyenv puts it there this way.
PYENV_VERSION = "3.11.7:3.12.1:3.13.0"

API_ID = "abc123defg"
DOMAIN_NAME = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
FORM = "application/x-www-form-urlencoded"
KEY_ARN = {"Fn::GetAtt": ["SigningKey", "Arn"]}


@pytest.fixture(scope="module")
def template():
    return load_yaml(TEMPLATE.read_text(encoding="utf-8"))


def _find_sam():
    """SAM_CLI if set, else `sam` beside this interpreter (the venv's bin), else PATH."""
    if os.environ.get("SAM_CLI"):
        return os.environ["SAM_CLI"]
    beside = Path(sys.executable).parent / "sam"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("sam")


@pytest.fixture(scope="module")
def sam():
    found = _find_sam()
    if found is None:
        pytest.skip(
            "SAM CLI not found: set SAM_CLI, install aws-sam-cli into this venv "
            "(make installs it), or put `sam` on PATH"
        )
    return found


def _sam_env():
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    if shutil.which("pyenv") or os.environ.get("PYENV_ROOT"):
        env["PYENV_VERSION"] = PYENV_VERSION
    return env


def _run(args, env=None, timeout=300):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _http_api_routes(template):
    """{"METHOD /path": function logical id} for every HttpApi event in the template."""
    routes = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                routes[f"{props['Method']} {props['Path']}"] = name
    return routes


# --- tools -----------------------------------------------------------------------


@pytest.mark.slow  # runs cfn-lint
def test_cfn_lint_reports_nothing():
    beside = Path(sys.executable).parent / "cfn-lint"
    cfn_lint = str(beside) if beside.is_file() else shutil.which("cfn-lint")
    assert cfn_lint is not None, "cfn-lint is a dev dependency: pip install -e '.[dev]'"

    result = _run([cfn_lint, "template.yaml"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert (result.stdout, result.stderr) == ("", "")


@pytest.mark.slow  # runs sam validate --lint
def test_sam_validate_lint_passes(sam):
    result = _run([sam, "validate", "--lint", "--template-file", str(TEMPLATE)], env=_sam_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{TEMPLATE} is a valid SAM Template" in result.stdout.splitlines()


def _elf_machine(path):
    """e_machine of an ELF file: 183 is EM_AARCH64 (arm64), 62 is EM_X86_64."""
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    return int.from_bytes(header[18:20], "little")


@pytest.mark.slow
def test_sam_build_produces_an_arm64_layer_and_both_functions(sam, tmp_path):
    build_dir = tmp_path / "build"

    result = _run(
        [sam, "build", "--template-file", str(TEMPLATE), "--build-dir", str(build_dir)],
        env=_sam_env(),
        timeout=900,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Build Succeeded" in result.stdout.splitlines()
    layer = build_dir / "TokenvendLayer" / "python"
    assert (layer / "tokenvend" / "__init__.py").is_file()
    assert (layer / "jwt" / "__init__.py").is_file()
    assert (layer / "aws_lambda_powertools" / "__init__.py").is_file()
    # The wheels pip chose must be the Lambda's: arm64, not this machine's x86_64.
    rust = layer / "cryptography" / "hazmat" / "bindings" / "_rust.abi3.so"
    assert _elf_machine(rust) == 183
    assert (build_dir / "TokenFunction" / "app.py").is_file()
    assert (build_dir / "DiscoveryFunction" / "app.py").is_file()
    assert (build_dir / "IntrospectFunction" / "app.py").is_file()
    assert (build_dir / "RevocationFunction" / "app.py").is_file()
    assert (build_dir / "RotationFunction" / "app.py").is_file()  # built whatever KeyRotationDays is


# --- structure -------------------------------------------------------------------


def test_http_api_routes_are_the_token_and_discovery_endpoints(template):
    assert _http_api_routes(template) == {
        "ANY /connect/token": "TokenFunction",
        "ANY /connect/introspect": "IntrospectFunction",
        "ANY /connect/revocation": "RevocationFunction",
        "ANY /.well-known/openid-configuration": "DiscoveryFunction",
        "ANY /.well-known/oauth-authorization-server": "DiscoveryFunction",
        "ANY /.well-known/openid-configuration/jwks": "DiscoveryFunction",
    }
    resources = template["Resources"]
    for name in ("TokenFunction", "DiscoveryFunction", "IntrospectFunction", "RevocationFunction"):
        for event in resources[name]["Properties"]["Events"].values():
            assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}
            assert event["Properties"]["PayloadFormatVersion"] == "2.0"
    assert resources["HttpApi"]["Type"] == "AWS::Serverless::HttpApi"


# Both functions read the catalog and the signing-key records, and nothing else by Query.
READ_CATALOG_AND_SIGNING_KEYS = {
    "Sid": "ReadCatalogAndSigningKeys",
    "Effect": "Allow",
    "Action": "dynamodb:Query",
    "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
    "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["CATALOG", "SIGNING_KEYS"]}},
}


ANY_KEY = {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"}
# GetPublicKey proves a key record (its kid is the thumbprint of what KMS answers).
READ_PUBLIC_KEYS = [
    {"Sid": "ReadThePublicKey", "Effect": "Allow", "Action": "kms:GetPublicKey", "Resource": KEY_ARN},
    {"Sid": "ReadThisStacksRotatedPublicKeys", "Effect": "Allow", "Action": "kms:GetPublicKey",
     "Resource": ANY_KEY,
     "Condition": {"StringEquals": {"aws:ResourceTag/tokenvend:stack": {"Ref": "AWS::StackName"}}}},
]
UNWRAP_ENVELOPE_KEYS = {"Fn::If": ["UseEnvelope", {
    "Sid": "UnwrapEnvelopeSigningKeys",
    "Effect": "Allow",
    "Action": "kms:Decrypt",
    "Resource": {"Fn::GetAtt": ["EnvelopeWrappingKey", "Arn"]},
    "Condition": {"StringEquals": {"kms:EncryptionContext:tokenvend:purpose": "access-token-signing-key"}},
}, {"Ref": "AWS::NoValue"}]}


def test_token_function_may_only_sign_read_and_record_assertion_jtis(template):
    # kms:GetPublicKey: the kid is the key's thumbprint. PutItem: the private_key_jwt
    # replay cache (DynamoDBReplayCache), confined to JTI# items holding pk, sk, expires_at.
    props = template["Resources"]["TokenFunction"]["Properties"]

    assert (props["CodeUri"], props["Handler"]) == ("functions/token/", "app.lambda_handler")
    assert props["Policies"] == [
        {"Version": "2012-10-17", "Statement": [
                {
                    "Sid": "ReadClients",
                    "Effect": "Allow",
                    "Action": "dynamodb:GetItem",
                    "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
                    "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CLIENT#*"]}},
                },
                READ_CATALOG_AND_SIGNING_KEYS,
        ]},
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SignWithTheSigningKey",
                    "Effect": "Allow",
                    "Action": "kms:Sign",
                    "Resource": KEY_ARN,
                    "Condition": {"StringEquals": {"kms:SigningAlgorithm": {
                        "Fn::FindInMap": ["SigningKeySpec", {"Ref": "SigningAlgorithm"}, "KmsAlgorithm"]}}},
                },
                {
                    "Sid": "SignWithThisStacksRotatedKeys",
                    "Effect": "Allow",
                    "Action": "kms:Sign",
                    "Resource": ANY_KEY,
                    "Condition": {"StringEquals": {
                        "aws:ResourceTag/tokenvend:stack": {"Ref": "AWS::StackName"},
                        "kms:SigningAlgorithm": ["RSASSA_PKCS1_V1_5_SHA_256", "ECDSA_SHA_256", "ECDSA_SHA_384",
                                                 "ECDSA_SHA_512"]}},
                },
                *READ_PUBLIC_KEYS,
                UNWRAP_ENVELOPE_KEYS,
                {
                    "Sid": "RecordClientAssertionJti",
                    "Effect": "Allow",
                    "Action": "dynamodb:PutItem",
                    "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
                    "Condition": {
                        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["JTI#*"]},
                        "ForAllValues:StringEquals": {
                            "dynamodb:Attributes": ["pk", "sk", "expires_at"]
                        },
                        "StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"},
                    },
                },
            ],
        },
    ]


def test_discovery_function_has_one_vcpu_for_the_authorizers_deadline(template):
    # its cold answer far inside a JWT authorizer's 1500 ms (benchmarks/cold_answer.py, README)
    assert template["Resources"]["DiscoveryFunction"]["Properties"]["MemorySize"] == 1769
    assert "MemorySize" not in template["Resources"]["TokenFunction"]["Properties"]  # Globals' 512


def test_discovery_function_may_only_read_the_public_key_and_the_table(template):
    props = template["Resources"]["DiscoveryFunction"]["Properties"]

    assert (props["CodeUri"], props["Handler"]) == ("functions/discovery/", "app.lambda_handler")
    assert props["Policies"] == [
        {"Version": "2012-10-17", "Statement": [
                READ_CATALOG_AND_SIGNING_KEYS,
        ]},
        {"Version": "2012-10-17", "Statement": [*READ_PUBLIC_KEYS, UNWRAP_ENVELOPE_KEYS]},
    ]


def test_functions_share_runtime_layer_and_environment(template):
    function = template["Globals"]["Function"]

    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert (function["Timeout"], function["MemorySize"]) == (10, 512)
    assert function["Layers"] == [{"Ref": "TokenvendLayer"}]
    assert function["Environment"]["Variables"] == {
        "TOKENVEND_TABLE": {"Ref": "Table"},
        "TOKENVEND_SIGNING_KEY_ID": KEY_ARN,
        "TOKENVEND_SIGNING_ALG": {"Ref": "SigningAlgorithm"},
        "TOKENVEND_ISSUER": {"Ref": "Issuer"},
        "TOKENVEND_CACHE_TTL": {"Ref": "CacheTtlSeconds"},
        "POWERTOOLS_SERVICE_NAME": "tokenvend",
        "POWERTOOLS_METRICS_NAMESPACE": "tokenvend",
        "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
        "AWS_ENDPOINT_URL": "",
    }


def test_a_disabled_client_or_revoked_secret_stops_within_a_10_second_cache_ttl(template):
    from tokenvend.adapters.dynamodb import DEFAULT_TTL

    assert template["Parameters"]["CacheTtlSeconds"]["Default"] == DEFAULT_TTL == 10


def test_layer_is_built_for_python313_on_arm64(template):
    layer = template["Resources"]["TokenvendLayer"]

    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/tokenvend/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


def test_table_is_on_demand_recoverable_encrypted_and_retained(template):
    table = template["Resources"]["Table"]

    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert table["Properties"] == {
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
    }


def test_signing_key_spec_follows_the_algorithm(template):
    key = template["Resources"]["SigningKey"]

    assert template["Mappings"]["SigningKeySpec"] == {
        "RS256": {"KeySpec": "RSA_2048", "KmsAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"},
        "ES256": {"KeySpec": "ECC_NIST_P256", "KmsAlgorithm": "ECDSA_SHA_256"},
        "ES384": {"KeySpec": "ECC_NIST_P384", "KmsAlgorithm": "ECDSA_SHA_384"},
        "ES512": {"KeySpec": "ECC_NIST_P521", "KmsAlgorithm": "ECDSA_SHA_512"},
    }
    # the IAM condition and the code agree on which KMS algorithm makes each JWS alg
    from tokenvend.adapters.kms import KMS_ALGORITHMS, KEY_SPECS
    assert {alg: {"KeySpec": KEY_SPECS[alg], "KmsAlgorithm": KMS_ALGORITHMS[alg][0]} for alg in KEY_SPECS} == \
        template["Mappings"]["SigningKeySpec"]
    assert template["Parameters"]["SigningAlgorithm"]["AllowedValues"] == [
        "RS256", "ES256", "ES384", "ES512",
    ]
    assert template["Parameters"]["SigningAlgorithm"]["Default"] == "RS256"
    assert key["Properties"]["KeyUsage"] == "SIGN_VERIFY"
    assert key["Properties"]["KeySpec"] == {
        "Fn::FindInMap": ["SigningKeySpec", {"Ref": "SigningAlgorithm"}, "KeySpec"]
    }
    assert "EnableKeyRotation" not in key["Properties"]
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert template["Resources"]["SigningKeyAlias"]["Properties"] == {
        "AliasName": {"Fn::Sub": "alias/${AWS::StackName}-signing"},
        "TargetKeyId": {"Ref": "SigningKey"},
    }


@pytest.mark.parametrize(
    ("issuer", "allowed"),
    [
        ("", True),
        ("https://auth.example.com", True),
        ("https://auth.example.com/tenant-a", True),
        ("https://auth.example.com/", False),
        ("https://auth.example.com/tenant-a/", False),
        ("http://auth.example.com", False),
        ("https://auth.example.com?x=1", False),
        ("https://auth.example.com#top", False),
        ("auth.example.com", False),
    ],
)
def test_issuer_parameter_is_https_without_trailing_slash(template, issuer, allowed):
    # CloudFormation matches AllowedPattern against the whole value.
    pattern = template["Parameters"]["Issuer"]["AllowedPattern"]

    assert (re.fullmatch(pattern, issuer) is not None) is allowed


def test_outputs_derive_every_url_from_one_issuer(template):
    derived = {
        "Fn::If": [
            "HasIssuer",
            {"Ref": "Issuer"},
            {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
        ]
    }
    outputs = {name: output["Value"] for name, output in template["Outputs"].items()}

    assert template["Conditions"]["HasIssuer"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "Issuer"}, ""]}]
    }
    assert outputs == {
        "Issuer": derived,
        "TokenEndpoint": {"Fn::Sub": ["${Base}/connect/token", {"Base": derived}]},
        "IntrospectionEndpoint": {"Fn::Sub": ["${Base}/connect/introspect", {"Base": derived}]},
        "RevocationEndpoint": {"Fn::Sub": ["${Base}/connect/revocation", {"Base": derived}]},
        "DiscoveryUrl": {
            "Fn::Sub": ["${Base}/.well-known/openid-configuration", {"Base": derived}]
        },
        "TableName": {"Ref": "Table"},
        "SigningKeyArn": KEY_ARN,
        "WrappingKeyArn": {"Fn::GetAtt": ["EnvelopeWrappingKey", "Arn"]},
    }


# --- the policies cover what the adapters call -----------------------------------


class _RecordingClient:
    """A boto3 client stand-in: answers from ``responses``, records each call as its IAM action."""

    def __init__(self, service, responses):
        self.service, self.responses, self.calls = service, responses, []

    def __getattr__(self, operation):
        def call(**params):
            action = "".join(word.title() for word in operation.split("_"))
            self.calls.append((f"{self.service}:{action}", params))
            return self.responses[operation]

        return call


def _aws_fakes():
    from cryptography.hazmat.primitives import serialization

    from unit.fakes import private_key

    key = private_key("RS256", "kms")  # one for the run: a fake KMS key, whichever test asks
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kms = _RecordingClient("kms", {
        "get_public_key": {"PublicKey": public_der, "KeySpec": "RSA_2048",
                           "SigningAlgorithms": ["RSASSA_PKCS1_V1_5_SHA_256"]},
        "sign": {"Signature": b"\x01" * 256},
    })
    dynamodb = _RecordingClient(
        "dynamodb", {"get_item": {}, "query": {"Items": []}, "put_item": {}}
    )
    return kms, dynamodb


def _actions(client):
    return [action for action, _ in client.calls]


def _pk(action, params):
    if action == "dynamodb:Query":
        return params["ExpressionAttributeValues"][":pk"]["S"]
    return (params.get("Key") or params.get("Item"))["pk"]["S"]


KMS_KEYS = "arn:aws:kms:us-east-1:123456789012:key/"
STACK_KEY, WRAPPING_KEY, ROTATED_KEY = KMS_KEYS + "stack", KMS_KEYS + "wrapping", KMS_KEYS + "rotated"
STACK_NAME = "tokenvend"
PHYSICAL = {("SigningKey", "Arn"): STACK_KEY, ("EnvelopeWrappingKey", "Arn"): WRAPPING_KEY}


def _physical(value):
    """A policy value as CloudFormation would deploy it, for stack STACK_NAME."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return PHYSICAL[tuple(value["Fn::GetAtt"])]
    if isinstance(value, dict) and "Fn::Sub" in value:
        return (value["Fn::Sub"].replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "us-east-1")
                .replace("${AWS::AccountId}", "123456789012"))
    if value == {"Ref": "AWS::StackName"}:
        return STACK_NAME
    if isinstance(value, dict) and "Fn::FindInMap" in value:  # SigningAlgorithm's default, RS256
        _, _, attribute = value["Fn::FindInMap"]
        return {"KeySpec": "RSA_2048", "KmsAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}[attribute]
    return value


def _kms_allows(statement, params, tags) -> bool:
    """Resource and Condition of a KMS statement, as IAM evaluates them for this call."""
    key = params["KeyId"]
    if not fnmatch.fnmatchcase(key, _physical(statement["Resource"])):
        return False
    for operator, conditions in statement.get("Condition", {}).items():
        assert operator == "StringEquals", operator
        for name, expected in conditions.items():
            if name.startswith("aws:ResourceTag/"):
                actual = tags.get(key, {}).get(name.split("/", 1)[1])
            elif name.startswith("kms:EncryptionContext:"):
                actual = params.get("EncryptionContext", {}).get(name.split(":", 2)[2])
            elif name == "kms:SigningAlgorithm":
                actual = params.get("SigningAlgorithm")
            else:
                raise AssertionError(f"unknown condition key {name}")
            allowed = expected if isinstance(expected, list) else [_physical(expected)]
            if actual not in allowed:
                return False
    return True


def _allows(statement, action, params, tags=None) -> bool:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    if action not in actions:
        return False
    if action.startswith("kms:"):
        return _kms_allows(statement, params, tags or {})
    condition = statement.get("Condition", {})
    like = condition.get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
    equal = condition.get("ForAllValues:StringEquals", {}).get("dynamodb:LeadingKeys")
    pk = _pk(action, params)
    return (like is not None and any(fnmatch.fnmatchcase(pk, p) for p in like)) or (equal is not None and pk in equal)


def _dynamodb_actions(template, function) -> set[str]:
    actions = set()
    for statement in policy_statements(template, function):
        listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        actions |= {a for a in listed if a.startswith("dynamodb:")}
    return actions


def test_token_function_policy_allows_every_call_its_adapters_make(template):
    from tokenvend.adapters.dynamodb import DynamoDBReplayCache, DynamoDBStore
    from tokenvend.adapters.keyring import KeyRing
    from tokenvend.adapters.kms import KmsSigner

    kms, dynamodb = _aws_fakes()
    store = DynamoDBStore("table", dynamodb)
    keys = KeyRing("table", dynamodb, kms, KmsSigner(STACK_KEY, "RS256", kms))

    signer = keys.signing_key()
    signer.kid()
    signer.sign(b"header.payload")
    store.get_client("client")
    store.get_catalog()
    assert DynamoDBReplayCache("table", dynamodb).add_once("client#jti-1", 1764450000) is True

    statements = policy_statements(template, "TokenFunction")
    assert _actions(kms) == ["kms:GetPublicKey", "kms:Sign"]
    assert _actions(dynamodb) == ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"]
    for action, params in dynamodb.calls + kms.calls:
        assert any(_allows(s, action, params) for s in statements), (action, params)
    # and nothing beyond: no Scan, no BatchGetItem, no writes but the jti's PutItem
    assert _dynamodb_actions(template, "TokenFunction") == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}
    put = dynamodb.calls[3][1]
    jti_statement = next(s for s in statements if s.get("Sid") == "RecordClientAssertionJti")
    condition = jti_statement["Condition"]
    assert set(put["Item"]) <= set(condition["ForAllValues:StringEquals"]["dynamodb:Attributes"])
    return_values = condition["StringEqualsIfExists"]["dynamodb:ReturnValues"]
    assert put.get("ReturnValues", "NONE") == return_values


def test_token_function_policy_refuses_other_partitions(template):
    statements = policy_statements(template, "TokenFunction")
    for action, pk in [("dynamodb:GetItem", "CATALOG"), ("dynamodb:Query", "CLIENT#client"),
                       ("dynamodb:PutItem", "CLIENT#client"), ("dynamodb:GetItem", "SIGNING_KEYS")]:
        params = {"Key": {"pk": {"S": pk}}, "Item": {"pk": {"S": pk}},
                  "ExpressionAttributeValues": {":pk": {"S": pk}}}
        assert not any(_allows(s, action, params) for s in statements), (action, pk)


def test_discovery_function_policy_allows_every_call_its_adapters_make(template):
    from tokenvend.adapters.dynamodb import DynamoDBStore
    from tokenvend.adapters.keyring import KeyRing
    from tokenvend.adapters.kms import KmsSigner

    kms, dynamodb = _aws_fakes()

    KeyRing("table", dynamodb, kms, KmsSigner(STACK_KEY, "RS256", kms)).published_keys()
    DynamoDBStore("table", dynamodb).get_catalog()

    statements = policy_statements(template, "DiscoveryFunction")
    assert _actions(kms) == ["kms:GetPublicKey"]
    assert _actions(dynamodb) == ["dynamodb:Query", "dynamodb:Query"]
    for action, params in dynamodb.calls + kms.calls:
        assert any(_allows(s, action, params) for s in statements), (action, params)
    # never a client record: no GetItem, no Query of a CLIENT# partition
    assert _dynamodb_actions(template, "DiscoveryFunction") == {"dynamodb:Query"}
    client_query = {"ExpressionAttributeValues": {":pk": {"S": "CLIENT#client"}}}
    assert not any(_allows(s, "dynamodb:Query", client_query) for s in statements)


def test_introspect_function_may_read_only_the_catalog_keys_and_revocations(template):
    from tokenvend.adapters.dynamodb import DynamoDBStore
    from tokenvend.adapters.keyring import KeyRing
    from tokenvend.adapters.kms import KmsSigner
    from tokenvend.adapters.revocations import DynamoDBRevocations

    props = template["Resources"]["IntrospectFunction"]["Properties"]
    assert (props["CodeUri"], props["Handler"]) == ("functions/introspect/", "app.lambda_handler")
    kms, dynamodb = _aws_fakes()

    KeyRing("table", dynamodb, kms, KmsSigner(STACK_KEY, "RS256", kms)).published_keys()
    DynamoDBStore("table", dynamodb).get_catalog()
    assert DynamoDBRevocations("table", dynamodb).is_revoked("jti-1") is False

    statements = policy_statements(template, "IntrospectFunction")
    assert _actions(kms) == ["kms:GetPublicKey"]
    assert _actions(dynamodb) == ["dynamodb:Query", "dynamodb:Query", "dynamodb:GetItem"]
    assert dynamodb.calls[2][1]["ConsistentRead"] is True  # a revocation shows at once
    for action, params in dynamodb.calls + kms.calls:
        assert any(_allows(s, action, params) for s in statements), (action, params)
    # no write, and never a client record
    assert _dynamodb_actions(template, "IntrospectFunction") == {"dynamodb:GetItem", "dynamodb:Query"}
    for action, pk in [("dynamodb:GetItem", "CLIENT#client"), ("dynamodb:Query", "CLIENT#client"),
                       ("dynamodb:GetItem", "JTI#x")]:
        params = {"Key": {"pk": {"S": pk}}, "ExpressionAttributeValues": {":pk": {"S": pk}}}
        assert not any(_allows(s, action, params) for s in statements), (action, pk)


def test_revocation_function_may_read_clients_and_keys_and_write_only_revocations_and_jtis(template):
    from tokenvend.adapters.dynamodb import DynamoDBReplayCache, DynamoDBStore
    from tokenvend.adapters.keyring import KeyRing
    from tokenvend.adapters.kms import KmsSigner
    from tokenvend.adapters.revocations import DynamoDBRevocations

    props = template["Resources"]["RevocationFunction"]["Properties"]
    assert (props["CodeUri"], props["Handler"]) == ("functions/revocation/", "app.lambda_handler")
    kms, dynamodb = _aws_fakes()

    store = DynamoDBStore("table", dynamodb)
    store.get_client("client")
    KeyRing("table", dynamodb, kms, KmsSigner(STACK_KEY, "RS256", kms)).published_keys()
    DynamoDBReplayCache("table", dynamodb).add_once("client#jti-1", 1764450000)
    DynamoDBRevocations("table", dynamodb).revoke("jti-1", "client", 1764450000)

    statements = policy_statements(template, "RevocationFunction")
    assert _actions(kms) == ["kms:GetPublicKey"]
    assert _actions(dynamodb) == ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:PutItem"]
    for action, params in dynamodb.calls + kms.calls:
        assert any(_allows(s, action, params) for s in statements), (action, params)
    assert _dynamodb_actions(template, "RevocationFunction") == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}
    # each put holds only the attributes its statement allows, and asks nothing back
    for (_, put), sid in zip(dynamodb.calls[2:], ("RecordClientAssertionJti", "RecordRevokedTokens")):
        statement = next(s for s in statements if s.get("Sid") == sid)
        condition = statement["Condition"]
        assert _allows(statement, "dynamodb:PutItem", put)
        assert set(put["Item"]) <= set(condition["ForAllValues:StringEquals"]["dynamodb:Attributes"])
        assert put.get("ReturnValues", "NONE") == condition["StringEqualsIfExists"]["dynamodb:ReturnValues"]
    # the revocation record expires with the token, through the table's TTL attribute
    revoked = dynamodb.calls[3][1]["Item"]
    ttl = template["Resources"]["Table"]["Properties"]["TimeToLiveSpecification"]["AttributeName"]
    assert revoked[ttl] == {"N": "1764450000"} and revoked["pk"] == {"S": "REVOKED#jti-1"}
    for action, pk in [("dynamodb:Query", "CATALOG"), ("dynamodb:PutItem", "CLIENT#client"),
                       ("dynamodb:GetItem", "SIGNING_KEYS")]:
        params = {"Key": {"pk": {"S": pk}}, "Item": {"pk": {"S": pk}},
                  "ExpressionAttributeValues": {":pk": {"S": pk}}}
        assert not any(_allows(s, action, params) for s in statements), (action, pk)


@pytest.mark.parametrize("function", ["IntrospectFunction", "RevocationFunction"])
def test_each_new_function_has_its_own_log_group_with_the_retention_parameter(template, function):
    group = template["Resources"][f"{function}LogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"] == {"LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{function}}}"},
                                   "RetentionInDays": {"Ref": "LogRetentionDays"}}
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30


# --- events ----------------------------------------------------------------------

BASIC_CLIENT_SECRET = "Basic " + base64.b64encode(b"client:secret").decode()
BASIC_CLIENT_WRONG = "Basic " + base64.b64encode(b"client:wrong").decode()
POST_CLIENT = "client_id=client&client_secret=secret"

# file stem: (method, path, form body or None, authorization header or None)
EVENT_FILES = {
    "token-client-secret-basic": (
        "POST", "/connect/token", "grant_type=client_credentials&scope=api1",
        BASIC_CLIENT_SECRET,
    ),
    "token-client-secret-post": (
        "POST", "/connect/token", f"grant_type=client_credentials&{POST_CLIENT}&scope=api1",
        None,
    ),
    "token-invalid-scope-quickstart": (
        "POST", "/connect/token", f"grant_type=client_credentials&{POST_CLIENT}&scope=api1",
        None,
    ),
    "token-invalid-client": (
        "POST", "/connect/token", "grant_type=client_credentials&scope=api1",
        BASIC_CLIENT_WRONG,
    ),
    "token-unsupported-grant-type": (
        "POST", "/connect/token", f"grant_type=password&username=a&password=b&{POST_CLIENT}",
        None,
    ),
    "discovery": ("GET", "/.well-known/openid-configuration", None, None),
    "discovery-oauth-authorization-server": (
        "GET", "/.well-known/oauth-authorization-server", None, None,
    ),
    "jwks": ("GET", "/.well-known/openid-configuration/jwks", None, None),
    # examples/introspection.yaml: api1's secret is api1-secret
    "introspect-inactive": (
        "POST", "/connect/introspect", "token=not-a-token&token_type_hint=access_token",
        "Basic " + base64.b64encode(b"api1:api1-secret").decode(),
    ),
    "introspect-invalid-client": (
        "POST", "/connect/introspect", "token=not-a-token",
        "Basic " + base64.b64encode(b"api1:wrong").decode(),
    ),
    "revocation-client-secret-basic": (
        "POST", "/connect/revocation", "token=not-a-token&token_type_hint=access_token",
        BASIC_CLIENT_SECRET,
    ),
    "revocation-unsupported-token-type": (
        "POST", "/connect/revocation", "token=not-a-token&token_type_hint=refresh_token",
        BASIC_CLIENT_SECRET,
    ),
}


# file stem: (the function, its ScheduleV2 event) for the events that are not HTTP requests
SCHEDULED_EVENT_FILES = {"rotation-scheduled": ("RotationFunction", "Hourly")}


def _load_event(stem):
    return json.loads((EVENTS / f"{stem}.json").read_text(encoding="utf-8"))


def test_events_directory_holds_exactly_one_file_per_scenario():
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == sorted([*EVENT_FILES, *SCHEDULED_EVENT_FILES])
    request_ids = [_load_event(stem)["requestContext"]["requestId"] for stem in EVENT_FILES]
    assert len(set(request_ids)) == len(EVENT_FILES)


@pytest.mark.parametrize("stem", sorted(EVENT_FILES))
def test_event_is_a_payload_2_0_request_on_a_template_route(template, stem):
    method, path, body, authorization = EVENT_FILES[stem]
    route_key = f"ANY {path}"

    event = _load_event(stem)

    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert route_key in _http_api_routes(template)
    assert event["routeKey"] == context["routeKey"] == route_key
    assert event["rawPath"] == context["http"]["path"] == path
    assert event["rawQueryString"] == ""
    assert context["http"]["method"] == method
    assert context["http"]["protocol"] == "HTTP/1.1"
    assert (context["accountId"], context["apiId"], context["domainPrefix"]) == (
        "123456789012", API_ID, API_ID,
    )
    assert context["domainName"] == event["headers"]["host"] == DOMAIN_NAME
    assert context["stage"] == "$default"
    assert context["http"]["sourceIp"] == event["headers"]["x-forwarded-for"]
    assert context["http"]["userAgent"] == event["headers"]["user-agent"]
    when = datetime.datetime.strptime(context["time"], "%d/%b/%Y:%H:%M:%S %z")
    assert context["timeEpoch"] // 1000 == int(when.timestamp())
    assert all(name == name.lower() for name in event["headers"])
    assert event["headers"].get("authorization") == authorization
    assert event["isBase64Encoded"] is (body is not None)
    if body is None:
        assert "body" not in event
        assert "content-type" not in event["headers"]
    else:
        assert base64.b64decode(event["body"], validate=True).decode("utf-8") == body
        assert event["headers"]["content-type"] == FORM
        assert event["headers"]["content-length"] == str(len(body.encode("utf-8")))


@pytest.mark.parametrize("stem", sorted(SCHEDULED_EVENT_FILES))
def test_a_scheduled_event_is_what_its_schedule_sends(template, stem):
    function, name = SCHEDULED_EVENT_FILES[stem]
    event = template["Resources"][function]["Properties"]["Events"][name]
    assert event["Type"] == "ScheduleV2"
    assert json.loads(event["Properties"]["Input"]) == _load_event(stem)


def test_the_rotation_is_off_by_default_and_runs_hourly_when_on(template):
    days = template["Parameters"]["KeyRotationDays"]
    assert (days["Type"], days["Default"], days["MinValue"]) == ("Number", 0, 0)
    assert template["Conditions"]["RotateKeys"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "KeyRotationDays"}, "0"]}]}
    function = template["Resources"]["RotationFunction"]
    assert function["Condition"] == template["Resources"]["RotationFunctionLogGroup"]["Condition"] == "RotateKeys"
    schedule = function["Properties"]["Events"]["Hourly"]["Properties"]
    assert (schedule["ScheduleExpression"], schedule["RetryPolicy"]) == ("rate(1 hour)", {"MaximumRetryAttempts": 0})
    assert function["Properties"]["SnapStart"] == {"ApplyOn": "None"}  # whatever SnapStart says for the others
    # named per stack, within a schedule name's 64 characters whatever the stack's (up to 128) name is
    separator, (prefix, select) = schedule["Name"]["Fn::Join"]
    index, split = select["Fn::Select"]
    assert split == {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}
    stack_id = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{'t' * 128}/1f2e3d4c-5b6a-4789-8abc-def012345678"
    name = separator.join([prefix, stack_id.split("/")[index]])
    assert name == "tokenvend-rotation-1f2e3d4c-5b6a-4789-8abc-def012345678" and len(name) <= 64
    assert function["Properties"]["Environment"]["Variables"] == {
        "TOKENVEND_STACK_NAME": {"Ref": "AWS::StackName"}, "TOKENVEND_KEY_ROTATION_DAYS": {"Ref": "KeyRotationDays"}}


def test_envelope_mode_is_off_by_default_and_its_wrapping_key_exists_only_when_on(template):
    assert template["Parameters"]["EnvelopeMode"]["Default"] == "false"
    assert template["Conditions"]["UseEnvelope"] == {"Fn::Equals": [{"Ref": "EnvelopeMode"}, "true"]}
    key = template["Resources"]["EnvelopeWrappingKey"]
    assert (key["Condition"], key["Properties"]["KeyUsage"], key["Properties"]["KeySpec"]) == (
        "UseEnvelope", "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert template["Outputs"]["WrappingKeyArn"]["Condition"] == "UseEnvelope"


def _signing_key_item(record):
    from tokenvend.adapters.dynamodb_items import serialize, signing_key_to_item
    return serialize(signing_key_to_item(record))


def _token_function_calls(record, kms):
    """The calls the token function makes to sign with ``record`` as the active key."""
    from tokenvend.adapters.keyring import KeyRing
    from tokenvend.adapters.kms import KmsSigner

    dynamodb = _RecordingClient("dynamodb", {"query": {"Items": [_signing_key_item(record)]}})
    KeyRing("table", dynamodb, kms, KmsSigner(STACK_KEY, "RS256", kms)).signing_key().sign(b"header.payload")
    return kms.calls


@pytest.mark.parametrize("tags,allowed", [
    ({ROTATED_KEY: {"tokenvend:stack": STACK_NAME}}, True),
    ({ROTATED_KEY: {"tokenvend:stack": "another-stack"}}, False),
    ({}, False),
])
def test_a_rotated_key_is_proven_and_signs_only_with_the_stack_tag(template, tags, allowed):
    from tokenvend.jwk import signing_jwk
    from tokenvend.model import ACTIVE, SigningKeyRecord

    kms, _ = _aws_fakes()
    jwk = signing_jwk(kms.responses["get_public_key"]["PublicKey"], "RS256")
    record = SigningKeyRecord(jwk["kid"], ROTATED_KEY, "RS256", ACTIVE, jwk)
    proof, sign = _token_function_calls(record, kms)
    assert (proof[0], proof[1]["KeyId"]) == ("kms:GetPublicKey", ROTATED_KEY)
    assert (sign[0], sign[1]["KeyId"], sign[1]["SigningAlgorithm"]) == (
        "kms:Sign", ROTATED_KEY, "RSASSA_PKCS1_V1_5_SHA_256")
    for function in ("TokenFunction", "DiscoveryFunction"):
        statements = policy_statements(template, function)
        assert any(_allows(s, *proof, tags) for s in statements) is allowed
    statements = policy_statements(template, "TokenFunction")
    assert any(_allows(s, *sign, tags) for s in statements) is allowed
    # never with an algorithm tokenvend does not sign with (PSS, or a digest of KMS's choosing)
    other_algorithm = (sign[0], {**sign[1], "SigningAlgorithm": "RSASSA_PSS_SHA_256"})
    assert not any(_allows(s, *other_algorithm, tags) for s in statements)


def test_the_stacks_key_signs_only_with_its_one_algorithm(template):
    statements = policy_statements(template, "TokenFunction")
    call = ("kms:Sign", {"KeyId": STACK_KEY, "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"})
    assert any(_allows(s, *call) for s in statements)
    for algorithm in ("ECDSA_SHA_256", "RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_512"):
        other = (call[0], {**call[1], "SigningAlgorithm": algorithm})
        assert not any(_allows(s, *other) for s in statements), algorithm


def test_an_envelope_key_is_unwrapped_only_under_tokenvends_context(template):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from tokenvend.adapters.envelope import encryption_context
    from tokenvend.jwk import jwk_for
    from tokenvend.model import ACTIVE, SigningKeyRecord

    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    jwk = jwk_for(private.public_key(), "ES256")
    kms = _RecordingClient("kms", {"decrypt": {"Plaintext": der}})
    record = SigningKeyRecord(jwk["kid"], WRAPPING_KEY, "ES256", ACTIVE, jwk, wrapped_key="d3JhcHBlZA==")
    (call,) = _token_function_calls(record, kms)
    assert call[0] == "kms:Decrypt" and call[1]["EncryptionContext"] == encryption_context(jwk["kid"])
    for function in ("TokenFunction", "DiscoveryFunction"):  # discovery derives the public half
        statements = policy_statements(template, function)
        assert any(_allows(s, *call) for s in statements)
        other_context = (call[0], {**call[1], "EncryptionContext": {"tokenvend:purpose": "something-else"}})
        assert not any(_allows(s, *other_context) for s in statements)
        other_key = (call[0], {**call[1], "KeyId": ROTATED_KEY})
        assert not any(_allows(s, *other_key) for s in statements)


def test_the_http_api_stage_is_throttled_by_parameters(template):
    params = template["Parameters"]
    assert (params["ThrottlingRateLimit"]["Type"], params["ThrottlingRateLimit"]["Default"]) == ("Number", 100)
    assert (params["ThrottlingBurstLimit"]["Type"], params["ThrottlingBurstLimit"]["Default"]) == ("Number", 200)
    settings = template["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert settings == {"ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
                        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"}}


def test_each_function_has_a_declared_log_group_with_the_retention_parameter(template):
    resources = template["Resources"]
    functions = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    groups = {r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]["RetentionInDays"]
              for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"}
    assert groups == {f"/aws/lambda/${{{name}}}": {"Ref": "LogRetentionDays"} for name in functions}
    retention = template["Parameters"]["LogRetentionDays"]
    assert retention["Default"] == 30 and 30 in retention["AllowedValues"] and 3653 in retention["AllowedValues"]

