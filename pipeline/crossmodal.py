"""Cross-modal evaluation (``ciasa evaluate-crossmodal``): does the attack survive video?

The paper's cross-modality experiment renders the clean and the adversarial skeletons as
videos, recovers skeletons from them with a monocular pose extractor and scores the
recogniser on what was recovered ("ST-GCN accuracy on 240 NTU-XV samples: 53.3 % clean,
38.9 % adversarial"). :func:`evaluate_crossmodal` takes the four skeleton sets of that
experiment and returns a :class:`CrossModalReport` (its types and renderings live in
:mod:`pipeline.crossmodal_report`):

* ``clean`` / ``adversarial``: the source skeletons (the attack's input and output; the
  same sample names, in any order);
* ``clean_recovered`` / ``adversarial_recovered``: the skeletons recovered from their
  videos (names of the source samples; possibly fewer samples when an extraction failed,
  possibly another number of frames ``T``).

Samples are matched by name, never by position. A sample whose recovery is missing from
either recovered set is reported as such and left out of every "recovered" number; those
numbers are computed on the samples recovered in both sets, and every number carries the
count it is computed on (:class:`Rate`). Labels are the clean source set's, mapped to the
recogniser's classes by name (:func:`pipeline.evaluate.align_labels`); the other sets must
agree with them (label ``-1``, unknown, is accepted in any of them). Targets are the
attack's target classes, indices of the recogniser's classes (``-1``: none).

Rates (as in :mod:`attack.metrics`, names say what they are computed over):

* ``untargeted_fooling_rate_over_correct``: share whose adversarial prediction is not the
  label, among the samples whose clean prediction was correct;
* ``untargeted_fooling_rate_over_labelled``: share whose adversarial prediction is not the
  label, over every labelled sample (= 1 - adversarial accuracy);
* ``prediction_change_rate``: share whose adversarial prediction differs from the clean
  one, over every sample (what ``attack.json`` calls ``untargeted_fooling_rate_over_all``);
* ``targeted_fooling_rate_over_all`` / ``_over_correct``: share still classified as the
  attack's target, over the samples with a target / those of them correct when clean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.crossmodal_report import (
    ClassRow,
    CrossModalReport,
    InputInfo,
    PairMetrics,
    Rate,
    SampleOutcome,
    listed_names,
    pair_metrics,
)
from pipeline.crossmodal_scoring import ROLES, scored_fields
from pipeline.errors import FormatError, LabelMismatchError, ValidationError
from pipeline.evaluate import (
    DEFAULT_BATCH_SIZE,
    align_labels,
    check_compatible,
    predict_set,
)

log = logging.getLogger(__name__)

#: Per-sample meta key of an adversarial set holding the attack's target class per sample.
TARGET_META_KEY = "attack_target"


# --------------------------------------------------------------------------- matching


def _names(sset: Any, path: str | None) -> list[str]:
    """The set's sample names; ValidationError (field ``name``) on duplicates."""
    names = [str(s) for s in np.asarray(sset.name).tolist()]
    if len(set(names)) != len(names):
        seen: set[str] = set()
        dups = sorted({s for s in names if s in seen or seen.add(s)})  # type: ignore[func-returns-value]
        raise ValidationError(f"{len(dups)} duplicate sample name(s): {listed_names(dups)}", path=path, field="name")
    return names


def _check_same_names(clean: list[str], adversarial: list[str], path: str | None) -> None:
    in_clean, in_adv = set(clean), set(adversarial)
    only_adv = [s for s in adversarial if s not in in_clean]
    only_clean = [s for s in clean if s not in in_adv]
    if only_adv or only_clean:
        parts = []
        if only_adv:
            parts.append(f"{len(only_adv)} only in the adversarial set ({listed_names(only_adv)})")
        if only_clean:
            parts.append(f"{len(only_clean)} only in the clean set ({listed_names(only_clean)})")
        raise LabelMismatchError("the clean and adversarial source sets hold different samples: "
                                 + "; ".join(parts), path=path, field="name")


def _model_labels(sset: Any, rec: Any, path: str | None) -> tuple[np.ndarray, dict[str, int]]:
    return align_labels(sset.label, list(sset.class_names), list(rec.class_names), path=path)


def _check_labels_agree(truth: np.ndarray, other: np.ndarray, names: list[str], role: str,
                        path: str | None) -> None:
    """``other`` (a set's labels, in source order) must equal the clean source labels
    wherever it is known (>= 0)."""
    bad = np.flatnonzero((other >= 0) & (other != truth))
    if bad.size:
        listed = listed_names([names[i] for i in bad])
        raise LabelMismatchError(
            f"{bad.size} sample(s) of the {role.replace('_', ' ')} set are labelled differently from the "
            f"clean source set: {listed}", path=path, field="label")


def _resolve_targets(targets: Any, target_classes: Sequence[str] | None, rec: Any, adversarial: Any,
                     adv_names: list[str], order: list[str],
                     adv_path: str | None) -> tuple[np.ndarray | None, str | None]:
    """Targets as ``(N,)`` model classes in ``order`` (-1: none), and where they came from."""
    if targets is None:
        if TARGET_META_KEY not in adversarial.sample_meta:
            return None, None
        targets, source = adversarial.sample_meta[TARGET_META_KEY], f"adversarial sample_meta {TARGET_META_KEY!r}"
        if target_classes is None:  # the attacked model's classes, recorded by ``ciasa attack``
            recorded = (adversarial.provenance or {}).get("model_class_names")
            target_classes = list(recorded) if recorded else None
    else:
        source = "given"
    if isinstance(targets, Mapping):
        missing = [s for s in order if s not in targets]
        if missing:
            raise LabelMismatchError(f"no target for {len(missing)} sample(s): {listed_names(missing)}",
                                     path=adv_path, field="targets")
        values = np.asarray([targets[s] for s in order])
    else:
        values = np.asarray(targets)
        if values.ndim != 1 or len(values) != len(adv_names):
            raise ValidationError(f"targets of shape {values.shape} for {len(adv_names)} adversarial samples",
                                  path=adv_path, field="targets")
        row = {s: i for i, s in enumerate(adv_names)}
        values = values[[row[s] for s in order]]
    if values.dtype.kind not in "iu":
        raise ValidationError(f"targets must be integer class indices, got dtype {values.dtype}",
                              path=adv_path, field="targets")
    values = values.astype(np.int64)
    classes = list(target_classes) if target_classes is not None else list(rec.class_names)
    bad = np.flatnonzero((values < -1) | (values >= len(classes)))
    if bad.size:
        raise ValidationError(f"target {int(values[bad[0]])} outside 0..{len(classes) - 1} (-1 = none)",
                              path=adv_path, sample=order[int(bad[0])], field="targets")
    if target_classes is not None and classes != list(rec.class_names):
        try:
            values, _ = align_labels(values, classes, list(rec.class_names), path=adv_path)
        except LabelMismatchError as exc:
            raise LabelMismatchError(f"target classes: {exc.reason}", path=adv_path, field="targets") from None
    return values, source


# --------------------------------------------------------------------------- evaluation


def evaluate_crossmodal(rec: Any, clean: Any, adversarial: Any, clean_recovered: Any, adversarial_recovered: Any, *,
                        targets: np.ndarray | Sequence[int] | Mapping[str, int] | None = None,
                        target_classes: Sequence[str] | None = None,
                        batch_size: int = DEFAULT_BATCH_SIZE, device: str | Any = "cpu",
                        progress: Callable[[int, int], None] | None = None,
                        paths: Mapping[str, str | Path | None] | None = None) -> CrossModalReport:
    """Score recogniser ``rec`` on source and recovered, clean and adversarial skeletons.

    Args:
        rec: a :class:`~pipeline.models.Recognizer` (eval mode for the run, then restored).
        clean, adversarial: the source :class:`~pipeline.skeleton_set.SkeletonSet` s, data
            ``(N, C, T, V, M)`` in the coordinates the recogniser takes raw (Kinect camera
            metres for NTU); the same sample names, in any order.
        clean_recovered, adversarial_recovered: the sets recovered from their videos, in
            the same layout and coordinates; names of source samples (a subset is allowed:
            the others count as missing recovery), any ``T``.
        targets: the attack's target per sample, as class indices (of ``target_classes``,
            by default of the recogniser; -1: none): an ``(N,)`` array in the adversarial
            set's order or a name -> target mapping. None: the adversarial set's per-sample
            meta :data:`TARGET_META_KEY` when present, else no targets (target rates None).
        target_classes: the class names the targets index (e.g. the attacked model's,
            ``attack.json``'s ``model_class_names``); realigned by name to the recogniser.
        batch_size: samples per forward pass; ``device``: where they run.
        progress: called as ``progress(samples_done, samples_total)`` over the four sets.
        paths: where each set was read from, by role (:data:`ROLES`); named in errors and
            recorded in the report.
    Returns:
        A :class:`CrossModalReport`.
    Raises:
        ValidationError: duplicate names in a set, a set incompatible with the recogniser
            (before any compute), bad targets, no labelled source sample, ``batch_size < 1``.
        LabelMismatchError: clean and adversarial names differ, a recovered name has no
            source sample, labels disagree across sets or cannot be aligned with the model,
            a sample without a target in a mapping.
    """
    paths = dict(paths or {})
    unknown = sorted(set(paths) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles in paths: {unknown}; roles: {', '.join(ROLES)}")
    sets = dict(zip(ROLES, (clean, adversarial, clean_recovered, adversarial_recovered)))
    where = {role: None if paths.get(role) is None else str(paths[role]) for role in ROLES}
    if batch_size < 1:
        raise ValidationError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")

    names = {role: _names(sset, where[role]) for role, sset in sets.items()}
    order = names["clean"]
    _check_same_names(order, names["adversarial"], where["adversarial"])
    source = set(order)
    for role in ("clean_recovered", "adversarial_recovered"):
        stray = [s for s in names[role] if s not in source]
        if stray:
            raise LabelMismatchError(f"{len(stray)} recovered sample(s) have no source sample: {listed_names(stray)}",
                                     path=where[role], field="name")
    for role, sset in sets.items():
        check_compatible(rec, sset, where[role])

    labels, label_map = _model_labels(clean, rec, where["clean"])
    n = len(order)
    rows = {role: {s: i for i, s in enumerate(names[role])} for role in ROLES}
    present = {role: np.array([s in rows[role] for s in order], dtype=bool) for role in ROLES}
    for role in ROLES[1:]:
        other, _ = _model_labels(sets[role], rec, where[role])
        in_source = np.full(n, -1, dtype=np.int64)
        in_source[present[role]] = other[[rows[role][s] for s in order if s in rows[role]]]
        _check_labels_agree(labels, in_source, order, role, where[role])
    if not (labels >= 0).any():
        raise ValidationError(f"none of the {n} clean source samples has a label (all -1): nothing to score",
                              path=where["clean"], field="label")
    target_values, targets_source = _resolve_targets(targets, target_classes, rec, adversarial,
                                                     names["adversarial"], order, where["adversarial"])
    clean_fps = float(clean.fps)
    for role in ROLES[1:]:
        if float(sets[role].fps) != clean_fps:
            log.warning("%s set at %g fps, the clean source set at %g fps: the recogniser sees another speed",
                        role.replace("_", " "), float(sets[role].fps), clean_fps)

    pred = {role: np.full(n, -1, dtype=np.int64) for role in ROLES}
    conf = {role: np.full(n, np.nan, dtype=np.float64) for role in ROLES}
    total = sum(int(present[role].sum()) for role in ROLES)
    done = 0
    seconds = 0.0
    for role in ROLES:
        keep = np.flatnonzero(present[role])
        if keep.size == 0:
            continue
        sub = sets[role].subset(np.array([rows[role][order[i]] for i in keep], dtype=np.int64))

        def on_batch(finished: int, _total: int, offset: int = done) -> None:
            if progress is not None:
                progress(offset + finished, total)

        out = predict_set(rec, sub, batch_size=batch_size, device=device, progress=on_batch, data_path=where[role])
        pred[role][keep] = out.predictions
        conf[role][keep] = out.max_prob
        seconds += out.seconds
        done += keep.size

    fields = scored_fields(order, labels, pred, conf, present, target_values, rec.class_names)
    meta_path = rec.meta.get("path") or ", ".join(
        str(m.get("path")) for m in rec.meta.get("members", []) if isinstance(m, dict)) or None
    inputs = {role: InputInfo(path=where[role], content_hash=sset.content_hash(), num_samples=len(sset),
                              frames=int(sset.data.shape[2]), fps=float(sset.fps),
                              coordinate_frame=str(sset.coordinate_frame)) for role, sset in sets.items()}
    return CrossModalReport(
        model=rec.name, arch=rec.arch, model_path=meta_path, class_names=list(rec.class_names), inputs=inputs,
        targets_source=targets_source, label_map=label_map, seconds=seconds, device=str(device), **fields)


# --------------------------------------------------------------------------- files


def read_attack_targets(path: str | Path) -> tuple[dict[str, int] | None, list[str] | None]:
    """The targets recorded by ``ciasa attack`` in ``attack.json``.

    Returns:
        ``(targets, class_names)``: sample name -> target class index (None for an
        untargeted attack), and the attacked model's class names the indices refer to
        (``model_class_names``; None when not recorded).
    Raises:
        MissingInputError: no such file; FormatError: not valid JSON, or ``per_sample``
        lacks matching ``name`` / ``target`` lists of str / int (the field named).
    """
    from pipeline.errors import MissingInputError
    from pipeline.io_utils import load_json

    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such attack report (attack.json)", path=path)
    doc = load_json(path, "attack report")
    per_sample = doc.get("per_sample") if isinstance(doc, dict) else None
    if not isinstance(per_sample, dict):
        raise FormatError("not an attack report: no per_sample object", path=path, field="per_sample")
    names, targets = per_sample.get("name"), per_sample.get("target")
    if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
        raise FormatError("per_sample.name must be a list of sample names", path=path, field="per_sample.name")
    classes = doc.get("model_class_names")
    if classes is not None and (not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)):
        raise FormatError("model_class_names must be a list of str", path=path, field="model_class_names")
    if targets is None:
        log.info("%s records no targets (untargeted attack)", path)
        return None, classes
    if not isinstance(targets, list) or len(targets) != len(names):
        raise FormatError(f"per_sample.target must be a list of {len(names)} class indices (one per name)",
                          path=path, field="per_sample.target")
    for i, t in enumerate(targets):
        if isinstance(t, bool) or not isinstance(t, int):
            raise FormatError(f"target {t!r} is not a class index", path=path, sample=names[i],
                              field="per_sample.target")
    if len(set(names)) != len(names):
        raise FormatError("duplicate sample names", path=path, field="per_sample.name")
    return dict(zip(names, targets)), classes


def write_crossmodal(report: CrossModalReport, out_dir: str | Path) -> list[Path]:
    """Write ``crossmodal.json`` and ``crossmodal.md`` into ``out_dir`` (created),
    atomically (both appear or neither). Returns the two paths."""
    from pipeline.io_utils import atomic_outputs

    out_dir = Path(out_dir)
    json_path, md_path = out_dir / "crossmodal.json", out_dir / "crossmodal.md"
    with atomic_outputs() as out:
        out.path(json_path).write_text(report.to_json(), encoding="utf-8")
        out.path(md_path).write_text(report.to_markdown(), encoding="utf-8")
    return [json_path, md_path]


__all__ = ["ClassRow", "CrossModalReport", "InputInfo", "PairMetrics", "ROLES", "Rate", "SampleOutcome",
           "TARGET_META_KEY", "evaluate_crossmodal", "pair_metrics", "read_attack_targets", "write_crossmodal"]
