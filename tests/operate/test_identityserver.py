"""``tokenvend import-identityserver``: appsettings.json in, a config ``apply`` accepts out,
and on stderr everything that has no equivalent."""

from __future__ import annotations

import json

import jwt
import yaml

from tokenvend.adapters.dynamodb import DynamoDBStore
from tokenvend.adapters.revocations import DynamoDBRevocations
from tokenvend.audit import TokenAudit, TokenCheckAudit
from tokenvend.introspection import IntrospectionEndpoint
from tokenvend.ports import StaticKey
from tokenvend.token_endpoint import TokenEndpoint

from cli_support import invoke, lines
from support import EXAMPLES
from unit.fakes import LocalSigner, basic, form, http

SAMPLE = str(EXAMPLES / "identityserver-appsettings.json")
BILLING_SECRET = "billing-secret-4f7d2c9e1a6b8d3f5e0c7a9b2d4f6e8a"  # its Sha256() is in the sample
ORDERS_API_SECRET = "reports-secret-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"  # the orders ApiSecret's Sha256() too


def test_the_sample_imports_with_a_note_for_each_thing_left_behind():
    result = invoke("import-identityserver", SAMPLE)

    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout) == {
        "api_scopes": [
            {"name": "orders.read", "display_name": "Read orders"},
            {"name": "orders.write", "display_name": "Write orders"},
            {"name": "reports", "display_name": "Reports", "show_in_discovery_document": False},
        ],
        "api_resources": [
            {"name": "https://orders.example.com", "display_name": "Orders API",
             "scopes": ["orders.read", "orders.write"],
             "secrets": [{"hash": "sha256:Ufy3mV+4ivZ27yF2kd4231H1Mns7xjhReMtYRv/kyVE="}]},
            {"name": "urn:reports", "scopes": ["reports"], "require_resource_indicator": True},
        ],
        "clients": [
            {"client_id": "billing", "client_name": "Billing service",
             "secrets": [{"hash": "sha256:SVrtGFQhI2uNVKmHU1vqPDTbZfCIsJ+auMMbk+D2CRo=",
                          "description": "billing 2025", "expiration": "2030-06-30T00:00:00Z"}],
             "allowed_grant_types": ["client_credentials"], "allowed_scopes": ["orders.read", "orders.write"],
             "access_token_lifetime": 1800, "claims": {"tenant": "acme", "role": ["billing", "audit"]},
             "client_claims_prefix": ""},
            {"client_id": "reports", "secrets": [{"hash": "sha256:Ufy3mV+4ivZ27yF2kd4231H1Mns7xjhReMtYRv/kyVE="}],
             "allowed_grant_types": ["client_credentials"], "allowed_scopes": ["reports"]},
        ],
    }
    assert lines(result.stderr) == [
        'IdentityServer.IssuerUri: "https://identity.example.com" has no equivalent; not imported',
        "IdentityServer.IdentityResources: openid, profile: identity resources have no equivalent "
        "(tokenvend issues no id tokens)",
        "IdentityServer.ApiScopes[1].Required: true has no equivalent; not imported",
        "IdentityServer.Clients[1].AccessTokenType: reference tokens have no equivalent; the client will get JWTs",
        "IdentityServer.Clients[1].AllowedScopes: 'offline_access' asks for refresh tokens, which "
        "client_credentials never gets; dropped",
        'IdentityServer.Clients[2].RedirectUris: ["https://web.example.com/signin-oidc"] has no equivalent; '
        "not imported (tokenvend serves the client_credentials grant only)",
        "IdentityServer.Clients[2].RequirePkce: true has no equivalent; not imported "
        "(tokenvend serves the client_credentials grant only)",
        "IdentityServer.Clients[2].AllowedGrantTypes: 'authorization_code' has no equivalent "
        "(tokenvend serves the client_credentials grant only)",
        "IdentityServer.Clients[2]: client 'web' is not allowed client_credentials; not imported",
    ]


def test_an_imported_client_gets_a_token_with_its_identityserver_secret(tokenvend, stack, tmp_path):
    # GIVEN the sample imported and applied
    output = tmp_path / "imported.yaml"
    assert invoke("import-identityserver", SAMPLE, "--output", str(output)).exit_code == 0
    assert lines(tokenvend("apply", str(output)).stdout)[-1] == "applied: 7 added, 0 changed, 0 removed; in force on every warm function within 10 s (CacheTtlSeconds)"

    # WHEN billing asks for a token with the secret whose Sha256() IdentityServer stored
    store, signer = DynamoDBStore(stack.table, stack.dynamodb), LocalSigner()
    body = TokenEndpoint(store, store, StaticKey(signer)).handle(
        http(form(grant_type="client_credentials"), authorization=basic("billing", BILLING_SECRET)),
        "https://tokens.example.com", TokenAudit())

    # THEN it gets one, with its lifetime and its claims unprefixed
    claims = jwt.decode(body["access_token"], signer.public_key, algorithms=["RS256"], options={"verify_aud": False})
    assert (body["scope"], body["expires_in"]) == ("orders.read orders.write", 1800)
    assert (claims["aud"], claims["tenant"], claims["role"]) == ("https://orders.example.com", "acme", ["billing", "audit"])

    # AND the orders API introspects it with its IdentityServer ApiSecret
    introspection = IntrospectionEndpoint(store, StaticKey(signer), DynamoDBRevocations(stack.table, stack.dynamodb))
    answer = introspection.handle(
        http(form(token=body["access_token"]), authorization=basic("https://orders.example.com", ORDERS_API_SECRET)),
        "https://tokens.example.com", TokenCheckAudit("introspection"))
    assert (answer["active"], answer["client_id"]) == (True, "billing")


def test_the_quickstart_trap_is_imported_but_named_with_its_fix_and_exit_1(tmp_path):
    appsettings = tmp_path / "appsettings.json"
    appsettings.write_text(json.dumps({"identityServer": {  # keys are case-insensitive, as in .NET
        "apiResources": [{"name": "api1"}],
        "clients": [{"clientId": "client", "clientSecrets": [{"value": "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols="}],
                     "allowedGrantTypes": ["client_credentials"], "allowedScopes": ["api1"]}]}}))

    result = invoke("import-identityserver", str(appsettings))

    assert result.exit_code == 1
    assert yaml.safe_load(result.stdout)["clients"][0]["allowed_scopes"] == ["api1"]
    assert lines(result.stderr) == [
        "Error: the imported config needs these fixes before `tokenvend apply` accepts it:",
        "  clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api scope 'api1' "
        "and list it in the resource's scopes",
    ]


def test_sha512_and_certificate_secrets_are_not_imported(tmp_path):
    appsettings = tmp_path / "appsettings.json"
    appsettings.write_text(json.dumps({"IdentityServer": {"ApiScopes": [{"Name": "a"}], "Clients": [{
        "ClientId": "c", "AllowedGrantTypes": ["client_credentials"], "AllowedScopes": ["a"],
        "ClientSecrets": [{"Value": "x" * 86 + "=="}, {"Type": "X509Thumbprint", "Value": "ABCD"}]}]}}))

    result = invoke("import-identityserver", str(appsettings))

    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["clients"][0]["secrets"] == []
    assert lines(result.stderr) == [
        "IdentityServer.Clients[0].ClientSecrets[0]: a Sha512() value has no equivalent; not imported — "
        "add a new one with `tokenvend client secret add`",
        "IdentityServer.Clients[0].ClientSecrets[1]: a secret of type X509Thumbprint has no equivalent "
        "(no mutual TLS); not imported",
    ]


def test_a_file_without_an_identityserver_section_is_exit_1(tmp_path):
    appsettings = tmp_path / "appsettings.json"
    appsettings.write_text('{"Logging": {}}')

    result = invoke("import-identityserver", str(appsettings))

    assert (result.exit_code, result.stderr) == (1, "Error: no IdentityServer section in this file\n")


import pytest  # noqa: E402


@pytest.mark.parametrize("client,message", [
    ({"ClientId": "a", "AllowedGrantTypes": ["client_credentials"], "ClientSecrets": ["K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols="]},
     "Error: IdentityServer.Clients[0].ClientSecrets[0]: expected an object with Value (and Type, Description, Expiration)"),
    ({"ClientId": "a", "AllowedGrantTypes": ["client_credentials"], "Claims": [["tier", "gold"]]},
     "Error: IdentityServer.Clients[0].Claims[0]: expected an object with Type and Value"),
])
def test_malformed_entries_are_one_line_errors(tmp_path, client, message):
    path = tmp_path / "appsettings.json"
    path.write_text(json.dumps({"IdentityServer": {"Clients": [client]}}))
    result = invoke("import-identityserver", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [message]
