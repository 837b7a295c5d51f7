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

import contextlib
import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from dataclasses import dataclass

from .runtime import FunctionInitError, LambdaContext, LocalFunction
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
        function = LocalFunction(spec, env, account_id=account_id).own_process()
        status = ("ready", None)
    except FunctionInitError as exc:
        function, status = None, ("init-error", str(exc))
    try:
        conn.send(status)
    except OSError:  # the stack stopped while this container started
        return
    if function is None:
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the stack is gone
            return
        if message is None:
            return
        event, request_id = message
        try:
            answer = ("ok", function.call(event, function.context(request_id)))
        except Exception as exc:
            traceback.print_exc()
            answer = ("error", f"{type(exc).__name__}: {exc}")
        try:
            try:
                conn.send(answer)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a result Lambda could not return either
                conn.send(("error", f"the handler's result cannot be serialized: {type(exc).__name__}: {exc}"))
        except OSError:  # the stack stopped while this invocation ran
            return


@dataclass
class _Container:
    process: multiprocessing.process.BaseProcess
    conn: object


class FunctionContainers:
    """One function of the template behind ``size`` warm containers; the interface of
    ``LocalFunction`` that the API front uses (``name``, ``spec``, ``env``, ``context``,
    ``invoke``).

    The idle queue always holds ``size`` slots: a ready container, or ``None`` where one
    died or could not start — the next invocation that takes an empty slot starts a
    container in it. So a broken function fails its requests, and never blocks them.
    """

    def __init__(self, spec: FunctionSpec, env: dict[str, str], *, size: int = DEFAULT_CONTAINERS,
                 account_id: str = "123456789012"):
        self.local = LocalFunction(spec, env, account_id=account_id)
        self.spec, self.env, self.size, self.account_id = spec, env, size, account_id
        self._idle: queue.Queue[_Container | None] = queue.Queue()
        self._containers: list[_Container] = []
        self._starting: list[_Container] = []
        self._lock = threading.Lock()
        self._closed = False

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
        with self._lock:
            if self._closed:
                raise InvocationError(f"{self.name}: the local stack is stopping")
            with _sigint_ignored():  # a Ctrl-C while the worker boots is the parent's to handle
                process.start()
            container = _Container(process, parent)
            self._containers.append(container)
        child.close()
        return container

    def _ready(self, container: _Container) -> _Container:
        """Wait for the container to initialize the function; retire it if it cannot."""
        try:
            if not container.conn.poll(START_TIMEOUT):
                status, detail = "slow", f"{self.name} did not initialize within {START_TIMEOUT} s"
            else:
                status, detail = container.conn.recv()
        except (EOFError, OSError):
            container.process.join(1)
            status, detail = "exited", (f"{self.name}'s container exited while initializing "
                                        f"(exit code {container.process.exitcode})")
        if status != "ready":
            self._retire(container)
            raise FunctionInitError(detail)
        return container

    def load(self) -> "FunctionContainers":
        """Start the containers and wait until each has initialized the function."""
        return self.start().wait()

    def start(self) -> "FunctionContainers":
        """Start the containers without waiting: several functions then initialize at once."""
        self._starting = [self._start() for _ in range(self.size)]
        return self

    def wait(self) -> "FunctionContainers":
        """Wait until each started container has initialized the function."""
        started, self._starting = self._starting, []
        try:
            for container in started:
                self._idle.put(self._ready(container))
        except FunctionInitError:
            self.close()
            raise
        return self

    def invoke(self, event: dict, context: LambdaContext):
        container = self._idle.get()
        if container is None:  # an empty slot: start its container now
            try:
                container = self._ready(self._start())
            except (FunctionInitError, InvocationError) as exc:
                self._idle.put(None)
                raise InvocationError(str(exc)) from None
        try:
            container.conn.send((event, context.aws_request_id))
            if not container.conn.poll(self.spec.timeout):
                # Lambda stops an invocation at its Timeout; the next one gets a new container.
                self._retire(container)
                self._idle.put(None)
                raise InvocationError(f"{self.name} timed out after {self.spec.timeout} s")
            status, payload = container.conn.recv()
        except (EOFError, OSError):
            # the container died mid-invocation (os._exit, a crash), or the stack is stopping
            self._retire(container)
            self._idle.put(None)
            raise InvocationError(f"{self.name}'s container exited during the invocation") from None
        self._idle.put(container)
        if status != "ok":
            raise InvocationError(payload)
        return payload

    def _retire(self, container: _Container) -> None:
        """Stop one container; a second call for the same one does nothing."""
        with self._lock:
            if container not in self._containers:
                return
            self._containers.remove(container)
        _stop(container, kill=True)

    def request_stop(self) -> None:
        """Ask every container to exit, without waiting (``close`` waits): the local stack
        asks all functions' containers first, so they shut down side by side."""
        with self._lock:
            containers = list(self._containers)
        for container in containers:
            _ask_to_exit(container)

    def close(self) -> None:
        """Stop every container and wait for it: no process is left behind, and none is
        started afterwards (an invocation still running fails instead)."""
        with self._lock:
            self._closed = True
            containers, self._containers = self._containers, []
        for container in containers:
            _ask_to_exit(container)
        for container in containers:
            _stop(container, kill=False)


def _ask_to_exit(container: _Container) -> None:
    try:
        container.conn.send(None)
    except OSError:
        pass


def _stop(container: _Container, *, kill: bool) -> None:
    if not kill:
        _ask_to_exit(container)
    container.conn.close()
    if kill:
        container.process.kill()
    container.process.join(5)
    if container.process.is_alive():
        container.process.kill()
        container.process.join(5)


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored while a worker is spawned: it inherits SIG_IGN, so a Ctrl-C during its
    start-up is no traceback of its own (it ignores SIGINT for good once serving)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
