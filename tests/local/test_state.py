""".local/stack.json: written by `tokenvend dev`, read by the tools that target the local
stack, stale once its process has exited."""

import json
import os
import subprocess
import sys

import pytest

from tokenvend_cli.local.state import NoLocalStack, read_state, remove_state, running_state, write_state


def test_a_written_state_of_a_live_process_reads_back(tmp_path):
    path = tmp_path / ".local" / "stack.json"
    write_state({"table": "t", "pid": os.getpid()}, path)
    assert read_state(path) == {"table": "t", "pid": os.getpid()}
    assert [p.name for p in path.parent.iterdir()] == ["stack.json"]  # no temp file left


def test_no_file_means_no_local_stack(tmp_path):
    with pytest.raises(NoLocalStack, match=r"no local stack is running \(no .*stack.json\): start one with `tokenvend dev`"):
        read_state(tmp_path / "stack.json")


def test_a_file_whose_process_has_exited_is_stale(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"pid": int(dead.stdout)}))
    assert running_state(path) is None
    with pytest.raises(NoLocalStack, match="its process has exited"):
        read_state(path)


@pytest.mark.parametrize("pid", [0, -1, "12", None, True])
def test_a_pid_that_is_not_a_process_id_is_never_signalled(tmp_path, pid):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"pid": pid}))
    assert running_state(path) is None


def test_only_the_owner_removes_the_file(tmp_path):
    path = tmp_path / "stack.json"
    write_state({"pid": os.getpid() + 1}, path)
    remove_state(path)
    assert path.exists()
    remove_state(path, pid=os.getpid() + 1)
    assert not path.exists()
