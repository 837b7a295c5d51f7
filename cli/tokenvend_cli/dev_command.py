"""``tokenvend dev``: a moto server for DynamoDB and KMS, the template's table and signing
key on it, a config in the table, and the template's HttpApi routes served by the
functions themselves — in one foreground process that undoes all of it on exit."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

import click

from .lambda_containers import DEFAULT_CONTAINERS, FunctionContainers
from .lambda_runtime import FunctionInitError, function_environment, lambda_variables
from .local_commands import fail, load_env_file, shown
from .local_state import STATE_FILE, remove_state, running_state, write_state
from .template import DEFAULT_TEMPLATE, PROJECT_ROOT, Template

DEFAULT_CONFIG = PROJECT_ROOT / "examples" / "quickstart.yaml"
DOCKER_MOTO_PORT = 5050  # the port env.local.json names, for `sam local` in Docker


class Stopped(Exception):
    """SIGTERM or SIGHUP: stop like Ctrl-C."""


def _parameters(template_path: Path, overrides: tuple[str, ...]) -> dict[str, str]:
    """``Key=Value`` pairs (``sam --parameter-overrides`` style), checked against the template."""
    declared = Template(template_path).data.get("Parameters", {})
    values = {}
    for pair in " ".join(overrides).split():
        name, sep, value = pair.partition("=")
        if not sep or name not in declared:
            fail(f"--parameter-overrides {pair!r}: the template's parameters are {', '.join(declared)}", 2)
        allowed = declared[name].get("AllowedValues")
        if allowed and value not in [str(a) for a in allowed]:
            fail(f"--parameter-overrides {name}={value}: allowed values are {', '.join(map(str, allowed))}", 2)
        values[name] = value
    return values


def _watch_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _on_stop_signal(signum, _frame):
    raise Stopped(signal.Signals(signum).name)


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the API listens on (loopback: the issuer is http).")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="Port of the API (sam local's).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=DEFAULT_CONFIG, show_default="examples/quickstart.yaml", help="Config written to the table at start.")
@click.option("--env-vars", "env_vars", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='sam-style env file: {"TokenFunction": {"VAR": "v"}, "Parameters": {"VAR": "v"}}.')
@click.option("--parameter-overrides", multiple=True, metavar="KEY=VALUE",
              help="Template parameters, e.g. SigningAlgorithm=ES256 CacheTtlSeconds=0.")
@click.option("--moto-port", default=0, type=click.IntRange(0, 65535),
              help=f"Port of the moto server (default: a free one; {DOCKER_MOTO_PORT} for env.local.json).")
@click.option("--moto-host", default="127.0.0.1", show_default=True,
              help="Address moto listens on (Docker on Linux: the docker0 address, e.g. 172.17.0.1).")
@click.option("--template", "template_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=DEFAULT_TEMPLATE, show_default="template.yaml", help="SAM template to serve.")
@click.option("--state-file", type=click.Path(dir_okay=False, path_type=Path), default=STATE_FILE,
              show_default=".local/stack.json", help="Where to record the running stack for other tools.")
@click.option("--containers", "containers_per_function", default=DEFAULT_CONTAINERS, show_default=True,
              type=click.IntRange(1, 16), help="Warm containers (worker processes) per function: how many of "
              "its requests run at once.")
@click.option("--exit-with-parent", is_flag=True, hidden=True, help="Stop when the parent process exits (tests).")
def dev(host, port, config_path, env_vars, parameter_overrides, moto_port, moto_host, template_path, state_file,
        containers_per_function, exit_with_parent):
    """Run the whole stack locally, without Docker: a moto server for DynamoDB and KMS,
    the template's table and signing key on it, CONFIG written to the table, and the
    template's HttpApi routes served on HOST:PORT by the functions themselves.

    Runs in the foreground; Ctrl-C (or SIGTERM) stops everything it started.

    \b
    Examples:
      tokenvend dev
      tokenvend dev --port 3001 --config my-clients.yaml
      tokenvend dev --parameter-overrides CacheTtlSeconds=0 SigningAlgorithm=ES256
      tokenvend dev --moto-port 5050    # for sam local with env.local.json
    """
    from tokenvend.config import ConfigError, load_config

    from .local_stack import without_foreign_aws_settings

    env_file = load_env_file(env_vars)
    try:
        config = load_config(config_path)
    except ConfigError as err:
        for problem in err.problems:
            click.echo(f"{shown(config_path)}: {problem}", err=True)
        sys.exit(1)
    template = Template(template_path, parameters=_parameters(template_path, parameter_overrides))
    other = running_state(state_file)
    if other and other.get("pid") != os.getpid():
        fail(f"a local stack is already running (pid {other['pid']}, {other.get('api_url')}); "
             f"stop it, or give this one another --state-file", 2)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # each log line as it happens, even into a pipe
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_stop_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`cmd &`)
    if exit_with_parent:
        threading.Thread(target=_watch_parent, name="watch-parent", daemon=True).start()
    without_foreign_aws_settings()
    try:
        _run_stack(host, port, moto_host, moto_port, template, config, config_path, env_file, state_file,
                   containers_per_function)
    except (Stopped, KeyboardInterrupt):  # stopped while starting
        pass
    click.echo("tokenvend dev: stopping")


def _run_stack(host, port, moto_host, moto_port, template, config, config_path, env_file, state_file,
               containers_per_function=DEFAULT_CONTAINERS):
    """Start moto, provision, seed, load the functions, serve; undo each step on the way out."""
    from .api_front import ApiFront, listen, make_front_server
    from .local_stack import REGION, MotoServer, local_environment, provision_local, seed_local, table_and_key

    with contextlib.ExitStack() as cleanup:
        try:
            sock = listen(host, port)
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                 f"{' (port in use: stop what holds it or pick another with --port)' if port else ''}", 2)
        cleanup.callback(sock.close)
        port = sock.getsockname()[1]
        base_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        try:
            moto = MotoServer(moto_host, moto_port)
        except OSError as exc:
            fail(f"cannot start moto on {moto_host}:{moto_port}: {exc.strerror or exc} (pick another --moto-port)", 2)
        cleanup.callback(moto.stop)
        provision_local(template, moto.url)
        table, key_arn = table_and_key(template)
        seed_local(config, table, moto.url)
        functions, starting = [], []
        for spec in template.functions():
            env = function_environment(spec, local_environment(spec, moto.url, REGION, base_url), env_file)
            containers = FunctionContainers(spec, {**lambda_variables(spec, REGION), **env}, size=containers_per_function,
                                            account_id=template.pseudo["AWS::AccountId"])
            cleanup.callback(containers.close)
            starting.append(containers.start())  # every function's containers initialize at once
        # runs before the closes above (last in, first out): every container is asked to exit at once
        cleanup.callback(lambda: [containers.request_stop() for containers in starting])
        for containers in starting:
            try:
                functions.append(containers.wait())
            except FunctionInitError as exc:
                fail(f"{exc}", 1)
        # an empty TOKENVEND_ISSUER makes the functions derive https://{Host header}
        issuer = (functions[0].env.get("TOKENVEND_ISSUER") if functions else "") or base_url.replace("http:", "https:", 1)
        front = ApiFront([(route, fn) for fn in functions for route in fn.spec.routes],
                         account_id=template.pseudo["AWS::AccountId"], log=click.echo)
        server = make_front_server(front, sock)
        cleanup.callback(server.server_close)
        write_state({
            "endpoint_url": moto.url, "region": REGION, "table": table, "signing_key_arn": key_arn,
            "issuer": issuer, "pid": os.getpid(), "api_url": base_url,
            "parameters": template.parameters, "physical": template.physical,
        }, state_file)
        cleanup.callback(remove_state, state_file)
        click.echo(_banner(config_path, config, template, front, moto.url, table, key_arn, issuer, base_url, state_file))
        try:
            server.serve_forever()  # returns on Ctrl-C: werkzeug swallows KeyboardInterrupt
        except Stopped:
            pass
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signum, signal.SIG_IGN)


def _banner(config_path, config, template, front, moto_url, table, key_arn, issuer, base_url, state_file) -> str:
    from .local_stack import LOCAL_CREDENTIALS, REGION, demo_client, demo_curl

    width = max((len(route.path) for route, _ in front.routes), default=0) + len(base_url)
    routes = "\n".join(f"  {route.method:<5}{base_url + route.path:<{width}}  {fn.name}" for route, fn in front.routes)
    client = demo_client(config_path, config)
    explain = f"tokenvend explain --client {client[0]}" + (f" --scope {shlex.quote(client[2])}" if client[2] else "") \
        if client else "tokenvend explain --client CLIENT_ID"
    if Path(state_file).resolve() == STATE_FILE.resolve():
        where, ops, invoke = f"targets this stack by default (it reads {shown(state_file)})", "", ""
    else:
        where = f"targets this stack with these options (its state is in {shown(state_file)})"
        ops, invoke = f" --table {table} --endpoint-url {moto_url} --region {REGION}", f" --state-file {shown(state_file)}"
    credentials = " ".join(f"{k}={v}" for k, v in LOCAL_CREDENTIALS.items())
    counts = (f"{len(config.api_scopes)} api scope(s), {len(config.api_resources)} api resource(s), "
              f"{len(config.clients)} client(s)")
    return f"""\
tokenvend local stack — {shown(template.path)}, config {shown(config_path)}
  moto (DynamoDB, KMS)  {moto_url}
  table                 {table}
  signing key           {key_arn} ({template.parameters.get('SigningAlgorithm', '')})
  config                {counts}

Issuer: {issuer}
{routes}

Get a token:
  {demo_curl(client, f'{base_url}/connect/token')}

The tokenvend CLI {where}:
  tokenvend client list{ops}
  {explain}{ops}
  tokenvend invoke TokenFunction events/token-client-secret-basic.json{invoke}
boto3 and the AWS CLI:
  export AWS_ENDPOINT_URL={moto_url} AWS_REGION={REGION} {credentials}
  aws dynamodb scan --table-name {table}

Ctrl-C to stop. Requests:"""
