"""Stop a helper process when the process that started it dies, however it dies.

A process killed with SIGKILL (the OOM killer, ``kill -9``, a batch system's time limit)
runs no ``atexit`` handler, so a server it started and meant to stop at exit is left
running, re-parented to init: Prefect's ephemeral API server (uvicorn) kept its port and
its SQLite database after a killed ``ciasa run``. :func:`stop_with_this_process` starts a
small watcher process that polls its parent; when the parent is gone it sends the helper
SIGTERM (then SIGKILL after a grace period). The watcher exits on its own when the helper
exits first. POSIX only (``os.getppid`` re-parenting); elsewhere it is a no-op.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

log = logging.getLogger(__name__)

#: Seconds between two looks at the parent and the helper.
POLL_S = 0.5
#: Seconds the helper has to exit after SIGTERM before SIGKILL.
GRACE_S = 5.0

# The watcher's whole program: argv = parent pid, helper pid, poll seconds, grace seconds.
_WATCHER = """
import os, signal, sys, time
parent, helper, poll, grace = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the helper itself; keep watching
def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
while os.getppid() == parent:
    if not alive(helper):
        sys.exit(0)
    time.sleep(poll)
if alive(helper):
    os.kill(helper, signal.SIGTERM)
    end = time.monotonic() + grace
    while alive(helper) and time.monotonic() < end:
        time.sleep(0.1)
    if alive(helper):
        os.kill(helper, signal.SIGKILL)
"""


def stop_with_this_process(helper_pid: int, poll_s: float = POLL_S,
                           grace_s: float = GRACE_S) -> subprocess.Popen | None:
    """Start the watcher of ``helper_pid`` (module docstring); returns its process, or None
    where the platform has no re-parenting to watch for (Windows)."""
    if os.name != "posix":
        return None
    proc = subprocess.Popen([sys.executable, "-c", _WATCHER, str(os.getpid()), str(helper_pid), str(poll_s),
                             str(grace_s)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, close_fds=True)
    log.debug("process %d stops %d if this process (%d) dies", proc.pid, helper_pid, os.getpid())
    return proc
