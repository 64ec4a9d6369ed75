"""Parent side of the Blender worker: run ``python -m render.blender.worker JOB_DIR`` in a
subprocess with a timeout, relay its per-frame progress, and turn a failure into a
:class:`RenderError` for that job only (no bpy in this process)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import CiasaError
from render.blender.job import ERROR_PREFIX, LOG_FILE, PROGRESS_PREFIX

log = logging.getLogger(__name__)

#: Default wall-clock limit for one worker, seconds.
DEFAULT_TIMEOUT_S = 3600.0


class RenderError(CiasaError, RuntimeError):
    """The Blender worker failed (crash, timeout, bad job) for one sequence.

    Attributes (besides :class:`CiasaError`'s): ``log_path`` the worker's log,
    ``returncode`` its exit status (None on timeout).
    """

    def __init__(self, reason: str, *, log_path: str | Path | None = None, returncode: int | None = None,
                 **kw: Any) -> None:
        self.log_path = None if log_path is None else str(log_path)
        self.returncode = returncode
        super().__init__(reason, **kw)


def run_worker(job_dir: str | Path, *, timeout_s: float = DEFAULT_TIMEOUT_S,
               progress: Callable[[int, int], None] | None = None, sample: str | int | None = None,
               threads: int | None = None) -> dict[str, Any]:
    """Run the worker on ``job_dir``; returns its ``result.json`` document.

    ``progress(done, total)`` is called for every rendered frame. ``threads`` caps the
    worker's OpenMP/BLAS threads (Blender's own render threads are set in the job).
    Raises :class:`RenderError` (with the worker's one-line reason and log path) on a
    non-zero exit, a timeout or a missing result.
    """
    job_dir = Path(job_dir)
    if not job_dir.is_dir():
        raise RenderError("render job folder does not exist", path=job_dir, sample=sample)
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, "-m", "render.blender.worker", str(job_dir)]
    stderr_path = job_dir / "worker.stderr"
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # Blender makes a session folder (blender_XXXXXX) in the temporary directory and removes it
    # only in its own teardown, which the worker skips (os._exit) and a timeout kill never
    # reaches: give each worker a private temporary directory and remove it here.
    with tempfile.TemporaryDirectory(prefix="ciasa-blender-", ignore_cleanup_errors=True) as worker_tmp, \
            open(stderr_path, "w", encoding="utf-8") as err:
        for var in ("TMPDIR", "TEMP", "TMP"):
            env[var] = worker_tmp
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=root)

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                parts = line.split()
                if len(parts) == 3 and parts[0] == PROGRESS_PREFIX and progress is not None:
                    try:
                        progress(int(parts[1]), int(parts[2]))
                    except Exception:  # noqa: BLE001 - a progress display must not kill the render
                        log.debug("progress callback failed", exc_info=True)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            reader.join(5)
            raise RenderError(f"Blender worker timed out after {timeout_s:.0f} s", sample=sample,
                              log_path=job_dir / LOG_FILE) from None
        reader.join(5)
    if code != 0:
        reason = _last_error(stderr_path) or f"Blender worker exited with status {code}"
        raise RenderError(f"{reason} (log: {job_dir / LOG_FILE})", sample=sample, log_path=job_dir / LOG_FILE,
                          returncode=code)
    result = job_dir / "result.json"
    if not result.is_file():
        raise RenderError("Blender worker exited without writing result.json", sample=sample,
                          log_path=job_dir / LOG_FILE, returncode=code)
    return json.loads(result.read_text(encoding="utf-8"))


def _last_error(stderr_path: Path) -> str | None:
    """The worker's ``CIASA_ERROR`` line (its one-line reason), if it wrote one; else the
    last non-empty stderr line (a hard crash)."""
    try:
        lines = [ln.strip() for ln in stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return None
    for ln in reversed(lines):
        if ln.startswith(ERROR_PREFIX):
            return ln[len(ERROR_PREFIX):].strip()
    tail = [ln for ln in lines if ln]
    return f"Blender worker crashed: {tail[-1]}" if tail else None
