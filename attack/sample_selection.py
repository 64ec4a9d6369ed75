"""Which samples an experiment attacks: a seeded, class-balanced subset of a skeleton set,
optionally only those a model classifies correctly (:func:`select_samples`), or a fixed
total drawn round-robin over the classes (:func:`select_total`); and :func:`predict`, the
batched arg-max the selection (and the flows) use.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from attack.config import DEFAULT_BATCH_SIZE
from attack.paper_protocol import DEFAULT_PER_CLASS
from pipeline.errors import ValidationError

log = logging.getLogger(__name__)

Model = Callable[[torch.Tensor], torch.Tensor]

@dataclass(frozen=True)
class SampleSpec:
    """Which samples an experiment attacks.

    Attributes:
        per_class: samples per class (fewer where a class has fewer); ``None``: all.
        seed: seeds the draw within each class.
        correct_only: keep only samples the model classifies correctly (drawn in a seeded
            order until ``per_class`` correct ones are found).
    """

    per_class: int | None = DEFAULT_PER_CLASS
    seed: int = 0
    correct_only: bool = True

    def __post_init__(self) -> None:
        if self.per_class is not None and (not isinstance(self.per_class, (int, np.integer))
                                           or isinstance(self.per_class, bool) or self.per_class < 1):
            raise ValidationError(f"per_class must be an integer >= 1 or None, got {self.per_class!r}",
                                  field="per_class")
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool):
            raise ValidationError(f"seed must be an int, got {self.seed!r}", field="seed")


@dataclass
class Subset:
    """The samples chosen by :func:`select_samples`.

    Attributes:
        indices: ``(S,)`` indices into the set, ascending.
        labels: ``(S,)`` their labels in the model's class order.
        spec: the specification they were drawn by.
        candidates_scored: samples the model classified while drawing (0 if not needed).
    """

    indices: np.ndarray
    labels: np.ndarray
    spec: SampleSpec
    candidates_scored: int = 0

    def __len__(self) -> int:
        return int(self.indices.size)

    def to_dict(self) -> dict[str, Any]:
        return {"indices": self.indices.tolist(), "num_samples": len(self), "per_class": self.spec.per_class,
                "seed": self.spec.seed, "correct_only": self.spec.correct_only,
                "classes": int(np.unique(self.labels).size), "candidates_scored": self.candidates_scored}


def _model_device(model: Any, device: str | torch.device | None) -> torch.device:
    if device is not None:
        return torch.device(device)
    if isinstance(model, torch.nn.Module):
        for p in model.parameters():
            return p.device
    return torch.device("cpu")


@torch.no_grad()
def predict(model: Model, data: np.ndarray, *, batch_size: int = DEFAULT_BATCH_SIZE,
            device: str | torch.device | None = None) -> np.ndarray:
    """``(N,)`` predicted classes of ``model`` on ``data`` ``(N, C, T, V, M)`` (eval mode,
    restored afterwards)."""
    dev = _model_device(model, device)
    was = model.training if isinstance(model, torch.nn.Module) else None
    if was is not None:
        model.eval()
    try:
        out = []
        for lo in range(0, len(data), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(data[lo:lo + batch_size], dtype=np.float32)).to(dev)
            logits = model(x)
            if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
                raise ValidationError("the model must return logits (N, K)", field="model")
            out.append(logits.argmax(dim=1).cpu().numpy())
    finally:
        if was is not None:
            model.train(was)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def select_samples(model: Model, sset: Any, spec: SampleSpec, *, labels: np.ndarray | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None) -> Subset:
    """A seeded, class-balanced subset of ``sset``.

    Within every class the samples are put in a seeded random order; the first
    ``per_class`` are taken, or, with ``correct_only``, the first ``per_class`` that the
    model classifies correctly (candidates are scored in rounds, only as many as needed).

    Args:
        model: the attacked model (callable ``(N, C, T, V, M) -> (N, K)``).
        sset: a SkeletonSet (``data``, ``label``).
        spec: the subset's specification.
        labels: ``(N,)`` labels in the model's class order (default ``sset.label``); ``-1``
            (unknown) samples are never chosen.
    Raises:
        ValidationError: wrong label count, or no sample qualifies.
    """
    lab = np.asarray(sset.label if labels is None else labels, dtype=np.int64)
    if lab.shape != (len(sset),):
        raise ValidationError(f"{lab.size} labels for {len(sset)} samples", field="label")
    rng = np.random.default_rng(spec.seed)
    queues = {int(c): rng.permutation(np.flatnonzero(lab == c)) for c in np.unique(lab[lab >= 0])}
    chosen: dict[int, list[int]] = {c: [] for c in queues}
    want = {c: len(q) if spec.per_class is None else min(spec.per_class, len(q)) for c, q in queues.items()}
    scored = 0
    if not spec.correct_only:
        for c, q in queues.items():
            chosen[c] = q[:want[c]].tolist()
    else:
        pos = {c: 0 for c in queues}
        while True:
            batch = []
            for c, q in queues.items():
                need = want[c] - len(chosen[c])
                take = q[pos[c]:pos[c] + need]
                pos[c] += take.size
                batch += [(c, int(i)) for i in take]
            if not batch:
                break
            idx = np.array([i for _, i in batch])
            pred = predict(model, sset.data[idx], batch_size=batch_size, device=device)
            scored += idx.size
            for (c, i), p in zip(batch, pred):
                if int(p) == c:
                    chosen[c].append(i)
    indices = np.array(sorted(i for v in chosen.values() for i in v), dtype=np.int64)
    if indices.size == 0:
        raise ValidationError("no sample qualifies for the experiment"
                              + (" (the model classifies none correctly)" if spec.correct_only else ""),
                              field="data")
    short = {c: len(v) for c, v in chosen.items() if spec.per_class is not None and len(v) < spec.per_class}
    if short:
        log.info("classes with fewer than %s qualifying samples: %s", spec.per_class, short)
    return Subset(indices=indices, labels=lab[indices], spec=spec, candidates_scored=scored)


def shard_block(length: int, shard: tuple[int, int]) -> slice:
    """Positions ``[start, stop)`` of shard ``k`` of ``n`` (``shard = (k, n)``, 1-based) in a
    list of ``length`` items cut into ``n`` contiguous blocks whose sizes differ by at most 1.

    Raises:
        ValidationError: not ``1 <= k <= n``.
    """
    k, n = shard
    if not (isinstance(k, (int, np.integer)) and isinstance(n, (int, np.integer)) and 1 <= k <= n):
        raise ValidationError(f"shard must be K/N with 1 <= K <= N, got {k}/{n}", field="shard")
    return slice((k - 1) * length // n, k * length // n)


def select_total(model: Model, sset: Any, total: int, *, seed: int = 0, correct_only: bool = True,
                 labels: np.ndarray | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 device: str | torch.device | None = None, shard: tuple[int, int] | None = None) -> Subset:
    """``total`` samples of ``sset``, class-balanced: :func:`select_samples` with
    ``ceil(total / classes)`` per class, then taken round-robin over the classes (in a
    seeded order) until ``total`` are chosen (fewer when too few qualify).

    ``shard = (k, n)`` keeps the ``k``-th of ``n`` contiguous blocks of that round-robin
    order (:func:`shard_block`), so the ``n`` shards partition the ``total`` samples and
    each is itself class-balanced (240 samples of 60 classes in 4 shards: one round, one
    sample per class, each); the draw does not depend on ``shard``.

    Raises:
        ValidationError: ``total < 1``, a bad ``shard``, or as :func:`select_samples`.
    """
    if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 1:
        raise ValidationError(f"total must be an integer >= 1, got {total!r}", field="samples")
    if shard is not None:
        shard_block(total, shard)  # checked before any compute
    lab = np.asarray(sset.label if labels is None else labels, dtype=np.int64)
    classes = np.unique(lab[lab >= 0])
    spec = SampleSpec(per_class=max(1, math.ceil(total / max(1, classes.size))), seed=seed,
                      correct_only=correct_only)
    sub = select_samples(model, sset, spec, labels=lab, batch_size=batch_size, device=device)
    if len(sub) <= total and shard is None:
        return sub
    by_class = {int(c): sub.indices[sub.labels == c].tolist() for c in np.unique(sub.labels)}
    order = np.random.default_rng([seed, 1]).permutation(sorted(by_class)).tolist()
    keep: list[int] = []
    for r in range(spec.per_class):
        keep += [by_class[c][r] for c in order if r < len(by_class[c])]
    keep = keep[:total]
    if shard is not None:
        keep = keep[shard_block(len(keep), shard)]
    keep_arr = np.array(sorted(keep), dtype=np.int64)
    return Subset(indices=keep_arr, labels=lab[keep_arr], spec=spec, candidates_scored=sub.candidates_scored)
