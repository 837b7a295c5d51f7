"""Warm "containers" for the local stack: each function runs in worker processes of its
own, so requests are served concurrently the way Lambda scales out.

Lambda runs one invocation at a time per container and adds containers under load; here
each function gets ``size`` worker processes, each a fresh interpreter with the function's
own ``os.environ`` and its own Powertools logger (what in-process calls would share and
mix). An invocation takes a free container, or waits for one. Workers are spawned, not
forked (the parent runs moto's threads), ignore Ctrl-C (the parent stops them), and exit
when the parent's end of their pipe closes, so none outlives the stack.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import traceback
from dataclasses import dataclass

from .lambda_runtime import FunctionInitError, LambdaContext, LocalFunction
from .template import FunctionSpec

DEFAULT_CONTAINERS = 2
START_TIMEOUT = 60


class InvocationError(RuntimeError):
    """The handler raised in its container (its traceback went to the container's stderr),
    or ran past the function's Timeout (the container is then replaced, as Lambda does)."""


def _serve(spec: FunctionSpec, env: dict, account_id: str, conn) -> None:
    """A container's life: initialize the function, then run one invocation per message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        function = LocalFunction(spec, env, account_id=account_id).load()
    except FunctionInitError as exc:
        conn.send(("init-error", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the stack is gone
            return
        if message is None:
            return
        event, request_id = message
        try:
            conn.send(("ok", function.invoke(event, function.context(request_id))))
        except Exception as exc:
            traceback.print_exc()
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclass
class _Container:
    process: multiprocessing.process.BaseProcess
    conn: object


class FunctionContainers:
    """One function of the template behind ``size`` warm containers; the interface of
    ``LocalFunction`` that the API front uses (``name``, ``spec``, ``env``, ``context``,
    ``invoke``)."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], *, size: int = DEFAULT_CONTAINERS,
                 account_id: str = "123456789012"):
        self.local = LocalFunction(spec, env, account_id=account_id)
        self.spec, self.env, self.size, self.account_id = spec, env, size, account_id
        self._idle: queue.Queue[_Container] = queue.Queue()
        self._containers: list[_Container] = []

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def context(self, request_id: str | None = None) -> LambdaContext:
        return self.local.context(request_id)

    def _start(self) -> _Container:
        spawn = multiprocessing.get_context("spawn")
        parent, child = spawn.Pipe()
        process = spawn.Process(target=_serve, args=(self.spec, self.env, self.account_id, child),
                                name=f"tokenvend-{self.name}", daemon=True)
        process.start()
        child.close()
        container = _Container(process, parent)
        self._containers.append(container)
        return container

    def _ready(self, container: _Container) -> _Container:
        if not container.conn.poll(START_TIMEOUT):
            self.close()
            raise FunctionInitError(f"{self.name} did not initialize within {START_TIMEOUT} s")
        status, detail = container.conn.recv()
        if status != "ready":
            self.close()
            raise FunctionInitError(detail)
        return container

    def load(self) -> "FunctionContainers":
        """Start the containers and wait until each has initialized the function."""
        for container in [self._start() for _ in range(self.size)]:
            self._idle.put(self._ready(container))
        return self

    def invoke(self, event: dict, context: LambdaContext):
        container = self._idle.get()
        try:
            container.conn.send((event, context.aws_request_id))
            if not container.conn.poll(self.spec.timeout):
                # Lambda stops an invocation at its Timeout and runs the next in a new container.
                self._replace(container)
                raise InvocationError(f"{self.name} timed out after {self.spec.timeout} s")
            status, payload = container.conn.recv()
        except (EOFError, OSError):
            # the container died mid-invocation (os._exit, a crash): a new one takes its place
            self._replace(container)
            raise InvocationError(f"{self.name}'s container exited during the invocation") from None
        self._idle.put(container)
        if status != "ok":
            raise InvocationError(payload)
        return payload

    def _replace(self, container: _Container) -> None:
        self._retire(container)
        self._idle.put(self._ready(self._start()))

    def _retire(self, container: _Container) -> None:
        container.process.kill()
        container.process.join(5)
        container.conn.close()
        self._containers.remove(container)

    def close(self) -> None:
        """Stop every container and wait for it: no process is left behind."""
        for container in self._containers:
            try:
                container.conn.send(None)
            except OSError:
                pass
            container.conn.close()
        for container in self._containers:
            container.process.join(5)
            if container.process.is_alive():
                container.process.kill()
                container.process.join(5)
        self._containers.clear()
