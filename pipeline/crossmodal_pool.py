"""Pooling cross-modal evaluations of disjoint samples into one (pure).

A cross-modal run can be cut into shards (``ciasa run ... source.shard=K/N``: the K-th of N
class-balanced blocks of one draw) that run apart, on other machines or other days. Each
shard's ``crossmodal.json`` keeps every sample's label, target, predictions and
confidences on the four sets, so the shards' evaluations pool exactly:
:func:`pool_crossmodal` concatenates their samples and counts them again with
:func:`pipeline.crossmodal_scoring.scored_fields`, the function a single evaluation counts
with; the pooled report is the one an evaluation of all the samples at once would give
(same rates, per-class rows, missing recoveries). Nothing is predicted again.

What must agree across the documents (else :class:`~pipeline.errors.ValidationError`
naming the document and field): the recogniser (``model``, ``arch``, ``class_names``),
whether targets were given, each role's frame rate and coordinate frame; sample names
must be disjoint (a sample in two documents is an error naming it). Each pooled input's
``content_hash`` is the SHA-256 of the documents' hashes for that role in order, its
``path`` the documents' paths joined with ``" + "``.

:func:`weighted_means` and :func:`pooled_extraction` pool the runs' summaries the same way:
means weighted by the counts they were taken over, counts summed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pipeline.crossmodal_report import REPORT_FORMAT, CrossModalReport, InputInfo, sample_columns
from pipeline.crossmodal_scoring import ROLES, scored_fields
from pipeline.errors import ValidationError

#: The per-sample columns a pooled document must carry.
SAMPLE_COLUMNS = ("name", "label", "target") + tuple(f"{role}_{what}" for role in (
    "clean_source", "adversarial_source", "clean_recovered", "adversarial_recovered") for what in ("pred", "conf"))


def _columns(doc: Mapping[str, Any], what: str) -> dict[str, list[Any]]:
    """The document's :data:`SAMPLE_COLUMNS` (each a list of ``len(samples.name)``)."""
    if doc.get("format") != REPORT_FORMAT:
        raise ValidationError(f"not a {REPORT_FORMAT} document", path=what, field="format")
    return sample_columns(doc, what, SAMPLE_COLUMNS)


def _same(docs: Sequence[Mapping[str, Any]], names: Sequence[str], get: Any, field: str) -> Any:
    """``get(doc)`` of the first document; ValidationError naming the first that differs."""
    first = get(docs[0])
    for doc, name in zip(docs[1:], names[1:]):
        if get(doc) != first:
            raise ValidationError(f"{get(doc)!r}, {names[0]} has {first!r}: pooled evaluations must agree",
                                  path=name, field=field)
    return first


def _pooled_input(docs: Sequence[Mapping[str, Any]], names: Sequence[str], role: str) -> InputInfo:
    infos = []
    for doc, name in zip(docs, names):
        info = (doc.get("inputs") or {}).get(role)
        if not isinstance(info, Mapping):
            raise ValidationError("missing", path=name, field=f"inputs.{role}")
        infos.append(info)
    for key in ("fps", "coordinate_frame"):
        _same(infos, names, lambda i, k=key: i.get(k), f"inputs.{role}.{key}")
    digest = hashlib.sha256(",".join(str(i.get("content_hash")) for i in infos).encode("utf-8")).hexdigest()
    return InputInfo(path=" + ".join(str(i.get("path")) for i in infos), content_hash=digest,
                     num_samples=sum(int(i.get("num_samples") or 0) for i in infos),
                     frames=max(int(i.get("frames") or 0) for i in infos), fps=float(infos[0]["fps"]),
                     coordinate_frame=str(infos[0]["coordinate_frame"]))


def pool_crossmodal(docs: Sequence[Mapping[str, Any]], names: Sequence[str] | None = None) -> CrossModalReport:
    """One :class:`~pipeline.crossmodal_report.CrossModalReport` over the samples of
    ``docs`` (``crossmodal.json`` documents of disjoint samples, scored by the same
    recogniser), in the documents' order and each document's sample order.

    Args:
        docs: at least one document.
        names: how each document is named in errors and in the pooled inputs' paths
            (default ``document 1``, ``document 2``, ...).
    Raises:
        ValidationError: no document, a document lacking a per-sample column, documents
            that disagree (module docstring), a sample in two documents.
    """
    if not docs:
        raise ValidationError("nothing to pool: no evaluation given", field="docs")
    names = [f"document {i + 1}" for i in range(len(docs))] if names is None else [str(n) for n in names]
    if len(names) != len(docs):
        raise ValueError(f"{len(names)} names for {len(docs)} documents")
    cols = [_columns(doc, name) for doc, name in zip(docs, names)]
    model = _same(docs, names, lambda d: d.get("model"), "model")
    arch = _same(docs, names, lambda d: d.get("arch"), "arch")
    class_names = _same(docs, names, lambda d: list(d.get("class_names") or []), "class_names")
    targets_source = _same(docs, names, lambda d: d.get("targets_source"), "targets_source")
    seen: dict[str, str] = {}
    for c, name in zip(cols, names):
        for sample in c["name"]:
            if sample in seen:
                raise ValidationError(f"also in {seen[sample]}: pooled evaluations must hold disjoint samples",
                                      path=name, sample=str(sample), field="samples.name")
            seen[str(sample)] = name
    label_map: dict[str, int] = {}
    for doc, name in zip(docs, names):
        for cls, k in (doc.get("label_map") or {}).items():
            if label_map.setdefault(cls, k) != k:
                raise ValidationError(f"maps {cls!r} to {k}, another document to {label_map[cls]}", path=name,
                                      field="label_map")

    def joined(key: str) -> list[Any]:
        return [v for c in cols for v in c[key]]

    def ints(values: list[Any]) -> np.ndarray:
        return np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)

    def floats(values: list[Any]) -> np.ndarray:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    order = [str(s) for s in joined("name")]
    column = {"clean": "clean_source", "adversarial": "adversarial_source", "clean_recovered": "clean_recovered",
              "adversarial_recovered": "adversarial_recovered"}
    pred = {role: ints(joined(f"{col}_pred")) for role, col in column.items()}
    conf = {role: floats(joined(f"{col}_conf")) for role, col in column.items()}
    present = {role: np.array([v is not None for v in joined(f"{col}_pred")], dtype=bool)
               for role, col in column.items()}
    for role in ("clean", "adversarial"):
        if not present[role].all():
            i = int(np.flatnonzero(~present[role])[0])
            raise ValidationError("no source prediction", path=seen[order[i]], sample=order[i],
                                  field=f"samples.{column[role]}_pred")
    targets = None if targets_source is None else ints(joined("target"))
    fields = scored_fields(order, ints(joined("label")), pred, conf, present, targets, class_names)
    return CrossModalReport(
        model=str(model), arch=str(arch), model_path=docs[0].get("model_path"), class_names=class_names,
        inputs={role: _pooled_input(docs, names, role) for role in ROLES}, targets_source=targets_source,
        label_map=label_map, seconds=float(sum(float(d.get("seconds") or 0.0) for d in docs)),
        device=" + ".join(sorted({str(d.get("device")) for d in docs})), **fields)


# --------------------------------------------------------------------------- run summaries


def weighted_means(parts: Sequence[tuple[int, Mapping[str, Any]]], keys: Sequence[str]) -> dict[str, float | None]:
    """Per key, the mean of the parts' values weighted by their counts (parts without the
    value left out; None when none has it)."""
    out: dict[str, float | None] = {}
    for key in keys:
        pairs = [(n, float(doc[key])) for n, doc in parts if n > 0 and doc.get(key) is not None]
        weight = sum(n for n, _ in pairs)
        out[key] = None if weight == 0 else sum(n * v for n, v in pairs) / weight
    return out


def pooled_extraction(summaries: Sequence[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """One role's extraction summary (the ``summary`` of an extraction report,
    :mod:`pose_extract.report`)
    over several runs: counts summed, detection rate weighted by the successful sequences,
    error means weighted by the sequences that have them."""
    docs = [s for s in summaries if isinstance(s, Mapping)]
    if not docs:
        return None
    out: dict[str, Any] = {k: sum(int(d.get(k) or 0) for d in docs) for k in ("samples", "ok", "failed")}
    out["mean_detection_rate"] = weighted_means([(int(d.get("ok") or 0), d) for d in docs],
                                                ["mean_detection_rate"])["mean_detection_rate"]
    for gt in ("mean_vs_source_joints", "mean_vs_body_joints"):
        parts = [(int(d[gt].get("samples") or 0), d[gt]) for d in docs if isinstance(d.get(gt), Mapping)]
        if parts:
            keys = sorted({k for _, p in parts for k in p if k != "samples"})
            out[gt] = {"samples": sum(n for n, _ in parts), **weighted_means(parts, keys)}
    return out


__all__ = ["SAMPLE_COLUMNS", "pool_crossmodal", "pooled_extraction", "weighted_means"]
