"""What the Prefect UI shows of a run: progress, tables, a markdown summary and images.

Artifacts are created from the flow (the process that holds the run), never from tasks,
so they work the same on every task runner. Keys are fixed per kind (``cross-modal-...``),
so the UI's Artifacts page shows each kind's history across runs.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from prefect.artifacts import (
    create_image_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

#: Largest image (bytes) sent to the UI as a data URL.
MAX_IMAGE_BYTES = 400_000


class Progress:
    """A progress artifact counting finished items of one stage."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(0, total), 0
        self.id = create_progress_artifact(0.0 if total else 100.0, key=f"cross-modal-{label}-progress",
                                           description=self._text())

    def _text(self) -> str:
        return f"{self.label}: {self.done} of {self.total} sequences finished"

    def advance(self, n: int = 1) -> None:
        self.done += n
        pct = 100.0 * self.done / self.total if self.total else 100.0
        update_progress_artifact(self.id, progress=min(100.0, pct), description=self._text())


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    return "n/a" if value is None else value


def _rate(doc: dict[str, Any], key: str) -> Any:
    r = doc.get(key)
    return _fmt(r.get("value")) if isinstance(r, dict) else _fmt(r)


def result_tables(crossmodal: dict[str, Any] | None, attack_metrics: dict[str, Any],
                  extractions: list[Any], samples: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """The run's tables: accuracy, fooling, perceptibility, extraction errors and the
    per-sequence status (rows as dicts)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    if crossmodal:
        tables["accuracy"] = [
            {"skeletons": label, "samples": _fmt(crossmodal[key]["clean_accuracy"]["total"]),
             "clean accuracy": _rate(crossmodal[key], "clean_accuracy"),
             "adversarial accuracy": _rate(crossmodal[key], "adversarial_accuracy"),
             "drop": _fmt(crossmodal[key].get("accuracy_drop"))}
            for key, label in (("source", "source (all)"), ("source_on_recovered", "source (recovered samples)"),
                               ("recovered", "recovered from video"))
        ]
        tables["fooling"] = [
            {"skeletons": label, **{name.replace("_", " "): _rate(crossmodal[key], name)
                                    for name in ("untargeted_fooling_rate_over_correct", "prediction_change_rate",
                                                 "targeted_fooling_rate_over_all")}}
            for key, label in (("source", "source (all)"), ("recovered", "recovered from video"))
        ]
    tables["perceptibility"] = [{"metric": k, "value": _fmt(v)} for k, v in attack_metrics.items()]
    tables["extraction"] = [{"role": e.role, "sequence": e.name, "status": e.status,
                             "detection rate": _fmt(e.detection_rate), "MPJPE mm (vs source)": _fmt(e.mpjpe_mm),
                             "reason": e.reason or ""} for e in extractions]
    tables["sequences"] = [{"sequence": s.name, **s.steps,
                            "reason": "; ".join(f"{k}: {v}" for k, v in s.reasons.items())} for s in samples]
    return tables


def _image_url(path: Path) -> str | None:
    data = path.read_bytes()
    if len(data) > MAX_IMAGE_BYTES:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def publish_results(report: Any, crossmodal_json: str | None, attack_metrics: dict[str, Any], extractions: list[Any],
                    samples: list[Any]) -> None:
    """Create the run's table, markdown and image artifacts."""
    crossmodal = json.loads(Path(crossmodal_json).read_text(encoding="utf-8")) if crossmodal_json else None
    descriptions = {"accuracy": "Recogniser accuracy, clean vs adversarial, on source and recovered skeletons",
                    "fooling": "Fooling rates of the attack, on source and recovered skeletons",
                    "perceptibility": "Perceptibility of the perturbation (source skeletons)",
                    "extraction": "Pose extraction per sequence (errors against the rendered source skeleton)",
                    "sequences": "Every sequence through the run (ok / failed / skipped per step)"}
    for name, rows in result_tables(crossmodal, attack_metrics, extractions, samples).items():
        if rows:
            create_table_artifact(rows, key=f"cross-modal-{name}", description=descriptions[name])
    summary = Path(report.summary_markdown).read_text(encoding="utf-8")
    where = report.html or report.summary_markdown
    create_markdown_artifact(summary + f"\n\nReport: `{where}`\n", key="cross-modal-summary",
                             description="Cross-modal run summary")
    for fig in report.figures:
        url = _image_url(Path(fig))
        if url is not None:
            create_image_artifact(url, key=f"cross-modal-figure-{Path(fig).stem.replace('_', '-').lower()}",
                                  description=Path(fig).stem.replace("_", " "))
