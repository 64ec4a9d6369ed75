"""The run folder: stage keys, completion markers and the run manifest (no Prefect here).

A stage's output folder is ``<run_dir>/<stage>/<key[:20]>/``; ``key`` is the SHA-256 of a
JSON document holding the stage name, :data:`KEY_VERSION`, the content hashes of the
stage's inputs and every setting that changes its output (:func:`stage_key`). A folder is
complete only when its ``_COMPLETE`` marker exists and every file the marker lists has the
recorded size (:func:`is_complete`); the marker is written last and atomically, after the
outputs (themselves written atomically by the stage functions), so a killed run never
leaves a folder that passes for a result. Render bundles are complete by their own rule
(:func:`render.bundle.is_complete`: built in a temporary folder, renamed into place).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from pipeline.io_utils import atomic_write_text

#: Where a run writes when no run folder is given.
DEFAULT_RUN_DIR = "runs/cross-modal"
#: Bump when a stage's outputs change meaning, so old folders are not reused.
KEY_VERSION = 1
MARKER = "_COMPLETE"
MANIFEST = "run.json"
MANIFEST_FORMAT = "ciasa.run"
MANIFEST_VERSION = 1
#: Characters of the key used as the folder name.
DIR_KEY_CHARS = 20


def stage_key(stage: str, **parts: Any) -> str:
    """SHA-256 (hex) over ``stage``, :data:`KEY_VERSION` and ``parts`` (content hashes of
    the inputs, settings), as canonical JSON."""
    doc = {"stage": stage, "key_version": KEY_VERSION, **parts}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stage_dir(run_dir: str | Path, stage: str, key: str) -> Path:
    """``<run_dir>/<stage>/<key[:20]>``."""
    return Path(run_dir) / stage / key[:DIR_KEY_CHARS]


def mark_complete(folder: str | Path, key: str, files: list[str | Path], **info: Any) -> Path:
    """Write ``folder/_COMPLETE`` (atomically) listing ``files`` (relative to ``folder``)
    with their sizes, the key and ``info``."""
    folder = Path(folder)
    entries = {}
    for f in files:
        p = Path(f)
        rel = p.relative_to(folder) if p.is_absolute() else p
        entries[str(rel)] = (folder / rel).stat().st_size
    doc = {"key": key, "files": entries, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **info}
    marker = folder / MARKER
    atomic_write_text(marker, json.dumps(doc, indent=1, default=str))
    return marker


def seconds_since(t0: float) -> float:
    """Seconds of ``time.perf_counter()`` since ``t0``, to the millisecond: what a stage
    records as its marker's ``compute_seconds``."""
    return round(time.perf_counter() - t0, 3)


def marker_seconds(folder: str | Path) -> float | None:
    """The seconds of computation that made the complete output in ``folder`` (its
    marker's ``compute_seconds``: the stage function's time when it ran, an attack joined
    from pieces counting the pieces'), or None when the folder is not complete or its
    marker predates the field."""
    doc = read_marker(folder)
    value = doc.get("compute_seconds") if doc else None
    return float(value) if isinstance(value, (int, float)) else None


def read_marker(folder: str | Path) -> dict[str, Any] | None:
    """The marker's document, or None when the folder is not complete (no marker, an
    unreadable one, or a listed file missing or of another size)."""
    folder = Path(folder)
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict):
        return None
    for name, size in files.items():
        f = folder / name
        if not f.is_file() or f.stat().st_size != size:
            return None
    return doc


def is_complete(folder: str | Path, key: str | None = None) -> bool:
    """Whether ``folder`` holds a complete stage output (of ``key`` when given)."""
    doc = read_marker(folder)
    return doc is not None and (key is None or doc.get("key") == key)


def versions() -> dict[str, str | None]:
    """Versions of the packages whose behaviour the results depend on."""
    import importlib.metadata
    import platform

    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("ciasa", "prefect", "prefect-dask", "dask", "distributed", "torch", "numpy", "bpy", "mediapipe",
                 "anny", "smplx", "pydantic"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_manifest(run_dir: str | Path, doc: dict[str, Any]) -> Path:
    """Write ``<run_dir>/run.json`` atomically (format :data:`MANIFEST_FORMAT`)."""
    path = Path(run_dir) / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, **doc}
    atomic_write_text(path, json.dumps(body, indent=1, default=str))
    return path
