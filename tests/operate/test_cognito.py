"""``tokenvend import-cognito``: a Cognito user pool in (moto's cognito-idp), a config
``apply`` accepts out — secrets only as hashes — and on stderr everything that has no
equivalent; on stdout what changes for callers and each API's authorizer."""

from __future__ import annotations

import json
import stat

import boto3
import pytest
import yaml

from tokenvend.client_secrets import HMAC_PREFIX, verify_secret
from tokenvend_cli.operate import import_cognito as ops_import_cognito
from tokenvend_cli.operate.cognito import CognitoImporter

from cli_support import invoke, lines
from cognito_pool import ORDERS, PRE_TOKEN_LAMBDA, REPORTS, make_pool

ISSUER = "https://tokens.example.com"


@pytest.fixture(scope="module", autouse=True)
def each_pool_key_imported_once():
    """moto's CreateUserPool imports the private JWK of its own resource file for every pool,
    and the import recovers the RSA primes from n, e and d: 40-50 ms a pool. The file is
    moto's and never changes, so each distinct JWK is imported once (keys are immutable)."""
    from joserfc.jwk import RSAKey

    import_key, keys = RSAKey.import_key, {}

    def once(value, *args, **kwargs):
        if args or kwargs or not isinstance(value, dict):
            return import_key(value, *args, **kwargs)
        text = json.dumps(value, sort_keys=True)
        if text not in keys:
            keys[text] = import_key(value)
        return keys[text]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RSAKey, "import_key", staticmethod(once))
        yield


@pytest.fixture
def pool(aws):
    return make_pool(boto3.client("cognito-idp"))


def import_pool(pool, output, *args):
    return invoke("import-cognito", "--user-pool-id", pool.pool_id, "--output", str(output), *args)


def test_the_pool_imports_with_a_note_for_each_thing_left_behind(pool, tmp_path):
    output = tmp_path / "tokenvend.yaml"

    result = import_pool(pool, output, "--issuer", ISSUER)

    assert result.exit_code == 0, result.stderr
    config = yaml.safe_load(output.read_text())
    hashes = [c["secrets"][0].pop("hash") for c in config["clients"]]
    description = f"Cognito app client secret, imported from user pool {pool.pool_id}"
    assert config == {
        "api_scopes": [
            {"name": f"{ORDERS}/read", "description": "Read orders"},
            {"name": f"{ORDERS}/write", "description": "Write orders"},
            {"name": f"{REPORTS}/export", "description": "Export reports"},
        ],
        "api_resources": [
            {"name": ORDERS, "display_name": "Orders API", "scopes": [f"{ORDERS}/read", f"{ORDERS}/write"]},
            {"name": REPORTS, "display_name": "Reports", "scopes": [f"{REPORTS}/export"]},
        ],
        "clients": [
            {"client_id": pool.billing["ClientId"], "client_name": "billing",
             "allowed_grant_types": ["client_credentials"], "allowed_scopes": [f"{ORDERS}/read", f"{ORDERS}/write"],
             "access_token_lifetime": 1800, "secrets": [{"description": description}]},
            {"client_id": pool.reporting["ClientId"], "client_name": "reporting",
             "allowed_grant_types": ["client_credentials"], "allowed_scopes": [f"{REPORTS}/export", f"{ORDERS}/read"],
             "access_token_lifetime": 7200, "secrets": [{"description": description}]},
        ],
    }
    # each secret is a hash that verifies the Cognito secret, salted apart
    assert verify_secret(pool.billing["ClientSecret"], hashes[0])
    assert verify_secret(pool.reporting["ClientSecret"], hashes[1])
    assert not verify_secret(pool.billing["ClientSecret"], hashes[1])
    web, no_secret = pool.web["ClientId"], pool.no_secret["ClientId"]
    assert lines(result.stderr) == [
        "UserPool.EstimatedNumberOfUsers: 1 user(s): user-pool users have no equivalent "
        "(tokenvend issues client-credentials tokens only); not imported",
        "UserPool.SchemaAttributes[custom:tenant]: custom user attributes have no equivalent (no user tokens); "
        "not imported",
        "UserPool.LambdaConfig.PreTokenGeneration: the pre-token-generation trigger has no equivalent (tokenvend "
        "runs no code at token time); give a client static claims with `claims` instead",
        f"UserPoolClients[{web}].AllowedOAuthFlows: 'code' has no equivalent "
        "(tokenvend serves the client_credentials grant only)",
        f'UserPoolClients[{web}].ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH"] has no equivalent; not imported '
        "(tokenvend serves the client_credentials grant only)",
        f'UserPoolClients[{web}].CallbackURLs: ["https://web.example.com/callback"] has no equivalent; '
        "not imported (tokenvend serves the client_credentials grant only)",
        f"UserPoolClients[{web}]: client 'web' is not allowed the client_credentials flow; not imported",
        f"UserPoolClients[{no_secret}]: client 'cli-tool' has no client secret, which the client_credentials "
        "flow needs; not imported",
    ]
    assert PRE_TOKEN_LAMBDA not in result.stderr


def test_no_secret_reaches_stdout_stderr_or_the_file_and_the_file_is_the_owners_only(pool, tmp_path):
    output = tmp_path / "tokenvend.json"

    result = import_pool(pool, output)

    assert result.exit_code == 0, result.stderr
    text = output.read_text()
    for secret in pool.secrets:
        assert secret not in result.stdout + result.stderr + text
    assert [s["hash"].startswith(HMAC_PREFIX + "$") for c in json.loads(text)["clients"] for s in c["secrets"]] \
        == [True, True]
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


def test_the_checklist_names_the_token_url_issuer_and_audiences(pool, tmp_path):
    output = tmp_path / "tokenvend.yaml"

    result = import_pool(pool, output, "--issuer", ISSUER + "/")

    billing, reporting = pool.billing["ClientId"], pool.reporting["ClientId"]
    assert lines(result.stdout) == [
        f"Wrote {output}: 2 api resources, 3 api scopes, 2 clients (secrets as hashes only).",
        "",
        f"Next: tokenvend apply {output}",
        "Callers keep their client id, secret and scope strings; their token URL changes:",
        "  token URL  https://acme-m2m.auth.us-east-1.amazoncognito.com/oauth2/token  ->  "
        f"{ISSUER}/connect/token (or {ISSUER}/oauth2/token on a stack deployed with CognitoTokenPath=true)",
        "Each API whose JWT authorizer trusted the pool: Cognito tokens carry no aud, so its audience",
        "listed client ids (matched against client_id); tokenvend tokens carry aud, which it checks instead:",
        f"  {ORDERS}",
        f"    issuer    {pool.issuer}  ->  {ISSUER}",
        f"    audience  {billing}, {reporting}  ->  {ORDERS}",
        f"  {REPORTS}",
        f"    issuer    {pool.issuer}  ->  {ISSUER}",
        f"    audience  {reporting}  ->  {REPORTS}",
    ]


STACK_TEMPLATE = {
    "Parameters": {"CognitoTokenPath": {"Type": "String", "Default": "false"}},
    "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"Issuer": {"Value": "https://auth.example.com"}},
}


@pytest.mark.parametrize("alias,token_url", [("true", "https://auth.example.com/oauth2/token"),
                                             ("false", "https://auth.example.com/connect/token")])
def test_a_named_stack_gives_the_issuer_and_whether_it_serves_cognitos_path(pool, tmp_path, alias, token_url):
    boto3.client("cloudformation").create_stack(
        StackName="tokenvend", TemplateBody=json.dumps(STACK_TEMPLATE),
        Parameters=[{"ParameterKey": "CognitoTokenPath", "ParameterValue": alias}])

    result = import_pool(pool, tmp_path / "out.yaml", "--stack", "tokenvend")

    assert result.exit_code == 0, result.stderr
    assert f"  token URL  https://acme-m2m.auth.us-east-1.amazoncognito.com/oauth2/token  ->  {token_url}" \
        in lines(result.stdout)
    assert f"    issuer    {pool.issuer}  ->  https://auth.example.com" in lines(result.stdout)
    assert f"Next: tokenvend apply {tmp_path / 'out.yaml'} --stack tokenvend" in lines(result.stdout)


def test_without_an_issuer_the_checklist_says_where_to_find_it(pool, tmp_path):
    result = import_pool(pool, tmp_path / "out.yaml")

    assert f"    issuer    {pool.issuer}  ->  ISSUER" in lines(result.stdout)
    assert lines(result.stdout)[-1] == \
        "ISSUER: the Issuer output of your tokenvend stack (--stack NAME or --issuer URL fill it in)."


def test_an_existing_file_is_replaced_only_with_force(pool, tmp_path):
    output = tmp_path / "tokenvend.yaml"
    output.write_text("kept\n")
    output.chmod(0o644)

    refused = import_pool(pool, output)

    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == f"Error: {output} exists; give --force to replace it\n"
    assert output.read_text() == "kept\n"

    replaced = import_pool(pool, output, "--force")

    assert replaced.exit_code == 0, replaced.stderr
    assert len(yaml.safe_load(output.read_text())["clients"]) == 2
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


def test_every_page_of_resource_servers_and_clients_is_read(aws, tmp_path):
    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="big")["UserPool"]["Id"]
    for i in range(51):  # ListResourceServers returns at most 50 a page
        cognito.create_resource_server(UserPoolId=pool_id, Identifier=f"urn:api{i}", Name=f"api{i}",
                                       Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    for i in range(61):  # ListUserPoolClients at most 60
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=f"c{i}", AllowedOAuthFlows=["code"])

    result = invoke("import-cognito", "--user-pool-id", pool_id, "--output", str(tmp_path / "out.yaml"))

    assert result.exit_code == 0, result.stderr
    assert len(yaml.safe_load((tmp_path / "out.yaml").read_text())["api_resources"]) == 51
    assert sum("not allowed the client_credentials flow" in line for line in lines(result.stderr)) == 61


def test_an_unknown_pool_is_an_aws_error_exit_2(aws, tmp_path):
    result = invoke("import-cognito", "--user-pool-id", "us-east-1_nothere", "--output", str(tmp_path / "o.yaml"))

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Error: AWS DescribeUserPool: ResourceNotFoundException: "
                             "User pool us-east-1_nothere does not exist.\n")
    assert not (tmp_path / "o.yaml").exists()


APP = {"ClientId": "app", "ClientName": "app", "ClientSecret": "s" * 40, "AllowedOAuthFlows": ["client_credentials"],
       "AllowedOAuthFlowsUserPoolClient": True, "AllowedOAuthScopes": ["urn:api/read"]}
SERVER = {"Identifier": "urn:api", "Name": "api", "Scopes": [{"ScopeName": "read", "ScopeDescription": "r"}]}


@pytest.mark.parametrize("validity,units,seconds", [
    (None, None, 3600),              # Cognito's default: 60 minutes
    (5, {"AccessToken": "minutes"}, 300),
    (2, None, 7200),                 # Cognito's default unit is hours
    (3600, {"AccessToken": "seconds"}, 3600),
    (1, {"AccessToken": "days"}, 86400),
])
def test_the_access_token_validity_becomes_seconds(validity, units, seconds):
    app = {**APP, **({"AccessTokenValidity": validity} if validity else {}), **({"TokenValidityUnits": units} if units else {})}
    importer = CognitoImporter("us-east-1_x")
    written, _ = importer.config({}, [SERVER], [app])
    assert (written["clients"][0]["access_token_lifetime"], importer.notes) == (seconds, [])


def test_a_validity_over_tokenvends_maximum_is_capped_and_said():
    importer = CognitoImporter("us-east-1_x")
    written, _ = importer.config({}, [SERVER], [{**APP, "AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}}])
    assert written["clients"][0]["access_token_lifetime"] == 86400
    assert importer.notes == ["UserPoolClients[app].AccessTokenValidity: 2 days is longer than tokenvend's maximum; "
                              "capped at 86400 seconds"]


def test_oauth_turned_off_and_user_scopes_are_named(tmp_path):
    importer = CognitoImporter("us-east-1_x")
    written, _ = importer.config({}, [SERVER], [
        {**APP, "ClientId": "off", "AllowedOAuthFlowsUserPoolClient": False},
        {**APP, "AllowedOAuthScopes": ["openid", "urn:api/read"]}])
    assert [c["client_id"] for c in written["clients"]] == ["app"]
    assert written["clients"][0]["allowed_scopes"] == ["urn:api/read"]
    assert importer.notes == [
        "UserPoolClients[off]: client 'app' has OAuth turned off (AllowedOAuthFlowsUserPoolClient false), so "
        "Cognito issues it no tokens; not imported",
        "UserPoolClients[app].AllowedOAuthScopes: 'openid' is a user scope (no user tokens); dropped",
    ]


def test_a_result_the_loader_refuses_lists_its_problems_and_exits_1(monkeypatch, tmp_path):
    # GIVEN a secret shorter than the weak-secret rule allows, and a scope no resource server defines
    weak = {**APP, "ClientSecret": "short-secret", "AllowedOAuthScopes": ["urn:api/read", "urn:gone/x"]}
    monkeypatch.setattr(ops_import_cognito, "aws_client", lambda *a: None)
    monkeypatch.setattr(ops_import_cognito, "read_pool", lambda cognito, pool_id: ({}, [SERVER], [weak]))

    result = invoke("import-cognito", "--user-pool-id", "us-east-1_x", "--output", str(tmp_path / "out.yaml"))

    assert (result.exit_code, result.stdout) == (1, "")
    assert lines(result.stderr) == [
        "Error: the imported config needs these fixes before `tokenvend apply` accepts it:",
        "  clients[0].secrets[0].value: secret is shorter than 32 characters; use a generated secret "
        "(tokenvend client secret add) or mark the file 'development: true'",
        "  clients[0].allowed_scopes[1]: 'urn:gone/x' is not a defined api scope",
    ]
    assert "short-secret" not in result.stderr + (tmp_path / "out.yaml").read_text()


def test_each_lambda_trigger_is_named_once():
    importer = CognitoImporter("us-east-1_x")
    importer.pool({"LambdaConfig": {
        "PreSignUp": "arn:aws:lambda:us-east-1:1:function:signup", "KMSKeyID": "arn:aws:kms:us-east-1:1:key/k",
        "PreTokenGeneration": "arn:aws:lambda:us-east-1:1:function:pre",
        "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": "arn:aws:lambda:us-east-1:1:function:pre"}}})
    assert importer.notes == [
        "UserPool.LambdaConfig.PreTokenGeneration: the pre-token-generation trigger has no equivalent (tokenvend "
        "runs no code at token time); give a client static claims with `claims` instead",
        "UserPool.LambdaConfig.PreSignUp: user-pool triggers have no equivalent; not imported",
    ]


def test_the_pool_is_read_in_its_own_region_whatever_aws_region_says(pool, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    result = import_pool(pool, tmp_path / "out.yaml")

    assert result.exit_code == 0, result.stderr
    assert len(yaml.safe_load((tmp_path / "out.yaml").read_text())["clients"]) == 2


def test_a_stack_that_is_not_there_fails_before_anything_is_written(pool, tmp_path):
    result = import_pool(pool, tmp_path / "out.yaml", "--stack", "missing")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: AWS DescribeStacks: ValidationError: ")
    assert not (tmp_path / "out.yaml").exists()
