"""What a cross-modal run records about itself in its manifest (``run.json``) and report:
each sequence's way through the steps (:func:`sample_statuses`), where each stage's
outputs came from (:func:`stage_states`), and the small facts read back from stage outputs
(:func:`source_fps`, :func:`attack_metrics`), and the seconds of computation behind each
stage's outputs, cached or not (:func:`compute_seconds`). Plain functions over the stage records of
:mod:`flows.stage_outputs`; no Prefect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flows.stage_outputs import ROLES, ExtractOutput, SequenceOutput, SetOutput
from flows.stage_report import ATTACK_METRICS, SampleStatus


def sample_statuses(clean: SetOutput, adversarial: SetOutput, renders: list[SequenceOutput],
                    extractions: list[ExtractOutput], evaluated: set[str],
                    roles: tuple[str, ...] = ROLES) -> list[SampleStatus]:
    """One :class:`SampleStatus` per clean sample: ``render_<role>`` and ``extract_<role>``
    for each role of ``roles`` (``ok`` / ``failed`` with its reason / ``skipped`` when the
    step never ran), ``evaluate`` (``ok`` when the sample is in ``evaluated``), and whether
    the attack reached its target (from the adversarial set's ``info["success"]``)."""
    success = adversarial.info.get("success") or []
    out = []
    for i, ref in enumerate(clean.samples):
        s = SampleStatus(name=ref.name, label=ref.label, attack_success=bool(success[i]) if i < len(success) else None)
        for role in roles:
            r = next((r for r in renders if r.role == role and r.name == ref.name), None)
            s.steps[f"render_{role}"] = "skipped" if r is None else r.status
            if r is not None and r.reason:
                s.reasons[f"render_{role}"] = r.reason
            e = next((e for e in extractions if e.role == role and e.name == ref.name), None)
            s.steps[f"extract_{role}"] = "skipped" if e is None else e.status
            if e is not None and e.reason:
                s.reasons[f"extract_{role}"] = e.reason
        s.steps["evaluate"] = "ok" if ref.name in evaluated else "skipped"
        out.append(s)
    return out


def stage_states(outputs: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per stage (name -> one output record or a list of them): how many outputs came from
    Prefect's cache, from complete folders on disk, were computed, or failed."""
    out: dict[str, dict[str, int]] = {}
    for stage, items in outputs.items():
        counts = {"cached": 0, "reused": 0, "computed": 0, "failed": 0}
        for o in items if isinstance(items, list) else [items]:
            if getattr(o, "status", "ok") == "failed" and not getattr(o, "folder", None):
                counts["failed"] += 1
            elif o.cached:
                counts["cached"] += 1
            elif o.reused:
                counts["reused"] += 1
            else:
                counts["computed"] += 1
        out[stage] = counts
    return out


def output_seconds(output: Any) -> float | None:
    """The seconds of computation that made one stage output, wherever it came from (this
    sitting, Prefect's cache, a complete folder of an earlier sitting): a render bundle's
    own ``timings.total_s`` (the Blender worker's), else the output folder's marker
    (:func:`flows.rundir.marker_seconds`); None when neither records it (a failed output,
    or one written before markers recorded seconds)."""
    from flows.rundir import marker_seconds

    bundle = getattr(output, "bundle", None)
    if bundle:
        from render.bundle import MANIFEST

        try:
            doc = json.loads((Path(bundle) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        total = (doc.get("timings") or {}).get("total_s") if isinstance(doc, dict) else None
        return float(total) if isinstance(total, (int, float)) else None
    folder = getattr(output, "folder", None)
    return marker_seconds(folder) if folder else None


def compute_seconds(outputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per stage (name -> one output record or a list of them): the seconds of computation
    behind the outputs the run used, summed over them whether this sitting computed them or
    found them (``seconds``), and how many outputs recorded none (``unrecorded``). Unlike
    the run's ``timings`` (wall seconds of this sitting, where a stage found in the cache
    counts its lookup) this is the same for a run done in one sitting or resumed in several.
    Outputs computed side by side by several workers add up: for the render and extract
    stages it is worker-seconds, above the wall time when workers ran at once."""
    out: dict[str, dict[str, Any]] = {}
    for stage, items in outputs.items():
        total, missing = 0.0, 0
        for o in items if isinstance(items, list) else [items]:
            seconds = output_seconds(o)
            if seconds is None:
                missing += 1
            else:
                total += seconds
        out[stage] = {"seconds": round(total, 3), "unrecorded": missing}
    return out


def source_fps(path: str) -> float:
    """The frame rate (frames per second) of the skeleton set at ``path``."""
    from pipeline.skeleton_set import load_skeleton_set

    return float(load_skeleton_set(path).fps)


def attack_metrics(attack_json: str) -> dict[str, Any]:
    """The attack metrics a run publishes (:data:`flows.stage_report.ATTACK_METRICS`) from
    an ``attack.json``."""
    metrics = json.loads(Path(attack_json).read_text(encoding="utf-8")).get("metrics", {})
    return {k: metrics[k] for k in ATTACK_METRICS if k in metrics}


__all__ = ["attack_metrics", "sample_statuses", "source_fps", "stage_states"]
