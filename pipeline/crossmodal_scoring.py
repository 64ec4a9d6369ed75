"""From per-sample predictions to the cross-modal report's numbers (pure).

:func:`scored_fields` is the counting half of :func:`pipeline.crossmodal.evaluate_crossmodal`
(which predicts, then calls it) and of :func:`pipeline.crossmodal_pool.pool_crossmodal`
(which reads the predictions of several evaluations, then calls it): both count the same
way, so a pooled evaluation is the one a single run over all its samples would report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pipeline.crossmodal_report import ClassRow, SampleOutcome, count_rate, pair_metrics

log = logging.getLogger(__name__)

#: The four sets of a cross-modal evaluation, in the order they are read and predicted.
ROLES = ("clean", "adversarial", "clean_recovered", "adversarial_recovered")


def class_row(k: int, name: str, labels: np.ndarray, recovered: np.ndarray,
              pred: Mapping[str, np.ndarray]) -> ClassRow:
    """Accuracies on model class ``k`` from ``(N,)`` labels, recovered mask and predictions
    by role (all in source order)."""
    of_class = labels == k
    rec_class = of_class & recovered

    def acc(role: str, mask: np.ndarray) -> float | None:
        return float((pred[role][mask] == k).mean()) if mask.any() else None

    return ClassRow(index=k, name=name, support=int(of_class.sum()), clean_source=acc("clean", of_class),
                    adversarial_source=acc("adversarial", of_class), recovered_support=int(rec_class.sum()),
                    clean_recovered=acc("clean_recovered", rec_class),
                    adversarial_recovered=acc("adversarial_recovered", rec_class))


def scored_fields(order: Sequence[str], labels: np.ndarray, pred: Mapping[str, np.ndarray],
                  conf: Mapping[str, np.ndarray], present: Mapping[str, np.ndarray],
                  targets: np.ndarray | None, class_names: Sequence[str]) -> dict[str, Any]:
    """The counted fields of a :class:`~pipeline.crossmodal_report.CrossModalReport`.

    Args:
        order: the ``N`` source sample names.
        labels: ``(N,)`` model classes (-1 unknown).
        pred, conf: per role (:data:`ROLES`), ``(N,)`` predictions (int) and confidences
            (softmax probability of the prediction); read only where ``present``.
        present: per role, ``(N,)`` bool: the sample is in that set (always for the
            source sets).
        targets: ``(N,)`` the attack's target classes (-1 none), or None (untargeted).
        class_names: the model's classes.
    Returns:
        Keyword arguments ``num_samples``, ``num_unlabelled``, ``num_recovered``,
        ``missing_clean_recovered``, ``missing_adversarial_recovered``, ``source``,
        ``source_on_recovered``, ``recovered``, ``clean_agreement``,
        ``adversarial_agreement``, ``per_class`` and ``samples``.
    """
    n = len(order)
    recovered = present["clean_recovered"] & present["adversarial_recovered"]
    t_rec = None if targets is None else targets[recovered]
    everyone = np.ones(int(recovered.sum()), dtype=bool)

    def outcome(i: int) -> SampleOutcome:
        def maybe(role: str) -> tuple[int | None, float | None]:
            return (int(pred[role][i]), float(conf[role][i])) if present[role][i] else (None, None)

        crp, crc = maybe("clean_recovered")
        arp, arc = maybe("adversarial_recovered")
        return SampleOutcome(
            name=order[i], label=int(labels[i]), target=None if targets is None else int(targets[i]),
            clean_source_pred=int(pred["clean"][i]), clean_source_conf=float(conf["clean"][i]),
            adversarial_source_pred=int(pred["adversarial"][i]), adversarial_source_conf=float(conf["adversarial"][i]),
            clean_recovered_pred=crp, clean_recovered_conf=crc, adversarial_recovered_pred=arp,
            adversarial_recovered_conf=arc)

    missing_clean = [order[i] for i in np.flatnonzero(~present["clean_recovered"])]
    missing_adv = [order[i] for i in np.flatnonzero(~present["adversarial_recovered"])]
    if missing_clean or missing_adv:
        log.info("missing recovery: %d clean, %d adversarial of %d samples (left out of the recovered numbers)",
                 len(missing_clean), len(missing_adv), n)
    return {
        "num_samples": n,
        "num_unlabelled": int((labels < 0).sum()),
        "num_recovered": int(recovered.sum()),
        "missing_clean_recovered": missing_clean,
        "missing_adversarial_recovered": missing_adv,
        "source": pair_metrics(labels, pred["clean"], pred["adversarial"], targets),
        "source_on_recovered": pair_metrics(labels[recovered], pred["clean"][recovered],
                                            pred["adversarial"][recovered], t_rec),
        "recovered": pair_metrics(labels[recovered], pred["clean_recovered"][recovered],
                                  pred["adversarial_recovered"][recovered], t_rec),
        "clean_agreement": count_rate(pred["clean_recovered"][recovered] == pred["clean"][recovered], everyone),
        "adversarial_agreement": count_rate(
            pred["adversarial_recovered"][recovered] == pred["adversarial"][recovered], everyone),
        "per_class": [class_row(k, name, labels, recovered, pred) for k, name in enumerate(class_names)
                      if (labels == k).any()],
        "samples": [outcome(i) for i in range(n)],
    }


__all__ = ["ROLES", "class_row", "scored_fields"]
