"""The cross-modal transfer table: one cross-modal run's four skeleton sets (source and
recovered, clean and adversarial) scored by several recognisers, the attacked one and
others that the attack never saw.

The paper's Table III asks whether a perturbation made against ST-GCN fools 2s-AGCN on the
skeletons themselves; this table asks the same after the trip through video: does what
survives rendering and pose extraction still fool a recogniser the attack never queried?
Each row is one recogniser's :class:`~pipeline.crossmodal_report.CrossModalReport` reduced
to its pair metrics and two paired accuracy drops (clean - adversarial on the same
samples, with Newcombe's 95 % interval, :func:`pipeline.stats.paired_difference_interval`):
on the source skeletons and on the recovered ones.

Targets: the attack's target classes are realigned by name to each recogniser's classes;
a recogniser that lacks one of them gets no target rates (``targeted_*`` None) rather than
an error, since untargeted transfer is still measured. Labels must map (a recogniser of
another class set cannot score these sets: :class:`~pipeline.errors.LabelMismatchError`
naming it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.crossmodal import evaluate_crossmodal
from pipeline.crossmodal_report import CrossModalReport, PairMetrics, fmt_rate, md_cell, md_row
from pipeline.errors import LabelMismatchError
from pipeline.evaluate import DEFAULT_BATCH_SIZE
from pipeline.stats import paired_difference_interval

TRANSFER_FORMAT = "ciasa.crossmodal_transfer"
TRANSFER_VERSION = 1
#: Format of ``transfer_samples.json`` (:func:`transfer_samples_document`).
TRANSFER_SAMPLES_FORMAT = "ciasa.crossmodal_transfer_samples"


@dataclass(frozen=True)
class PairedDrop:
    """One accuracy minus another over the same ``num_samples`` labelled samples
    (fractions; a drop: clean - adversarial), with its 95 % interval ``[low, high]``."""

    value: float
    low: float
    high: float
    num_samples: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "num_samples": self.num_samples}


@dataclass(frozen=True)
class TransferRow:
    """One recogniser on the run's four sets.

    Attributes:
        model, arch: the recogniser; ``attacked``: whether the attack ran against it.
        num_samples: source samples; ``num_recovered``: recovered in both recovered sets.
        source: pair metrics on the source skeletons (every source sample).
        recovered: pair metrics on the recovered skeletons (the recovered samples).
        source_drop, recovered_drop: paired drops (None without a labelled sample).
        targets: whether the attack's targets map to this recogniser's classes (else
            its target rates are None).
    """

    model: str
    arch: str
    attacked: bool
    num_samples: int
    num_recovered: int
    source: PairMetrics
    recovered: PairMetrics
    source_drop: PairedDrop | None
    recovered_drop: PairedDrop | None
    targets: bool

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "arch": self.arch, "attacked": self.attacked, "num_samples": self.num_samples,
                "num_recovered": self.num_recovered, "source": self.source.to_dict(),
                "recovered": self.recovered.to_dict(), "targets": self.targets,
                "source_drop": None if self.source_drop is None else self.source_drop.to_dict(),
                "recovered_drop": None if self.recovered_drop is None else self.recovered_drop.to_dict()}


@dataclass
class CrossModalTransfer:
    """The table: the attacked recogniser's row first, then the others in the given order.

    ``reports``: the other recognisers' whole reports, by label, in the rows' order
    (their per-sample predictions, written beside the table as ``transfer_samples.json``
    so that tables of several runs can be pooled: :mod:`pipeline.crossmodal_pool`).
    """

    attacked_model: str
    rows: list[TransferRow]
    reports: dict[str, CrossModalReport] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"format": TRANSFER_FORMAT, "version": TRANSFER_VERSION, "attacked_model": self.attacked_model,
                "rows": [r.to_dict() for r in self.rows]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_markdown(self) -> str:
        """A Markdown section: one row per recogniser, source and recovered side by side."""
        lines = [f"## Transfer: the run's skeletons scored by other recognisers (attacked: "
                 f"{md_cell(self.attacked_model)})", "",
                 "Accuracy drop = clean - adversarial accuracy over the same samples, with its 95 % interval "
                 "(Newcombe, paired). 'Recovered' counts the samples recovered from both of their videos.", ""]
        head = ["recogniser", "attacked", "source clean", "source adversarial", "source drop", "recovered clean",
                "recovered adversarial", "recovered drop", "recovered fooled (over correct)",
                "recovered still the target"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for r in self.rows:
            target = r.recovered.targeted_fooling_rate_over_all
            lines.append(md_row([f"{md_cell(r.model)} ({md_cell(r.arch)})", "yes" if r.attacked else "no",
                               fmt_rate(r.source.clean_accuracy), fmt_rate(r.source.adversarial_accuracy),
                               _drop(r.source_drop), fmt_rate(r.recovered.clean_accuracy),
                               fmt_rate(r.recovered.adversarial_accuracy), _drop(r.recovered_drop),
                               fmt_rate(r.recovered.untargeted_fooling_rate_over_correct),
                               "n/a" if target is None or not r.targets else fmt_rate(target)]))
        return "\n".join(lines) + "\n"


def _drop(drop: PairedDrop | None) -> str:
    if drop is None:
        return "n/a"
    return f"{100 * drop.value:.1f} pp [{100 * drop.low:.1f}, {100 * drop.high:.1f}] (n={drop.num_samples})"


def paired_drop(report: CrossModalReport, which: str) -> PairedDrop | None:
    """The paired drop of ``report`` on the ``"source"`` skeletons (every labelled sample)
    or the ``"recovered"`` ones (labelled samples recovered in both sets)."""
    if which not in ("source", "recovered"):
        raise ValueError(f"which must be 'source' or 'recovered', got {which!r}")
    pairs = [(s.label, getattr(s, f"clean_{which}_pred"), getattr(s, f"adversarial_{which}_pred"))
             for s in report.samples]
    use = [(lab, c, a) for lab, c, a in pairs if lab >= 0 and c is not None and a is not None]
    if not use:
        return None
    lab, clean, adv = (np.asarray(v, dtype=np.int64) for v in zip(*use))
    diff, low, high = paired_difference_interval(clean == lab, adv == lab)
    return PairedDrop(value=diff, low=low, high=high, num_samples=len(use))


def transfer_row(report: CrossModalReport, *, attacked: bool) -> TransferRow:
    """A :class:`TransferRow` from one recogniser's report."""
    return TransferRow(model=report.model, arch=report.arch, attacked=attacked, num_samples=report.num_samples,
                       num_recovered=report.num_recovered, source=report.source, recovered=report.recovered,
                       source_drop=paired_drop(report, "source"), recovered_drop=paired_drop(report, "recovered"),
                       targets=report.targets_source is not None and report.source.targeted_fooling_rate_over_all
                       is not None and report.source.targeted_fooling_rate_over_all.total > 0)


def crossmodal_transfer(attacked: CrossModalReport, others: Sequence[CrossModalReport]) -> CrossModalTransfer:
    """The table from the attacked recogniser's report and the others' (pure)."""
    return CrossModalTransfer(attacked_model=attacked.model,
                              rows=[transfer_row(attacked, attacked=True)]
                              + [transfer_row(r, attacked=False) for r in others],
                              reports={r.model: r for r in others})


def evaluate_transfer(attacked: CrossModalReport, recognisers: Mapping[str, Any], clean: Any, adversarial: Any,
                      clean_recovered: Any, adversarial_recovered: Any, *,
                      targets: np.ndarray | Sequence[int] | Mapping[str, int] | None = None,
                      target_classes: Sequence[str] | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                      device: str | Any = "cpu",
                      paths: Mapping[str, str | Path | None] | None = None,
                      progress: Callable[[str], None] | None = None) -> CrossModalTransfer:
    """Score every recogniser of ``recognisers`` (label -> loaded recogniser) on the four
    sets (:func:`~pipeline.crossmodal.evaluate_crossmodal`, same arguments) and build the
    table with ``attacked``, the attacked recogniser's report, first.

    A recogniser whose classes lack one of the attack's target classes is scored without
    targets. ``progress(label)`` is called before each recogniser.

    Raises:
        LabelMismatchError: a recogniser cannot map the sets' labels (names it).
    """
    reports = []
    for label, rec in recognisers.items():
        if progress is not None:
            progress(label)
        kw = dict(batch_size=batch_size, device=device, paths=paths)
        try:
            report = evaluate_crossmodal(rec, clean, adversarial, clean_recovered, adversarial_recovered,
                                         targets=targets, target_classes=target_classes, **kw)
        except LabelMismatchError as exc:
            if exc.field != "targets":
                raise LabelMismatchError(f"recogniser {label!r} cannot score this run: {exc.reason}",
                                         path=exc.path, field=exc.field) from None
            untargeted = np.full(len(adversarial), -1, dtype=np.int64)
            report = evaluate_crossmodal(rec, clean, adversarial, clean_recovered, adversarial_recovered,
                                         targets=untargeted, **kw)
        report.model = label
        reports.append(report)
    return crossmodal_transfer(attacked, reports)


def transfer_samples_document(table: CrossModalTransfer) -> dict[str, Any]:
    """``transfer_samples.json``: each other recogniser's whole report
    (:meth:`~pipeline.crossmodal_report.CrossModalReport.to_dict`, per-sample columns
    included), by label."""
    return {"format": TRANSFER_SAMPLES_FORMAT, "version": TRANSFER_VERSION, "attacked_model": table.attacked_model,
            "reports": {label: report.to_dict() for label, report in table.reports.items()}}


def write_transfer(table: CrossModalTransfer, out_dir: str | Path) -> list[Path]:
    """Write ``transfer.json`` and ``transfer.md`` into ``out_dir`` atomically, and
    ``transfer_samples.json`` (:func:`transfer_samples_document`) when the table holds
    the other recognisers' reports."""
    from pipeline.io_utils import atomic_write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "transfer.json", out / "transfer.md"]
    atomic_write_text(paths[0], table.to_json() + "\n")
    atomic_write_text(paths[1], table.to_markdown())
    if table.reports:
        paths.append(out / "transfer_samples.json")
        atomic_write_text(paths[2], json.dumps(transfer_samples_document(table), ensure_ascii=False) + "\n")
    return paths
