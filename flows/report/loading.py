"""Reading every input of the run's report once (:func:`load_all` -> :class:`Loaded`),
recording why a piece is missing instead of raising."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows.report.control import read_control
from flows.report.inputs import SETS, ReportInputs, read_attack, read_crossmodal, read_extraction, read_set
from flows.report.transfer import read_transfer


@dataclass
class Loaded:
    """Everything read from a :class:`ReportInputs`: documents and sets (None where they
    could not be read) and the reason for each that is missing, by key."""

    attack: dict[str, Any] | None = None
    crossmodal: dict[str, Any] | None = None
    transfer: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    extraction: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    sets: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _failure_reason(failures: list[dict[str, Any]], words: tuple[str, ...], which: str | None) -> str | None:
    """The reasons of run-level failures (no sample) whose stage names one of ``words``
    (and ``which`` set when the stage names a set), joined."""
    found = []
    for f in failures:
        stage = str(f.get("stage", "")).lower()
        if f.get("sample") not in (None, "") or not any(w in stage for w in words):
            continue
        named = f.get("set") if f.get("set") in SETS else next((s for s in SETS if s in stage), None)
        if which is not None and named not in (None, which):
            continue
        found.append(f"{f.get('stage')}: {f.get('reason')}")
    return "; ".join(found) if found else None


def _missing(inputs: ReportInputs, key: str, words: tuple[str, ...], which: str | None, default: str) -> str:
    return inputs.unavailable.get(key) or _failure_reason(inputs.failures, words, which) or default


def load_all(inputs: ReportInputs) -> Loaded:
    """Read every input of the report (never raises on a missing or malformed input: the
    reason is recorded instead)."""
    out = Loaded()
    out.attack, reason = read_attack(inputs.attack_json)
    if reason:
        out.reasons["attack"] = reason
    for which in SETS:
        for key, path in ((which, inputs.clean_set if which == "clean" else inputs.adversarial_set),
                          (f"{which}_recovered", inputs.recovered(which))):
            if path is None:
                out.sets[key] = None
                out.reasons[key] = _missing(inputs, key, ("extract",), which,
                                            f"no skeletons were recovered from the {which} videos")
                continue
            out.sets[key], reason = read_set(path, f"{key.replace('_', ' ')} skeleton set")
            if reason:
                out.reasons[key] = reason
        path = inputs.extraction_reports.get(which)
        key = f"extraction_{which}"
        if path is None:
            out.extraction[which] = None
            out.reasons[key] = (inputs.unavailable.get(key) or inputs.unavailable.get("extraction")
                                or _failure_reason(inputs.failures, ("extract",), which)
                                or f"no extraction report for the {which} videos")
        else:
            out.extraction[which], reason = read_extraction(path)
            if reason:
                out.reasons[key] = reason
    if inputs.crossmodal_json is None:
        upstream = [f"{k.replace('_', ' ')}: {out.reasons[k]}" for k in ("clean_recovered", "adversarial_recovered")
                    if out.sets.get(k) is None]
        default = "no cross-modal evaluation was produced (no crossmodal.json)"
        if upstream:
            default = f"no cross-modal evaluation without the recovered skeletons ({'; '.join(upstream)})"
        out.reasons["crossmodal"] = _missing(inputs, "crossmodal", ("crossmodal", "evaluat"), None, default)
    else:
        out.crossmodal, reason = read_crossmodal(inputs.crossmodal_json)
        if reason:
            out.reasons["crossmodal"] = reason
    out.transfer, reason = read_transfer(inputs.transfer_json)
    if reason:
        out.reasons["transfer"] = inputs.unavailable.get("transfer") or reason
    out.control, reason = read_control(inputs.control_json)
    if reason:
        out.reasons["control"] = inputs.unavailable.get("control") or reason
    return out
