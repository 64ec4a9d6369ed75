"""The report's content as plain data (what ``report.json`` holds and the page shows).

:func:`load_all` reads every input once (:class:`Loaded`, :mod:`flows.report.loading`;
value helpers in :mod:`flows.report.values`); :func:`assemble` turns what was
read into one JSON-ready dict. A piece that could not be read is a section
``{"available": false, "reason": "..."}``; every number is finite or None.

Rates are ``{"value": share in [0, 1] or None, "count": int, "total": int}`` as in
:class:`pipeline.crossmodal.Rate`.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from flows.report.inputs import SETS, ReportInputs, clean_number, read_manifest, video_file
from flows.report.loading import Loaded, load_all  # noqa: F401 - re-exported
from flows.report.crossmodal_content import PAIR_ROWS, PAPER_CROSSMODAL, crossmodal_section  # noqa: F401 - re-exported
from flows.report.control import control_section
from flows.report.transfer import transfer_section
from flows.report.values import _clean, _rate_of, _unavailable, class_name, pct, rate  # noqa: F401 - re-exported

REPORT_FORMAT = "ciasa.run_report"
REPORT_VERSION = 1

#: Per-sample prediction columns of ``crossmodal.json``, one per set.
PREDICTION_SETS = ("clean_source", "adversarial_source", "clean_recovered", "adversarial_recovered")
#: Extraction error metrics shown per set and per sample.
EXTRACTION_METRICS = ("mpjpe_mm", "root_relative_mpjpe_mm", "pa_mpjpe_mm", "root_error_mm", "swap_rate",
                      "bone_length_error_pct", "bone_length_variation_pct")
#: Ground truths of a render bundle the extraction is compared with.
GROUND_TRUTHS = ("source_joints", "body_joints")
#: Frame counts of a sample's extraction shown per sample.
EXTRACTION_COUNTS = ("video_frames", "frames", "detection_rate", "interpolated_frames", "masked_frames",
                     "longest_gap", "people")
#: Per-sample figures of several people (``metrics.people`` of an extraction report).
PEOPLE_METRICS = ("bodies", "all_recovered_rate", "identity_swap_rate")


# --------------------------------------------------------------------------- sections


def _held_frames(sset: Any) -> dict[str, Any] | None:
    """Held (not detected nor interpolated) frames among the valid frames of a recovered set."""
    valid = sset.sample_meta.get("frame_valid")
    if valid is None or np.shape(valid) != (len(sset), sset.data.shape[2]):
        return None
    within = np.arange(sset.data.shape[2])[None, :] < np.asarray(sset.num_frames)[:, None]
    held = within & ~np.asarray(valid, dtype=bool)
    return rate(int(held.sum()), int(within.sum()))


def recovered_section(loaded: Loaded, which: str, inputs: ReportInputs) -> dict[str, Any]:
    """What was recovered from the ``which`` videos: sample count and held frames."""
    key = f"{which}_recovered"
    sset = loaded.sets.get(key)
    if sset is None:
        return _unavailable(loaded.reasons[key])
    return {"available": True, "path": str(inputs.recovered(which)), "num_samples": len(sset),
            "fps": clean_number(float(sset.fps)), "held_frames": _held_frames(sset)}


def _ground_truth_row(metrics: Any) -> dict[str, Any] | None:
    if not isinstance(metrics, dict):
        return None
    if "error" in metrics:
        return {"error": str(metrics["error"])}
    return {k: clean_number(metrics.get(k)) for k in ("frames", *EXTRACTION_METRICS)}


def extraction_section(loaded: Loaded, which: str) -> dict[str, Any]:
    """Errors of the pose extraction on the ``which`` videos: the report's summary (means
    over successful samples against each ground truth) and one row per sample."""
    doc = loaded.extraction.get(which)
    if doc is None:
        return _unavailable(loaded.reasons[f"extraction_{which}"])
    summary = doc["summary"]
    means = {}
    for gt in GROUND_TRUTHS:
        block = summary.get(f"mean_vs_{gt}")
        if isinstance(block, dict):
            means[gt] = {k: clean_number(block.get(k)) for k in ("samples", *EXTRACTION_METRICS)}
    samples = []
    for s in doc["samples"]:
        metrics = s.get("metrics") if isinstance(s.get("metrics"), dict) else {}
        row = {"name": s["name"], "status": str(s.get("status", "")),
               "reason": None if s.get("reason") is None else str(s["reason"]),
               **{k: clean_number(s.get(k)) for k in EXTRACTION_COUNTS},
               "warnings": [str(w) for w in s.get("warnings") or []]}
        if isinstance(metrics.get("error"), str):
            row["ground_truth_error"] = metrics["error"]
        people = metrics.get("people") if isinstance(metrics.get("people"), dict) else {}
        row.update({k: clean_number(people.get(k)) for k in PEOPLE_METRICS})
        for gt in GROUND_TRUTHS:
            row[f"vs_{gt}"] = _ground_truth_row(metrics.get(gt))
        samples.append(row)
    return {
        "available": True,
        "samples_total": clean_number(summary.get("samples")), "ok": clean_number(summary.get("ok")),
        "failed": clean_number(summary.get("failed")),
        "mean_detection_rate": clean_number(summary.get("mean_detection_rate")),
        "means": means, "samples": samples,
    }


#: Attack metrics shown as rates, with their labels.
ATTACK_RATES = (
    ("clean_accuracy", "clean accuracy (source)"),
    ("adversarial_accuracy", "adversarial accuracy (source)"),
    ("targeted_fooling_rate_over_correct", "still classified as target, over correct"),
    ("targeted_fooling_rate_over_all", "still classified as target, over all"),
    ("untargeted_fooling_rate_over_correct", "prediction changed, over correct"),
    ("untargeted_fooling_rate_over_all", "prediction changed, over all"),
    ("success_rate", "attack success"),
)
#: Perceptibility metrics of the attack: key, label, unit (``%``: a share shown in percent).
ATTACK_PERCEPTIBILITY = (
    ("mean_joint_displacement_mm", "mean joint displacement", "mm"),
    ("max_joint_displacement_mm", "max joint displacement", "mm"),
    ("mean_joint_displacement_mm_region", "mean joint displacement, attacked joints", "mm"),
    ("linf", "l-inf of the perturbation", "data units (m)"),
    ("l2_per_sample", "l2 of the perturbation per sample", "data units (m)"),
    ("bone_length_error_mean", "bone-length error, mean", "%"),
    ("bone_length_error_max", "bone-length error, max", "%"),
    ("speed_difference", "speed difference", "m/s"),
    ("acceleration_difference", "acceleration difference", "m/s²"),
    ("jerk_difference", "jerk difference", "m/s³"),
    ("clip_excess_max", "realignment past the clip bound, max", "data units (m)"),
    ("clip_excess_mean", "realignment past the clip bound, mean", "data units (m)"),
    ("clip_exceeded_fraction", "share of moved coordinates past the bound", "%"),
)


def attack_section(loaded: Loaded) -> dict[str, Any]:
    """The attack's success and perceptibility (``attack.json``)."""
    doc = loaded.attack
    if doc is None:
        return _unavailable(loaded.reasons["attack"])
    per = doc["per_sample"]
    success = per.get("success") or []
    return {
        "available": True,
        "model": doc.get("model"), "config": _clean(doc.get("config") or {}),
        "success": rate(sum(1 for s in success if s is True), len(success)),
        "metrics": {str(k): clean_number(v) for k, v in doc["metrics"].items()},
    }


def _sample_order(loaded: Loaded, inputs: ReportInputs) -> list[str]:
    if loaded.crossmodal is not None:
        return list(loaded.crossmodal["samples"]["name"])
    if loaded.attack is not None:
        return list(loaded.attack["per_sample"]["name"])
    for key in SETS:
        if loaded.sets.get(key) is not None:
            return [str(s) for s in loaded.sets[key].name]
    names = list(inputs.clean_bundles) + [s for s in inputs.adversarial_bundles if s not in inputs.clean_bundles]
    return names


def class_names(loaded: Loaded) -> list[str]:
    """The recogniser's classes: from the cross-modal report, attack.json or the clean set."""
    if loaded.crossmodal is not None:
        return list(loaded.crossmodal["class_names"])
    if loaded.attack is not None and loaded.attack.get("model_class_names"):
        return list(loaded.attack["model_class_names"])
    if loaded.sets.get("clean") is not None:
        return list(loaded.sets["clean"].class_names)
    return []


def _render_failures(failures: list[dict[str, Any]], which: str) -> dict[str, str]:
    """Sample -> reason of the render failures of the ``which`` videos."""
    out: dict[str, str] = {}
    for f in failures:
        stage = str(f.get("stage", "")).lower()
        if "render" not in stage or f.get("sample") in (None, ""):
            continue
        named = f.get("set") if f.get("set") in SETS else next((s for s in SETS if s in stage), None)
        if named not in (None, which):
            continue
        out.setdefault(str(f["sample"]), str(f.get("reason", "")))
    return out


def href(target: Path, base: Path) -> str:
    """A relative URL from folder ``base`` to ``target`` (POSIX separators, %-escaped)."""
    rel = os.path.relpath(Path(target).resolve(), Path(base).resolve())
    return quote(Path(rel).as_posix())


def _videos(name: str, inputs: ReportInputs, base: Path, render_failed: dict[str, dict[str, str]]) -> dict[str, Any]:
    out = {}
    for which in SETS:
        bundle = inputs.bundles(which).get(name)
        if bundle is None:
            reason = render_failed[which].get(name) or "no render bundle (render failed or not run)"
            out[which] = {"status": "failed", "reason": reason, "href": None, "path": None}
            continue
        video = video_file(bundle, read_manifest(bundle))
        if not video.is_file():
            out[which] = {"status": "failed", "reason": f"video missing: {video}", "href": None, "path": str(video)}
            continue
        out[which] = {"status": "ok", "reason": None, "href": href(video, base), "path": str(video)}
    return out


def _attack_rows(doc: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if doc is None:
        return {}
    per = doc["per_sample"]
    keys = [k for k in ("label", "target", "original_pred", "final_pred", "success") if per.get(k) is not None]
    return {name: {k: per[k][i] for k in keys} for i, name in enumerate(per["name"])}


def _crossmodal_rows(doc: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if doc is None:
        return {}
    cols = doc["samples"]
    keys = [k for k in cols if isinstance(cols[k], list) and len(cols[k]) == len(cols["name"])]
    return {name: {k: cols[k][i] for k in keys} for i, name in enumerate(cols["name"])}


def _index(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def samples_section(loaded: Loaded, inputs: ReportInputs, base: Path) -> list[dict[str, Any]]:
    """One record per sample: label, target, attack outcome, the prediction on each of the
    four sets, the video of each set (link or failure) and its extraction outcome."""
    classes = class_names(loaded)
    attack = _attack_rows(loaded.attack)
    cross = _crossmodal_rows(loaded.crossmodal)
    render_failed = {which: _render_failures(inputs.failures, which) for which in SETS}
    extraction = {which: {s["name"]: s for s in (loaded.extraction.get(which) or {}).get("samples", [])}
                  for which in SETS}
    clean_set = loaded.sets.get("clean")
    set_labels = {} if clean_set is None else {str(n): int(lab) for n, lab in zip(clean_set.name, clean_set.label)}
    out = []
    for name in _sample_order(loaded, inputs):
        a, c = attack.get(name, {}), cross.get(name, {})
        label = _index(c.get("label", a.get("label", set_labels.get(name))))
        target = _index(c.get("target", a.get("target")))
        preds = {}
        for key in PREDICTION_SETS:
            pred = _index(c.get(f"{key}_pred"))
            if pred is None and key == "clean_source":
                pred = _index(a.get("original_pred"))
            if pred is None and key == "adversarial_source":
                pred = _index(a.get("final_pred"))
            preds[key] = None if pred is None else {
                "pred": pred, "name": class_name(classes, pred), "conf": clean_number(c.get(f"{key}_conf")),
                "correct": None if label is None or label < 0 else pred == label}
        ext = {}
        for which in SETS:
            s = extraction[which].get(name)
            metrics = s.get("metrics") if s is not None and isinstance(s.get("metrics"), dict) else {}
            vs_source = metrics.get("source_joints") if isinstance(metrics.get("source_joints"), dict) else {}
            ext[which] = None if s is None else {
                "status": str(s.get("status", "")), "reason": None if s.get("reason") is None else str(s["reason"]),
                "detection_rate": clean_number(s.get("detection_rate")),
                "mpjpe_mm": clean_number(vs_source.get("mpjpe_mm"))}
        success = a.get("success")
        out.append({
            "name": name, "label": label, "label_name": class_name(classes, label),
            "target": target, "target_name": class_name(classes, target),
            "attack_success": success if isinstance(success, bool) else None,
            "predictions": preds, "videos": _videos(name, inputs, base, render_failed), "extraction": ext,
        })
    return out


def failures_section(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's failures as records with ``stage``, ``sample``, ``reason`` (text) and any
    other keys given."""
    out = []
    for f in failures:
        if not isinstance(f, dict):
            out.append({"stage": None, "sample": None, "reason": str(f)})
            continue
        rec = {"stage": None if f.get("stage") is None else str(f["stage"]),
               "sample": None if f.get("sample") is None else str(f["sample"]),
               "reason": None if f.get("reason") is None else str(f["reason"])}
        rec.update({str(k): _clean(v) for k, v in f.items() if k not in rec})
        out.append(rec)
    return out


def assemble(inputs: ReportInputs, loaded: Loaded, base: Path) -> dict[str, Any]:
    """The whole report as one JSON-ready dict (without the figure list, which
    :func:`flows.report.build_report` adds). ``base``: the folder video links start from."""
    created = inputs.created or datetime.now(timezone.utc)
    timings = {str(k): clean_number(v) for k, v in inputs.timings.items()}
    return {
        "format": REPORT_FORMAT, "version": REPORT_VERSION,
        "title": inputs.title, "created": created.isoformat(timespec="seconds"), "model": inputs.model,
        "config": _clean(inputs.config),
        "timings": timings, "total_seconds": clean_number(sum(v for v in timings.values() if v is not None)),
        "inputs": inputs.paths(),
        "paper": dict(PAPER_CROSSMODAL),
        "crossmodal": crossmodal_section(loaded),
        "transfer": transfer_section(loaded.transfer, loaded.reasons.get("transfer")),
        "control": control_section(loaded.control, loaded.reasons.get("control")),
        "recovered_sets": {which: recovered_section(loaded, which, inputs) for which in SETS},
        "extraction": {which: extraction_section(loaded, which) for which in SETS},
        "attack": attack_section(loaded),
        "class_names": class_names(loaded),
        "samples": samples_section(loaded, inputs, base),
        "failures": failures_section(inputs.failures),
    }


__all__ = ["ATTACK_PERCEPTIBILITY", "ATTACK_RATES", "EXTRACTION_METRICS", "GROUND_TRUTHS", "Loaded",
           "PAIR_ROWS", "PAPER_CROSSMODAL", "PREDICTION_SETS", "REPORT_FORMAT", "REPORT_VERSION", "assemble",
           "class_name", "class_names", "href", "load_all", "pct", "rate"]
