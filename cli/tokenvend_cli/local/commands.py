"""``tokenvend dev`` (the whole stack on this machine, no Docker; in dev.py) and
``tokenvend invoke`` (one function of the template, one event file)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path

import click

from ..errors import EXIT_AWS, EXIT_INVALID, OpsError
from .runtime import FunctionInitError, LocalFunction, function_environment, lambda_variables, read_env_file
from .state import STATE_FILE, NoLocalStack, read_state
from .template import DEFAULT_TEMPLATE, Template


def fail(message: str, code: int):
    """``Error: <message>`` on stderr and the exit code of ``tokenvend_cli.errors``' rule: no traceback
    for a user's mistake."""
    raise OpsError(message, code)


LOCAL_EXTRA = ("moto", "werkzeug", "cheroot", "uvicorn")


def require_local_extra():
    """``dev`` and ``invoke`` run on moto, werkzeug, cheroot and uvicorn, the ``tokenvend[local]``
    extra, which an operator's install of the CLI for a deployed stack (``pip install .``) leaves
    out: say so in one line (exit 2, the machine is what to fix) instead of an ImportError's traceback."""
    missing = [name for name in LOCAL_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        names = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        fail(f"{names} not installed; the local stack needs the local extra: "
             f"pip install 'tokenvend[local]' (in a clone: pip install '.[local]')", EXIT_AWS)


def shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(Path(path).resolve().relative_to(Path.cwd()))
    return str(path)


GREEDY_OPTIONS = ("--parameter-overrides", "--api-parameter-overrides")


def greedy_pairs(args: list[str], options=GREEDY_OPTIONS) -> list[str]:
    """sam's ``--parameter-overrides A=x B=y``: the ``KEY=VALUE`` words after the option,
    up to the next option, are its one value (click would take ``B=y`` for an argument)."""
    out: list[str] = []
    collecting = False
    for arg in args:
        if collecting and not arg.startswith("-") and "=" in arg:
            out[-1] += " " + arg
            continue
        collecting = False
        if arg in options:
            out += [arg, ""]
            collecting = True
        elif arg.split("=", 1)[0] in options:
            name, value = arg.split("=", 1)
            out += [name, value]
            collecting = True
        else:
            out.append(arg)
    return [a.strip() if i and out[i - 1] in options else a for i, a in enumerate(out)]


class GreedyPairsCommand(click.Command):
    """A command whose ``--parameter-overrides`` takes sam's space-separated pairs as well
    as repeated options."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, greedy_pairs(list(args)))


def load_env_file(path) -> dict:
    try:
        return read_env_file(path) if path else {}
    except ValueError as exc:
        fail(f"--env-vars {exc}", 2)


@click.command("invoke", short_help="Run one function once with an event file.")
@click.argument("function")
@click.argument("event_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--env-vars", "env_vars", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="sam-style env file; with --aws, the deployed stack's variables (TOKENVEND_TABLE...).")
@click.option("--aws", "use_aws", is_flag=True, help="Run against real AWS with your credentials, not the local stack.")
@click.option("--template", "template_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=DEFAULT_TEMPLATE, show_default="template.yaml")
@click.option("--state-file", type=click.Path(dir_okay=False, path_type=Path), default=STATE_FILE,
              show_default=".local/stack.json", help="The local stack to run against.")
def invoke(function, event_file, env_vars, use_aws, template_path, state_file):
    """Run FUNCTION (a logical id of the template) once with EVENT_FILE, against the
    running local stack (`tokenvend dev`) or, with --aws, against real AWS; print the
    Lambda result as JSON on stdout. The function's logs go to stderr.

    \b
    Examples:
      tokenvend invoke TokenFunction events/token-client-secret-basic.json
      tokenvend invoke DiscoveryFunction events/jwks.json | jq -r .body | jq .
      tokenvend invoke TokenFunction events/token-client-secret-post.json --aws --env-vars deployed.json
    """
    require_local_extra()
    from .stack import REGION, local_environment, read_json_event, without_foreign_aws_settings

    env_file = load_env_file(env_vars)
    try:
        event = read_json_event(event_file)
    except ValueError as exc:
        fail(str(exc), 2)
    if use_aws:
        if not env_vars:
            fail("--aws needs --env-vars with the deployed stack's variables (TOKENVEND_TABLE, TOKENVEND_SIGNING_KEY_ID...)", 2)
        template, base, region = Template(template_path), {}, None
    else:
        try:
            state = read_state(state_file)
        except NoLocalStack as exc:  # target trouble, as the operator commands say it
            fail(str(exc), EXIT_AWS)
        template = Template(template_path, parameters=state.get("parameters"), physical=state.get("physical"))
        region = state["region"]
        without_foreign_aws_settings()
    specs = {spec.logical_id: spec for spec in template.functions()}
    if function not in specs:
        fail(f"no function {function!r} in {shown(template.path)}: it has {', '.join(specs)}", 2)
    spec = specs[function]
    if not use_aws:
        base = local_environment(spec, state["endpoint_url"], region, state["issuer"])
    env = function_environment(spec, base, env_file)
    region = env.get("AWS_REGION") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION
    runner = LocalFunction(spec, {**lambda_variables(spec, region), **env}, account_id=template.pseudo["AWS::AccountId"])
    context, failed = runner.context(), False
    with contextlib.redirect_stdout(sys.stderr):  # logs to stderr, as sam local invoke does
        try:
            runner.load()
            result = runner.invoke(event, context)
        except FunctionInitError as exc:
            fail(str(exc), EXIT_INVALID)
        except Exception as exc:  # reported as Lambda reports a failed invocation
            failed = True
            result = {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": context.aws_request_id,
                      "stackTrace": traceback.format_tb(exc.__traceback__)}
    click.echo(json.dumps(result, indent=2))
    sys.exit(1 if failed else 0)


def register(cli: click.Group) -> None:
    from .dev import dev

    cli.add_command(dev)
    cli.add_command(invoke)
