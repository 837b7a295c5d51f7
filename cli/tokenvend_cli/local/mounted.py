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

import click

from .jwt_denial import HintContext
from .containers import FunctionContainers
from .runtime import FunctionInitError, function_environment, lambda_variables
from .commands import fail, shown
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
    starting = []
    for spec in template.functions():
        env = function_environment(spec, base_env(spec), env_file)
        containers = FunctionContainers(spec, {**lambda_variables(spec, region), **env}, size=size,
                                        account_id=template.pseudo["AWS::AccountId"])
        cleanup.callback(containers.close)
        starting.append(containers.start())  # every function's containers initialize at once
    # runs before the closes above (last in, first out): every container is asked to exit at once
    cleanup.callback(lambda: [containers.request_stop() for containers in starting])
    return [containers.wait() for containers in starting]


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


def mount_api(api, host, port, issuer, table, moto_url, env_file, size, cleanup) -> tuple:
    """Serve the --api template on its own port; (its base URL, its front, its path)."""
    from .front import ApiFront, listen, make_front_server
    from .front_authorizer import FrontAuthorizer
    from .stack import LOCAL_CREDENTIALS, REGION, local_client

    api_port = api.port if api.port is not None else (port + 1 if port else 0)
    try:
        sock = listen(host, api_port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{api_port} for --api: {exc.strerror or exc} (pick another --api-port)", 2)
    cleanup.callback(sock.close)
    url = f"http://[{host}]:{sock.getsockname()[1]}" if ":" in host else f"http://{host}:{sock.getsockname()[1]}"
    template = api.template(issuer)
    base = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, **LOCAL_CREDENTIALS}
    try:
        functions = load_functions(template, lambda spec: base, REGION, env_file, size, cleanup)
    except FunctionInitError as exc:
        fail(f"--api {shown(api.path)}: {exc}", 1)
    authorizer = FrontAuthorizer(context=hint_context(issuer, table, local_client("dynamodb", moto_url)),
                                 log=click.echo)
    front = ApiFront([(route, fn) for fn in functions for route in fn.spec.routes], api_id="local-api",
                     account_id=template.pseudo["AWS::AccountId"], log=click.echo, authorizer=authorizer)
    serve_in_thread(make_front_server(front, sock), cleanup)
    return url, front, api.path


def api_banner(mounted, token_curl: str, state_option: str, command: str = "tokenvend") -> str:
    if not mounted:
        return ""
    url, front, path = mounted
    route = next((r for r, _ in front.routes if r.auth), None)
    explain = (f"{command} explain-token \"$TOKEN\" --api {shlex.quote(shown(path))} "
               f"--route {shlex.quote(route.route_key)}{state_option}") if route else ""
    return (f"\nThe API the token is for ({shown(path)}):\n{call_lines(token_curl, url, front)}\n"
            + (f"Why a token is refused:\n  {explain}\n" if explain else ""))
