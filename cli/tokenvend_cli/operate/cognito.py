"""``tokenvend import-cognito``: an Amazon Cognito user pool's M2M setup as a tokenvend config.

Reads the pool (``DescribeUserPool``), its resource servers (``ListResourceServers``) and
app clients (``ListUserPoolClients``, then ``DescribeUserPoolClient`` each, the only call
that returns a client's secret), and maps them:

- a resource server becomes an ApiResource named by its identifier, and each of its scopes
  an ApiScope named ``identifier/scope`` — the string Cognito puts in the token's ``scope``
  and callers send — listed in that resource;
- an app client allowed the ``client_credentials`` flow, with a secret, becomes a client
  with the same client_id, its AllowedOAuthScopes, and its AccessTokenValidity in seconds
  as ``access_token_lifetime`` (capped at tokenvend's maximum, with a note). Its secret is
  written only as a hash (``client_secrets.hash_secret``) and never printed or logged, so
  callers keep their credentials.

What has no equivalent is named on stderr by its Cognito path (``UserPool.…``,
``UserPoolClients[<client id>].…``): other flows, callback and logout URLs, user sign-in
flows, user scopes, the pool's users and custom attributes, its Lambda triggers. The
result is checked by the config loader, with the secrets as the plaintext they are (so the
weak-secret rule applies); when it would be refused the problems are listed and the exit
code is 1. The file holds hashes: it is created readable by its owner only (0600), and an
existing file is replaced only with ``--force``.
"""

from __future__ import annotations

import json

from tokenvend import client_secrets
from tokenvend.model import CLIENT_CREDENTIALS, MAX_ACCESS_TOKEN_LIFETIME

from .import_identityserver import _present

NO_FLOWS = "tokenvend serves the client_credentials grant only"
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
COGNITO_DEFAULT_VALIDITY = 3600  # Cognito's access tokens live 60 minutes unless the client says otherwise
# Scopes Cognito defines for user tokens (OIDC and its own user API); a client_credentials
# client is only ever granted resource server scopes.
USER_SCOPES = {"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}
PRE_TOKEN_TRIGGERS = ("PreTokenGeneration", "PreTokenGenerationConfig")


def secret_description(pool_id: str) -> str:
    return f"Cognito app client secret, imported from user pool {pool_id}"


class CognitoImporter:
    """Maps the pool's API answers to a config; ``notes`` collects what is left behind."""

    def __init__(self, pool_id: str):
        self.pool_id = pool_id
        self.notes: list[str] = []

    def note(self, where: str, message: str):
        self.notes.append(f"{where}: {message}")

    def pool(self, pool: dict):
        users = pool.get("EstimatedNumberOfUsers") or 0
        if users:
            self.note("UserPool.EstimatedNumberOfUsers", f"{users} user(s): user-pool users have no equivalent "
                                                         "(tokenvend issues client-credentials tokens only); not imported")
        for attribute in pool.get("SchemaAttributes") or []:
            name = attribute.get("Name", "")
            if name.startswith("custom:"):
                self.note(f"UserPool.SchemaAttributes[{name}]", "custom user attributes have no equivalent "
                                                                "(no user tokens); not imported")
        triggers = {k: v for k, v in (pool.get("LambdaConfig") or {}).items() if v and k != "KMSKeyID"}
        pre_token = [k for k in PRE_TOKEN_TRIGGERS if k in triggers]
        if pre_token:  # Cognito reports one trigger under both names
            self.note(f"UserPool.LambdaConfig.{pre_token[0]}", "the pre-token-generation trigger has no equivalent "
                      "(tokenvend runs no code at token time); give a client static claims with `claims` instead")
        for trigger in triggers:
            if trigger not in PRE_TOKEN_TRIGGERS:
                self.note(f"UserPool.LambdaConfig.{trigger}", "user-pool triggers have no equivalent; not imported")

    def resource_server(self, server: dict, scopes: list[dict]) -> dict:
        identifier = server["Identifier"]
        names = []
        for scope in server.get("Scopes") or []:
            name = f"{identifier}/{scope['ScopeName']}"
            names.append(name)
            scopes.append(_present({"name": name, "description": scope.get("ScopeDescription") or None}))
        return _present({"name": identifier, "display_name": server.get("Name") or None, "scopes": names})

    def client(self, app: dict) -> tuple[dict, str] | None:
        """The client entry (secrets still to be filled in) and its plaintext secret, or None."""
        client_id = app["ClientId"]
        where, label = f"UserPoolClients[{client_id}]", f"client {app.get('ClientName') or client_id!r}"
        flows = app.get("AllowedOAuthFlows") or []
        for flow in flows:
            if flow != CLIENT_CREDENTIALS:
                self.note(f"{where}.AllowedOAuthFlows", f"{flow!r} has no equivalent ({NO_FLOWS})")
        for field in ("ExplicitAuthFlows", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI"):
            if app.get(field):
                self.note(f"{where}.{field}", f"{json.dumps(app[field])} has no equivalent; not imported ({NO_FLOWS})")
        if CLIENT_CREDENTIALS not in flows:
            self.note(where, f"{label} is not allowed the client_credentials flow; not imported")
            return None
        if app.get("AllowedOAuthFlowsUserPoolClient") is False:
            self.note(where, f"{label} has OAuth turned off (AllowedOAuthFlowsUserPoolClient false), so Cognito "
                             "issues it no tokens; not imported")
            return None
        secret = app.get("ClientSecret")
        if not secret:
            self.note(where, f"{label} has no client secret, which the client_credentials flow needs; not imported")
            return None
        scopes = []
        for scope in app.get("AllowedOAuthScopes") or []:
            if scope in USER_SCOPES:
                self.note(f"{where}.AllowedOAuthScopes", f"{scope!r} is a user scope (no user tokens); dropped")
            else:
                scopes.append(scope)
        entry = _present({"client_id": client_id, "client_name": app.get("ClientName") or None,
                          "allowed_grant_types": [CLIENT_CREDENTIALS], "allowed_scopes": scopes,
                          "access_token_lifetime": self.lifetime(where, app)})
        return entry, secret

    def lifetime(self, where: str, app: dict) -> int:
        validity = app.get("AccessTokenValidity")
        if validity is None:
            return COGNITO_DEFAULT_VALIDITY
        unit = (app.get("TokenValidityUnits") or {}).get("AccessToken") or "hours"  # Cognito's default unit
        seconds = int(validity) * UNIT_SECONDS.get(unit, 3600)
        if seconds > MAX_ACCESS_TOKEN_LIFETIME:
            self.note(f"{where}.AccessTokenValidity", f"{validity} {unit} is longer than tokenvend's maximum; "
                                                      f"capped at {MAX_ACCESS_TOKEN_LIFETIME} seconds")
            return MAX_ACCESS_TOKEN_LIFETIME
        return seconds

    def config(self, pool: dict, servers: list[dict], apps: list[dict]) -> tuple[dict, dict]:
        """Two forms of one config: the one to write (each secret a fresh hash) and the one
        to check (each secret its plaintext ``value``, as the loader's rules expect)."""
        self.pool(pool)
        scopes: list[dict] = []
        resources = [self.resource_server(server, scopes) for server in servers]
        written, checked = [], []
        for app in apps:
            imported = self.client(app)
            if imported is None:
                continue
            entry, secret = imported
            description = secret_description(self.pool_id)
            written.append({**entry, "secrets": [{"hash": client_secrets.hash_secret(secret),
                                                  "description": description}]})
            checked.append({**entry, "secrets": [{"value": secret, "description": description}]})
        return ({"api_scopes": scopes, "api_resources": resources, "clients": written},
                {"api_scopes": scopes, "api_resources": resources, "clients": checked})
