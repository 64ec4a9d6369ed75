"""The per-sample report of an extraction batch: each bundle's outcome
(:class:`SampleOutcome`: ok, or failed with the reason; frame counts; errors against the
ground truth), the batch's report (:class:`ExtractReport`, format ``ciasa.extract_report``
v1, with a summary over the samples) and where it is written beside the set
(:func:`report_path`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import CiasaError, FormatError

REPORT_FORMAT = "ciasa.extract_report"
REPORT_VERSION = 1


class ExtractionError(CiasaError):
    """No bundle of a batch could be extracted; ``report`` holds every sample's reason."""

    def __init__(self, reason: str, *, report: "ExtractReport", **kw: Any) -> None:
        self.report = report
        super().__init__(reason, **kw)


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
SUMMARY_METRICS = ("mpjpe_mm", "root_relative_mpjpe_mm", "pa_mpjpe_mm", "root_error_mm", "swap_rate",
                   "bone_length_error_pct", "bone_length_variation_pct")


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


def report_path(out: str | Path) -> Path:
    """``<out stem>_report.json`` beside the set's ``.npz``."""
    out = Path(out)
    return out.with_name(f"{out.stem}_report.json")
