"""``tokenvend dev --api TEMPLATE``: an API the tokens are for (examples/api1), served
beside the token service on a port of its own, its JWT authorizers enforced by the front
(``front_authorizer``) against the local issuer, its functions in warm containers like
tokenvend's own. Only Python functions run locally; any other runtime is refused.
"""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .jwt_denial import HintContext
from .lambda_containers import FunctionContainers
from .lambda_runtime import function_environment, lambda_variables
from .template import Template
from .template_auth import UnsupportedAuthorizer

ISSUER_PARAMETER = "Issuer"
TOKEN_FROM_RESPONSE = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"


@dataclass
class MountedApi:
    path: Path
    parameters: dict[str, str] = field(default_factory=dict)  # --api-parameter-overrides
    port: int | None = None  # None: the token service's port + 1

    def template(self, issuer: str) -> Template:
        """The template with its Issuer parameter set to ``issuer`` unless overridden."""
        declared = Template(self.path).data.get("Parameters", {})
        parameters = dict(self.parameters)
        if ISSUER_PARAMETER in declared:
            parameters.setdefault(ISSUER_PARAMETER, issuer)
        return Template(self.path, parameters=parameters)

    def check(self) -> str | None:
        """One line saying why this API cannot run locally, or None."""
        try:
            specs = self.template("https://issuer.invalid").functions()
        except UnsupportedAuthorizer as exc:
            return f"--api {self.path}: {exc}"
        for spec in specs:
            if not spec.runtime.startswith("python"):
                return (f"--api {self.path}: {spec.logical_id} has runtime {spec.runtime or '(none)'}; "
                        "tokenvend dev runs Python functions only")
        return None


def load_functions(template: Template, base_env, region: str, env_file: dict, size: int, cleanup) -> list:
    """Each function of ``template`` in ``size`` warm containers (stopped by ``cleanup``),
    with ``base_env(spec)`` over its template variables; raises FunctionInitError."""
    functions = []
    for spec in template.functions():
        env = function_environment(spec, base_env(spec), env_file)
        containers = FunctionContainers(spec, {**lambda_variables(spec, region), **env}, size=size,
                                        account_id=template.pseudo["AWS::AccountId"])
        cleanup.callback(containers.close)
        functions.append(containers.load())
    return functions


def client_scopes(table: str, ddb):
    """A hint's lookup: the allowed_scopes of a client in the local table (None if unknown)."""
    from tokenvend.adapters.dynamodb import DynamoDBStore

    store = DynamoDBStore(table, ddb, ttl=0)

    def lookup(client_id: str) -> list[str] | None:
        try:
            client = store.get_client(client_id)
        except Exception:  # a hint is never worth failing a request for
            return None
        return list(client.allowed_scopes) if client else None

    return lookup


def serve_in_thread(server, cleanup) -> None:
    thread = threading.Thread(target=server.serve_forever, name="api-front", daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    cleanup.callback(stop)


def hint_context(issuer: str, table: str, ddb) -> HintContext:
    return HintContext(local_issuer=issuer, client_scopes=client_scopes(table, ddb))


def call_lines(token_curl: str, api_url: str, front) -> str:
    """The banner's lines: the routes, and two curls that get a token and call the first
    protected GET route with it."""
    rows = []
    for route, fn in front.routes:
        auth = route.auth
        needs = (f"  {auth.authorizer.name}: aud {' '.join(auth.authorizer.audience)}"
                 + (f", scope {' '.join(auth.scopes)}" if auth.scopes else "")) if auth else "  (open)"
        rows.append(f"  {route.method:<5}{api_url + route.path}  {fn.name}{needs}")
    target = next((r for r, _ in front.routes if r.auth and r.method in ("GET", "ANY") and "{" not in r.path), None)
    lines = "\n".join(rows)
    if target is None:
        return lines
    return (f"{lines}\n\nGet a token and call {target.path} with it:\n"
            f"  TOKEN=$({token_curl} | {TOKEN_FROM_RESPONSE})\n"
            f"  curl -s -H \"Authorization: Bearer $TOKEN\" {shlex.quote(api_url + target.path)}")
