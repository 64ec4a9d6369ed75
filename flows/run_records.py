"""What a cross-modal run records about itself in its manifest (``run.json``) and report:
each sequence's way through the steps (:func:`sample_statuses`), where each stage's
outputs came from (:func:`stage_states`), and the small facts read back from stage outputs
(:func:`source_fps`, :func:`attack_metrics`). Plain functions over the stage records of
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
