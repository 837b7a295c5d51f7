"""``tokenvend dev``: a moto server for DynamoDB and KMS, the template's table and signing
key on it, a config in the table, and the template's HttpApi routes served by the
functions themselves — in one foreground process that undoes all of it on exit."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

import click

from ..errors import invalid_config
from .banner import banner
from .containers import DEFAULT_CONTAINERS
from .runtime import FunctionInitError
from .mounted import MountedApi, load_functions, mount_api
from .commands import GreedyPairsCommand, fail, load_env_file, require_local_extra, shown
from .state import STATE_FILE, remove_state, running_state, write_state
from .template import DEFAULT_TEMPLATE, PROJECT_ROOT, Template

DEFAULT_CONFIG = PROJECT_ROOT / "examples" / "quickstart.yaml"
DOCKER_MOTO_PORT = 5050  # the port env.local.json names, for `sam local` in Docker


class Stopped(BaseException):
    """SIGTERM or SIGHUP: stop like Ctrl-C. A BaseException, as KeyboardInterrupt is, so that
    no ``except Exception`` on the way (the HTTP server's loop logs and goes on past those)
    keeps the stack running."""


def _parameters(template_path: Path, overrides: tuple[str, ...], option="--parameter-overrides") -> dict[str, str]:
    """``Key=Value`` pairs as sam takes them (space-separated in one value, shell-quoted
    where a value has spaces, or ``ParameterKey=K,ParameterValue=V``; the option may repeat),
    checked against the template."""
    declared = Template(template_path).data.get("Parameters", {})
    values = {}
    try:
        pairs = [pair for value in overrides for pair in shlex.split(value)]
    except ValueError as exc:
        fail(f"{option}: {exc}", 2)
    for pair in pairs:
        long_form = re.fullmatch(r"ParameterKey=([^,]*),ParameterValue=(.*)", pair)
        name, sep, value = (long_form.group(1), "=", long_form.group(2)) if long_form else pair.partition("=")
        if not sep or name not in declared:
            fail(f"{option} {pair!r}: the template's parameters are {', '.join(declared)}", 2)
        allowed = declared[name].get("AllowedValues")
        if allowed and value not in [str(a) for a in allowed]:
            fail(f"{option} {name}={value}: allowed values are {', '.join(map(str, allowed))}", 2)
        values[name] = value
    return values


def _watch_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _on_stop_signal(signum, _frame):
    raise Stopped(signal.Signals(signum).name)


@click.command("dev", cls=GreedyPairsCommand, short_help="Run the whole stack locally, without Docker.")
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
@click.option("--api", "api_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also serve this SAM template's HttpApi (e.g. examples/api1/template.yaml), its JWT "
              "authorizers enforced, its Issuer parameter set to the local issuer.")
@click.option("--api-port", type=click.IntRange(0, 65535), help="Port of the --api template (default: --port + 1).")
@click.option("--api-parameter-overrides", multiple=True, metavar="KEY=VALUE",
              help="The --api template's parameters, e.g. Issuer=https://... (sam's syntax).")
@click.option("--exit-with-parent", is_flag=True, hidden=True, help="Stop when the parent process exits (tests).")
def dev(host, port, config_path, env_vars, parameter_overrides, moto_port, moto_host, template_path, state_file,
        containers_per_function, api_path, api_port, api_parameter_overrides, exit_with_parent):
    """Run the whole stack locally, without Docker: a moto server for DynamoDB and KMS,
    the template's table and signing key on it, CONFIG written to the table, and the
    template's HttpApi routes served on HOST:PORT by the functions themselves.

    Runs in the foreground; Ctrl-C (or SIGTERM) stops everything it started.

    \b
    Examples:
      tokenvend dev
      tokenvend dev --port 3001 --config my-clients.yaml
      tokenvend dev --parameter-overrides CacheTtlSeconds=0 SigningAlgorithm=ES256
      tokenvend dev --api examples/api1/template.yaml    # api1 on port 3001
      tokenvend dev --moto-port 5050    # for sam local with env.local.json
    """
    from tokenvend.config import ConfigError, load_config

    require_local_extra()
    from .stack import without_foreign_aws_settings

    env_file = load_env_file(env_vars)
    try:
        config = load_config(config_path)
    except ConfigError as err:
        raise invalid_config(shown(config_path), err.problems) from None
    template = Template(template_path, parameters=_parameters(template_path, parameter_overrides))
    api = MountedApi(api_path, _parameters(api_path, api_parameter_overrides, "--api-parameter-overrides"),
                     api_port) if api_path else None
    if api and (problem := api.check()):
        fail(problem, 2)
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
                   containers_per_function, api)
    except (Stopped, KeyboardInterrupt):  # stopped while starting
        pass
    click.echo("tokenvend dev: stopping")


def _run_stack(host, port, moto_host, moto_port, template, config, config_path, env_file, state_file,
               containers_per_function=DEFAULT_CONTAINERS, api: MountedApi | None = None):
    """Start moto, provision, seed, load the functions, serve; undo each step on the way out."""
    from .front import ApiFront, listen, make_front_server
    from .stack import REGION, MotoServer, local_environment, provision_local, seed_local, table_and_key

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
        try:
            functions = load_functions(template, lambda spec: local_environment(spec, moto.url, REGION, base_url),
                                       REGION, env_file, containers_per_function, cleanup)
        except FunctionInitError as exc:
            fail(f"{exc}", 1)
        # an empty TOKENVEND_ISSUER makes the functions derive https://{Host header}
        issuer = (functions[0].env.get("TOKENVEND_ISSUER") if functions else "") or base_url.replace("http:", "https:", 1)
        front = ApiFront([(route, fn) for fn in functions for route in fn.spec.routes],
                         account_id=template.pseudo["AWS::AccountId"], log=click.echo)
        server = make_front_server(front, sock)
        cleanup.callback(server.server_close)
        mounted = mount_api(api, host, port, issuer, table, moto.url, env_file, containers_per_function, cleanup) \
            if api else None
        write_state({
            "endpoint_url": moto.url, "region": REGION, "table": table, "signing_key_arn": key_arn,
            "issuer": issuer, "pid": os.getpid(), "api_url": base_url,
            "parameters": template.parameters, "physical": template.physical,
            **({"mounted_api": {"template": str(api.path.resolve()), "url": mounted[0]}} if mounted else {}),
        }, state_file)
        cleanup.callback(remove_state, state_file)
        click.echo(banner(config_path, config, template, front, moto.url, table, key_arn, issuer, base_url, state_file,
                           mounted))
        try:
            server.serve_forever()  # returns on Ctrl-C; Stopped (SIGTERM, SIGHUP) propagates
        except Stopped:
            pass
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signum, signal.SIG_IGN)
