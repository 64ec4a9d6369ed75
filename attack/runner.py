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
    parts = attack_batches(atk, sset, labels=labels, targets=targets, batch_size=batch_size, progress=progress)
    return join_batches(atk, parts, sset)


def attack_batches(atk: Attack, sset: Any, *, labels: np.ndarray | None = None,
                   targets: np.ndarray | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                   progress: Callable[[int, int], None] | None = None) -> list[AttackResult]:
    """The per-batch results of :func:`attack_set` (same arguments), not yet joined.

    A sample's result depends only on the batch it is attacked in, so attacking a set in
    consecutive pieces whose lengths are multiples of ``batch_size`` and joining every
    piece's batches with :func:`join_batches` gives exactly :func:`attack_set`'s result
    (the resumable attack stage of the flow does this).
    """
    if sset.layout != atk.layout.name:
        raise ValidationError(f"the set's layout is {sset.layout} but the attack's is {atk.layout.name}",
                              field="layout")
    if batch_size < 1:
        raise ValidationError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
    n = len(sset)
    lab = np.asarray(sset.label if labels is None else labels, dtype=np.int64)
    if len(lab) != n:
        raise ValidationError(f"{len(lab)} labels for {n} samples", field="label")
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
    return parts


def join_batches(atk: Attack, parts: list[AttackResult], sset: Any) -> AttackResult:
    """Join the consecutive batch results ``parts`` of ``atk`` over the whole of ``sset``
    (in order) into one result with its metrics over the set.

    Raises:
        ValidationError: the parts do not cover ``sset`` (their sample count differs).
    """
    result = AttackResult.concat(parts)
    if result.adversarial.shape[0] != len(sset):
        raise ValidationError(f"the attack's results cover {result.adversarial.shape[0]} samples, the set has "
                              f"{len(sset)}", field="samples")
    clean = torch.from_numpy(np.ascontiguousarray(sset.data, dtype=np.float32)).to(result.adversarial.dtype)
    result.metrics = atk.metrics_for(result, clean, np.asarray(sset.num_frames))
    return result


def build_attack(cfg: Any, model: Any, *, layout: str, device: str | torch.device | None = "cpu") -> Attack:
    """The attack an :class:`~attack.config.AttackConfig` describes, on ``model``.

    ``eps`` None means the mode's default (FGSM: :data:`~attack.config.DEFAULT_EPS`);
    ``gan_frames`` 0 means every frame.
    Raises:
        ValidationError: FGSM with mode ``advanced`` (it has no per-joint schedule of its
            own: give a region and one eps or per-joint eps), or any setting the attack
            refuses.
    """
    from attack.ciasa import CIASA
    from attack.config import DEFAULT_EPS
    from attack.fgsm import FGSM

    if cfg.method == "fgsm":
        if cfg.mode == "advanced":
            raise ValidationError("FGSM has no mode 'advanced' (give --region and one eps or per-joint eps)",
                                  field="mode")
        return FGSM(model, eps=DEFAULT_EPS if cfg.eps is None else cfg.eps, targeted=cfg.targeted,
                    region=cfg.region, target=cfg.target, layout=layout, seed=cfg.seed, device=device, fps=cfg.fps)
    if cfg.method == "noise":
        from attack.noise import RandomPerturbation

        return RandomPerturbation(model, eps=cfg.eps, mode=cfg.mode, region=cfg.region, realignment=cfg.realign,
                                  layout=layout, seed=cfg.seed, device=device, fps=cfg.fps)
    return CIASA(model, eps=cfg.eps, mode=cfg.mode, region=cfg.region, iterations=cfg.iterations, lr=cfg.lr,
                 lam=cfg.lam, target=cfg.target, layout=layout, smoothness=cfg.smoothness,
                 realignment=cfg.realign, gan=cfg.gan, disc_lr=cfg.disc_lr, gan_frames=cfg.gan_frames or None,
                 early_stop=cfg.early_stop, alternate_tol=cfg.alternate_tol, seed=cfg.seed, device=device,
                 fps=cfg.fps, precision=cfg.precision)


def attack_provenance(atk: Attack, settings: dict[str, Any], rec: Any, sset: Any, *, source_data: str,
                      source_part: str | None = None, indices: list[int] | None = None,
                      **extra: Any) -> dict[str, Any]:
    """The provenance an adversarial set records: the attack's configuration, the settings it
    was built from (``settings``, JSON-ready), the attacked model with its class names (the
    targets' class space), and the source set (``source_data`` as given, its part, indices,
    content hash and provenance); ``extra`` keys are added as they are."""
    return {"stage": "attack", "attack": atk.config(), "cli": settings, "model": rec.name,
            "model_path": rec.meta.get("path"), "model_class_names": list(rec.class_names),
            "source_data": source_data, "source_part": source_part, "source_hash": sset.content_hash(),
            "source_provenance": sset.provenance, "indices": indices, **extra}


def adversarial_set(sset: Any, result: AttackResult, provenance: dict[str, Any]) -> Any:
    """The adversarial :class:`~pipeline.skeleton_set.SkeletonSet` of ``result`` (same
    names, labels and layout as ``sset``; ``provenance`` replaces the source's), whose
    per-sample meta adds ``attack_target`` (model class indices; absent for untargeted
    FGSM) and ``attack_success`` (bool)."""
    from dataclasses import replace

    meta = dict(sset.sample_meta)
    if result.targets is not None:
        meta["attack_target"] = result.targets.numpy().astype(np.int64)
    meta["attack_success"] = result.success.numpy().astype(bool)
    return replace(sset, data=result.adversarial.numpy().astype(np.float32), provenance=provenance,
                   sample_meta=meta)


def attack_report(result: AttackResult, sset: Any, model: Any) -> dict[str, Any]:
    """``result.summary()`` with the sample names and the attacked model's name and class
    names (what ``attack.json`` holds; the cross-modal evaluation reads the targets and
    class names from it)."""
    summary = result.summary()
    summary["per_sample"]["name"] = [str(s) for s in sset.name]
    summary["model_class_names"] = list(model.class_names)
    summary["model"] = model.name
    return summary
