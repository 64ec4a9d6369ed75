"""The report's transfer table: the run's four sets scored by the attacked recogniser and
by the others named in ``evaluate.transfer_models`` (``transfer.json``,
:meth:`pipeline.crossmodal_transfer.CrossModalTransfer.to_dict`): read and checked
(:func:`read_transfer`), turned into plain content (:func:`transfer_section`) and drawn
(:func:`transfer_html`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.report.html_parts import Html, difference_cell, join, not_available, num, rate_cell, table, tag
from flows.report.inputs import _document, _is_rate, clean_number
from flows.report.values import DIFFERENCE_KEYS, _rate_of, _unavailable, difference_record

TRANSFER_FORMAT = "ciasa.crossmodal_transfer"
#: Why the table is missing when no other recogniser was named.
NOT_REQUESTED = "no other recogniser was named (evaluate.transfer_models)"
_RATES = ("clean_accuracy", "adversarial_accuracy", "untargeted_fooling_rate_over_correct")


def read_transfer(path: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """``transfer.json``: checks each row's name, rates and drops."""
    if path is None:
        return None, NOT_REQUESTED
    doc, reason = _document(path, "transfer table (transfer.json)", TRANSFER_FORMAT)
    if doc is None:
        return None, reason
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows:
        return None, f"{path}: field rows: not a non-empty list"
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("model"), str):
            return None, f"{path}: field rows[{i}].model: not a name"
        for part in ("source", "recovered"):
            block = row.get(part)
            if not isinstance(block, dict) or not all(_is_rate(block.get(k)) for k in _RATES):
                return None, f"{path}: field rows[{i}].{part}: not a set of rates (count, total)"
            drop = row.get(f"{part}_drop")
            if drop is not None and not (isinstance(drop, dict) and all(k in drop for k in DIFFERENCE_KEYS)):
                return None, f"{path}: field rows[{i}].{part}_drop: not a drop (value, low, high, num_samples)"
    return doc, None


def transfer_section(doc: dict[str, Any] | None, reason: str | None) -> dict[str, Any]:
    """The table as plain data: one row per recogniser (the attacked one first)."""
    if doc is None:
        return _unavailable(reason or NOT_REQUESTED)
    rows = []
    for row in doc["rows"]:
        target = row["recovered"].get("targeted_fooling_rate_over_all")
        rows.append({
            "model": row["model"], "arch": str(row.get("arch", "")), "attacked": bool(row.get("attacked")),
            "num_samples": clean_number(row.get("num_samples")), "num_recovered": clean_number(row.get("num_recovered")),
            **{f"source_{k}": _rate_of(row["source"][k]) for k in _RATES},
            **{f"recovered_{k}": _rate_of(row["recovered"][k]) for k in _RATES},
            "recovered_target": _rate_of(target) if row.get("targets") and _is_rate(target) else None,
            "source_drop": difference_record(row.get("source_drop")),
            "recovered_drop": difference_record(row.get("recovered_drop")),
        })
    return {"available": True, "attacked_model": str(doc.get("attacked_model", "")), "rows": rows}


def transfer_html(section: dict[str, Any]) -> Html:
    """The section under the cross-modal table."""
    parts: list[Any] = [tag("h3", "transfer: the same skeletons scored by other recognisers", id="transfer")]
    if not section["available"]:
        return join(parts + [not_available(section["reason"])])
    headers = ["recogniser", "attacked", "source clean", "source adversarial", "source drop (95 %)",
               "recovered samples", "recovered clean", "recovered adversarial", "recovered drop (95 %)",
               "recovered fooled (over correct)", "recovered still the target"]
    rows = [[f"{r['model']} ({r['arch']})", "yes" if r["attacked"] else "no",
             rate_cell(r["source_clean_accuracy"]), rate_cell(r["source_adversarial_accuracy"]),
             difference_cell(r["source_drop"]), num(r["num_recovered"]), rate_cell(r["recovered_clean_accuracy"]),
             rate_cell(r["recovered_adversarial_accuracy"]), difference_cell(r["recovered_drop"]),
             rate_cell(r["recovered_untargeted_fooling_rate_over_correct"]), rate_cell(r["recovered_target"])]
            for r in section["rows"]]
    return join(parts + [table(headers, rows, table_id="transfer-table")])
