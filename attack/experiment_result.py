"""An experiment's typed outcome: one row type per paper table (:class:`FgsmRow`,
:class:`BasicRow`, :class:`RegionRow`, :class:`TransferRow`, :class:`AblationRow`) and
:class:`ExperimentResult`, which renders itself as markdown (rates in %) or JSON (rates as
fractions).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

@dataclass
class FgsmRow:
    """Fig. 2, one point: FGSM at ``eps`` (data units, metres for NTU).

    ``fooling_rate_*``: targeted: predicted as the least-likely class; untargeted: the
    prediction changed. ``paper_min_fooling_rate``: the paper's lower bound (0.9 from eps
    0.02 on), else ``None``."""

    eps: float
    targeted: bool
    fooling_rate_over_correct: float | None
    fooling_rate_over_all: float | None
    adversarial_accuracy: float | None
    mean_joint_displacement_mm: float | None
    paper_min_fooling_rate: float | None


@dataclass
class BasicRow:
    """Table I, one column: CIASA basic mode at ``eps`` (least-likely targets)."""

    eps: float
    eps_x1e3: float
    targeted_fooling_rate_over_correct: float | None
    targeted_fooling_rate_over_all: float | None
    untargeted_fooling_rate_over_correct: float | None
    mean_joint_displacement_mm: float | None
    bone_length_error_mean: float | None
    seconds: float
    paper_ntu_xs: float | None
    paper_ntu_xv: float | None
    paper_kinetics: float | None


@dataclass
class RegionRow:
    """Table II, one column: CIASA localized mode on region ``region`` (1-based)."""

    region: int
    name: str
    joints: int
    targeted_fooling_rate_over_correct: float | None
    targeted_fooling_rate_over_all: float | None
    untargeted_fooling_rate_over_correct: float | None
    mean_joint_displacement_mm_region: float | None
    seconds: float
    paper_ntu_xs: float | None
    paper_ntu_xv: float | None


@dataclass
class TransferRow:
    """Table III, one row: a model scoring the source model's adversarial skeletons
    (``white_box``: the source model itself). ``fooling_rate_over_correct``: misclassified
    after the attack among the samples this model classified correctly before it."""

    model: str
    white_box: bool
    num_samples: int
    clean_accuracy: float | None
    attacked_accuracy: float | None
    fooling_rate_over_correct: float | None
    targeted_transfer_over_correct: float | None
    paper_clean_accuracy: float | None
    paper_attacked_accuracy: float | None
    paper_fooling_rate: float | None


@dataclass
class AblationRow:
    """The ablation, one variant: which regularisers are on, fooling and perceptibility
    (displacement mm; bone-length error relative; speed, acceleration, jerk differences
    in data units per s, s^2, s^3; clip excess in data units)."""

    variant: str
    smoothness: bool
    realignment: bool
    gan: bool
    targeted_fooling_rate_over_correct: float | None
    targeted_fooling_rate_over_all: float | None
    mean_joint_displacement_mm: float | None
    bone_length_error_mean: float | None
    speed_difference: float | None
    acceleration_difference: float | None
    jerk_difference: float | None
    clip_excess_max: float | None
    seconds: float


#: Row fields shown as percentages in markdown (everything else keeps its unit).
_PERCENT_MARKERS = ("rate", "accuracy", "paper_ntu", "paper_kinetics", "transfer")


def _is_percent(name: str) -> bool:
    return any(m in name for m in _PERCENT_MARKERS)


def _cell(name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if _is_percent(name):
            return f"{100 * value:.1f}"
        if name == "eps":
            return f"{value:g}"
        return f"{value:.4g}"
    return str(value)


@dataclass
class ExperimentResult:
    """An experiment's outcome.

    Attributes:
        name: ``fig2``, ``table1``, ``table2``, ``table3`` or ``ablation``.
        title: one line saying what was measured.
        rows: the typed rows (:class:`FgsmRow`, :class:`BasicRow`, :class:`RegionRow`,
            :class:`TransferRow`, :class:`AblationRow`), measured values next to the
            paper's (``paper_*`` fields, fractions).
        paper: the paper's numbers as published (fractions) and their protocol.
        settings: everything needed to rerun it (model, subset indices, eps, iterations,
            seeds, attack config).
        seconds: wall time of the experiment.
        notes: caveats worth printing with the table.
    """

    name: str
    title: str
    rows: list[Any]
    paper: dict[str, Any]
    settings: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The row fields, in order."""
        return [f.name for f in fields(self.rows[0])] if self.rows else []

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (rows as dicts; rates as fractions)."""
        return {"name": self.name, "title": self.title, "seconds": self.seconds, "settings": self.settings,
                "paper": self.paper, "notes": self.notes, "rows": [asdict(r) for r in self.rows]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def to_markdown(self) -> str:
        """A markdown section: title, settings line, the table (rates in %), notes."""
        cols = self.columns
        heads = [c + (" (%)" if _is_percent(c) else "") for c in cols]
        s = self.settings
        lines = [f"## {self.name}: {self.title}", ""]
        lines.append(f"Model `{s.get('model')}`, {s.get('num_samples')} samples "
                     f"({s.get('samples', {}).get('per_class')} per class, seed {s.get('samples', {}).get('seed')}, "
                     f"{'correctly classified only' if s.get('samples', {}).get('correct_only') else 'any'})"
                     + (f", {s['iterations']} iterations" if s.get("iterations") else "")
                     + f"; {self.seconds:.1f} s.")
        lines += ["", "| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        for r in self.rows:
            lines.append("| " + " | ".join(_cell(c, getattr(r, c)) for c in cols) + " |")
        if self.notes:
            lines.append("")
            lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
