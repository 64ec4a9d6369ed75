"""CIASA's constraints as pure tensor functions: clipping, spatial skeleton realignment
(SSR), the temporal smoothness loss, and their masks.

Shapes follow the project's contract: ``x`` is ``(N, C, T, V, M)`` (metres for NTU).
Masks: ``valid`` ``(N, T, M)`` (real frame, present body) and the joint-level ``(N, T, V,
M)`` form (also false for joints that are all-zero in an otherwise present body, as
Kinetics marks undetected keypoints). ``channels`` lists the coordinate channels (x, y, z
for NTU; x, y for Kinetics, whose score channel never moves and is no coordinate).
Everything is vectorised over samples, frames and bodies; nothing loops over them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import torch

from pipeline.layouts import Layout

log = logging.getLogger(__name__)

#: Bones shorter than this (data units) are not realigned (no direction to keep).
MIN_BONE_LENGTH = 1e-9


# --------------------------------------------------------------------------- masks


def joint_presence(x: torch.Tensor) -> torch.Tensor:
    """``(N, T, V, M)`` bool: the joint has a non-zero coordinate (any channel)."""
    return (x != 0).any(dim=1)


def joint_valid_mask(x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``(N, T, V, M)`` bool: a valid (frame, body) slot and a present joint."""
    return valid[:, :, None, :] & joint_presence(x)


def coordinate_channels(layout: Layout) -> tuple[int, ...]:
    """Indices of the coordinate channels (all but a ``score`` channel)."""
    return tuple(i for i, c in enumerate(layout.channels) if c != "score")


# --------------------------------------------------------------------------- clipping


def joint_eps(eps: float | torch.Tensor | np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """``eps`` as a tensor broadcastable to ``(N, C, T, V, M)``: a scalar, or ``(V,)`` ->
    ``(1, 1, 1, V, 1)``; same dtype and device as ``like``."""
    e = torch.as_tensor(eps, dtype=like.dtype, device=like.device)
    if e.dim() == 0:
        return e
    return e.reshape(1, 1, 1, -1, 1)


def clip(adv: torch.Tensor, orig: torch.Tensor, eps: float | torch.Tensor | np.ndarray) -> torch.Tensor:
    """Clip every coordinate to ``|adv - orig| <= eps`` (paper: global clipping for a
    scalar eps, hierarchical clipping for a per-joint ``(V,)`` eps).

    Args:
        adv, orig: ``(N, C, T, V, M)``.
        eps: scalar or ``(V,)``, data units (metres for NTU).
    Returns:
        ``(N, C, T, V, M)``, a new tensor.
    """
    e = joint_eps(eps, adv)
    return torch.minimum(torch.maximum(adv, orig - e), orig + e)


def clip_excess(adv: torch.Tensor, orig: torch.Tensor, eps: float | torch.Tensor | np.ndarray,
                mask: torch.Tensor | None = None) -> torch.Tensor:
    """``(N, C, T, V, M)``: by how much each coordinate exceeds its clip bound (>= 0).

    ``mask`` (broadcastable bool) zeroes positions that do not count.
    """
    out = ((adv - orig).abs() - joint_eps(eps, adv)).clamp_min(0)
    return out if mask is None else out * mask


# --------------------------------------------------------------------------- SSR


@lru_cache(maxsize=64)
def _propagation(parents: tuple[int, ...], movable: tuple[bool, ...]) -> np.ndarray:
    v = len(parents)
    p = np.zeros((v, v), dtype=np.float64)
    for b in range(v):
        if not movable[b]:
            continue
        a = b
        while a >= 0 and movable[a]:  # b's ancestors-or-self reached through movable joints
            p[a, b] = 1.0
            a = parents[a]
    return p


def propagation_matrix(layout: Layout, movable: Sequence[bool] | np.ndarray | None = None) -> np.ndarray:
    """``(V, V)`` 0/1 matrix ``P``: ``P[a, b] = 1`` when a realignment shift of joint ``a``
    moves joint ``b``: ``b`` is ``a`` or below it and every joint on the path from ``a`` down
    to ``b`` may move. With every joint movable it is ``layout.descendant_matrix()``."""
    mov = tuple(bool(m) for m in (np.ones(layout.num_joints, bool) if movable is None else movable))
    if len(mov) != layout.num_joints:
        raise ValueError(f"movable has {len(mov)} entries for {layout.num_joints} joints")
    return _propagation(tuple(layout.parents), mov)


def _parent_index(layout: Layout, device: torch.device) -> torch.Tensor:
    """``(V,)`` parent of every joint, the root pointing at itself."""
    return torch.tensor([p if p >= 0 else j for j, p in enumerate(layout.parents)], device=device)


def bone_vectors(x: torch.Tensor, layout: Layout, channels: Sequence[int] | None = None) -> torch.Tensor:
    """``(N, c, T, V, M)`` bone vectors ``x[joint] - x[parent]`` over the coordinate
    ``channels`` (all by default); zero at the root."""
    coords = x if channels is None else x[:, list(channels)]
    return coords - coords[:, :, :, _parent_index(layout, x.device)]


def bone_lengths(x: torch.Tensor, layout: Layout, channels: Sequence[int] | None = None) -> torch.Tensor:
    """``(N, T, V, M)`` length of the bone ending at every joint (0 at the root)."""
    return bone_vectors(x, layout, channels).norm(dim=1)


def realign(adv: torch.Tensor, orig: torch.Tensor, layout: Layout, *,
            movable: Sequence[bool] | np.ndarray | None = None,
            channels: Sequence[int] | None = None) -> torch.Tensor:
    """Spatial skeleton realignment: restore every bone of ``adv`` to its length in ``orig``.

    The paper's procedure, from the root outwards: move each joint along its perturbed
    bone direction until the bone has its original length, and apply the same shift to
    all the joint's descendants. Because a shift moves a joint together with its whole
    subtree, it never changes a bone vector further down; every joint's shift is therefore
    ``s_j = b'_j (l_j / |b'_j| - 1)`` with ``b'_j`` its bone in ``adv`` and ``l_j`` the
    original length, and a joint's final displacement is the sum of the shifts of itself
    and its ancestors. That sum is one product with the propagation matrix (no loop over
    depth levels is needed); it equals the level-by-level procedure to rounding error.

    Args:
        adv: ``(N, C, T, V, M)`` perturbed skeletons (after clipping).
        orig: ``(N, C, T, V, M)`` clean skeletons (the bone lengths to restore).
        layout: the kinematic tree (root and parents).
        movable: ``(V,)`` bool, joints allowed to move (localized attacks): shifts act only
            on movable joints and propagate only through movable chains, so fixed joints
            are never moved (bones from a movable joint to a fixed child keep their
            perturbed length). Default: all.
        channels: coordinate channels (x, y, z; x, y for Kinetics). Default: all.
    Returns:
        ``(N, C, T, V, M)``: a new tensor; other channels copied from ``adv``. Bones
        whose perturbed or original length is below :data:`MIN_BONE_LENGTH`, or with an
        absent (all-zero) end joint, are left as they are.
    """
    ch = list(range(adv.shape[1])) if channels is None else list(channels)
    mov = np.ones(layout.num_joints, bool) if movable is None else np.asarray(movable, bool)
    prop = torch.as_tensor(propagation_matrix(layout, mov), dtype=adv.dtype, device=adv.device)
    parent = _parent_index(layout, adv.device)
    a = adv[:, ch]
    o = orig[:, ch]
    b_adv = a - a[:, :, :, parent]  # N x c x T x V x M
    b_org = o - o[:, :, :, parent]
    l_adv = b_adv.norm(dim=1, keepdim=True)  # N x 1 x T x V x M
    l_org = b_org.norm(dim=1, keepdim=True)
    present = joint_presence(orig)  # N x T x V x M
    ends = (present & present[:, :, parent])[:, None]
    child_movable = torch.as_tensor(mov, device=adv.device).reshape(1, 1, 1, -1, 1)
    ok = (l_adv > MIN_BONE_LENGTH) & (l_org > MIN_BONE_LENGTH) & ends & child_movable
    scale = torch.where(ok, l_org / l_adv.clamp_min(MIN_BONE_LENGTH) - 1, torch.zeros_like(l_adv))
    shift = b_adv * scale  # N x c x T x V x M
    total = torch.einsum("nctam,ab->nctbm", shift, prop)
    out = adv.clone()
    out[:, ch] = a + total
    return out


def project(adv: torch.Tensor, orig: torch.Tensor, eps: float | torch.Tensor | np.ndarray, layout: Layout, *,
            mask: torch.Tensor, movable: Sequence[bool] | np.ndarray | None = None,
            channels: Sequence[int] | None = None, realignment: bool = True,
            alternate_tol: float | None = None, max_rounds: int = 50) -> tuple[torch.Tensor, int]:
    """CIASA's per-iteration projection: clip, then realign; masked positions restored.

    Args:
        adv, orig: ``(N, C, T, V, M)``.
        eps: scalar or ``(V,)`` clip bound.
        layout: kinematic tree.
        mask: ``(N, C, T, V, M)`` bool (or broadcastable): positions allowed to change.
            Everything else is returned bit-identical to ``orig``.
        movable, channels: see :func:`realign`.
        realignment: apply SSR after clipping.
        alternate_tol: if set, repeat clip -> realign until no coordinate exceeds its
            clip bound by more than this (bones exact after the last realignment), at most
            ``max_rounds`` rounds; None: one round (the paper).
    Returns:
        ``(projected, rounds)``.
    """
    out = torch.where(mask, clip(adv, orig, eps), orig)
    rounds = 1
    if realignment:
        out = realign(out, orig, layout, movable=movable, channels=channels)
        out = torch.where(mask, out, orig)
        if alternate_tol is not None:
            while rounds < max_rounds:
                if float(clip_excess(out, orig, eps, mask).max()) <= alternate_tol:
                    break
                out = torch.where(mask, clip(out, orig, eps), orig)
                out = realign(out, orig, layout, movable=movable, channels=channels)
                out = torch.where(mask, out, orig)
                rounds += 1
            else:
                log.info("clip/realign alternation stopped after %d rounds; excess %.3g > tol %.3g",
                         rounds, float(clip_excess(out, orig, eps, mask).max()), alternate_tol)
    return torch.where(mask, out, orig), rounds


# --------------------------------------------------------------------------- smoothness


def acceleration(x: torch.Tensor, channels: Sequence[int] | None = None) -> torch.Tensor:
    """``(N, c, T-2, V, M)`` joint accelerations ``x[t+1] + x[t-1] - 2 x[t]`` (units per
    frame squared), centred on frames ``1..T-2``."""
    c = x if channels is None else x[:, list(channels)]
    return c[:, :, 2:] + c[:, :, :-2] - 2 * c[:, :, 1:-1]


def jerk(x: torch.Tensor, channels: Sequence[int] | None = None) -> torch.Tensor:
    """``(N, c, T-3, V, M)`` third differences ``x[t+2] - 3 x[t+1] + 3 x[t] - x[t-1]``."""
    c = x if channels is None else x[:, list(channels)]
    return c[:, :, 3:] - 3 * c[:, :, 2:-1] + 3 * c[:, :, 1:-2] - c[:, :, :-3]


def window_mask(joint_valid: torch.Tensor, width: int) -> torch.Tensor:
    """``(N, T-width+1, V, M)``: all ``width`` consecutive frames valid (from ``(N, T, V, M)``)."""
    t = joint_valid.shape[1]
    out = joint_valid[:, : t - width + 1]
    for k in range(1, width):
        out = out & joint_valid[:, k: t - width + 1 + k]
    return out


def smoothness_loss(adv: torch.Tensor, joint_valid: torch.Tensor, channels: Sequence[int] | None = None) -> torch.Tensor:
    """The temporal smoothness loss per sample ``(N,)``.

    ``L_smooth = mean over valid (frame, body) slots of sum over joints of
    |x[t+1] + x[t-1] - 2 x[t]|`` (Euclidean norm over the coordinate channels), counting an
    acceleration only where the joint is valid in all three frames; slots are frames
    ``1..T-2`` of present bodies. A sample with fewer than 3 valid frames scores 0.

    Args:
        adv: ``(N, C, T, V, M)``.
        joint_valid: ``(N, T, V, M)`` bool.
        channels: coordinate channels.
    """
    n, _, t, _, _ = adv.shape
    if t < 3:
        return adv.new_zeros(n)
    acc = acceleration(adv, channels)
    norm = (acc.square().sum(dim=1) + 1e-20).sqrt()  # N x T-2 x V x M; smooth at 0
    m = window_mask(joint_valid, 3)
    per_slot = (norm * m).sum(dim=2)  # N x T-2 x M
    slots = m.any(dim=2).sum(dim=(1, 2)).clamp_min(1)
    return per_slot.sum(dim=(1, 2)) / slots
