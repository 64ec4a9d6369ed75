"""Evaluating a recogniser on a skeleton set (``ciasa evaluate``).

:func:`evaluate_recognizer` runs a :class:`~pipeline.models.Recognizer` over a
:class:`~pipeline.skeleton_set.SkeletonSet` in batches and returns an :class:`EvalReport`
(top-1, top-5, per-class accuracy, confusion matrix, confidence, per-sample
predictions; :mod:`pipeline.eval_report`, re-exported here); :func:`write_evaluation`
writes it as ``report.json`` and ``confusion.png``.

Labels are compared in the *model's* class space. When the set's class names differ from
the model's (e.g. the 12-class synthetic set evaluated by an official NTU-60 model), every
set label is mapped to the model's index of the same class name; a class that has samples
in the set but is unknown to the model raises :class:`LabelMismatchError`. Samples with
label ``-1`` (unknown) are predicted but excluded from every metric and counted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import LabelMismatchError, ValidationError
from pipeline.eval_report import (  # noqa: F401 - re-exported
    REPORT_FORMAT,
    REPORT_VERSION,
    ClassStats,
    EvalReport,
    confusion_figure,
    most_confused_pairs,
    summary_line,
    write_evaluation,
)

log = logging.getLogger(__name__)

#: Default samples per forward pass.
DEFAULT_BATCH_SIZE = 32
#: ``k`` of the top-k accuracy (capped at the number of classes).
TOP_K = 5


# --------------------------------------------------------------------------- labels


def align_labels(set_labels: np.ndarray, set_classes: list[str], model_classes: list[str], *,
                 path: str | None = None) -> tuple[np.ndarray, dict[str, int]]:
    """Set labels as model class indices.

    Args:
        set_labels: ``(N,)`` int labels into ``set_classes`` (-1: unknown).
        set_classes: the set's class names (may be empty: labels are then taken as model
            indices).
        model_classes: the model's class names.
    Returns:
        ``(labels, label_map)``: ``(N,)`` int64 model indices (-1 kept), and the name ->
        model index map used (empty when no realignment was needed).
    Raises:
        LabelMismatchError: a label outside the set's classes, or a class with samples
            that the model does not know (named, with the model's classes counted).
    """
    labels = np.asarray(set_labels, dtype=np.int64)
    limit = len(set_classes) if set_classes else len(model_classes)
    bad = np.flatnonzero((labels < -1) | (labels >= limit))
    if bad.size:
        raise LabelMismatchError(f"label {int(labels[bad[0]])} outside 0..{limit - 1} (-1 = unknown)",
                                 path=path, sample=int(bad[0]), field="label")
    known = labels[labels >= 0]
    if not set_classes or list(set_classes) == list(model_classes):
        return labels.copy(), {}
    index = {name: k for k, name in enumerate(model_classes)}
    used = sorted(set(known.tolist()))
    unknown = [set_classes[k] for k in used if set_classes[k] not in index]
    if unknown:
        counts = {set_classes[k]: int((known == k).sum()) for k in used if set_classes[k] not in index}
        listed = ", ".join(f"{n!r} ({c} samples)" for n, c in list(counts.items())[:5])
        raise LabelMismatchError(
            f"{len(unknown)} class(es) of the set are unknown to the model "
            f"({len(model_classes)} classes): {listed}", path=path, field="class_names")
    label_map = {set_classes[k]: index[set_classes[k]] for k in used}
    lookup = np.array([index.get(name, -1) for name in set_classes], dtype=np.int64)
    out = np.where(labels >= 0, lookup[np.clip(labels, 0, None)], -1)
    log.info("labels realigned by class name: %d set classes -> model indices", len(label_map))
    return out, label_map


# --------------------------------------------------------------------------- evaluation


def check_compatible(rec: Any, sset: Any, path: str | None) -> None:
    """Raise :class:`ValidationError` (field ``layout``, ``C`` or ``M``, file ``path``) when
    recogniser ``rec`` cannot take the data of set ``sset``."""
    spec = rec.input_spec
    if sset.layout != spec.layout:
        raise ValidationError(
            f"the set's layout is {sset.layout} but recogniser {rec.name} takes {spec.layout}",
            path=path, field="layout")
    _, c, t, v, m = sset.shape
    if c != spec.channels:
        raise ValidationError(f"the set has C={c} channels, recogniser {rec.name} takes {spec.channels}",
                              path=path, field="C")
    if spec.num_person is not None and m > spec.num_person:
        raise ValidationError(
            f"the set has M={m} bodies, recogniser {rec.name} takes at most {spec.num_person}",
            path=path, field="M")


@dataclass(frozen=True)
class SetPredictions:
    """What :func:`predict_set` returns for a set of ``N`` samples.

    Attributes:
        predictions: ``(N,)`` int64 model classes (argmax of the logits).
        max_prob: ``(N,)`` float64 softmax probability of that class.
        top: ``(N, k)`` int64 the ``k`` most probable classes, best first.
        seconds: wall time of the forward passes.
    """

    predictions: np.ndarray
    max_prob: np.ndarray
    top: np.ndarray
    seconds: float


def predict_set(rec: Any, sset: Any, *, top_k: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
                device: str | Any = "cpu", progress: Callable[[int, int], None] | None = None,
                data_path: str | Path | None = None) -> SetPredictions:
    """Run recogniser ``rec`` over every sample of ``sset`` in batches (labels unused).

    Args:
        rec: a :class:`~pipeline.models.Recognizer` (moved to ``device`` and put in eval
            mode for the run; its training flag is restored afterwards).
        sset: a :class:`~pipeline.skeleton_set.SkeletonSet`, data ``(N, C, T, V, M)`` in the
            coordinates the recogniser takes raw (Kinect camera metres for NTU).
        top_k: how many of the most probable classes to keep (capped at the class count).
        batch_size: samples per forward pass.
        device: ``"cpu"``, ``"cuda"``...
        progress: called as ``progress(samples_done, samples_total)`` after every batch.
        data_path: where ``sset`` was read from (named in errors).
    Raises:
        ValidationError: layout, channel or body count incompatible with the recogniser
            (before any compute), or ``batch_size < 1``.
    """
    import torch  # here, not at import: the CLI imports this module for its defaults

    path = None if data_path is None else str(data_path)
    if batch_size < 1:
        raise ValidationError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
    check_compatible(rec, sset, path)
    n = len(sset)
    top_k = max(1, min(top_k, rec.num_classes))
    was_training = rec.training
    rec.to(device)
    rec.eval()
    preds = np.empty(n, dtype=np.int64)
    max_prob = np.empty(n, dtype=np.float64)
    top = np.empty((n, top_k), dtype=np.int64)
    start = time.perf_counter()
    try:
        with torch.no_grad():
            for lo in range(0, n, batch_size):
                hi = min(n, lo + batch_size)
                x = torch.from_numpy(np.ascontiguousarray(sset.data[lo:hi], dtype=np.float32)).to(device)
                prob = torch.softmax(rec(x).double(), dim=-1).cpu()
                best, arg = prob.max(dim=-1)
                preds[lo:hi] = arg.numpy()
                max_prob[lo:hi] = best.numpy()
                top[lo:hi] = prob.topk(top_k, dim=-1).indices.numpy()
                if progress is not None:
                    progress(hi, n)
    finally:
        rec.train(was_training)
    return SetPredictions(predictions=preds, max_prob=max_prob, top=top, seconds=time.perf_counter() - start)


def evaluate_recognizer(rec: Any, sset: Any, *, batch_size: int = DEFAULT_BATCH_SIZE,
                        device: str | Any = "cpu",
                        progress: Callable[[int, int], None] | None = None,
                        data_path: str | Path | None = None) -> EvalReport:
    """Evaluate recogniser ``rec`` on skeleton set ``sset``.

    Args:
        rec: a :class:`~pipeline.models.Recognizer` (moved to ``device`` and put in eval
            mode for the run; its training flag is restored afterwards).
        sset: a :class:`~pipeline.skeleton_set.SkeletonSet`, data ``(N, C, T, V, M)`` in the
            coordinates the recogniser takes raw (Kinect camera metres for NTU).
        batch_size: samples per forward pass.
        device: ``"cpu"``, ``"cuda"``...
        progress: called as ``progress(samples_done, samples_total)`` after every batch.
        data_path: where ``sset`` was read from (recorded in the report).
    Returns:
        An :class:`EvalReport`.
    Raises:
        ValidationError: layout, channel or body count incompatible with the recogniser
            (before any compute), no labelled sample, or ``batch_size < 1``.
        LabelMismatchError: labels that cannot be aligned with the model's classes.
    """
    path = None if data_path is None else str(data_path)
    if batch_size < 1:
        raise ValidationError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
    check_compatible(rec, sset, path)
    labels, label_map = align_labels(sset.label, list(sset.class_names), list(rec.class_names), path=path)
    n, k = len(sset), rec.num_classes
    labelled = labels >= 0
    if not labelled.any():
        raise ValidationError(f"none of the {n} samples has a label (all -1): nothing to score",
                              path=path, field="label")

    top_k = min(TOP_K, k)
    predicted = predict_set(rec, sset, top_k=top_k, batch_size=batch_size, device=device, progress=progress,
                            data_path=path)
    preds, max_prob, seconds = predicted.predictions, predicted.max_prob, predicted.seconds
    in_top = (predicted.top == np.maximum(labels, 0)[:, None]).any(axis=1)

    y, p = labels[labelled], preds[labelled]
    correct = y == p
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y, p), 1)
    support = confusion.sum(axis=1)
    hits = np.diag(confusion)
    per_class = [ClassStats(i, rec.class_names[i], int(support[i]), int(hits[i]),
                            float(hits[i] / support[i]) if support[i] else None) for i in range(k)]
    confidence = float(max_prob[labelled][correct].mean()) if correct.any() else None
    unlabelled = int(n - labelled.sum())
    if unlabelled:
        log.info("%d of %d samples have no label (-1): predicted, not scored", unlabelled, n)
    meta_path = rec.meta.get("path") or ", ".join(
        str(m.get("path")) for m in rec.meta.get("members", []) if isinstance(m, dict)) or None
    return EvalReport(
        model=rec.name, arch=rec.arch, model_path=meta_path, data_path=path,
        data_hash=sset.content_hash(), num_samples=n, num_unlabelled=unlabelled,
        class_names=list(rec.class_names), top1=float(correct.mean()),
        top5=float(in_top[labelled].mean()), top_k=top_k, confidence=confidence,
        per_class=per_class, confusion=confusion, sample_names=[str(s) for s in sset.name],
        predictions=preds, labels=labels, max_prob=max_prob, label_map=label_map,
        seconds=seconds, device=str(device),
    )


# --------------------------------------------------------------------------- reading data


def load_evaluation_set(path: str | Path, part: str | None = None) -> Any:
    """The skeleton set to evaluate on.

    Args:
        path: a ciasa ``.npz`` set; a folder holding ``<part>.npz`` (``ciasa data synth``
            output); or anything :func:`pipeline.formats.detect_format` recognises.
        part: a split name: the file ``<part>.npz`` or st-gcn ``<part>_data.npy`` in a
            folder, else a named split of the set (``sset.splits``). None: the whole set.
    Raises:
        MissingInputError: no such path; ValidationError (field ``part``): no such split.
    """
    from pipeline.formats import detect_format, read_set
    from pipeline.skeleton_set import load_skeleton_set

    p = Path(path)
    if p.is_dir() and part is not None and (p / f"{part}.npz").is_file():
        return load_skeleton_set(p / f"{part}.npz")
    if p.is_file() and p.suffix == ".npz":
        sset = load_skeleton_set(p)
    else:
        fmt = detect_format(p)
        options = {"part": part} if fmt == "stgcn" and part is not None and p.is_dir() else {}
        sset = read_set(fmt, p, **options)
        if options:
            return sset
    if part is None:
        return sset
    if part not in sset.splits:
        raise ValidationError(
            f"no split {part!r}; splits: {', '.join(sset.splits) or '(none: omit --part)'}",
            path=p, field="part")
    return sset.split(part)


__all__ = ["REPORT_FORMAT", "REPORT_VERSION", "ClassStats", "DEFAULT_BATCH_SIZE", "EvalReport", "SetPredictions",
           "align_labels", "check_compatible", "confusion_figure", "evaluate_recognizer", "load_evaluation_set",
           "most_confused_pairs", "predict_set", "summary_line", "write_evaluation"]
