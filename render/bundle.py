"""The render bundle: one folder per rendered sequence, written atomically.

Layout of ``<out>/<sample name>/``:

* ``video.mp4``: H.264, 30 fps, one frame per valid skeleton frame;
* ``manifest.json``: format ``ciasa.render_bundle`` v1 (intrinsics, extrinsics,
  resolution, fps, body model and shape, appearance, seeds, source set and sample hash,
  timings, quality, the request key and the size of every file);
* ``ground_truth.npz``: per frame ``t`` and rendered body ``b``: ``source_joints (T, B, 25,
  3)`` the input skeleton and ``body_joints (T, B, 25, 3)`` the rendered body's NTU-layout
  joints, both in the Kinect camera frame (metres); ``source_pixels`` / ``body_pixels (T,
  B, 25, 2)`` their projections (pixels, u right, v down, top-left origin; NaN behind the
  camera); ``source_in_frame`` / ``body_in_frame (T, B, 25)`` bool; ``present (T, B)``;
  ``body_joints_world (T, B, 25, 3)`` Blender world metres;
* ``render.log``: the worker's log; optional ``scene.blend``.

A bundle is built in a temporary sibling folder and renamed into place when complete, so a
folder under the final name is always complete; :func:`load_bundle` refuses one whose
manifest is missing or whose files do not match it. A process killed mid-build leaves its
temporary folder behind; :func:`remove_stale_temporaries` removes such folders once nothing
in them has changed for longer than any live build could take.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import FormatError, MissingInputError
from pipeline.io_utils import load_json_document

BUNDLE_FORMAT = "ciasa.render_bundle"
BUNDLE_VERSION = 1
MANIFEST, VIDEO, GROUND_TRUTH, LOG, BLEND = "manifest.json", "video.mp4", "ground_truth.npz", "render.log", "scene.blend"


@dataclass(frozen=True)
class RenderBundle:
    """A complete render bundle on disk.

    Attributes:
        path: the bundle folder.
        video: ``video.mp4``; ground_truth: ``ground_truth.npz``; blend: ``scene.blend`` or None.
        manifest: the parsed ``manifest.json``.
        skipped: True when an existing complete bundle was reused instead of rendering.
    """

    path: Path
    video: Path
    ground_truth: Path
    blend: Path | None
    manifest: dict[str, Any]
    skipped: bool = False


def _check_complete(path: Path) -> dict[str, Any]:
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise MissingInputError("incomplete render bundle: manifest.json is missing", path=path)
    doc = load_json_document(mpath, BUNDLE_FORMAT, "bundle manifest")
    if doc.get("version") != BUNDLE_VERSION:
        raise FormatError(f"not a {BUNDLE_FORMAT} v{BUNDLE_VERSION} manifest", path=mpath, field="version")
    files = doc.get("files")
    if not isinstance(files, dict) or VIDEO not in files or GROUND_TRUTH not in files:
        raise FormatError("manifest lists no video / ground truth", path=mpath, field="files")
    for name, size in files.items():
        f = path / name
        if not f.is_file():
            raise MissingInputError(f"incomplete render bundle: {name} is missing", path=path)
        if f.stat().st_size != size:
            raise FormatError(f"{name} has {f.stat().st_size} bytes, the manifest says {size}", path=f, field="files")
    return doc


def load_bundle(path: str | Path) -> RenderBundle:
    """Open a complete bundle; :class:`MissingInputError` / :class:`FormatError` if the
    manifest is missing or malformed or a file is missing or of the wrong size."""
    path = Path(path)
    doc = _check_complete(path)
    blend = path / BLEND if BLEND in doc["files"] else None
    return RenderBundle(path, path / VIDEO, path / GROUND_TRUTH, blend, doc)


def is_complete(path: str | Path) -> bool:
    """Whether ``path`` holds a complete bundle."""
    try:
        _check_complete(Path(path))
    except (MissingInputError, FormatError):
        return False
    return True


def write_bundle(final: str | Path, build: Callable[[Path], dict[str, Any]]) -> RenderBundle:
    """Build a bundle atomically.

    ``build(tmp_dir)`` writes the bundle's files into ``tmp_dir`` (a fresh sibling of
    ``final``) and returns the manifest body; the manifest (with ``format``, ``version``
    and every file's size added) is written last, then the folder is renamed to ``final``
    (an existing ``final`` is replaced). On any exception the temporary folder is removed
    and nothing under ``final`` changes.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        body = build(tmp)
        files = {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file() and p.name != MANIFEST}
        doc = {"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, **body, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(doc, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
            os.replace(final, old / final.name)
            try:
                os.replace(tmp, final)
            except BaseException:
                os.replace(old / final.name, final)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_bundle(final)


def remove_stale_temporaries(final: str | Path, older_than_s: float) -> list[Path]:
    """Remove the temporary siblings of bundle folder ``final`` (``.<name>.tmp-*``, and
    ``.<name>.old-*`` of an interrupted replacement) in which no file changed for more than
    ``older_than_s`` seconds: left by a killed process, since a live build is itself
    stopped within its worker's timeout. Returns the removed folders; a folder that cannot
    be read or removed is left alone."""
    final = Path(final)
    now = time.time()
    removed = []
    for prefix in (f".{final.name}.tmp-", f".{final.name}.old-"):
        for tmp in final.parent.glob(f"{glob.escape(prefix)}*"):
            try:
                newest = max([tmp.stat().st_mtime] + [(Path(root) / f).stat().st_mtime
                                                      for root, _, files in os.walk(tmp) for f in files])
            except OSError:
                continue
            if tmp.is_dir() and now - newest > older_than_s:
                shutil.rmtree(tmp, ignore_errors=True)
                removed.append(tmp)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
