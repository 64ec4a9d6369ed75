"""The cross-modal report's types (:class:`CrossModalReport` and its parts: :class:`Rate`,
:class:`PairMetrics`, :class:`ClassRow`, :class:`SampleOutcome`, :class:`InputInfo`), the
pure :func:`pair_metrics` that counts them, and their JSON and Markdown renderings.

:func:`pipeline.crossmodal.evaluate_crossmodal` fills them; every rate carries the count it
is computed on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REPORT_FORMAT = "ciasa.crossmodal"
REPORT_VERSION = 1
#: Per-sample meta key of an adversarial set holding the attack's target class per sample.
TARGET_META_KEY = "attack_target"
#: At most this many offending sample names are listed in an error or in the report.
MAX_LISTED = 5


def listed_names(names: Sequence[str]) -> str:
    """``'a', 'b' and 3 more`` (at most :data:`MAX_LISTED` names)."""
    shown = ", ".join(repr(str(s)) for s in names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Rate:
    """``count`` of ``total`` samples; ``value`` is their share in [0, 1] (None when
    ``total`` is 0: nothing to count)."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return None if self.total == 0 else self.count / self.total

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "total": self.total}


def count_rate(hits: np.ndarray, over: np.ndarray) -> Rate:
    """Share of ``over`` (``(n,)`` bool) that is also ``hits`` (``(n,)`` bool)."""
    return Rate(int((hits & over).sum()), int(over.sum()))


@dataclass(frozen=True)
class PairMetrics:
    """A recogniser on a pair of sets (clean and adversarial) over the same samples.

    Attributes:
        num_samples: samples compared.
        clean_accuracy, adversarial_accuracy: over the labelled samples.
        untargeted_fooling_rate_over_correct: adversarial prediction != label, over the
            labelled samples whose clean prediction is correct.
        untargeted_fooling_rate_over_labelled: adversarial prediction != label, over the
            labelled samples.
        prediction_change_rate: adversarial prediction != clean prediction, over all.
        targeted_fooling_rate_over_all: adversarial prediction == target, over the samples
            with a target; ``targeted_fooling_rate_over_correct``: the same over those whose
            clean prediction is correct. Both None when no targets were given.
    """

    num_samples: int
    clean_accuracy: Rate
    adversarial_accuracy: Rate
    untargeted_fooling_rate_over_correct: Rate
    untargeted_fooling_rate_over_labelled: Rate
    prediction_change_rate: Rate
    targeted_fooling_rate_over_all: Rate | None
    targeted_fooling_rate_over_correct: Rate | None

    @property
    def accuracy_drop(self) -> float | None:
        """Clean accuracy - adversarial accuracy (None without labelled samples)."""
        clean, adv = self.clean_accuracy.value, self.adversarial_accuracy.value
        return None if clean is None or adv is None else clean - adv

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"num_samples": self.num_samples, "accuracy_drop": self.accuracy_drop}
        for name in ("clean_accuracy", "adversarial_accuracy", "untargeted_fooling_rate_over_correct",
                     "untargeted_fooling_rate_over_labelled", "prediction_change_rate",
                     "targeted_fooling_rate_over_all", "targeted_fooling_rate_over_correct"):
            value = getattr(self, name)
            out[name] = None if value is None else value.to_dict()
        return out


def pair_metrics(labels: np.ndarray, clean_pred: np.ndarray, adv_pred: np.ndarray,
                 targets: np.ndarray | None) -> PairMetrics:
    """:class:`PairMetrics` of ``(n,)`` model-class arrays: labels (-1 unknown), clean and
    adversarial predictions, and targets (-1 none; None: untargeted)."""
    known = labels >= 0
    correct = known & (clean_pred == labels)
    wrong = adv_pred != labels
    everyone = np.ones(len(labels), dtype=bool)
    hit = None if targets is None else adv_pred == targets
    aimed = None if targets is None else targets >= 0
    return PairMetrics(
        num_samples=len(labels),
        clean_accuracy=count_rate(clean_pred == labels, known),
        adversarial_accuracy=count_rate(adv_pred == labels, known),
        untargeted_fooling_rate_over_correct=count_rate(wrong, correct),
        untargeted_fooling_rate_over_labelled=count_rate(wrong, known),
        prediction_change_rate=count_rate(adv_pred != clean_pred, everyone),
        targeted_fooling_rate_over_all=None if hit is None else count_rate(hit, aimed),
        targeted_fooling_rate_over_correct=None if hit is None else count_rate(hit, aimed & correct),
    )


@dataclass(frozen=True)
class ClassRow:
    """Accuracies on one model class (``index``); an accuracy is None without samples.

    ``support``: labelled source samples of the class (the source accuracies' count);
    ``recovered_support``: those of them recovered in both recovered sets.
    """

    index: int
    name: str
    support: int
    clean_source: float | None
    adversarial_source: float | None
    recovered_support: int
    clean_recovered: float | None
    adversarial_recovered: float | None


@dataclass(frozen=True)
class SampleOutcome:
    """One source sample: its label and target (model classes, -1 / None when unknown or
    untargeted), and the prediction and confidence (softmax probability of the prediction)
    on each of the four sets; the recovered ones are None when that recovery is missing."""

    name: str
    label: int
    target: int | None
    clean_source_pred: int
    clean_source_conf: float
    adversarial_source_pred: int
    adversarial_source_conf: float
    clean_recovered_pred: int | None
    clean_recovered_conf: float | None
    adversarial_recovered_pred: int | None
    adversarial_recovered_conf: float | None

    @property
    def clean_recovered_present(self) -> bool:
        return self.clean_recovered_pred is not None

    @property
    def adversarial_recovered_present(self) -> bool:
        return self.adversarial_recovered_pred is not None

    @property
    def recovered(self) -> bool:
        """Recovered in both sets (counted in the recovered metrics)."""
        return self.clean_recovered_present and self.adversarial_recovered_present


@dataclass(frozen=True)
class InputInfo:
    """One of the four input sets: where it came from (None in memory), its content hash,
    sample count ``N``, padded length ``T``, frame rate and coordinate frame."""

    path: str | None
    content_hash: str
    num_samples: int
    frames: int
    fps: float
    coordinate_frame: str


@dataclass
class CrossModalReport:
    """The result of :func:`evaluate_crossmodal`.

    Attributes:
        model, arch, model_path: the recogniser (name, architecture, checkpoint(s)).
        class_names: the model's ``K`` class names (index = model class).
        inputs: :class:`InputInfo` per role (keys: :data:`ROLES`).
        targets_source: where the targets came from (``"given"``,
            ``"adversarial sample_meta 'attack_target'"``) or None (no targets).
        num_samples: source samples (the clean and adversarial sets hold the same names).
        num_unlabelled: source samples with label -1 (predicted, left out of accuracies).
        num_recovered: samples recovered in both recovered sets.
        missing_clean_recovered, missing_adversarial_recovered: source samples absent from
            the recovered sets (in source order).
        source: :class:`PairMetrics` of the source sets over every source sample;
            ``source_on_recovered``: the same over the recovered samples only;
            ``recovered``: the recovered sets over the recovered samples.
        clean_agreement, adversarial_agreement: recovered prediction == source prediction,
            over the recovered samples.
        per_class: one :class:`ClassRow` per model class with labelled source samples.
        samples: one :class:`SampleOutcome` per source sample, in clean source order.
        label_map: set class name -> model index where labels were realigned by name.
        seconds: wall time of the forward passes; ``device``: where they ran.
    """

    model: str
    arch: str
    model_path: str | None
    class_names: list[str]
    inputs: dict[str, InputInfo]
    targets_source: str | None
    num_samples: int
    num_unlabelled: int
    num_recovered: int
    missing_clean_recovered: list[str]
    missing_adversarial_recovered: list[str]
    source: PairMetrics
    source_on_recovered: PairMetrics
    recovered: PairMetrics
    clean_agreement: Rate
    adversarial_agreement: Rate
    per_class: list[ClassRow]
    samples: list[SampleOutcome]
    label_map: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    device: str = "cpu"

    @property
    def source_accuracy_drop(self) -> float | None:
        return self.source.accuracy_drop

    @property
    def recovered_accuracy_drop(self) -> float | None:
        return self.recovered.accuracy_drop

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready containers (NaN-free; missing values are None)."""
        def col(name: str) -> list[Any]:
            values = [getattr(s, name) for s in self.samples]
            if name.endswith("_conf"):
                return [None if v is None else round(float(v), 6) for v in values]
            return values

        sample_fields = [f for f in SampleOutcome.__dataclass_fields__]
        samples = {name: col(name) for name in sample_fields}
        samples["clean_recovered_present"] = [s.clean_recovered_present for s in self.samples]
        samples["adversarial_recovered_present"] = [s.adversarial_recovered_present for s in self.samples]
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "model": self.model,
            "arch": self.arch,
            "model_path": self.model_path,
            "inputs": {role: vars(info) for role, info in self.inputs.items()},
            "targets_source": self.targets_source,
            "num_samples": self.num_samples,
            "num_unlabelled": self.num_unlabelled,
            "num_recovered": self.num_recovered,
            "missing_clean_recovered": list(self.missing_clean_recovered),
            "missing_adversarial_recovered": list(self.missing_adversarial_recovered),
            "source_accuracy_drop": self.source_accuracy_drop,
            "recovered_accuracy_drop": self.recovered_accuracy_drop,
            "source": self.source.to_dict(),
            "source_on_recovered": self.source_on_recovered.to_dict(),
            "recovered": self.recovered.to_dict(),
            "clean_agreement": self.clean_agreement.to_dict(),
            "adversarial_agreement": self.adversarial_agreement.to_dict(),
            "class_names": list(self.class_names),
            "label_map": dict(self.label_map),
            "per_class": [vars(c) for c in self.per_class],
            "samples": samples,
            "seconds": round(self.seconds, 3),
            "device": self.device,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def headline(self) -> str:
        """The measurement in the paper's form: ``<model> accuracy on <n> recovered
        samples: x % clean, y % adversarial``."""
        r = self.recovered
        return (f"{self.model} accuracy on {r.clean_accuracy.total} recovered samples: "
                f"{fmt_pct(r.clean_accuracy.value)} clean, {fmt_pct(r.adversarial_accuracy.value)} adversarial")

    def to_markdown(self) -> str:
        """The report as Markdown: headline, summary table, agreement, missing recoveries,
        per-class table and inputs."""
        lines = [f"# Cross-modal evaluation: {md_cell(self.model)} ({self.arch})", "",
                 f"**{md_cell(self.headline())}** (skeletons recovered from the rendered videos; the source "
                 f"skeletons of the same samples: {fmt_pct(self.source_on_recovered.clean_accuracy.value)} clean, "
                 f"{fmt_pct(self.source_on_recovered.adversarial_accuracy.value)} adversarial).", ""]
        head = ["skeletons", "samples", "clean accuracy", "adversarial accuracy", "accuracy drop",
                "fooled (over correct)", "fooled (over labelled)", "prediction changed", "still the target"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for title, m in (("source (all samples)", self.source),
                         ("source (recovered samples)", self.source_on_recovered),
                         ("recovered from video", self.recovered)):
            target = m.targeted_fooling_rate_over_all
            lines.append(md_row([title, str(m.num_samples), fmt_rate(m.clean_accuracy), fmt_rate(m.adversarial_accuracy),
                               fmt_pp(m.accuracy_drop), fmt_rate(m.untargeted_fooling_rate_over_correct),
                               fmt_rate(m.untargeted_fooling_rate_over_labelled), fmt_rate(m.prediction_change_rate),
                               "n/a" if target is None else fmt_rate(target)]))
        lines += ["", f"Recovered predictions equal to the source predictions, on the {self.num_recovered} "
                      f"recovered samples: clean {fmt_rate(self.clean_agreement)}, adversarial "
                      f"{fmt_rate(self.adversarial_agreement)}.", ""]
        if self.targets_source is None:
            lines += ["No attack targets were given: the target columns are n/a.", ""]
        missing = sorted(set(self.missing_clean_recovered) | set(self.missing_adversarial_recovered))
        if missing:
            lines += [f"Missing recovery: {len(missing)} of {self.num_samples} samples, left out of the "
                      f"recovered numbers (clean: {len(self.missing_clean_recovered)}"
                      + (f", {listed_names(self.missing_clean_recovered)}" if self.missing_clean_recovered else "")
                      + f"; adversarial: {len(self.missing_adversarial_recovered)}"
                      + (f", {listed_names(self.missing_adversarial_recovered)}"
                         if self.missing_adversarial_recovered else "") + ").", ""]
        if self.num_unlabelled:
            lines += [f"{self.num_unlabelled} sample(s) have no label: predicted, left out of the accuracies.", ""]
        lines += ["## Per class", ""]
        head = ["class", "support", "clean source", "adversarial source", "recovered support",
                "clean recovered", "adversarial recovered"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for c in self.per_class:
            lines.append(md_row([md_cell(c.name), str(c.support), fmt_pct(c.clean_source), fmt_pct(c.adversarial_source),
                               str(c.recovered_support), fmt_pct(c.clean_recovered), fmt_pct(c.adversarial_recovered)]))
        lines += ["", "## Inputs", ""]
        head = ["set", "file", "samples", "frames (T)", "fps", "content hash"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for role, info in self.inputs.items():
            lines.append(md_row([role.replace("_", " "), md_cell(info.path or "(in memory)"), str(info.num_samples),
                               str(info.frames), f"{info.fps:g}", f"`{info.content_hash[:12]}`"]))
        return "\n".join(lines) + "\n"


def sample_columns(doc: Mapping[str, Any], what: str, need: Sequence[str]) -> dict[str, list[Any]]:
    """The per-sample columns ``need`` of a ``crossmodal.json`` document (``samples``: a
    mapping of equally long lists), named ``what`` in errors.

    Raises:
        ValidationError: ``samples`` is not a mapping, a column is missing or not a list,
            or its length differs from the first's (naming ``what`` and the field).
    """
    from pipeline.errors import ValidationError

    samples = doc.get("samples")
    if not isinstance(samples, Mapping):
        raise ValidationError("not a mapping of per-sample columns", path=what, field="samples")
    out: dict[str, list[Any]] = {}
    for key in need:
        col = samples.get(key)
        if not isinstance(col, list):
            raise ValidationError("not a list", path=what, field=f"samples.{key}")
        if out and len(col) != len(next(iter(out.values()))):
            raise ValidationError(f"{len(col)} values, samples.{need[0]} has {len(next(iter(out.values())))}",
                                  path=what, field=f"samples.{key}")
        out[key] = list(col)
    return out


def fmt_pct(value: float | None) -> str:
    """A share as ``'12.5 %'`` (``'n/a'`` for None or NaN)."""
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.1f} %"


def fmt_pp(value: float | None) -> str:
    """A difference of shares as ``'12.5 pp'``."""
    return "n/a" if value is None else f"{100 * value:.1f} pp"


def fmt_rate(rate: Rate) -> str:
    """A rate with its counts: ``'50.0 % (3/6)'``."""
    return f"{fmt_pct(rate.value)} ({rate.count}/{rate.total})"


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_row(cells: Sequence[str]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(cells) + " |"
