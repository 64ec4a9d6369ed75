"""Render bundles -> one skeleton set (NTU-25, Kinect camera frame) plus a per-sample report.

The bundles are read with :mod:`pose_extract.bundle_manifest`, each sample's outcome is
recorded in :mod:`pose_extract.report`, and the set is assembled (and merged, saved and
loaded) by :mod:`pose_extract.extracted_set`; this module runs the batch.

The set (:func:`extract_bundles`) holds one sample per successful bundle, in bundle-folder
order: ``data (N, 3, T, 25, M)`` metres in the Kinect camera frame at the source set's
frame rate, zero-padded after ``num_frames``; ``M`` people per video, main actor first
(``ExtractConfig.max_people``; by default as many as each bundle rendered, the set
sized for the most-populated bundle, zero bodies where fewer were found);
``sample_meta``: ``frame_valid (N, T)`` bool, the main actor's frames (detected or
interpolated; false for held frames and padding, see :mod:`pose_extract.sequence`),
``body_frame_valid (N, T, M)`` every body's, ``detection_rate (N,)`` (the main actor's)
and ``source_index (N,)`` (the sample's index in the source set, -1 if unknown). With
ground truth, the report pairs recovered people with rendered bodies and gives each
body's errors, the share of frames with every body recovered and the identity swaps
(:mod:`pose_extract.people_metrics`). Class names come from the source set's
manifest when every bundle names the same readable source set (``source.path``, a relative
path taken from the current folder) and agrees with it, else from the bundles' ``(label,
class_name)`` pairs (``class_<k>`` for labels no bundle names).

A bundle that cannot be used (no manifest, a malformed one, an unreadable video, no person
in any frame, a duplicate name or a class name that contradicts another bundle's) is
recorded as failed in the report with the reason; the others go on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import CiasaError, FormatError
from pipeline.skeleton_set import SkeletonSet
from pose_extract.api import Extraction, extract_people
from pose_extract.bundle_manifest import MANIFEST, BundleInfo, find_bundles, read_bundle, source_class_names
from pose_extract.config import ExtractConfig, make_config
from pose_extract.extracted_set import Row, assemble, people_row
from pose_extract.metrics import pose_errors
from pose_extract.people_metrics import match_people, recoverable_frames
from pose_extract.report import ExtractionError, ExtractReport, SampleOutcome

log = logging.getLogger(__name__)

#: Frame rate of the output when neither the settings nor any manifest gives one.
FALLBACK_FPS = 30.0


def rendered_people(info: BundleInfo, config: ExtractConfig) -> list[Extraction]:
    """:func:`~pose_extract.api.extract_people` on a bundle's video with its intrinsics, for
    as many people as the bundle rendered (unless ``config.max_people`` says otherwise) and
    without the more-people sentinel: the renderer drew exactly those people, so a further
    detection is a remnant of the painted-over actors, not a person."""
    return extract_people(info.video, intrinsics=info.intrinsics,
                          config=make_config(config, max_people=config.max_people or info.bodies), check_more=False)


def _ground_truth_metrics(info: BundleInfo, people: list[Extraction]) -> dict[str, Any]:
    """Errors against ``source_joints`` and ``body_joints`` of body 0, per video frame, of
    the recovered person paired with body 0 (:func:`~pose_extract.people_metrics.match_people`
    on ``body_joints``; the main actor when a single body was rendered); with several bodies
    or people also ``people``: the pairing, recovery and identity-swap rates and every
    further body's errors."""
    if info.ground_truth is None:
        return {}
    try:
        with np.load(info.ground_truth, allow_pickle=False) as z:
            gt = {k: np.asarray(z[k], dtype=np.float64) for k in ("source_joints", "body_joints")}
            present = np.asarray(z["present"], dtype=bool) if "present" in z.files else None
            in_frame = np.asarray(z["body_in_frame"], dtype=bool) if "body_in_frame" in z.files else None
    except KeyError as exc:
        return {"error": f"{info.ground_truth}: array {exc} missing"}
    except (ValueError, OSError, EOFError) as exc:
        return {"error": f"{info.ground_truth}: unreadable: {exc}"}
    out: dict[str, Any] = {}
    bad = {key: arr.shape for key, arr in gt.items() if arr.ndim != 4 or arr.shape[2:] != (25, 3) or arr.shape[1] < 1}
    for key, shape in bad.items():
        out[key] = {"error": f"shape {shape}, expected (T, B, 25, 3)"}
    good = [key for key in gt if key not in bad]
    if not good:
        return out
    t = min(min(gt[k].shape[0] for k in good), people[0].video_joints.shape[0])
    n_bodies = gt[good[0]].shape[1]
    pairing = list(range(min(n_bodies, len(people))))
    match = None
    if n_bodies > 1 or len(people) > 1:
        pred = np.stack([p.video_joints[:t] for p in people])
        valid = np.stack([p.video_valid[:t] for p in people])
        ref = gt["body_joints"] if "body_joints" in good else gt[good[0]]
        rec = recoverable_frames(present, in_frame, (t, n_bodies))
        match = match_people(pred, valid, ref[:t], rec)
        pairing = [int(x) for x in match.person_of_body]
    for key in good:
        arr = gt[key]
        per_body = []
        for b, p in enumerate(pairing):
            if p < 0:
                per_body.append(None)
                continue
            mask = people[p].video_valid[:t].copy()
            if present is not None and present.ndim == 2 and present.shape[0] >= t and present.shape[1] > b:
                mask &= present[:t, b]
            per_body.append(pose_errors(people[p].video_joints[:t], arr[:t, b], mask).to_dict())
        out[key] = per_body[0] if per_body and per_body[0] is not None else {"error": "body 0 was not recovered"}
        if match is not None:
            out.setdefault("people", match.to_dict())[f"{key}_per_body"] = per_body
    return out


def _class_names(infos: list[BundleInfo], outcomes: dict[str, SampleOutcome]) -> list[str]:
    """Class names for the set; bundles whose class name contradicts an earlier bundle's
    are marked failed in ``outcomes``."""
    names = source_class_names(infos)
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
    if cfg.adapter == "learned":  # a bad adapter file is the user's one error, not every bundle's
        from pose_extract.api import learned_adapter

        learned_adapter(cfg.adapter_file)
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
    results: list[tuple[BundleInfo, list[Extraction]]] = []
    for info in infos:
        o = outcomes[info.name]
        if o.ok:
            try:
                people = rendered_people(info, run_cfg)
                ext = people[0]
                o.counts = {**ext.outcome(), "people": len(people)}
                if info.video_frames is not None and info.video_frames != ext.landmarks.num_frames:
                    o.warnings.append(f"decoded {ext.landmarks.num_frames} frames, the manifest says "
                                      f"{info.video_frames}")
                if not ext.valid.any():
                    raise FormatError("no person detected in any frame", path=info.video)
                o.metrics = _ground_truth_metrics(info, people)
                results.append((info, people))
            except Exception as exc:  # noqa: BLE001 - one bad bundle must not stop the batch
                _fail(o, exc)
        if on_sample is not None:
            on_sample(o)
    settings = {"config": run_cfg.model_dump(), "fps": out_fps, "renders": [str(f) for f in folders]}
    if results:
        settings["extractor"] = {k: v for k, v in results[0][1][0].parameters.items() if k != "intrinsics"}
    report = ExtractReport(samples=order, settings=settings)
    if not results:
        raise ExtractionError(f"none of the {len(folders)} render bundles could be extracted", report=report,
                              path=renders if isinstance(renders, (str, Path)) else None)
    return _build_set(results, class_names, out_fps, settings, run_cfg.max_people), report


def _row(info: BundleInfo, people: list[Extraction], bodies: int) -> Row:
    ext = people[0]
    return people_row(people, bodies, name=info.name, label=info.label, source_index=info.source_index,
                      bundle={"name": info.name, "path": str(info.path), "request_key": info.request_key,
                              "source": info.source_path, "intrinsics": ext.intrinsics.to_dict(),
                              "people": len(people)})


def _build_set(results: list[tuple[BundleInfo, list[Extraction]]], class_names: list[str], fps: float,
               settings: dict[str, Any], max_people: int | None) -> SkeletonSet:
    """The set of the results, with room for ``max_people`` bodies (when None: as many as
    the most-populated bundle rendered)."""
    bodies = max_people or max(info.bodies for info, _ in results)
    return assemble([_row(info, people, bodies) for info, people in results], class_names, fps, settings)


def extract_bundle(folder: str | Path, *, config: ExtractConfig | None = None,
                   fps: float | None = None) -> tuple[SkeletonSet | None, ExtractReport]:
    """Extract one render bundle (:func:`extract_bundles` on it alone): a one-sample set,
    or None when the bundle could not be extracted, and its one-sample report (the reason
    of a failure is in it). Only a bad setting raises. Give ``fps`` (or ``config.fps``)
    when the results are merged with :func:`~pose_extract.extracted_set.merge_extractions`, so that every part has
    the same frame rate."""
    try:
        return extract_bundles([Path(folder)], config=config, fps=fps)
    except ExtractionError as exc:
        return None, exc.report
