"""Fit a body's shape to a skeleton's bone lengths.

The skeleton's bone lengths are the medians over valid frames of the NTU tree's 24 bones
(``pipeline.layouts.ntu25.PARENTS``). The body's are the distances between the same NTU
joints' anchors (:mod:`render.retarget.joint_map`) on the rest rig, a differentiable
function of the shape parameters (:class:`render.bodies.base.ShapeSpace`). The fit
minimises ``sum_b w_b (l_body_b - l_skel_b)^2 + prior(shape)`` (metres^2; ``w_b`` the
smaller anchor weight of the bone's two joints) with L-BFGS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from pipeline.layouts.ntu25 import JOINT_NAMES as NTU_JOINTS
from pipeline.layouts.ntu25 import PARENTS as NTU_PARENTS
from render.bodies.base import BodyModel, BodyRig
from render.retarget.joint_map import ResolvedMap

log = logging.getLogger(__name__)

#: NTU bones as (parent, child) joint indices.
NTU_BONES: tuple[tuple[int, int], ...] = tuple((p, c) for c, p in enumerate(NTU_PARENTS) if p >= 0)


def bone_lengths(joints: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Median length (metres) of every NTU bone over valid frames.

    Args:
        joints: ``(T, 25, 3)`` joint positions, metres.
        valid: ``(T,)`` bool, frames to use (all when None).
    Returns:
        ``(24,)`` lengths in :data:`NTU_BONES` order (NaN if no valid frame).
    """
    j = np.asarray(joints, dtype=np.float64)
    if valid is not None:
        j = j[np.asarray(valid, dtype=bool)]
    if len(j) == 0:
        return np.full(len(NTU_BONES), np.nan)
    p = np.array([b[0] for b in NTU_BONES])
    c = np.array([b[1] for b in NTU_BONES])
    return np.median(np.linalg.norm(j[:, c] - j[:, p], axis=-1), axis=0)


@dataclass(frozen=True)
class ShapeFit:
    """Result of :func:`fit_shape`.

    Attributes:
        shape: the fitted shape, as accepted by ``body.rig``.
        rig: the rest rig at that shape.
        bone_error_mm: ``(24,)`` body minus skeleton bone length, millimetres.
        iterations: optimiser iterations run.
    """

    shape: dict[str, Any]
    rig: BodyRig
    bone_error_mm: np.ndarray
    iterations: int


def _body_lengths(points: torch.Tensor) -> torch.Tensor:
    p = torch.as_tensor([b[0] for b in NTU_BONES])
    c = torch.as_tensor([b[1] for b in NTU_BONES])
    return torch.linalg.norm(points[c] - points[p], dim=-1)


def fit_shape(
    body: BodyModel,
    resolved: ResolvedMap,
    lengths: np.ndarray,
    *,
    base_shape: dict[str, Any] | None = None,
    free: tuple[str, ...] | None = None,
    iterations: int = 30,
) -> ShapeFit:
    """Fit ``body``'s free shape parameters so that its NTU bone lengths match ``lengths``.

    Args:
        body: the body model.
        resolved: the body's NTU map resolved on a rig of the same body (vertex ids).
        lengths: ``(24,)`` skeleton bone lengths in metres (:func:`bone_lengths`); NaN
            entries are ignored.
        base_shape: fixed values of the parameters that are not free (neutral when None).
        free: parameters to fit (the body's default set when None).
        iterations: L-BFGS iterations (each with up to 10 function evaluations).
    """
    space = body.shape_space(base_shape, free)
    target = torch.as_tensor(np.asarray(lengths, dtype=np.float64))
    w_joint = resolved.weights
    w = torch.stack([torch.minimum(w_joint[p], w_joint[c]) for p, c in NTU_BONES])
    w = torch.where(torch.isfinite(target), w, torch.zeros_like(w))
    target = torch.nan_to_num(target)
    params = torch.tensor(space.initial, dtype=torch.float64, requires_grad=True)

    def loss_fn() -> torch.Tensor:
        joints, verts = space.rest_points(params, resolved.vertex_ids)
        pts = resolved.rest_points(joints.to(torch.float64), verts.to(torch.float64))
        err = _body_lengths(pts) - target
        return (w * err**2).sum() + space.prior(params)

    n_iter = 0
    if len(space.names) > 0 and float(w.sum()) > 0:
        opt = torch.optim.LBFGS([params], lr=1.0, max_iter=10, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        for n_iter in range(1, iterations + 1):
            before = float(loss_fn().detach())
            opt.step(closure)
            if abs(before - float(loss_fn().detach())) < 1e-12:
                break
    shape = space.to_shape(params.detach())
    rig = body.rig(shape)
    with torch.no_grad():
        pts = resolved.rest_points_of(rig)
        err_mm = ((_body_lengths(pts) - torch.as_tensor(np.nan_to_num(np.asarray(lengths, dtype=np.float64)))) * 1000).numpy()
    err_mm = np.where(np.isfinite(np.asarray(lengths)), err_mm, np.nan)
    log.debug("shape fit %s: %s, bone error mean %.1f mm", body.name, shape, float(np.nanmean(np.abs(err_mm))))
    return ShapeFit(shape=shape, rig=rig, bone_error_mm=err_mm, iterations=n_iter)


def bone_names() -> list[str]:
    """``"parent-child"`` names of :data:`NTU_BONES`, for reports."""
    return [f"{NTU_JOINTS[p]}-{NTU_JOINTS[c]}" for p, c in NTU_BONES]
