"""Warm containers: a function's invocations run in worker processes of their own, so
requests are served concurrently, each container with its own environment."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tokenvend_cli.lambda_containers import FunctionContainers, InvocationError
from tokenvend_cli.lambda_runtime import FunctionInitError, LambdaContext
from tokenvend_cli.template import FunctionSpec, Route

# Each invocation announces itself in a directory, then waits (bounded) for a second
# invocation to be inside the handler at the same time: only concurrent containers meet.
RENDEZVOUS = '''
import os, time
from pathlib import Path


def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    meeting = Path(event["dir"])
    (meeting / f"{os.getpid()}-{context.aws_request_id}").touch()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(list(meeting.iterdir())) < 2:
        time.sleep(0.01)
    return {"statusCode": 200, "pid": os.getpid(), "met": len(list(meeting.iterdir())) >= 2,
            "target": os.environ["TARGET"], "function": context.function_name}
'''


def rendezvous_function(root: Path, source: str = RENDEZVOUS) -> FunctionSpec:
    code = root / "fn"
    code.mkdir()
    (code / "app.py").write_text(source)
    return FunctionSpec("Meet", code, "app.lambda_handler", {}, [Route("ANY", "/meet")], [], timeout=15)


@pytest.fixture
def containers(tmp_path):
    pool = FunctionContainers(rendezvous_function(tmp_path), {"TARGET": "container-env"}, size=2).load()
    yield pool
    pool.close()


def test_two_invocations_run_at_once_in_separate_containers(containers, tmp_path):
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    results = {}

    def call(name):
        results[name] = containers.invoke({"dir": str(meeting)}, containers.context(f"req-{name}"))

    threads = [threading.Thread(target=call, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert results["a"]["met"] is True and results["b"]["met"] is True
    assert results["a"]["pid"] != results["b"]["pid"]
    assert {r["target"] for r in results.values()} == {"container-env"}
    assert {r["function"] for r in results.values()} == {"Meet"}


def test_a_handler_error_fails_that_invocation_and_the_container_serves_on(containers, tmp_path):
    with pytest.raises(InvocationError, match="ValueError: asked to fail"):
        containers.invoke({"fail": True}, containers.context())
    meeting = tmp_path / "alone"
    meeting.mkdir()
    (meeting / "someone-else").touch()  # a second arrival, so a lone call need not wait
    assert containers.invoke({"dir": str(meeting)}, containers.context())["statusCode"] == 200


def test_close_leaves_no_process(tmp_path):
    pool = FunctionContainers(rendezvous_function(tmp_path), {"TARGET": "x"}, size=2).load()
    processes = [c.process for c in pool._containers]
    assert all(p.is_alive() for p in processes)
    pool.close()
    assert not any(p.is_alive() for p in processes)


def test_a_function_that_cannot_initialize_is_an_init_error(tmp_path):
    pool = FunctionContainers(rendezvous_function(tmp_path, "raise ImportError('no such module')\n"), {}, size=1)
    with pytest.raises(FunctionInitError, match="Meet failed to initialize: ImportError: no such module"):
        pool.load()
    assert pool._containers == []


SLOW = '''
import time


def lambda_handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"statusCode": 200}
'''


def test_an_invocation_past_the_timeout_fails_and_its_container_is_replaced(tmp_path):
    spec = rendezvous_function(tmp_path, SLOW)
    spec.timeout = 1
    pool = FunctionContainers(spec, {}, size=1).load()
    try:
        stuck = pool._containers[0].process
        with pytest.raises(InvocationError, match="Meet timed out after 1 s"):
            pool.invoke({"sleep": 30}, pool.context())
        assert not stuck.is_alive()
        assert pool.invoke({}, pool.context()) == {"statusCode": 200}
        assert len(pool._containers) == 1 and pool._containers[0].process is not stuck
    finally:
        pool.close()


DIES = '''
import os


def lambda_handler(event, context):
    if event.get("die"):
        os._exit(1)
    return {"statusCode": 200, "pid": os.getpid()}
'''


def test_a_container_that_dies_mid_invocation_is_replaced(tmp_path):
    pool = FunctionContainers(rendezvous_function(tmp_path, DIES), {}, size=1).load()
    try:
        dead = pool._containers[0].process
        with pytest.raises(InvocationError, match="Meet's container exited during the invocation"):
            pool.invoke({"die": True}, pool.context())
        answer = pool.invoke({}, pool.context())
        assert answer["statusCode"] == 200 and answer["pid"] != dead.pid
        assert not dead.is_alive() and len(pool._containers) == 1
    finally:
        pool.close()
