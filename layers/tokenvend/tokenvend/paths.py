"""The paths tokenvend serves, in a module that imports nothing: the discovery document
names every endpoint, and the discovery function must not load their code to do so (its
cold answer is what API Gateway's authorizer waits for, under a 1500 ms deadline)."""

TOKEN_PATH = "/connect/token"
# Amazon Cognito's token path, served too when the stack sets CognitoTokenPath=true, so
# callers moving from Cognito need change only the host of their token URL.
COGNITO_TOKEN_PATH = "/oauth2/token"
INTROSPECTION_PATH = "/connect/introspect"
REVOCATION_PATH = "/connect/revocation"
JWKS_PATH = "/.well-known/openid-configuration/jwks"
DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
