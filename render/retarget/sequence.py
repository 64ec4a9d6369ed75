"""Retarget one skeleton sample onto a body: camera and floor, shape fit, batched IK.

Input: one NTU-25 sample ``(C=3, T, V=25, M)`` in the Kinect camera frame (metres) and its
valid length; zero-padded frames and absent bodies are masked (``pipeline.tensor``).
Output: a :class:`RetargetResult` with the camera (:mod:`render.coords`) and one
:class:`Retarget` per body present in any valid frame, in the Blender world (Z up, floor at
z = 0), over the sample's ``num_frames`` valid frames.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import JOINT_NAMES as NTU_JOINTS
from pipeline.tensor import valid_mask
from render.bodies.base import BodyModel, BodyRig
from render.coords import CameraPose, estimate_camera, kinect_to_world, world_to_kinect
from render.retarget.ik import IKConfig, solve_ik
from render.retarget.joint_map import JOINT_GROUPS, body_map, resolve
from render.retarget.shape_fit import NTU_BONES, bone_lengths, bone_names, fit_shape

log = logging.getLogger(__name__)

#: Coordinates beyond this many metres from the sensor are "exploding" joints.
MAX_COORD_M = 20.0
#: A bone longer than this (metres) in any valid frame is an exploding joint.
MAX_BONE_M = 2.0


class RetargetConfig(BaseModel):
    """Settings of :func:`retarget_sample`, with their one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ik: IKConfig = Field(default_factory=IKConfig, description="IK solver settings")
    shape_iterations: int = Field(30, ge=0, description="L-BFGS iterations of the shape fit")
    fit_shape: bool = Field(True, description="fit the body shape to the bone lengths (else keep the base shape)")


@dataclass(frozen=True)
class Retarget:
    """One body of a sample, retargeted (numpy, float64; ``T`` = the sample's valid length).

    Attributes:
        body_index: the body slot ``m`` of the sample.
        rig: the fitted rest rig (its ``shape`` is the fitted shape).
        rotations: ``(T, J, 3, 3)`` local rotations (base convention of
            :mod:`render.bodies.base`), one per rig joint; the root's includes the body's
            orientation in the Blender world.
        transl: ``(T, 3)`` root translation in the Blender world, metres
            (root position = ``rig.rest_joints[0] + transl``).
        joints_world: ``(T, 25, 3)`` the posed body's NTU-layout joints, Blender world.
        joints_kinect: ``(T, 25, 3)`` the same in the Kinect camera frame: the render's
            ground truth.
        present: ``(T,)`` bool, frames in which the input holds this body (elsewhere the
            pose is interpolated / held and carries no error).
        fit_error_mm: NTU joint name -> (mean, max) distance between the posed body's joint
            and the input joint over present frames, millimetres.
        group_error_mm: joint group (``joint_map.JOINT_GROUPS``) -> (mean, max), mm.
        mean_error_mm: mean over present frames and all 25 joints, mm.
        weighted_error_mm: the same weighted by the map's joint weights, mm.
        max_error_mm: largest joint error, mm.
        bone_error_mm: NTU bone -> fitted body length minus skeleton length, mm.
        anchor_attach: ``(25,)`` the rig joint carrying each NTU joint.
        anchor_rest: ``(25, 3)`` the NTU joints on the rest rig (body frame, offsets
            included): ``joints_world == lbs.attached_points(FK(rotations, transl),
            rig.rest_joints, anchor_attach, anchor_rest)``.
        anchor_offsets: ``(25, 3)`` fitted offsets of the NTU joints on the body at rest
            (body frame, metres; see :mod:`render.retarget.ik`).
        ik_loss: final IK loss.
    """

    body_index: int
    rig: BodyRig
    rotations: np.ndarray
    transl: np.ndarray
    joints_world: np.ndarray
    joints_kinect: np.ndarray
    present: np.ndarray
    fit_error_mm: dict[str, tuple[float, float]]
    group_error_mm: dict[str, tuple[float, float]]
    mean_error_mm: float
    weighted_error_mm: float
    max_error_mm: float
    bone_error_mm: dict[str, float]
    anchor_attach: np.ndarray
    anchor_rest: np.ndarray
    anchor_offsets: np.ndarray
    ik_loss: float

    def report(self) -> dict[str, Any]:
        """JSON-able fit summary for a manifest."""
        return {
            "body_index": self.body_index,
            "model": self.rig.model,
            "shape": self.rig.shape,
            "mean_error_mm": round(self.mean_error_mm, 2),
            "weighted_error_mm": round(self.weighted_error_mm, 2),
            "max_error_mm": round(self.max_error_mm, 2),
            "group_error_mm": {k: [round(a, 2), round(b, 2)] for k, (a, b) in self.group_error_mm.items()},
            "joint_error_mm": {k: [round(a, 2), round(b, 2)] for k, (a, b) in self.fit_error_mm.items()},
            "bone_error_mm": {k: round(v, 2) for k, v in self.bone_error_mm.items()},
            "anchor_offset_mm": {
                n: round(float(np.linalg.norm(o)) * 1000.0, 1) for n, o in zip(NTU_JOINTS, self.anchor_offsets)
            },
            "present_frames": int(self.present.sum()),
        }


@dataclass(frozen=True)
class RetargetResult:
    """All bodies of one sample, with the camera that sees them.

    Attributes:
        camera: the Kinect viewpoint in the Blender world (floor at z = 0).
        bodies: one :class:`Retarget` per body present in any valid frame.
        num_frames: ``T``, the valid length.
        seconds: wall time of the retarget.
    """

    camera: CameraPose
    bodies: tuple[Retarget, ...]
    num_frames: int
    seconds: float


def check_sample(sample: np.ndarray, num_frames: int | None, name: str | int | None = None) -> tuple[np.ndarray, int, np.ndarray]:
    """Validate one NTU-25 sample; return it as float64, its valid length and the
    ``(T_valid, M)`` presence mask.

    Raises:
        ValidationError: wrong shape (a layout the map does not cover), zero-length
            sequence, no body, non-finite or exploding joints, joints at or behind the
            sensor (not in the Kinect camera frame). The message names the sample and field.
    """
    x = np.asarray(sample)
    if x.ndim != 4 or x.shape[0] != 3:
        raise ValidationError(f"expected one sample (C=3, T, V, M), got shape {x.shape}", sample=name, field="data")
    if x.shape[2] != len(NTU_JOINTS):
        raise ValidationError(
            f"the retarget map covers the NTU-25 layout (V=25); got V={x.shape[2]}", sample=name, field="data"
        )
    t_total = x.shape[1]
    if num_frames is None:
        nz = (x != 0).any(axis=(0, 2, 3))
        num_frames = int(np.flatnonzero(nz)[-1] + 1) if nz.any() else 0
    num_frames = int(num_frames)
    if num_frames <= 0 or t_total == 0:
        raise ValidationError("zero-length sequence", sample=name, field="num_frames")
    if num_frames > t_total:
        raise ValidationError(f"num_frames {num_frames} exceeds the padded length {t_total}", sample=name, field="num_frames")
    x = x[:, :num_frames].astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        c, t, v, m = (int(i) for i in np.argwhere(bad)[0])
        raise ValidationError(f"non-finite joint {NTU_JOINTS[v]} at frame {t}, body {m}", sample=name, field="data")
    present = valid_mask(x[None])[0]  # T x M
    if not present.any():
        raise ValidationError("no body present in any valid frame", sample=name, field="data")
    joints = np.transpose(x, (1, 3, 2, 0))  # T x M x 25 x 3
    live = joints[present]  # n x 25 x 3
    if np.abs(live).max() > MAX_COORD_M:
        t, m = (int(i) for i in np.argwhere(np.abs(joints).max(axis=(2, 3)) > MAX_COORD_M)[0])
        raise ValidationError(f"exploding joints (|coordinate| > {MAX_COORD_M} m) at frame {t}, body {m}", sample=name, field="data")
    p = np.array([b[0] for b in NTU_BONES])
    c = np.array([b[1] for b in NTU_BONES])
    bones = np.linalg.norm(joints[..., c, :] - joints[..., p, :], axis=-1)  # T x M x 24
    too_long = (bones > MAX_BONE_M) & present[..., None]
    if too_long.any():
        t, m, b = (int(i) for i in np.argwhere(too_long)[0])
        raise ValidationError(
            f"exploding joints: bone {bone_names()[b]} is {bones[t, m, b]:.2f} m at frame {t}, body {m}",
            sample=name, field="data",
        )  # fmt: skip
    if (live[..., 2] <= 0).any():
        raise ValidationError(
            "joints at or behind the sensor (z <= 0): not in the Kinect camera frame", sample=name, field="data"
        )
    return x, num_frames, present


def _errors(points: np.ndarray, target: np.ndarray, present: np.ndarray, weights: np.ndarray):
    d = np.linalg.norm(points - target, axis=-1)[present] * 1000.0  # n x 25, mm
    per_joint = {n: (float(d[:, k].mean()), float(d[:, k].max())) for k, n in enumerate(NTU_JOINTS)}
    groups = {}
    for g, names in JOINT_GROUPS.items():
        cols = [NTU_JOINTS.index(n) for n in names]
        groups[g] = (float(d[:, cols].mean()), float(d[:, cols].max()))
    weighted = float((d * weights).sum() / (weights.sum() * len(d)))
    return per_joint, groups, float(d.mean()), weighted, float(d.max())


def retarget_sample(
    sample: np.ndarray,
    num_frames: int | None,
    body: BodyModel,
    *,
    name: str | int | None = None,
    layout: str = "ntu25",
    camera: CameraPose | None = None,
    base_shape: dict[str, Any] | None = None,
    free: tuple[str, ...] | None = None,
    config: RetargetConfig | None = None,
) -> RetargetResult:
    """Retarget every body of one sample onto ``body``.

    Args:
        sample: ``(3, T, 25, M)`` joints in the Kinect camera frame, metres (zero padded).
        num_frames: valid length (inferred from trailing zero frames when None).
        body: the body model (construct once and reuse: Anny takes seconds to load).
        name: the sample's name or index, for error messages.
        layout: the sample's joint layout; only ``"ntu25"`` is mapped.
        camera: a fixed camera; estimated from the sample when None
            (:func:`render.coords.estimate_camera`).
        base_shape: shape parameters held fixed (appearance choices, e.g. Anny's gender,
            muscle, weight); the fitted ones start from it.
        free: shape parameters to fit (the body's default set when None).
        config: solver settings.
    """
    start = time.perf_counter()
    config = config or RetargetConfig()
    bmap = body_map(body.name, layout)
    x, nf, present = check_sample(sample, num_frames, name)
    cam = camera or estimate_camera(x, nf)
    base_rig = body.rig(base_shape)
    resolved = resolve(bmap, base_rig)
    weights = resolved.weights.numpy()
    bodies = []
    for m in range(x.shape[3]):
        pres = present[:, m]
        if not pres.any():
            continue
        joints_k = np.transpose(x[:, :, :, m], (1, 2, 0))  # T x 25 x 3
        joints_w = kinect_to_world(joints_k, cam)
        lengths = bone_lengths(joints_k, pres)
        if config.fit_shape:
            fit = fit_shape(body, resolved, lengths, base_shape=base_shape, free=free, iterations=config.shape_iterations)
            rig, bone_err = fit.rig, fit.bone_error_mm
        else:
            rig = base_rig
            pts = resolved.rest_points_of(rig).numpy()
            bone_err = (bone_lengths(pts[None]) - lengths) * 1000.0
        sol = solve_ik(rig, resolved, np.where(pres[:, None, None], joints_w, 0.0), pres, config.ik)
        posed_k = world_to_kinect(sol.points, cam)
        per_joint, groups, mean, weighted, worst = _errors(posed_k, joints_k, pres, weights)
        bodies.append(
            Retarget(
                body_index=m,
                rig=rig,
                rotations=sol.rotations,
                transl=sol.transl,
                joints_world=sol.points,
                joints_kinect=posed_k,
                present=pres.copy(),
                fit_error_mm=per_joint,
                group_error_mm=groups,
                mean_error_mm=mean,
                weighted_error_mm=weighted,
                max_error_mm=worst,
                bone_error_mm={n: float(e) for n, e in zip(bone_names(), bone_err)},
                anchor_attach=resolved.attach.numpy().copy(),
                anchor_rest=resolved.rest_points_of(rig).numpy() + sol.offsets,
                anchor_offsets=sol.offsets,
                ik_loss=sol.loss,
            )
        )
        log.info("sample %s body %d on %s: mean fit error %.1f mm (max %.1f)", name, m, body.name, mean, worst)
    return RetargetResult(camera=cam, bodies=tuple(bodies), num_frames=nf, seconds=time.perf_counter() - start)
