"""Batched inverse kinematics in torch: per-frame local rotations of a body rig that put
its NTU anchors (:mod:`render.retarget.joint_map`) on a skeleton sequence.

All frames are solved at once. Unknowns: a 6D rotation per frame and driven joint
(``ResolvedMap.driven``; the other joints stay at rest) and a root translation per frame.
Only the sub-tree that carries the anchors is posed during the solve.

Loss (metres^2 scale; weights in :class:`IKConfig`):

* data: ``sum_k w_k rho(|p_k - y_k|)`` per present frame, mean over frames, with the
  Charbonnier function ``rho(e) = 2 d^2 (sqrt(1 + e^2 / d^2) - 1)`` (``~e^2`` below ``d``,
  linear above: robust to Kinect glitches);
* temporal smoothness: the frame-to-frame change of every driven local rotation
  ``|R[t+1] - R[t]|_F^2`` (keeps unobserved twists coherent); optionally anchor
  accelerations ``|p[t+1] - 2 p[t] + p[t-1]|^2`` (``w_accel``, off by default: on fast
  synthetic motions it made Adam settle in poses 10-40 cm off on a few frames, while the
  input's Kinect-like jitter of a few mm needs no smoothing for rendering);
* joint limits (``JointPrior``): hinge joints rotate about their axis (off-axis
  ``|R a - a|^2``) with flexion in [-5, 150] degrees (knees bend backwards, elbows
  forwards); twist joints rotate about their bone only; ball and spine joints stay within
  ``max_deg``; spine joints twist about the vertical by at most 15 degrees each;
* rest prior ``rest_j |R_j - I|_F^2``, strongest for joints no Kinect joint observes;
* anchor offsets (as marker offsets in MoSh): one constant rest-frame offset per NTU joint
  absorbs where a Kinect joint sits on this body (a Kinect "spine shoulder" is not a body
  joint), with an L2 prior ``w_offset w_k |o_k|^2`` and a soft bound ``max_offset_m``.
  The posed anchors, offsets included, are the body's NTU-layout joints.

Warm start: per frame, the root from a Kabsch fit of the rest torso anchors (spine, hips,
shoulders) to the observed ones; then, down each limb, the smallest swing aiming the bone
at its observed child, for a joint above a hinge (shoulder, hip) with the hinge axis
turned normal to the observed limb plane when the limb is bent by more than 15 degrees.
Frames in which the body is absent copy the nearest present frame. Then Adam.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from pipeline.layouts.ntu25 import JOINT_NAMES as NTU_JOINTS
from render.bodies.base import BodyRig
from render.bodies.lbs import (
    attached_points,
    forward_kinematics,
    kabsch,
    matrix_to_rot6d,
    rot6d_to_matrix,
    rotation_between,
)
from render.retarget.joint_map import JointPrior, ResolvedMap

log = logging.getLogger(__name__)

_TORSO = tuple(
    NTU_JOINTS.index(n)
    for n in ("spine_base", "spine_mid", "spine_shoulder", "hip_left", "hip_right", "shoulder_left", "shoulder_right")
)
_FORWARD = {"forward": (0.0, -1.0, 0.0), "backward": (0.0, 1.0, 0.0)}


class IKConfig(BaseModel):
    """Every setting of the IK solve, with its one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    iterations: int = Field(120, ge=0, description="Adam iterations")
    lr: float = Field(0.03, gt=0, description="Adam learning rate (6D rotations and metres)")
    robust_m: float = Field(0.04, gt=0, description="Charbonnier scale of the data term, metres")
    w_accel: float = Field(0.0, ge=0, description="weight of anchor accelerations (times each anchor's data weight); off by default")
    w_rot_vel: float = Field(2e-4, ge=0, description="weight of frame-to-frame local rotation change")
    w_limits: float = Field(0.05, ge=0, description="weight of joint-limit penalties")
    w_rest: float = Field(0.02, ge=0, description="scale of the per-joint rest priors")
    hinge_range_deg: tuple[float, float] = Field((-5.0, 150.0), description="knee / elbow flexion range, degrees")
    spine_twist_deg: float = Field(15.0, gt=0, description="largest twist about the vertical per spine joint, degrees")
    fit_offsets: bool = Field(True, description="fit a constant offset per anchor (Kinect joint vs body anatomy)")
    w_offset: float = Field(0.3, ge=0, description="prior weight of anchor offsets (times the anchor's data weight)")
    max_offset_m: float = Field(0.08, gt=0, description="soft bound on an anchor offset, metres")
    bent_limb_deg: float = Field(15.0, ge=0, description="limb bend above which the warm start aligns hinge axes, degrees")


@dataclass(frozen=True)
class IKSolution:
    """Result of :func:`solve_ik` (numpy, float64).

    Attributes:
        rotations: ``(T, J, 3, 3)`` local rotations of the full rig (identity where not driven).
        transl: ``(T, 3)`` root translation in the targets' frame, metres.
        points: ``(T, 25, 3)`` posed NTU anchors in the targets' frame, metres.
        offsets: ``(25, 3)`` fitted anchor offsets at rest (body frame), metres.
        loss: final total loss.
        iterations: Adam iterations run.
    """

    rotations: np.ndarray
    transl: np.ndarray
    points: np.ndarray
    offsets: np.ndarray
    loss: float
    iterations: int


@dataclass(frozen=True)
class _SubTree:
    """The rig's joints needed to pose the anchors, re-indexed (parents before children)."""

    joints: torch.Tensor  # (n,) rig indices
    parents: tuple[int, ...]
    rest: torch.Tensor  # (n, 3)
    attach: torch.Tensor  # (25,) sub-tree indices
    driven: torch.Tensor  # (Ja,) sub-tree indices
    anchors_rest: torch.Tensor  # (25, 3)


def _subtree(rig: BodyRig, resolved: ResolvedMap, dtype: torch.dtype) -> _SubTree:
    parents = np.asarray(rig.parents)
    need: set[int] = set()
    for j in list(resolved.attach.tolist()) + list(resolved.driven.tolist()):
        while j >= 0 and j not in need:
            need.add(j)
            j = int(parents[j])
    order = sorted(need)  # rig order has parents first
    pos = {j: i for i, j in enumerate(order)}
    sub_parents = tuple(-1 if parents[j] < 0 else pos[int(parents[j])] for j in order)
    rest_all = torch.from_numpy(np.asarray(rig.rest_joints, dtype=np.float64))
    anchors = resolved.rest_points_of(rig)
    return _SubTree(
        joints=torch.as_tensor(order),
        parents=sub_parents,
        rest=rest_all[order].to(dtype),
        attach=torch.as_tensor([pos[int(j)] for j in resolved.attach]),
        driven=torch.as_tensor([pos[int(j)] for j in resolved.driven]),
        anchors_rest=anchors.to(dtype),
    )


def _hinge_axes(sub: _SubTree, priors: tuple[JointPrior, ...]) -> torch.Tensor:
    """``(Ja, 3)`` unit axis per driven joint: the hinge axis (flexion positive) for hinge
    joints, the bone direction for twist joints, zero otherwise (body frame)."""
    axes = torch.zeros(len(priors), 3, dtype=sub.rest.dtype)
    for i, prior in enumerate(priors):
        if prior.kind not in ("hinge", "twist") or prior.child is None:
            continue
        j = int(sub.driven[i])
        bone = sub.anchors_rest[NTU_JOINTS.index(prior.child)] - sub.rest[j]
        bone = bone / bone.norm().clamp_min(1e-9)
        if prior.kind == "twist":
            axes[i] = bone
        else:
            f = torch.as_tensor(_FORWARD[prior.flex or "forward"], dtype=bone.dtype)
            a = torch.linalg.cross(bone, f)
            axes[i] = a / a.norm().clamp_min(1e-9)
    return axes


def _pose(sub: _SubTree, r_driven: torch.Tensor, transl: torch.Tensor, offsets: torch.Tensor | None = None):
    """Posed sub-tree: global transforms and anchors for driven rotations ``(T, Ja, 3, 3)``
    (anchors moved by ``offsets (25, 3)`` at rest, if given)."""
    t = r_driven.shape[0]
    rot = torch.eye(3, dtype=r_driven.dtype).repeat(t, len(sub.parents), 1, 1)
    rot = rot.index_copy(1, sub.driven, r_driven)
    _, g = forward_kinematics(rot, transl, sub.rest, sub.parents)
    anchors = sub.anchors_rest if offsets is None else sub.anchors_rest + offsets
    pts = attached_points(g, sub.rest, sub.attach, anchors)
    return g, pts


def _fill_absent(x: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Copy, along dim 0, the nearest present frame into absent frames."""
    idx = torch.nonzero(present).flatten()
    t = torch.arange(x.shape[0])
    nearest = idx[torch.argmin((t[:, None] - idx[None, :]).abs(), dim=1)]
    return x[nearest]


def warm_start(
    sub: _SubTree, resolved: ResolvedMap, targets: torch.Tensor, present: torch.Tensor, cfg: IKConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """Analytic initial ``(T, Ja, 3, 3)`` local rotations and ``(T, 3)`` translation."""
    dt = targets.dtype
    t = targets.shape[0]
    w = resolved.weights.to(dt)
    torso = torch.as_tensor(_TORSO)
    src = sub.anchors_rest[torso].expand(t, -1, -1)
    r_root = kabsch(src, targets[:, torso], w[torso].expand(t, -1))  # T x 3 x 3
    wn = (w[torso] / w[torso].sum())[None, :, None]
    root_rest = sub.rest[0]
    transl = (wn * targets[:, torso]).sum(1) - ((r_root @ ((wn * src).sum(1) - root_rest)[..., None])[..., 0]) - root_rest
    r_root, transl = _fill_absent(r_root, present), _fill_absent(transl, present)
    ja = len(sub.driven)
    rots = torch.eye(3, dtype=dt).repeat(t, ja, 1, 1)
    rots[:, 0] = r_root
    y = _fill_absent(targets, present)
    drv = {int(j): i for i, j in enumerate(sub.driven)}
    axes = _hinge_axes(sub, resolved.priors)
    sin_bent = math.sin(math.radians(cfg.bent_limb_deg))
    rig_pos = {int(j): i for i, j in enumerate(sub.joints)}
    for joint_name, target_name, hinge_child in resolved.body_map.swing_init:
        j = rig_pos.get(_rig_index(resolved, joint_name))
        if j is None or j not in drv:
            continue
        k = NTU_JOINTS.index(target_name)
        g, _ = _pose(sub, rots, transl)
        p = sub.parents[j]
        a_p = g[:, p, :3, :3]  # T x 3 x 3
        x_j = g[:, j, :3, 3]
        d_rest = sub.anchors_rest[k] - sub.rest[j]
        d_cur = (a_p @ d_rest[:, None])[..., 0]
        d_obs = y[:, k] - x_j
        a_new = rotation_between(d_cur, d_obs) @ a_p
        if hinge_child is not None:
            hinge_axis = _child_hinge_axis(axes, resolved, sub, j)
            if hinge_axis is not None:
                fore = y[:, NTU_JOINTS.index(hinge_child)] - y[:, k]
                n = torch.linalg.cross(d_obs, fore)
                bent = n.norm(dim=-1) / (d_obs.norm(dim=-1) * fore.norm(dim=-1)).clamp_min(1e-9) > sin_bent
                triad = _triad(d_rest, hinge_axis, d_obs, n)
                a_new = torch.where(bent[:, None, None], triad, a_new)
        rots[:, drv[j]] = a_p.transpose(-1, -2) @ a_new
    return rots, transl


def _rig_index(resolved: ResolvedMap, name: str) -> int:
    """Rig index of the driven joint ``name`` (the map lists driven joints by name)."""
    names = list(resolved.body_map.priors)
    return int(resolved.driven[names.index(name)]) if name in names else -1


def _child_hinge_axis(axes: torch.Tensor, resolved: ResolvedMap, sub: _SubTree, j: int) -> torch.Tensor | None:
    """The rest hinge axis of the first hinge joint below sub-tree joint ``j``."""
    for i, prior in enumerate(resolved.priors):
        if prior.kind != "hinge":
            continue
        k = int(sub.driven[i])
        while k >= 0 and k != j:
            k = sub.parents[k]
        if k == j:
            return axes[i]
    return None


def _triad(d_rest: torch.Tensor, a_rest: torch.Tensor, d_obs: torch.Tensor, n_obs: torch.Tensor) -> torch.Tensor:
    """Rotation ``(T, 3, 3)`` taking ``d_rest`` to ``d_obs`` and ``a_rest`` (projected
    normal to it) to ``n_obs`` (likewise)."""

    def frame(d: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        e1 = torch.nn.functional.normalize(d, dim=-1)
        e2 = torch.nn.functional.normalize(a - (a * e1).sum(-1, keepdim=True) * e1, dim=-1)
        return torch.stack([e1, e2, torch.linalg.cross(e1, e2)], -1)

    f_rest = frame(d_rest.expand_as(d_obs), a_rest.expand_as(d_obs))
    return frame(d_obs, n_obs) @ f_rest.transpose(-1, -2)


def _vee(m: torch.Tensor) -> torch.Tensor:
    """Axial vector of the skew part: ``vee((M - M^T) / 2)``, ``(..., 3)``."""
    return 0.5 * torch.stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1)


def _limit_loss(r: torch.Tensor, priors: tuple[JointPrior, ...], axes: torch.Tensor, cfg: IKConfig) -> torch.Tensor:
    """Joint-limit penalty of local rotations ``(T, Ja, 3, 3)``, mean over frames."""
    dt = r.dtype
    cos = 0.5 * (r.diagonal(dim1=-2, dim2=-1).sum(-1) - 1.0)  # T x Ja
    vee = _vee(r)  # T x Ja x 3 (sin(theta) * axis)
    kinds = [p.kind for p in priors]
    max_cos = torch.tensor([math.cos(math.radians(min(p.max_deg, 179.9))) for p in priors], dtype=dt)
    ball = torch.tensor([k in ("ball", "spine") for k in kinds])
    loss = (torch.relu(max_cos - cos)[:, ball] ** 2).sum(-1)
    spine = torch.tensor([k == "spine" for k in kinds])
    if spine.any():
        s_max = math.sin(math.radians(cfg.spine_twist_deg))
        loss = loss + (torch.relu(vee[:, spine, 2].abs() - s_max) ** 2).sum(-1)
    axis_kind = torch.tensor([k in ("hinge", "twist") for k in kinds])
    if axis_kind.any():
        a = axes[axis_kind]  # n x 3
        ra = (r[:, axis_kind] @ a[:, :, None])[..., 0]
        loss = loss + ((ra - a) ** 2).sum(-1).sum(-1)  # off-axis
        s = (vee[:, axis_kind] * a).sum(-1)  # T x n, sin of the angle about the axis
        ang = torch.atan2(s, cos[:, axis_kind])
        hinge = torch.tensor([k == "hinge" for k, ax in zip(kinds, axis_kind) if ax])
        lo, hi = (math.radians(x) for x in cfg.hinge_range_deg)
        tw = torch.tensor([math.radians(p.max_deg) for p, ax in zip(priors, axis_kind) if ax], dtype=dt)
        lo_t = torch.where(hinge, torch.full_like(tw, lo), -tw)
        hi_t = torch.where(hinge, torch.full_like(tw, hi), tw)
        loss = loss + ((torch.relu(lo_t - ang) ** 2) + (torch.relu(ang - hi_t) ** 2)).sum(-1)
    return loss.mean()


def solve_ik(
    rig: BodyRig,
    resolved: ResolvedMap,
    targets: np.ndarray,
    present: np.ndarray,
    cfg: IKConfig | None = None,
    dtype: torch.dtype = torch.float32,
) -> IKSolution:
    """Solve local rotations and root translation for every frame at once.

    Args:
        rig: the body rig (shape already fitted).
        resolved: its NTU map.
        targets: ``(T, 25, 3)`` NTU joints, metres, in the frame the rig should be posed in
            (the Blender world: Z up).
        present: ``(T,)`` bool, frames holding this body (others hold the nearest present
            frame's pose, kept coherent by the rotation-change term).
        cfg: solver settings.
    """
    cfg = cfg or IKConfig()
    sub = _subtree(rig, resolved, dtype)
    y = torch.as_tensor(np.asarray(targets), dtype=dtype)
    m = torch.as_tensor(np.asarray(present, dtype=bool))
    t = y.shape[0]
    r0, tr0 = warm_start(sub, resolved, y, m, cfg)
    x6 = matrix_to_rot6d(r0).clone().requires_grad_(True)
    tr = tr0.clone().requires_grad_(True)
    off = torch.zeros(len(NTU_JOINTS), 3, dtype=dtype, requires_grad=cfg.fit_offsets)
    w = resolved.weights.to(dtype)
    mf = m.to(dtype)
    n_present = mf.sum().clamp_min(1.0)
    axes = _hinge_axes(sub, resolved.priors)
    rest_w = torch.tensor([p.rest for p in resolved.priors], dtype=dtype)
    d2 = cfg.robust_m**2
    eye = torch.eye(3, dtype=dtype)

    def loss_fn() -> torch.Tensor:
        r = rot6d_to_matrix(x6)  # T x Ja x 3 x 3
        _, pts = _pose(sub, r, tr, off)  # T x 25 x 3
        e2 = ((pts - torch.nan_to_num(y)) ** 2).sum(-1)  # T x 25
        rho = 2.0 * d2 * (torch.sqrt(1.0 + e2 / d2) - 1.0)
        data = ((rho * w).sum(-1) * mf).sum() / n_present
        loss = data
        if t >= 3 and cfg.w_accel > 0:
            acc = pts[2:] - 2.0 * pts[1:-1] + pts[:-2]
            loss = loss + cfg.w_accel * ((acc**2).sum(-1) * w).sum(-1).mean()
        if t >= 2 and cfg.w_rot_vel > 0:
            loss = loss + cfg.w_rot_vel * ((r[1:, 1:] - r[:-1, 1:]) ** 2).sum((-1, -2, -3)).mean()
        if cfg.w_limits > 0:
            loss = loss + cfg.w_limits * _limit_loss(r, resolved.priors, axes, cfg)
        if cfg.fit_offsets:
            norm = off.norm(dim=-1)
            loss = loss + cfg.w_offset * (w * norm**2).sum() + 100.0 * (torch.relu(norm - cfg.max_offset_m) ** 2).sum()
        if cfg.w_rest > 0:
            loss = loss + cfg.w_rest * (rest_w * ((r - eye) ** 2).sum((-1, -2))).sum(-1).mean()
        return loss

    opt = torch.optim.Adam([x6, tr, off] if cfg.fit_offsets else [x6, tr], lr=cfg.lr)
    for _ in range(cfg.iterations):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = float(loss_fn())
        r = rot6d_to_matrix(x6)
        _, pts = _pose(sub, r, tr, off)
    full = np.tile(np.eye(3), (t, rig.num_joints, 1, 1))
    full[:, resolved.driven.numpy()] = r.double().numpy()
    return IKSolution(
        rotations=full,
        transl=tr.detach().double().numpy(),
        points=pts.double().numpy(),
        offsets=off.detach().double().numpy(),
        loss=final,
        iterations=cfg.iterations,
    )
