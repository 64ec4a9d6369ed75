"""Attack success and perceptibility metrics (masked: padding and absent bodies never count).

Success (names say what they are computed over):

* ``targeted_fooling_rate_over_correct``: share predicted as the target among the samples
  the model classified correctly before the attack (how peers report it);
  ``targeted_fooling_rate_over_all``: the same over every sample.
* ``untargeted_fooling_rate_over_correct``: share whose prediction changed among the
  correctly classified samples (= now misclassified); ``untargeted_fooling_rate_over_all``:
  share whose prediction changed, over every sample.

Perceptibility, over valid joints (a present joint of a present body in a real frame):
joint displacement (Euclidean over the coordinate channels; ``*_mm`` = data units x 1000,
millimetres for NTU metres), l_inf and l2 of the perturbation, bone-length error
``|l' - l| / l``, and the differences of speed, acceleration and jerk (per second, per
second squared, per second cubed at ``fps``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from attack.constraints import acceleration, bone_lengths, jerk, window_mask
from pipeline.layouts import Layout

#: Data units -> reported "mm" (NTU coordinates are metres).
MM_PER_UNIT = 1000.0
#: Clean bones shorter than this (data units) are left out of the bone-length error.
MIN_CLEAN_BONE = 1e-6


def _rate(hits: torch.Tensor, over: torch.Tensor) -> float | None:
    count = int(over.sum())
    return None if count == 0 else float((hits & over).sum()) / count


def fooling_rates(labels: torch.Tensor | None, clean_pred: torch.Tensor, adv_pred: torch.Tensor,
                  targets: torch.Tensor | None = None) -> dict[str, Any]:
    """Accuracy and fooling rates (see the module docstring).

    Args:
        labels: ``(N,)`` true classes, ``-1`` unknown (left out of accuracies and of the
            "over correct" rates); ``None``: no labels (accuracies are ``None``).
        clean_pred, adv_pred: ``(N,)`` predictions before and after the attack.
        targets: ``(N,)`` target classes of a targeted attack, or ``None``.
    Returns:
        A dict of counts and rates (``None`` where nothing is counted).
    """
    n = clean_pred.shape[0]
    everyone = torch.ones(n, dtype=torch.bool, device=clean_pred.device)
    known = (labels >= 0) if labels is not None else torch.zeros_like(everyone)
    lab = labels if labels is not None else torch.full_like(clean_pred, -1)
    correct = known & (clean_pred == lab)
    changed = adv_pred != clean_pred
    out: dict[str, Any] = {
        "num_samples": n,
        "num_labelled": int(known.sum()),
        "num_correct": int(correct.sum()),
        "clean_accuracy": _rate(clean_pred == lab, known),
        "adversarial_accuracy": _rate(adv_pred == lab, known),
        "untargeted_fooling_rate_over_correct": _rate(changed, correct),
        "untargeted_fooling_rate_over_all": _rate(changed, everyone),
    }
    if targets is not None:
        hit = adv_pred == targets
        out["targeted_fooling_rate_over_correct"] = _rate(hit, correct)
        out["targeted_fooling_rate_over_all"] = _rate(hit, everyone)
    return out


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> float | None:
    count = int(mask.sum())
    return None if count == 0 else float((values * mask).sum() / count)


def _masked_max(values: torch.Tensor, mask: torch.Tensor) -> float | None:
    return None if not bool(mask.any()) else float(values[mask].max())


def perceptibility(adv: torch.Tensor, orig: torch.Tensor, joint_valid: torch.Tensor, layout: Layout, *,
                   channels: Sequence[int] | None = None, fps: float = 30.0,
                   region: Sequence[bool] | np.ndarray | None = None) -> dict[str, Any]:
    """Perceptibility of ``adv`` against ``orig``.

    Args:
        adv, orig: ``(N, C, T, V, M)``.
        joint_valid: ``(N, T, V, M)`` bool: the joints that count.
        layout: kinematic tree for the bones.
        channels: coordinate channels (default all; x, y for Kinetics).
        fps: frames per second for speed, acceleration and jerk.
        region: ``(V,)`` bool, attacked joints: adds ``mean_joint_displacement_mm_region``.
    Returns:
        ``mean_joint_displacement_mm``, ``max_joint_displacement_mm``, ``linf`` (data
        units), ``l2_per_sample`` (mean over samples of the perturbation's Euclidean norm,
        data units), ``bone_length_error_mean`` / ``_max`` (relative), ``speed_difference``
        (units/s), ``acceleration_difference`` (units/s^2), ``jerk_difference`` (units/s^3),
        each mean over valid joints and frames; ``None`` where nothing counts.
    """
    ch = list(range(adv.shape[1])) if channels is None else list(channels)
    a, o = adv[:, ch].double(), orig[:, ch].double()
    diff = a - o
    m = joint_valid
    disp = diff.norm(dim=1)  # N x T x V x M
    absdiff = diff.abs().amax(dim=1)
    out: dict[str, Any] = {
        "mean_joint_displacement_mm": _scaled(_masked_mean(disp, m)),
        "max_joint_displacement_mm": _scaled(_masked_max(disp, m)),
        "linf": _masked_max(absdiff, m) if bool(m.any()) else None,
        "l2_per_sample": float((diff.square().sum(dim=1) * m).sum(dim=(1, 2, 3)).sqrt().mean()),
    }
    if region is not None:
        reg = torch.as_tensor(np.asarray(region, bool), device=m.device).reshape(1, 1, -1, 1)
        out["mean_joint_displacement_mm_region"] = _scaled(_masked_mean(disp, m & reg))
    # bones: both ends valid, clean length measurable
    parent = torch.tensor([p if p >= 0 else j for j, p in enumerate(layout.parents)], device=m.device)
    is_bone = torch.tensor([p >= 0 for p in layout.parents], device=m.device).reshape(1, 1, -1, 1)
    l_o = bone_lengths(o, layout)
    l_a = bone_lengths(a, layout)
    bm = m & m[:, :, parent] & is_bone & (l_o > MIN_CLEAN_BONE)
    rel = (l_a - l_o).abs() / l_o.clamp_min(MIN_CLEAN_BONE)
    out["bone_length_error_mean"] = _masked_mean(rel, bm)
    out["bone_length_error_max"] = _masked_max(rel, bm)
    t = a.shape[2]
    if t >= 2:
        sm = window_mask(m, 2)
        speed = (diff[:, :, 1:] - diff[:, :, :-1]).norm(dim=1) * fps
        out["speed_difference"] = _masked_mean(speed, sm)
    else:
        out["speed_difference"] = None
    out["acceleration_difference"] = (
        _masked_mean(acceleration(diff).norm(dim=1) * fps**2, window_mask(m, 3)) if t >= 3 else None)
    out["jerk_difference"] = (
        _masked_mean(jerk(diff).norm(dim=1) * fps**3, window_mask(m, 4)) if t >= 4 else None)
    return out


def _scaled(value: float | None) -> float | None:
    return None if value is None else value * MM_PER_UNIT


def confidences(logits: torch.Tensor, classes: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(pred, prob)`` ``(N,)``: the argmax class and its softmax probability, or (with
    ``classes``) those classes and their probabilities."""
    prob = torch.softmax(logits.double(), dim=-1)
    pred = prob.argmax(dim=-1) if classes is None else classes
    return pred, prob.gather(1, pred[:, None]).squeeze(1)
