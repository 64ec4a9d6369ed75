"""The attack against its control: how much of a cross-modal accuracy drop is the attack's.

A perturbed skeleton that goes through rendering and pose extraction can lose its class for
two reasons: the attack found a direction the recogniser is sensitive to, or any motion of
that size, in those joints, is read differently once it has become a video and come back.
The control separates the two: the same clean samples perturbed at random in the same
joints and bounds (:class:`attack.noise.RandomPerturbation`), rendered, recovered and scored
by the same recogniser. Both runs share their clean skeletons and their recovered clean
skeletons, so on the samples present in all of them::

    attack drop   = clean accuracy - adversarial accuracy
    control drop  = clean accuracy - control accuracy
    attack's share = attack drop - control drop = control accuracy - adversarial accuracy

and the share's 95 % interval is Newcombe's paired interval
(:func:`pipeline.stats.paired_difference_interval`) of the control and adversarial
correctness of the same samples. An interval that holds 0 means the run cannot tell the
attack from random motion of the same size.

The inputs are the two evaluations' ``crossmodal.json`` documents
(:meth:`pipeline.crossmodal_report.CrossModalReport.to_dict`): the attacked run's and the
control's (whose "adversarial" sets are the control's). Pure functions; no model is run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.crossmodal_report import fmt_pct, md_cell, md_row, sample_columns
from pipeline.crossmodal_transfer import PairedDrop
from pipeline.errors import ValidationError
from pipeline.stats import paired_difference_interval

CONTROL_FORMAT = "ciasa.crossmodal_control"
CONTROL_VERSION = 1
#: What the control is, in the report's words.
NOISE_CONTROL = "random perturbation of the same joints within the same bounds (attack.method=noise)"


@dataclass(frozen=True)
class ControlSide:
    """One kind of skeleton (``"source"`` or ``"recovered"``) over the samples present in
    all three sets: accuracies (fractions) of clean, adversarial and control skeletons, the
    attack's and the control's drops, and the attack's share (control - adversarial)."""

    skeletons: str
    num_samples: int
    clean_accuracy: float | None
    adversarial_accuracy: float | None
    control_accuracy: float | None
    attack_drop: PairedDrop | None
    control_drop: PairedDrop | None
    attack_share: PairedDrop | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("skeletons", "num_samples", "clean_accuracy",
                                                             "adversarial_accuracy", "control_accuracy")}
        for k in ("attack_drop", "control_drop", "attack_share"):
            value = getattr(self, k)
            out[k] = None if value is None else value.to_dict()
        return out


@dataclass(frozen=True)
class ControlComparison:
    """The attacked run against its control, for one recogniser (``model``).

    Attributes:
        control: what the control perturbation was (:data:`NOISE_CONTROL`).
        num_samples: source samples of both evaluations (matched by name).
        source, recovered: :class:`ControlSide` on the source skeletons (every labelled
            sample) and on the recovered ones (labelled samples recovered from all three
            videos).
        missing_recovered: samples left out of ``recovered`` (a video of one of the three
            sets was not recovered), in source order.
        displacement_mm: mean joint displacement of the attack and of the control over the
            moved joints (``{"adversarial": mm, "control": mm}``), when known.
    """

    model: str
    control: str
    num_samples: int
    source: ControlSide
    recovered: ControlSide
    missing_recovered: list[str]
    displacement_mm: dict[str, float | None]

    def verdict(self) -> str:
        """One sentence on the recovered skeletons: is the drop the attack's?"""
        share = self.recovered.attack_share
        if share is None:
            return "no sample was recovered from all three videos: the attack cannot be told from the control"
        span = f"{_pp(share.value)} [{_pp(share.low)}, {_pp(share.high)}] over {share.num_samples} samples"
        if share.low > 0:
            return f"the attack lowers the recovered accuracy more than the control does: its own share {span}"
        if share.high < 0:
            return f"the control lowers the recovered accuracy more than the attack does: the attack's share {span}"
        return (f"the attack cannot be told from the control on the recovered skeletons: its own share {span} "
                "(the interval holds 0)")

    def to_dict(self) -> dict[str, Any]:
        return {"format": CONTROL_FORMAT, "version": CONTROL_VERSION, "model": self.model, "control": self.control,
                "num_samples": self.num_samples, "source": self.source.to_dict(),
                "recovered": self.recovered.to_dict(), "missing_recovered": list(self.missing_recovered),
                "displacement_mm": dict(self.displacement_mm), "verdict": self.verdict()}

    def to_markdown(self) -> str:
        """A Markdown section: one row per kind of skeleton, then the verdict."""
        lines = [f"## Control: is the drop the attack's? ({md_cell(self.model)})", "",
                 f"The same clean samples perturbed by a control: {self.control}. Drops are clean - perturbed "
                 "accuracy over the same samples; the attack's share is control - adversarial accuracy, with its "
                 "95 % interval (Newcombe, paired).", ""]
        head = ["skeletons", "samples", "clean", "adversarial", "control", "attack drop", "control drop",
                "attack's share"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for side in (self.source, self.recovered):
            lines.append(md_row([side.skeletons, str(side.num_samples), fmt_pct(side.clean_accuracy),
                                 fmt_pct(side.adversarial_accuracy), fmt_pct(side.control_accuracy),
                                 fmt_difference(side.attack_drop), fmt_difference(side.control_drop),
                                 fmt_difference(side.attack_share)]))
        lines += ["", f"**Verdict:** {self.verdict()}.", ""]
        moved = {k: v for k, v in self.displacement_mm.items() if v is not None}
        if moved:
            lines += ["Mean joint displacement over the moved joints: "
                      + ", ".join(f"{k} {v:.1f} mm" for k, v in moved.items()) + ".", ""]
        if self.missing_recovered:
            lines += [f"Left out of the recovered row: {len(self.missing_recovered)} sample(s) not recovered from "
                      f"all three videos.", ""]
        return "\n".join(lines)


def _pp(value: float) -> str:
    return f"{100 * value:.1f} pp"


def fmt_difference(d: PairedDrop | None) -> str:
    """``-1.7 pp [-13.9, 10.7]``; ``n/a`` for None."""
    return "n/a" if d is None else f"{_pp(d.value)} [{100 * d.low:.1f}, {100 * d.high:.1f}]"


#: The per-sample columns a control comparison reads.
_NEED = ("name", "label", "clean_source_pred", "adversarial_source_pred", "clean_recovered_pred",
         "adversarial_recovered_pred")


def _content_hash(doc: Mapping[str, Any], role: str) -> str | None:
    info = (doc.get("inputs") or {}).get(role)
    return info.get("content_hash") if isinstance(info, Mapping) else None


def _difference_of(first_ok: np.ndarray, second_ok: np.ndarray) -> PairedDrop | None:
    """``mean(first_ok) - mean(second_ok)`` with its paired interval; None for no sample."""
    got = paired_difference_interval(first_ok, second_ok)
    return None if got is None else PairedDrop(value=got[0], low=got[1], high=got[2], num_samples=int(first_ok.size))


def _side(skeletons: str, label: np.ndarray, clean: np.ndarray, adv: np.ndarray, ctrl: np.ndarray) -> ControlSide:
    c_ok, a_ok, n_ok = clean == label, adv == label, ctrl == label
    n = int(label.size)

    def acc(ok: np.ndarray) -> float | None:
        return float(ok.mean()) if n else None

    return ControlSide(skeletons=skeletons, num_samples=n, clean_accuracy=acc(c_ok), adversarial_accuracy=acc(a_ok),
                       control_accuracy=acc(n_ok), attack_drop=_difference_of(c_ok, a_ok),
                       control_drop=_difference_of(c_ok, n_ok), attack_share=_difference_of(n_ok, a_ok))


def compare_control(attacked: Mapping[str, Any], control: Mapping[str, Any], *, model: str | None = None,
                    control_name: str = NOISE_CONTROL,
                    displacement_mm: Mapping[str, float | None] | None = None,
                    names: Sequence[str] = ("attacked evaluation", "control evaluation")) -> ControlComparison:
    """The :class:`ControlComparison` of two ``crossmodal.json`` documents of the same
    recogniser on the same clean samples (pure).

    Args:
        attacked, control: the evaluations of the attack's and the control's sets.
        model: the recogniser's name (default: the attacked document's ``model``).
        control_name: what the control perturbation was.
        displacement_mm: mean joint displacement of each (``adversarial``, ``control``).
        names: how the two documents are named in errors (e.g. their paths).

    Raises:
        ValidationError: a document lacks a per-sample column, the two were made by
            different recognisers or on different clean or clean-recovered skeletons, or
            their sample names or labels differ (each names the document and field).
    """
    cols = [sample_columns(attacked, names[0], _NEED), sample_columns(control, names[1], _NEED)]
    if attacked.get("model") != control.get("model"):
        raise ValidationError(f"{control.get('model')!r}, the {names[0]} was made by {attacked.get('model')!r}; "
                              "a control compares one recogniser", path=names[1], field="model")
    for role in ("clean", "clean_recovered"):
        first, second = _content_hash(attacked, role), _content_hash(control, role)
        if first != second:
            raise ValidationError(f"{str(second)[:12]} against {str(first)[:12]} in the {names[0]}: the control "
                                  "must perturb the same clean samples and share their recovered clean skeletons",
                                  path=names[1], field=f"inputs.{role}.content_hash")
    if cols[0]["name"] != cols[1]["name"]:
        only = sorted(set(cols[0]["name"]) ^ set(cols[1]["name"]))
        raise ValidationError(f"not the {names[0]}'s samples in its order"
                              + (f" (differing: {', '.join(map(str, only[:5]))})" if only else ""),
                              path=names[1], field="samples.name")
    if cols[0]["label"] != cols[1]["label"]:
        bad = next(n for n, a, b in zip(cols[0]["name"], cols[0]["label"], cols[1]["label"]) if a != b)
        raise ValidationError(f"labelled differently from the {names[0]}", path=names[1], sample=bad,
                              field="samples.label")

    def arr(values: list[Any]) -> np.ndarray:
        return np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)

    a, c = cols
    label = arr(a["label"])
    known = label >= 0
    source = _side("source", label[known], arr(a["clean_source_pred"])[known], arr(a["adversarial_source_pred"])[known],
                   arr(c["adversarial_source_pred"])[known])
    triples = zip(a["clean_recovered_pred"], a["adversarial_recovered_pred"], c["adversarial_recovered_pred"])
    present = np.array([None not in t for t in triples], dtype=bool)
    use = present & known
    recovered = _side("recovered", label[use], arr(a["clean_recovered_pred"])[use],
                      arr(a["adversarial_recovered_pred"])[use], arr(c["adversarial_recovered_pred"])[use])
    missing = [str(n) for n, ok in zip(a["name"], present) if not ok]
    return ControlComparison(model=str(model or attacked.get("model")), control=control_name,
                             num_samples=len(a["name"]), source=source, recovered=recovered,
                             missing_recovered=missing,
                             displacement_mm={k: (None if v is None else float(v))
                                              for k, v in (displacement_mm or {}).items()})


def write_control(comparison: ControlComparison, out_dir: str | Path) -> list[Path]:
    """Write ``control.json`` and ``control.md`` into ``out_dir`` atomically."""
    from pipeline.io_utils import atomic_outputs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "control.json", out / "control.md"]
    with atomic_outputs() as group:
        group.path(paths[0]).write_text(json.dumps(comparison.to_dict(), indent=2), encoding="utf-8")
        group.path(paths[1]).write_text(comparison.to_markdown(), encoding="utf-8")
    return paths


__all__ = ["CONTROL_FORMAT", "CONTROL_VERSION", "NOISE_CONTROL", "ControlComparison", "ControlSide",
           "compare_control", "fmt_difference", "write_control"]
