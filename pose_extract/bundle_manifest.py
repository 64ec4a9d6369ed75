"""Reading render bundles as files: a bundle folder's manifest, video and ground truth,
the bundle folders of a batch, and the class names of the bundles' source set.

A render bundle is read as files only (the render stage's package is not imported): its
``manifest.json`` (format ``ciasa.render_bundle`` v1: the ``sample`` block gives the name,
label and class name, ``source.fps`` the source set's frame rate, ``intrinsics`` the
camera), its ``video.mp4`` and, when present, its ``ground_truth.npz`` (for the metrics of
:mod:`pose_extract.metrics`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import CiasaError, FormatError, MissingInputError
from pipeline.io_utils import load_json_document
from pose_extract.lifting import CameraIntrinsics

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "ciasa.render_bundle"
BUNDLE_VERSION = 1
MANIFEST, VIDEO, GROUND_TRUTH = "manifest.json", "video.mp4", "ground_truth.npz"


@dataclass(frozen=True)
class BundleInfo:
    """What extraction needs from one render bundle's manifest.

    Attributes:
        path: the bundle folder; video: its video file; ground_truth: ``ground_truth.npz``
            or None when absent.
        name: sample name; label: class index (-1: unknown); class_name: or None.
        source_index: index of the sample in the source set (-1: unknown).
        source_fps: the source set's frame rate, or None.
        source_path: the source set's file as the manifest records it, or None.
        source_classes: the source set's class names as the manifest records them
            (``source.class_names``, written by the render stage since 2026-11-22), or None.
        intrinsics: the render camera.
        video_frames: frames the manifest says the video has, or None.
        request_key: the render request's key, or None.
        bodies: people rendered in the video (``body.bodies`` of the manifest; 1 when
            the manifest does not list them).
    """

    path: Path
    video: Path
    ground_truth: Path | None
    name: str
    label: int
    class_name: str | None
    source_index: int
    source_fps: float | None
    source_path: str | None
    source_classes: tuple[str, ...] | None
    intrinsics: CameraIntrinsics
    video_frames: int | None
    request_key: str | None
    bodies: int = 1


def _int(value: Any, *, path: Path, field: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"must be an integer, got {value!r}", path=path, field=field)
    return int(value)


def read_bundle(path: str | Path) -> BundleInfo:
    """Read a render bundle's manifest.

    Raises:
        MissingInputError: the folder, its ``manifest.json`` or its video is missing.
        FormatError: the manifest is not a ``ciasa.render_bundle`` v1 document or a field
            extraction needs (``sample.name``, ``sample.label``, ``intrinsics``...) is
            missing or malformed (the manifest and field named).
    """
    path = Path(path)
    if not path.is_dir():
        raise MissingInputError("no such render bundle folder", path=path)
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise MissingInputError("not a render bundle: manifest.json is missing", path=path)
    doc = load_json_document(mpath, BUNDLE_FORMAT, "render bundle manifest")
    if doc.get("version") != BUNDLE_VERSION or isinstance(doc.get("version"), bool):
        raise FormatError(f"unsupported version {doc.get('version')!r} (readable: {BUNDLE_VERSION})",
                          path=mpath, field="version")
    sample = doc.get("sample")
    if not isinstance(sample, dict):
        raise FormatError("missing or not an object", path=mpath, field="sample")
    name = sample.get("name")
    if not isinstance(name, str) or not name:
        raise FormatError(f"must be a non-empty str, got {name!r}", path=mpath, field="sample.name")
    label = _int(sample.get("label"), path=mpath, field="sample.label")
    if label < -1:
        raise FormatError(f"must be >= -1, got {label}", path=mpath, field="sample.label")
    class_name = sample.get("class_name")
    if class_name is not None and not isinstance(class_name, str):
        raise FormatError(f"must be a str, got {class_name!r}", path=mpath, field="sample.class_name")
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    fps = source.get("fps")
    if fps is not None and (isinstance(fps, bool) or not isinstance(fps, (int, float))
                            or not math.isfinite(fps) or fps <= 0):
        raise FormatError(f"must be a number > 0, got {fps!r}", path=mpath, field="source.fps")
    video_block = doc.get("video") if isinstance(doc.get("video"), dict) else {}
    vname = video_block.get("file", VIDEO)
    if not isinstance(vname, str) or Path(vname).name != vname or not vname:
        raise FormatError(f"must be a file name inside the bundle, got {vname!r}", path=mpath, field="video.file")
    video = path / vname
    if not video.is_file():
        raise MissingInputError(f"incomplete render bundle: {vname} is missing", path=path)
    frames = video_block.get("frames")
    gt = path / GROUND_TRUTH
    return BundleInfo(
        path=path, video=video, ground_truth=gt if gt.is_file() else None, name=name, label=label,
        class_name=class_name, source_index=_int(sample.get("index"), path=mpath, field="sample.index", default=-1),
        source_fps=None if fps is None else float(fps),
        source_path=source.get("path") if isinstance(source.get("path"), str) else None,
        source_classes=_class_list(source.get("class_names"), path=mpath),
        intrinsics=CameraIntrinsics.from_dict(doc.get("intrinsics"), path=mpath),
        video_frames=frames if isinstance(frames, int) and not isinstance(frames, bool) else None,
        request_key=doc.get("request_key") if isinstance(doc.get("request_key"), str) else None,
        bodies=_bodies(doc),
    )


def _bodies(doc: dict[str, Any]) -> int:
    """People rendered: the length of ``body.bodies`` (at least 1; 1 when absent)."""
    body = doc.get("body") if isinstance(doc.get("body"), dict) else {}
    listed = body.get("bodies")
    return max(1, len(listed)) if isinstance(listed, list) else 1


def find_bundles(renders: str | Path | Sequence[str | Path]) -> list[Path]:
    """Bundle folders to extract: a list of folders as given; one folder that has a
    ``manifest.json`` (a single bundle); or every non-hidden sub-folder of a parent folder
    (sorted by name; sub-folders without a manifest are kept so the batch reports them).

    Raises:
        MissingInputError: the folder does not exist or holds no sub-folder.
    """
    if not isinstance(renders, (str, Path)):
        return [Path(p) for p in renders]
    root = Path(renders)
    if not root.is_dir():
        raise MissingInputError("no such folder of render bundles", path=root)
    if (root / MANIFEST).is_file():
        return [root]
    subs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subs:
        raise MissingInputError("no render bundles here (neither manifest.json nor bundle sub-folders)",
                                path=root)
    return subs


def _class_list(value: Any, *, path: Path) -> tuple[str, ...] | None:
    """``source.class_names`` of a bundle manifest: absent (older bundles) -> None."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise FormatError(f"must be a list of str, got {value!r:.80}", path=path, field="source.class_names")
    return tuple(value)


def source_class_names(infos: list[BundleInfo]) -> list[str] | None:
    """The source set's class names: those every bundle's manifest records (identical in
    all of them), else those of the source set manifest when every bundle names the same
    readable one and agrees with it; None otherwise."""
    from pipeline.set_metadata import check_metadata
    from pipeline.skeleton_set import MANIFEST_FORMAT, manifest_path

    recorded = {i.source_classes for i in infos}
    if len(recorded) == 1 and None not in recorded:
        names = list(recorded.pop())
        if all(i.label < len(names) and (i.label < 0 or i.class_name is None or names[i.label] == i.class_name)
               for i in infos):
            return names
        log.info("bundle manifests' source.class_names disagree with their sample labels; not used")
    sources = {i.source_path for i in infos}
    if len(sources) != 1 or None in sources:
        return None
    mpath = manifest_path(Path(sources.pop()))
    try:
        doc = load_json_document(mpath, MANIFEST_FORMAT, "manifest")
        names = check_metadata(doc, path=mpath).get("class_names")
    except (CiasaError, OSError) as exc:
        log.info("source set manifest not used for class names: %s", exc)
        return None
    if not names:
        return None
    for i in infos:
        if i.label >= len(names) or (i.label >= 0 and i.class_name is not None and names[i.label] != i.class_name):
            log.info("source set manifest %s disagrees with bundle %s; class names from the bundles", mpath, i.path)
            return None
    return list(names)
