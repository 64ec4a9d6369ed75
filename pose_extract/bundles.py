"""Render bundles -> one skeleton set (NTU-25, Kinect camera frame) plus a per-sample report.

A render bundle is read as files only (the render stage's package is not imported): its
``manifest.json`` (format ``ciasa.render_bundle`` v1: the ``sample`` block gives the name,
label and class name, ``source.fps`` the source set's frame rate, ``intrinsics`` the
camera), its ``video.mp4`` and, when present, its ``ground_truth.npz`` (for the metrics of
:mod:`pose_extract.metrics`).

The set (:func:`extract_bundles`) holds one sample per successful bundle, in bundle-folder
order: ``data (N, 3, T, 25, 1)`` metres in the Kinect camera frame at the source set's
frame rate, zero-padded after ``num_frames``; ``sample_meta``: ``frame_valid (N, T)`` bool
(detected or interpolated; false for held frames and padding, see
:mod:`pose_extract.sequence`), ``detection_rate (N,)`` and ``source_index (N,)`` (the
sample's index in the source set, -1 if unknown). Class names come from the source set's
manifest when every bundle names the same readable source set (``source.path``, a relative
path taken from the current folder) and agrees with it, else from the bundles' ``(label,
class_name)`` pairs (``class_<k>`` for labels no bundle names).

A bundle that cannot be used (no manifest, a malformed one, an unreadable video, no person
in any frame, a duplicate name or a class name that contradicts another bundle's) is
recorded as failed in the report with the reason; the others go on.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import CiasaError, FormatError, MissingInputError
from pipeline.io_utils import atomic_outputs, load_json_document
from pipeline.skeleton_set import SkeletonSet, save_skeleton_set
from pose_extract.api import Extraction, extract_video
from pose_extract.config import ExtractConfig, make_config
from pose_extract.lifting import CameraIntrinsics
from pose_extract.metrics import pose_errors

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "ciasa.render_bundle"
BUNDLE_VERSION = 1
MANIFEST, VIDEO, GROUND_TRUTH = "manifest.json", "video.mp4", "ground_truth.npz"
REPORT_FORMAT = "ciasa.extract_report"
REPORT_VERSION = 1
#: Frame rate of the output when neither the settings nor any manifest gives one.
FALLBACK_FPS = 30.0


class ExtractionError(CiasaError):
    """No bundle of a batch could be extracted; ``report`` holds every sample's reason."""

    def __init__(self, reason: str, *, report: "ExtractReport", **kw: Any) -> None:
        self.report = report
        super().__init__(reason, **kw)


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
    )


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


@dataclass
class SampleOutcome:
    """One bundle's outcome.

    Attributes:
        bundle: the bundle folder; name: sample name (the folder name until read).
        status: ``"ok"`` or ``"failed"``; reason: why it failed (one line), or None.
        counts: frame counts (:meth:`Extraction.outcome`).
        metrics: ``{"source_joints": {...}, "body_joints": {...}}`` errors against the
            ground truth (:class:`~pose_extract.metrics.PoseErrors`), or ``{"error": ...}``
            when the ground truth is unreadable, or empty without ground truth.
        warnings: notes that did not fail the sample.
    """

    bundle: str
    name: str
    status: str = "ok"
    reason: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bundle": self.bundle, "status": self.status, "reason": self.reason,
                **self.counts, "metrics": self.metrics, "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "SampleOutcome":
        """The inverse of :meth:`to_dict` (the keys it does not name are the counts)."""
        rest = {k: v for k, v in doc.items() if k not in _OUTCOME_KEYS}
        return cls(bundle=str(doc["bundle"]), name=str(doc["name"]), status=str(doc["status"]),
                   reason=doc.get("reason"), counts=rest, metrics=dict(doc.get("metrics") or {}),
                   warnings=list(doc.get("warnings") or []))


_OUTCOME_KEYS = ("name", "bundle", "status", "reason", "metrics", "warnings")


#: Metrics averaged over samples in the report's summary.
SUMMARY_METRICS = ("mpjpe_mm", "root_relative_mpjpe_mm", "pa_mpjpe_mm", "root_error_mm", "swap_rate")


@dataclass
class ExtractReport:
    """Outcomes of a batch plus the settings; :meth:`to_dict` is the report JSON."""

    samples: list[SampleOutcome]
    settings: dict[str, Any]

    @property
    def failed(self) -> list[SampleOutcome]:
        return [s for s in self.samples if not s.ok]

    def summary(self) -> dict[str, Any]:
        """Counts, the mean detection rate and, per ground truth, the mean of every
        :data:`SUMMARY_METRICS` entry over the successful samples that have it."""
        ok = [s for s in self.samples if s.ok]
        out: dict[str, Any] = {
            "samples": len(self.samples), "ok": len(ok), "failed": len(self.samples) - len(ok),
            "mean_detection_rate": (round(float(np.mean([s.counts["detection_rate"] for s in ok])), 4)
                                    if ok else None),
        }
        for gt in ("source_joints", "body_joints"):
            rows = [s.metrics[gt] for s in ok if isinstance(s.metrics.get(gt), dict)]
            means = {}
            for key in SUMMARY_METRICS:
                vals = [r[key] for r in rows if r.get(key) is not None]
                means[key] = round(float(np.mean(vals)), 3) if vals else None
            if rows:
                out[f"mean_vs_{gt}"] = {"samples": len(rows), **means}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, "version": REPORT_VERSION, "summary": self.summary(),
                "settings": self.settings, "samples": [s.to_dict() for s in self.samples]}

    @classmethod
    def from_dict(cls, doc: Any, *, path: str | Path | None = None) -> "ExtractReport":
        """Read a report written by :meth:`to_dict`; :class:`FormatError` (``path`` named)
        when it is not one."""
        if not isinstance(doc, dict) or doc.get("format") != REPORT_FORMAT:
            raise FormatError(f"not a {REPORT_FORMAT} document", path=path, field="format")
        samples = doc.get("samples")
        if not isinstance(samples, list):
            raise FormatError("samples must be a list", path=path, field="samples")
        try:
            outcomes = [SampleOutcome.from_dict(d) for d in samples]
        except (KeyError, TypeError, AttributeError) as exc:
            raise FormatError(f"malformed sample entry: {exc}", path=path, field="samples") from None
        return cls(samples=outcomes, settings=dict(doc.get("settings") or {}))


def _ground_truth_metrics(info: BundleInfo, ext: Extraction) -> dict[str, Any]:
    """Errors against ``source_joints`` and ``body_joints`` (body 0), per video frame."""
    if info.ground_truth is None:
        return {}
    try:
        with np.load(info.ground_truth, allow_pickle=False) as z:
            gt = {k: np.asarray(z[k], dtype=np.float64) for k in ("source_joints", "body_joints")}
            present = np.asarray(z["present"], dtype=bool) if "present" in z.files else None
    except KeyError as exc:
        return {"error": f"{info.ground_truth}: array {exc} missing"}
    except (ValueError, OSError, EOFError) as exc:
        return {"error": f"{info.ground_truth}: unreadable: {exc}"}
    out: dict[str, Any] = {}
    for key, arr in gt.items():
        if arr.ndim != 4 or arr.shape[2:] != (25, 3) or arr.shape[1] < 1:
            out[key] = {"error": f"shape {arr.shape}, expected (T, B, 25, 3)"}
            continue
        t = min(arr.shape[0], ext.video_joints.shape[0])
        mask = ext.video_valid[:t].copy()
        if present is not None and present.ndim == 2 and present.shape[0] >= t:
            mask &= present[:t, 0]
        out[key] = pose_errors(ext.video_joints[:t], arr[:t, 0], mask).to_dict()
    return out


def _class_list(value: Any, *, path: Path) -> tuple[str, ...] | None:
    """``source.class_names`` of a bundle manifest: absent (older bundles) -> None."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise FormatError(f"must be a list of str, got {value!r:.80}", path=path, field="source.class_names")
    return tuple(value)


def _source_class_names(infos: list[BundleInfo]) -> list[str] | None:
    """The source set's class names: those every bundle's manifest records (identical in
    all of them), else those of the source set manifest when every bundle names the same
    readable one and agrees with it; None otherwise."""
    from pipeline.skeleton_set import MANIFEST_FORMAT, check_metadata, manifest_path

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


def _class_names(infos: list[BundleInfo], outcomes: dict[str, SampleOutcome]) -> list[str]:
    """Class names for the set; bundles whose class name contradicts an earlier bundle's
    are marked failed in ``outcomes``."""
    names = _source_class_names(infos)
    if names is not None:
        return names
    seen: dict[int, tuple[str, str]] = {}
    for i in infos:
        if i.label < 0 or i.class_name is None:
            continue
        if i.label in seen and seen[i.label][0] != i.class_name:
            o = outcomes[i.name]
            o.status = "failed"
            o.reason = (f"sample.class_name {i.class_name!r} for label {i.label} contradicts "
                        f"{seen[i.label][0]!r} in sample {seen[i.label][1]}")
            continue
        seen.setdefault(i.label, (i.class_name, i.name))
    size = max((i.label + 1 for i in infos), default=0)
    return [seen[k][0] if k in seen else f"class_{k}" for k in range(size)]


def _output_fps(cfg: ExtractConfig, infos: list[BundleInfo]) -> float:
    if cfg.fps is not None:
        return float(cfg.fps)
    rates = Counter(i.source_fps for i in infos if i.source_fps is not None)
    if not rates:
        log.warning("no manifest gives the source frame rate; output at %.3g fps", FALLBACK_FPS)
        return FALLBACK_FPS
    fps, _ = rates.most_common(1)[0]
    if len(rates) > 1:
        log.warning("bundles come from sets of different frame rates %s; all resampled to %.3g fps",
                    sorted(rates), fps)
    return float(fps)


def _fail(outcome: SampleOutcome, exc: BaseException) -> None:
    outcome.status = "failed"
    outcome.reason = " ".join(str(exc).split()) if isinstance(exc, CiasaError) else \
        f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    log.info("sample %s failed: %s", outcome.name, outcome.reason)


def extract_bundles(
    renders: str | Path | Sequence[str | Path],
    *,
    config: ExtractConfig | None = None,
    fps: float | None = None,
    on_sample: Callable[[SampleOutcome], None] | None = None,
) -> tuple[SkeletonSet, ExtractReport]:
    """Extract every render bundle of ``renders`` into one skeleton set.

    Args:
        renders: a folder of bundle folders, one bundle folder, or a list of bundle folders.
        config: extraction settings (:class:`ExtractConfig`); the camera of each bundle
            comes from its manifest (``config.fov_deg`` is not used).
        fps: output frame rate (default ``config.fps``, else the source set's from the
            manifests).
        on_sample: called with each bundle's outcome as it finishes (progress).

    Returns:
        The set of the successful samples (module docstring) and the report of all.

    Raises:
        MissingInputError: ``renders`` is not a folder or holds no bundle folder.
        ExtractionError: no bundle could be extracted (the report is attached).
    """
    cfg = make_config(config, fps=fps)
    folders = find_bundles(renders)
    outcomes: dict[str, SampleOutcome] = {}
    order: list[SampleOutcome] = []
    infos: list[BundleInfo] = []
    for folder in folders:
        o = SampleOutcome(bundle=str(folder), name=folder.name)
        order.append(o)
        try:
            info = read_bundle(folder)
            o.name = info.name
            if info.name in outcomes:
                raise FormatError(f"duplicate sample name (also in {outcomes[info.name].bundle})",
                                  path=folder / MANIFEST, field="sample.name")
        except Exception as exc:  # noqa: BLE001 - one bad bundle must not stop the batch
            _fail(o, exc)
            if on_sample is not None:
                on_sample(o)
            continue
        outcomes[info.name] = o
        infos.append(info)
    out_fps = _output_fps(cfg, infos)
    class_names = _class_names(infos, outcomes)
    run_cfg = make_config(cfg, fps=out_fps)
    results: list[tuple[BundleInfo, Extraction]] = []
    for info in infos:
        o = outcomes[info.name]
        if o.ok:
            try:
                ext = extract_video(info.video, intrinsics=info.intrinsics, config=run_cfg)
                o.counts = ext.outcome()
                if info.video_frames is not None and info.video_frames != ext.landmarks.num_frames:
                    o.warnings.append(f"decoded {ext.landmarks.num_frames} frames, the manifest says "
                                      f"{info.video_frames}")
                if not ext.valid.any():
                    raise FormatError("no person detected in any frame", path=info.video)
                o.metrics = _ground_truth_metrics(info, ext)
                results.append((info, ext))
            except Exception as exc:  # noqa: BLE001 - one bad bundle must not stop the batch
                _fail(o, exc)
        if on_sample is not None:
            on_sample(o)
    settings = {"config": run_cfg.model_dump(), "fps": out_fps, "renders": [str(f) for f in folders]}
    if results:
        settings["extractor"] = {k: v for k, v in results[0][1].parameters.items() if k != "intrinsics"}
    report = ExtractReport(samples=order, settings=settings)
    if not results:
        raise ExtractionError(f"none of the {len(folders)} render bundles could be extracted", report=report,
                              path=renders if isinstance(renders, (str, Path)) else None)
    return _build_set(results, class_names, out_fps, settings), report


@dataclass(frozen=True)
class _Row:
    """One extracted sample on its way into a set: ``joints (T, 25, 3)`` metres (Kinect
    camera frame) and ``valid (T,)`` at the set's frame rate, plus what the set records."""

    name: str
    label: int
    joints: np.ndarray
    valid: np.ndarray
    detection_rate: float
    source_index: int
    bundle: dict[str, Any]


def _row(info: BundleInfo, ext: Extraction) -> _Row:
    return _Row(name=info.name, label=info.label, joints=ext.joints, valid=ext.valid,
                detection_rate=ext.detection_rate, source_index=info.source_index,
                bundle={"name": info.name, "path": str(info.path), "request_key": info.request_key,
                        "source": info.source_path, "intrinsics": ext.intrinsics.to_dict()})


def _row_of_set(sset: SkeletonSet, k: int) -> _Row:
    """Sample ``k`` of a set made by :func:`extract_bundles` (the inverse of :func:`_assemble`)."""
    nf = int(sset.num_frames[k])
    bundles = {b.get("name"): b for b in sset.provenance.get("bundles", []) if isinstance(b, dict)}
    name = str(sset.name[k])
    return _Row(name=name, label=int(sset.label[k]), joints=np.transpose(sset.data[k, :, :nf, :, 0], (1, 2, 0)),
                valid=np.asarray(sset.sample_meta["frame_valid"][k, :nf], dtype=bool),
                detection_rate=float(sset.sample_meta["detection_rate"][k]),
                source_index=int(sset.sample_meta["source_index"][k]), bundle=bundles.get(name, {"name": name}))


def _build_set(results: list[tuple[BundleInfo, Extraction]], class_names: list[str], fps: float,
               settings: dict[str, Any]) -> SkeletonSet:
    return _assemble([_row(info, ext) for info, ext in results], class_names, fps, settings)


def _assemble(rows: list[_Row], class_names: list[str], fps: float, settings: dict[str, Any]) -> SkeletonSet:
    n = len(rows)
    t_max = max(r.joints.shape[0] for r in rows)
    data = np.zeros((n, 3, t_max, 25, 1), dtype=np.float32)
    frame_valid = np.zeros((n, t_max), dtype=bool)
    for k, r in enumerate(rows):
        t = r.joints.shape[0]
        data[k, :, :t, :, 0] = np.transpose(r.joints, (2, 0, 1))
        frame_valid[k, :t] = r.valid
    provenance = {"stage": "pose_extract", **settings, "bundles": [r.bundle for r in rows]}
    return SkeletonSet(
        data=data,
        label=np.array([r.label for r in rows], dtype=np.int64),
        name=np.array([r.name for r in rows]),
        num_frames=np.array([r.joints.shape[0] for r in rows], dtype=np.int64),
        layout="ntu25",
        fps=fps,
        coordinate_frame="kinect_camera",
        class_names=class_names,
        provenance=provenance,
        sample_meta={
            "frame_valid": frame_valid,
            "detection_rate": np.array([r.detection_rate for r in rows], dtype=np.float64),
            "source_index": np.array([r.source_index for r in rows], dtype=np.int64),
        },
    )


def extract_bundle(folder: str | Path, *, config: ExtractConfig | None = None,
                   fps: float | None = None) -> tuple[SkeletonSet | None, ExtractReport]:
    """Extract one render bundle (:func:`extract_bundles` on it alone): a one-sample set,
    or None when the bundle could not be extracted, and its one-sample report (the reason
    of a failure is in it). Only a bad setting raises. Give ``fps`` (or ``config.fps``)
    when the results are merged with :func:`merge_extractions`, so that every part has
    the same frame rate."""
    try:
        return extract_bundles([Path(folder)], config=config, fps=fps)
    except ExtractionError as exc:
        return None, exc.report


def merge_extractions(
    parts: Sequence[tuple[SkeletonSet | None, ExtractReport]],
) -> tuple[SkeletonSet, ExtractReport]:
    """Join the results of :func:`extract_bundle` (or :func:`extract_bundles`) into one set
    and one report, as :func:`extract_bundles` on all their bundles would give.

    The class names and frame rate are the first set's; a sample whose set has other class
    names or another frame rate, or whose name an earlier part already had, is marked
    failed in the report with the reason and left out of the set.

    Raises:
        ExtractionError: no sample of any part was extracted (the joined report attached).
    """
    outcomes: list[SampleOutcome] = []
    rows: list[_Row] = []
    seen: dict[str, str] = {}
    ref: SkeletonSet | None = None
    settings: dict[str, Any] = {}
    renders: list[str] = []
    for sset, report in parts:
        outcomes.extend(report.samples)
        renders.extend(str(r) for r in report.settings.get("renders", []))
        if not settings or ("extractor" in report.settings and "extractor" not in settings):
            settings = dict(report.settings)
        if sset is None:
            continue
        by_name = {o.name: o for o in report.samples}
        ref = ref or sset
        for k in range(len(sset)):
            name = str(sset.name[k])
            o = by_name.get(name) or SampleOutcome(bundle="", name=name)
            if name in seen:
                problem = f"duplicate sample name (also in {seen[name]})"
            elif list(sset.class_names) != list(ref.class_names):
                problem = "its class names differ from those of the other bundles' source set"
            elif float(sset.fps) != float(ref.fps):
                problem = f"extracted at {float(sset.fps):g} fps, the others at {float(ref.fps):g} fps"
            else:
                rows.append(_row_of_set(sset, k))
                seen[name] = o.bundle
                continue
            o.status, o.reason = "failed", problem
            log.info("sample %s left out of the merged set: %s", name, problem)
    settings["renders"] = renders
    report = ExtractReport(samples=outcomes, settings=settings)
    if ref is None or not rows:
        raise ExtractionError(f"none of the {len(outcomes)} render bundles could be extracted", report=report)
    return _assemble(rows, list(ref.class_names), float(ref.fps), settings), report


def load_extraction(out: str | Path) -> tuple[SkeletonSet | None, ExtractReport]:
    """Read what :func:`save_extraction` wrote at ``out``: the set (None when only the
    report was written) and the report."""
    from pipeline.io_utils import load_json
    from pipeline.skeleton_set import load_skeleton_set

    out = Path(out)
    if out.suffix != ".npz":
        out = out.with_suffix(".npz")
    rpath = report_path(out)
    if not rpath.is_file():
        raise MissingInputError("no extraction report", path=rpath)
    report = ExtractReport.from_dict(load_json(rpath, "extraction report"), path=rpath)
    return (load_skeleton_set(out) if out.is_file() else None), report


def report_path(out: str | Path) -> Path:
    """``<out stem>_report.json`` beside the set's ``.npz``."""
    out = Path(out)
    return out.with_name(f"{out.stem}_report.json")


def save_extraction(
    sset: SkeletonSet | None, report: ExtractReport | None, out: str | Path
) -> tuple[Path | None, Path | None]:
    """Write the set (``out``, ``.npz`` and its ``.json`` manifest) and the report
    (:func:`report_path`) atomically, together; either may be None (not written).

    Returns the paths written (None for what was not)."""
    out = Path(out)
    if out.suffix != ".npz":
        out = out.with_suffix(".npz")
    written_set = written_report = None
    with atomic_outputs() as group:
        if sset is not None:
            written_set = save_skeleton_set(sset, out)
        if report is not None:
            written_report = report_path(out)
            group.path(written_report).write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    return written_set, written_report


def video_set(path: str | Path, *, config: ExtractConfig | None = None, fov_deg: float | None = None,
              fps: float | None = None) -> tuple[SkeletonSet, Extraction]:
    """Extract one video (no render manifest) into a one-sample set named after the file
    (label -1, no class names), the camera from ``fov_deg`` (default the Kinect v2's).

    Raises:
        MissingInputError, FormatError: as :func:`~pose_extract.api.extract_video`, and
            FormatError when no frame has a person.
    """
    path = Path(path)
    ext = extract_video(path, fov_deg=fov_deg, fps=fps, config=config)
    if not ext.valid.any():
        raise FormatError("no person detected in any frame", path=path)
    data = np.zeros((1, 3, ext.num_frames, 25, 1), dtype=np.float32)
    data[0, :, :, :, 0] = np.transpose(ext.joints, (2, 0, 1))
    sset = SkeletonSet(
        data=data, label=np.array([-1]), name=np.array([path.stem]), num_frames=np.array([ext.num_frames]),
        layout="ntu25", fps=ext.fps, coordinate_frame="kinect_camera", class_names=[],
        provenance={"stage": "pose_extract", "video": str(path), "extractor": ext.parameters},
        sample_meta={"frame_valid": ext.valid[None], "detection_rate": np.array([ext.detection_rate]),
                     "source_index": np.array([-1])},
    )
    return sset, ext
