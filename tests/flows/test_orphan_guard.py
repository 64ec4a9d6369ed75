"""A helper process is stopped when the process that started it is killed outright (the
orphaned Prefect server of a killed ``ciasa run``), and left alone while it lives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="re-parenting is POSIX")

#: A parent that starts a long-sleeping helper, guards it, prints the helper's pid and
#: the watcher's, then waits to be killed.
PARENT = """
import subprocess, sys, time
from flows.orphan_guard import stop_with_this_process
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
watcher = stop_with_this_process(helper.pid, poll_s=0.1, grace_s=2.0)
print(helper.pid, watcher.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for us: it runs nothing and holds nothing
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int, timeout_s: float = 15.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _start_parent() -> tuple[subprocess.Popen, int, int]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    helper, watcher = map(int, parent.stdout.readline().split())
    return parent, helper, watcher


def test_the_helper_is_stopped_when_its_parent_is_killed_outright():
    parent, helper, watcher = _start_parent()
    try:
        time.sleep(0.5)
        assert _alive(helper) and _alive(watcher)  # the watcher leaves a living parent's helper alone
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _wait_gone(helper), "the helper outlived its parent"
        assert _wait_gone(watcher), "the watcher did not exit"
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # whatever is left of the test's processes


def test_the_watcher_exits_when_the_helper_exits_first():
    from flows.orphan_guard import stop_with_this_process

    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    watcher = stop_with_this_process(helper.pid, poll_s=0.05)
    try:
        helper.wait(timeout=30)
        assert watcher.wait(timeout=15) == 0
    finally:
        for p in (helper, watcher):
            if p.poll() is None:
                p.kill()
