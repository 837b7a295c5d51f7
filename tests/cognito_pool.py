"""An Amazon Cognito user pool set up for M2M the way teams do, on moto's cognito-idp:
the starting point of the ``tokenvend import-cognito`` tests."""

from __future__ import annotations

from dataclasses import dataclass

ORDERS = "https://orders.example.com"
REPORTS = "urn:reports"
PRE_TOKEN_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:add-tenant-claim"


@dataclass
class CognitoPool:
    pool_id: str
    billing: dict     # client_credentials, secret, both orders scopes, 30 minutes
    reporting: dict   # client_credentials, secret, reports and orders read, 2 hours (Cognito's default unit)
    web: dict         # authorization code flow only, with a secret: not imported
    no_secret: dict   # client_credentials without a secret: not imported

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.us-east-1.amazonaws.com/{self.pool_id}"

    @property
    def secrets(self) -> list[str]:
        return [c["ClientSecret"] for c in (self.billing, self.reporting, self.web)]


def make_pool(cognito) -> CognitoPool:
    """Two resource servers, four app clients (two importable), a user, a custom attribute,
    a pre-token-generation trigger and a hosted-UI domain."""
    pool_id = cognito.create_user_pool(
        PoolName="m2m", Schema=[{"Name": "tenant", "AttributeDataType": "String"}],
        LambdaConfig={"PreTokenGeneration": PRE_TOKEN_LAMBDA})["UserPool"]["Id"]
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain="acme-m2m")
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice")
    cognito.create_resource_server(UserPoolId=pool_id, Identifier=ORDERS, Name="Orders API", Scopes=[
        {"ScopeName": "read", "ScopeDescription": "Read orders"},
        {"ScopeName": "write", "ScopeDescription": "Write orders"}])
    cognito.create_resource_server(UserPoolId=pool_id, Identifier=REPORTS, Name="Reports", Scopes=[
        {"ScopeName": "export", "ScopeDescription": "Export reports"}])

    def client(**kwargs) -> dict:
        return cognito.create_user_pool_client(UserPoolId=pool_id, **kwargs)["UserPoolClient"]

    m2m = {"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthFlowsUserPoolClient": True}
    return CognitoPool(
        pool_id,
        billing=client(ClientName="billing", GenerateSecret=True, **m2m,
                       AllowedOAuthScopes=[f"{ORDERS}/read", f"{ORDERS}/write"],
                       AccessTokenValidity=30, TokenValidityUnits={"AccessToken": "minutes"}),
        reporting=client(ClientName="reporting", GenerateSecret=True, **m2m,
                         AllowedOAuthScopes=[f"{REPORTS}/export", f"{ORDERS}/read"], AccessTokenValidity=2),
        web=client(ClientName="web", GenerateSecret=True, AllowedOAuthFlows=["code"],
                   AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid", f"{ORDERS}/read"],
                   CallbackURLs=["https://web.example.com/callback"], ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]),
        no_secret=client(ClientName="cli-tool", GenerateSecret=False, **m2m, AllowedOAuthScopes=[f"{ORDERS}/read"]),
    )
