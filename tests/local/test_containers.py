"""Warm containers: a function's invocations run in worker processes of their own, so
requests are served concurrently, each container with its own environment."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tokenvend_cli.local.containers import FunctionContainers, InvocationError
from tokenvend_cli.local.runtime import FunctionInitError, LambdaContext
from tokenvend_cli.local.template import FunctionSpec, Route

pytestmark = pytest.mark.slow  # starts worker processes, and some wait out their timeouts

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


FLAKY_INIT = '''
import os
from pathlib import Path

if Path(os.environ["BROKEN_FLAG"]).exists():
    raise ImportError("app.py was edited into something that does not import")


def lambda_handler(event, context):
    if event.get("die"):
        os._exit(1)
    return {"statusCode": 200}
'''


def test_a_container_that_cannot_be_replaced_fails_requests_without_blocking_or_wrecking_the_rest(tmp_path):
    # GIVEN two healthy containers, then app.py broken on disk
    flag = tmp_path / "broken"
    pool = FunctionContainers(rendezvous_function(tmp_path, FLAKY_INIT), {"BROKEN_FLAG": str(flag)}, size=2).load()
    try:
        flag.touch()
        # WHEN one container dies: its slot cannot be refilled while app.py is broken
        with pytest.raises(InvocationError, match="container exited during the invocation"):
            pool.invoke({"die": True}, pool.context())
        outcomes = []
        for _ in range(4):
            try:
                outcomes.append(pool.invoke({}, pool.context())["statusCode"])
            except InvocationError as exc:
                outcomes.append(str(exc))
        # THEN the healthy container keeps serving, the empty slot fails fast with the reason
        assert outcomes.count(200) == 2
        assert [o for o in outcomes if o != 200] == [
            "Meet failed to initialize: ImportError: app.py was edited into something that does not import"] * 2
        # and once app.py is fixed, the slot fills again
        flag.unlink()
        assert [pool.invoke({}, pool.context())["statusCode"] for _ in range(4)] == [200] * 4
        assert len(pool._containers) == 2
    finally:
        pool.close()


def test_a_container_that_exits_while_initializing_says_so(tmp_path):
    pool = FunctionContainers(rendezvous_function(tmp_path, "import os\nos._exit(3)\n"), {}, size=1)
    with pytest.raises(FunctionInitError, match=r"Meet's container exited while initializing \(exit code 3\)"):
        pool.load()
    assert pool._containers == []


def test_closing_with_a_request_in_flight_starts_no_new_container(tmp_path):
    pool = FunctionContainers(rendezvous_function(tmp_path, SLOW), {}, size=1).load()
    worker = pool._containers[0].process
    outcome = []

    def call():
        try:
            outcome.append(pool.invoke({"sleep": 2}, pool.context()))
        except InvocationError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=call)
    thread.start()
    while not outcome and pool._idle.qsize():  # wait until the request holds the container
        pass
    pool.close()
    thread.join(15)
    assert outcome == ["Meet's container exited during the invocation"]
    assert pool._containers == [] and not worker.is_alive()
    with pytest.raises(InvocationError, match="Meet: the local stack is stopping"):
        pool.invoke({}, pool.context())


def test_a_result_that_cannot_be_returned_fails_that_invocation_only(tmp_path):
    source = "import threading\n\ndef lambda_handler(event, context):\n    return {'lock': threading.Lock()}\n"
    pool = FunctionContainers(rendezvous_function(tmp_path, source), {}, size=1).load()
    try:
        with pytest.raises(InvocationError, match="the handler's result cannot be serialized: TypeError"):
            pool.invoke({}, pool.context())
        process = pool._containers[0].process
        with pytest.raises(InvocationError, match="cannot be serialized"):
            pool.invoke({}, pool.context())
        assert pool._containers[0].process is process  # the same container served both
    finally:
        pool.close()
