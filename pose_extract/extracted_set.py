"""Extractions as a skeleton set and back, and as files: samples on their way into a set
(:class:`Row`), the set of them (:func:`assemble`, the set that
:func:`~pose_extract.bundles.extract_bundles` describes) and its samples again
(:func:`row_of_set`); :func:`merge_extractions` joins the parts of a batch extracted one
bundle at a time; :func:`save_extraction` / :func:`load_extraction` write and read a set
with its report; :func:`video_set` makes a one-sample set of a plain video.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import FormatError, MissingInputError
from pipeline.io_utils import atomic_outputs
from pipeline.skeleton_set import SkeletonSet, save_skeleton_set
from pose_extract.api import Extraction, extract_people
from pose_extract.config import ExtractConfig
from pose_extract.report import ExtractionError, ExtractReport, SampleOutcome, report_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """One extracted sample on its way into a set: ``joints (T, P, 25, 3)`` metres (Kinect
    camera frame, ``P`` people, main actor first, zero where a person is absent),
    ``valid (T,)`` the main actor's frames and ``people_valid (T, P)`` every person's, at
    the set's frame rate, plus what the set records."""

    name: str
    label: int
    joints: np.ndarray
    valid: np.ndarray
    detection_rate: float
    source_index: int
    bundle: dict[str, Any]
    people_valid: np.ndarray | None = None

    @property
    def bodies_valid(self) -> np.ndarray:
        """``(T, P)``: :attr:`people_valid`, or the main actor's ``valid`` and nobody else."""
        if self.people_valid is not None:
            return np.asarray(self.people_valid, dtype=bool)
        out = np.zeros(self.joints.shape[:2], dtype=bool)
        out[:, 0] = self.valid
        return out


def people_row(extractions: Sequence[Extraction], bodies: int, **fields: Any) -> Row:
    """A :class:`Row` of ``extractions`` (one per person, main actor first, at one frame
    rate) with room for ``bodies`` people (at least as many as extracted); ``fields``:
    the other :class:`Row` fields but ``joints``, ``valid``, ``people_valid`` and
    ``detection_rate`` (the main actor's)."""
    main = extractions[0]
    t = main.joints.shape[0]
    m = max(int(bodies), len(extractions))
    joints = np.zeros((t, m, 25, 3), dtype=np.float64)
    people_valid = np.zeros((t, m), dtype=bool)
    for k, ext in enumerate(extractions):
        if ext.joints.shape[0] != t:
            raise FormatError(f"person {k} has {ext.joints.shape[0]} frames, the main actor {t}",
                              path=ext.landmarks.path, field="joints")
        joints[:, k] = ext.joints
        people_valid[:, k] = ext.valid
    return Row(joints=joints, valid=main.valid, people_valid=people_valid, detection_rate=main.detection_rate,
               **fields)


def row_of_set(sset: SkeletonSet, k: int) -> Row:
    """Sample ``k`` of a set made by :func:`~pose_extract.bundles.extract_bundles` (the inverse of
    :func:`assemble`)."""
    nf = int(sset.num_frames[k])
    bundles = {b.get("name"): b for b in sset.provenance.get("bundles", []) if isinstance(b, dict)}
    name = str(sset.name[k])
    people_valid = None
    if "body_frame_valid" in sset.sample_meta:
        people_valid = np.asarray(sset.sample_meta["body_frame_valid"][k, :nf], dtype=bool)
    return Row(name=name, label=int(sset.label[k]), joints=np.transpose(sset.data[k, :, :nf], (1, 3, 2, 0)),
               valid=np.asarray(sset.sample_meta["frame_valid"][k, :nf], dtype=bool),
               detection_rate=float(sset.sample_meta["detection_rate"][k]),
               source_index=int(sset.sample_meta["source_index"][k]), bundle=bundles.get(name, {"name": name}),
               people_valid=people_valid)


def assemble(rows: list[Row], class_names: list[str], fps: float, settings: dict[str, Any]) -> SkeletonSet:
    """The set of ``rows``: ``data (N, 3, T, 25, M)`` with ``M`` the most people of any row
    (zero bodies where a sample has fewer), ``frame_valid (N, T)`` the main actor's frames
    and ``body_frame_valid (N, T, M)`` every body's."""
    n = len(rows)
    t_max = max(r.joints.shape[0] for r in rows)
    m = max(r.joints.shape[1] for r in rows)
    data = np.zeros((n, 3, t_max, 25, m), dtype=np.float32)
    frame_valid = np.zeros((n, t_max), dtype=bool)
    body_valid = np.zeros((n, t_max, m), dtype=bool)
    for k, r in enumerate(rows):
        t, p = r.joints.shape[:2]
        data[k, :, :t, :, :p] = np.transpose(r.joints, (3, 0, 2, 1))
        frame_valid[k, :t] = r.valid
        body_valid[k, :t, :p] = r.bodies_valid
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
            "body_frame_valid": body_valid,
            "detection_rate": np.array([r.detection_rate for r in rows], dtype=np.float64),
            "source_index": np.array([r.source_index for r in rows], dtype=np.int64),
        },
    )


def merge_extractions(
    parts: Sequence[tuple[SkeletonSet | None, ExtractReport]],
) -> tuple[SkeletonSet, ExtractReport]:
    """Join the results of :func:`~pose_extract.bundles.extract_bundle` (or
    :func:`~pose_extract.bundles.extract_bundles`) into one set and one report, as
    :func:`~pose_extract.bundles.extract_bundles` on all their bundles would give.

    The class names and frame rate are the first set's; a sample whose set has other class
    names or another frame rate, or whose name an earlier part already had, is marked
    failed in the report with the reason and left out of the set.

    Raises:
        ExtractionError: no sample of any part was extracted (the joined report attached).
    """
    outcomes: list[SampleOutcome] = []
    rows: list[Row] = []
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
                rows.append(row_of_set(sset, k))
                seen[name] = o.bundle
                continue
            o.status, o.reason = "failed", problem
            log.info("sample %s left out of the merged set: %s", name, problem)
    settings["renders"] = renders
    report = ExtractReport(samples=outcomes, settings=settings)
    if ref is None or not rows:
        raise ExtractionError(f"none of the {len(outcomes)} render bundles could be extracted", report=report)
    return assemble(rows, list(ref.class_names), float(ref.fps), settings), report


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
    (label -1, no class names), the camera from ``fov_deg`` (default the Kinect v2's), with
    up to ``config.max_people`` people (1 when None); returns the set and the main actor's
    :class:`Extraction`.

    Raises:
        MissingInputError, FormatError: as :func:`~pose_extract.api.extract_video`, and
            FormatError when no frame has a person.
    """
    path = Path(path)
    people = extract_people(path, fov_deg=fov_deg, fps=fps, config=config)
    ext = people[0]
    if not ext.valid.any():
        raise FormatError("no person detected in any frame", path=path)
    row = people_row(people, len(people), name=path.stem, label=-1, source_index=-1, bundle={"name": path.stem})
    sset = assemble([row], [], ext.fps, {})
    return replace(sset, provenance={"stage": "pose_extract", "video": str(path), "extractor": ext.parameters}), ext
