"""The report's control section: the attack against a random perturbation of the same
joints within the same bounds (``control.json``,
:meth:`pipeline.crossmodal_control.ControlComparison.to_dict`): read and checked
(:func:`read_control`), turned into plain content (:func:`control_section`) and drawn
(:func:`control_html`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.report.html_parts import Cell, Html, difference_cell, join, not_available, num, table, tag
from flows.report.inputs import _document, clean_number
from flows.report.values import DIFFERENCE_KEYS, _unavailable, difference_record, pct

CONTROL_FORMAT = "ciasa.crossmodal_control"
#: Why the section is missing when the run had no control.
NOT_REQUESTED = "the run had no control (control=noise adds one)"
_SIDES = ("source", "recovered")
_ACCURACIES = ("clean_accuracy", "adversarial_accuracy", "control_accuracy")
_DIFFERENCES = ("attack_drop", "control_drop", "attack_share")


def read_control(path: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """``control.json``: checks each side's accuracies and differences and the verdict."""
    if path is None:
        return None, NOT_REQUESTED
    doc, reason = _document(path, "control comparison (control.json)", CONTROL_FORMAT)
    if doc is None:
        return None, reason
    if not isinstance(doc.get("verdict"), str):
        return None, f"{path}: field verdict: not a sentence"
    for side in _SIDES:
        block = doc.get(side)
        if not isinstance(block, dict) or not isinstance(block.get("num_samples"), int):
            return None, f"{path}: field {side}: not a side (num_samples, accuracies, differences)"
        for key in _DIFFERENCES:
            d = block.get(key)
            if d is not None and not (isinstance(d, dict) and all(k in d for k in DIFFERENCE_KEYS)):
                return None, f"{path}: field {side}.{key}: not a difference (value, low, high, num_samples)"
    return doc, None


def control_section(doc: dict[str, Any] | None, reason: str | None) -> dict[str, Any]:
    """The comparison as plain data: one row per kind of skeleton, the verdict, what the
    control was and how far each moved the joints."""
    if doc is None:
        return _unavailable(reason or NOT_REQUESTED)
    rows = []
    for side in _SIDES:
        block = doc[side]
        rows.append({"skeletons": side, "num_samples": block["num_samples"],
                     **{k: clean_number(block.get(k)) for k in _ACCURACIES},
                     **{k: difference_record(block.get(k)) for k in _DIFFERENCES}})
    moved = doc.get("displacement_mm") if isinstance(doc.get("displacement_mm"), dict) else {}
    return {"available": True, "model": str(doc.get("model", "")), "control": str(doc.get("control", "")),
            "verdict": doc["verdict"], "rows": rows,
            "displacement_mm": {str(k): clean_number(v) for k, v in moved.items()},
            "missing_recovered": [str(n) for n in doc.get("missing_recovered") or []]}


def control_html(section: dict[str, Any]) -> Html:
    """The section under the transfer table."""
    parts: list[Any] = [tag("h3", "control: is the drop the attack's?", id="control")]
    if not section["available"]:
        return join(parts + [not_available(section["reason"])])
    parts.append(tag("p", f"The same clean samples perturbed by a control: {section['control']}. The attack's share "
                          "is control - adversarial accuracy over the same samples (95 % interval, Newcombe, "
                          "paired)."))
    headers = ["skeletons", "samples", "clean", "adversarial", "control", "attack drop (95 %)",
               "control drop (95 %)", "attack's share (95 %)"]
    rows = [[r["skeletons"], num(r["num_samples"]), *(Cell(pct(r[k]), "num") for k in _ACCURACIES),
             *(difference_cell(r[k]) for k in _DIFFERENCES)] for r in section["rows"]]
    parts.append(table(headers, rows, table_id="control-table"))
    notes = [tag("strong", "verdict: "), section["verdict"]]
    parts.append(tag("p", *notes, cls="headline"))
    moved = {k: v for k, v in section["displacement_mm"].items() if v is not None}
    if moved:
        parts.append(tag("p", "mean joint displacement over the moved joints: "
                         + ", ".join(f"{k} {v:.1f} mm" for k, v in moved.items())))
    if section["missing_recovered"]:
        parts.append(tag("p", f"left out of the recovered row (not recovered from all three videos): "
                              f"{', '.join(section['missing_recovered'])}"))
    return join(parts)


__all__ = ["CONTROL_FORMAT", "NOT_REQUESTED", "control_html", "control_section", "read_control"]
