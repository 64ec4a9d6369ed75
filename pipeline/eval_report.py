"""What an evaluation produces (:class:`EvalReport`, :class:`ClassStats`) and how it is
written (``report.json``, ``confusion.png``) and summarised (:func:`summary_line`,
:func:`most_confused_pairs`)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPORT_FORMAT = "ciasa.evaluation"
REPORT_VERSION = 1


@dataclass(frozen=True)
class ClassStats:
    """Accuracy on one class (the model's class ``index``); ``accuracy`` is None when the
    set has no sample of it."""

    index: int
    name: str
    support: int
    correct: int
    accuracy: float | None


@dataclass
class EvalReport:
    """The result of :func:`evaluate_recognizer`.

    Attributes:
        model: the recogniser's name; ``arch``: its architecture; ``model_path``: its
            checkpoint(s), if known.
        data_path: where the set was read from (None for an in-memory set);
            ``data_hash``: the set's content hash (SHA-256).
        num_samples: N, every sample of the set; ``num_unlabelled``: samples with label -1
            (predicted, excluded from the metrics); ``num_evaluated`` = the rest.
        class_names: the model's ``K`` class names (index = model class).
        top1, top5: accuracies in [0, 1] over the labelled samples (``top5`` is top-``k``
            with ``k = min(5, K)``, recorded in ``top_k``).
        confidence: mean max-softmax-probability over correctly predicted samples (None
            when none is correct).
        per_class: one :class:`ClassStats` per model class.
        confusion: ``(K, K)`` int64, ``confusion[true, predicted]`` counts.
        sample_names: ``(N,)`` names; predictions ``(N,)`` int64 model classes; labels
            ``(N,)`` int64 model classes (-1 unlabelled); max_prob ``(N,)`` float64.
        label_map: set class name -> model index where the labels were realigned by name
            (empty when the set and the model share their class list).
        seconds: wall time of the forward passes; ``device``: where they ran.
    """

    model: str
    arch: str
    model_path: str | None
    data_path: str | None
    data_hash: str
    num_samples: int
    num_unlabelled: int
    class_names: list[str]
    top1: float
    top5: float
    top_k: int
    confidence: float | None
    per_class: list[ClassStats]
    confusion: np.ndarray
    sample_names: list[str]
    predictions: np.ndarray
    labels: np.ndarray
    max_prob: np.ndarray
    label_map: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    device: str = "cpu"

    @property
    def num_evaluated(self) -> int:
        return self.num_samples - self.num_unlabelled

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready containers (arrays as lists, NaN-free)."""
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "model": self.model,
            "arch": self.arch,
            "model_path": self.model_path,
            "data_path": self.data_path,
            "data_hash": self.data_hash,
            "num_samples": self.num_samples,
            "num_evaluated": self.num_evaluated,
            "num_unlabelled": self.num_unlabelled,
            "top1": self.top1,
            "top5": self.top5,
            "top_k": self.top_k,
            "confidence": self.confidence,
            "class_names": list(self.class_names),
            "label_map": dict(self.label_map),
            "per_class": [vars(c) for c in self.per_class],
            "confusion": self.confusion.astype(int).tolist(),
            "samples": {
                "name": list(self.sample_names),
                "label": self.labels.astype(int).tolist(),
                "prediction": self.predictions.astype(int).tolist(),
                "max_prob": [round(float(p), 6) for p in self.max_prob],
            },
            "seconds": round(self.seconds, 3),
            "device": self.device,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def confusion_figure(report: EvalReport, *, max_classes: int = 60) -> Any:
    """A matplotlib Figure (Agg canvas, no pyplot state) of the confusion matrix.

    Rows: true classes with samples; columns: those plus every other predicted class (so
    a 12-class set scored by a 60-class model shows 12 rows). Colours are row-normalised
    (share of the true class), cells show counts. At most ``max_classes`` classes, the most
    frequent ones, are drawn.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    conf = report.confusion
    rows = [i for i in range(len(conf)) if conf[i].sum() > 0]
    cols = sorted(set(rows) | {j for j in range(len(conf)) if conf[:, j].sum() > 0})
    if len(cols) > max_classes:
        keep = set(sorted(cols, key=lambda j: -(conf[j].sum() + conf[:, j].sum()))[:max_classes])
        rows, cols = [i for i in rows if i in keep], [j for j in cols if j in keep]
    sub = conf[np.ix_(rows, cols)]
    share = sub / np.maximum(sub.sum(axis=1, keepdims=True), 1)
    names = report.class_names
    cell = 0.42
    width = max(5.0, 2.8 + cell * len(cols))
    height = max(4.0, 2.6 + cell * len(rows))
    fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    img = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(cols)), [names[j] for j in cols], rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(rows)), [names[i] for i in rows], fontsize=7)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for r in range(len(rows)):
        for c in range(len(cols)):
            if sub[r, c]:
                ax.text(c, r, str(int(sub[r, c])), ha="center", va="center", fontsize=6,
                        color="white" if share[r, c] > 0.5 else "black")
    ax.set_title(f"{report.model}: top-1 {100 * report.top1:.1f} % on {report.num_evaluated} samples",
                 fontsize=9)
    fig.colorbar(img, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    fig.tight_layout()
    return fig


def write_evaluation(report: EvalReport, out_dir: str | Path) -> list[Path]:
    """Write ``report.json`` and ``confusion.png`` into ``out_dir`` (created), atomically
    (both appear or neither). Returns the two paths."""
    from pipeline.io_utils import atomic_outputs

    out_dir = Path(out_dir)
    json_path, png_path = out_dir / "report.json", out_dir / "confusion.png"
    fig = confusion_figure(report)
    with atomic_outputs() as out:
        out.path(json_path).write_text(report.to_json(), encoding="utf-8")
        fig.savefig(out.path(png_path), format="png", dpi=fig.dpi, facecolor="white")
    return [json_path, png_path]


def most_confused_pairs(confusion: np.ndarray, k: int = 10) -> list[tuple[int, int, int]]:
    """The ``k`` class pairs most often mistaken for each other, either way round.

    Args:
        confusion: ``(K, K)`` counts, ``confusion[true, predicted]``.
        k: how many pairs.
    Returns:
        ``[(a, b, count), ...]`` with ``a < b`` and ``count = confusion[a, b] +
        confusion[b, a] > 0``, most confused first (ties: lower ``a``, then lower ``b``).
    """
    c = np.asarray(confusion, dtype=np.int64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"confusion must be square (K, K), got shape {c.shape}")
    both = np.triu(c + c.T, 1)
    a, b = np.nonzero(both)
    order = np.lexsort((b, a, -both[a, b]))[:k]
    return [(int(a[i]), int(b[i]), int(both[a[i], b[i]])) for i in order]


def summary_line(report: EvalReport) -> str:
    """``top-1 x %, top-5 y %, confidence z`` in one line."""
    conf = "n/a" if report.confidence is None or math.isnan(report.confidence) else f"{report.confidence:.3f}"
    return (f"{report.model} on {report.num_evaluated} samples: top-1 {100 * report.top1:.2f} %, "
            f"top-{report.top_k} {100 * report.top5:.2f} %, confidence {conf}")


__all__ = ["REPORT_FORMAT", "REPORT_VERSION", "ClassStats", "EvalReport", "confusion_figure", "most_confused_pairs",
           "summary_line", "write_evaluation"]
