"""Attack a whole :class:`~pipeline.skeleton_set.SkeletonSet` in batches (in memory; the
CLI and the experiments read and write files around it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from attack.base import Attack
from attack.config import DEFAULT_BATCH_SIZE
from attack.result import AttackResult
from pipeline.errors import ValidationError

log = logging.getLogger(__name__)


def attack_set(atk: Attack, sset: Any, *, labels: np.ndarray | None = None, targets: np.ndarray | None = None,
               batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Callable[[int, int], None] | None = None) -> AttackResult:
    """Run ``atk`` over every sample of ``sset`` and return one result (on CPU).

    Args:
        atk: a configured attack.
        sset: a SkeletonSet whose layout is the attack's; data ``(N, C, T, V, M)``.
        labels: ``(N,)`` labels in the model's class order (default ``sset.label``).
        targets: ``(N,)`` targets when the attack's target is ``"given"``.
        batch_size: samples attacked at once.
        progress: called as ``progress(samples_done, samples_total)`` after every batch.
    Returns:
        The joined :class:`AttackResult` with metrics over the whole set.
    Raises:
        ValidationError: layout mismatch, bad batch size or target count (before compute).
    """
    if sset.layout != atk.layout.name:
        raise ValidationError(f"the set's layout is {sset.layout} but the attack's is {atk.layout.name}",
                              field="layout")
    if batch_size < 1:
        raise ValidationError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
    n = len(sset)
    lab = np.asarray(sset.label if labels is None else labels, dtype=np.int64)
    if targets is not None and len(targets) != n:
        raise ValidationError(f"{len(targets)} targets for {n} samples", field="target")
    parts = []
    for lo in range(0, n, batch_size):
        hi = min(n, lo + batch_size)
        x = torch.from_numpy(np.ascontiguousarray(sset.data[lo:hi], dtype=np.float32))
        r = atk(x, torch.from_numpy(lab[lo:hi]), torch.from_numpy(np.asarray(sset.num_frames[lo:hi])),
                targets=None if targets is None else torch.as_tensor(np.asarray(targets[lo:hi])))
        log.info("samples %d-%d: success %.3f", lo, hi - 1, r.success_rate)
        parts.append(r)
        if progress is not None:
            progress(hi, n)
    result = AttackResult.concat(parts)
    clean = torch.from_numpy(np.ascontiguousarray(sset.data, dtype=np.float32)).to(result.adversarial.dtype)
    result.metrics = atk.metrics_for(result, clean, np.asarray(sset.num_frames))
    return result
