"""Errors of extracted NTU-25 skeletons against render ground truth (pure numpy, masked).

Which ground truth. A render bundle's ``ground_truth.npz`` holds two skeletons per frame,
both in the Kinect camera frame (metres): ``source_joints``, the skeleton the body was
driven by, i.e. what the recogniser saw before the physical trip, and ``body_joints``, the
rendered body's joints at NTU positions, i.e. where the joints really were in the video
(they differ by the retargeting error, about 1 cm). ``source_joints`` is *the* ground
truth of the cross-modal experiment (the question is how much of the input skeleton
survives); errors against ``body_joints`` separate the extractor's error from the
retargeting's.

Metrics (millimetres, means over the masked frames and all 25 joints):

* ``mpjpe_mm``: mean per-joint position error in the camera frame (includes the depth
  error of monocular lifting).
* ``root_relative_mpjpe_mm``: the same after subtracting each skeleton's root
  (``spine_base``) from its joints.
* ``pa_mpjpe_mm``: after a per-frame similarity Procrustes alignment (rotation, uniform
  scale and translation, :func:`procrustes_align`) of the prediction onto the truth.
* ``per_joint_mm`` / ``per_joint_root_relative_mm``: ``(25,)`` the same per joint.
* ``root_error_mm``: distance between the predicted and the true root.
* Left-right swaps (:func:`swap_frames`): after root alignment, a limb (arm: shoulder,
  elbow, wrist; leg: hip, knee, ankle) is swapped in a frame when its predicted joints are
  nearer to the truth's opposite-side joints than to the same side's (sum of distances of
  both sides' joints, swapped versus not). ``arm_swap_rate`` and ``leg_swap_rate`` are the
  shares of frames with that limb pair swapped; ``swap_rate`` the share with either.
* Bone lengths (:func:`bone_length_stats`, per cent, means over the 24 bones):
  ``bone_length_error_pct``, the recovered person's median length of each bone against the
  truth's; ``bone_length_variation_pct``, how much a recovered bone's length changes over
  the sequence (its standard deviation over the median); ``truth_bone_variation_pct``, the
  same for the truth (0 for a rigid body; a Kinect-like source fluctuates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT as NTU25

ROOT = NTU25.root
#: Joints of each limb used by the swap test, named without their side suffix.
SWAP_LIMBS: dict[str, tuple[str, ...]] = {
    "arm": ("shoulder", "elbow", "wrist"),
    "leg": ("hip", "knee", "ankle"),
}


@dataclass(frozen=True)
class PoseErrors:
    """Errors of one prediction against one ground truth (see the module docstring).

    Attributes:
        frames: frames evaluated (the mask's true count); every value is NaN when 0.
        mpjpe_mm, root_relative_mpjpe_mm, pa_mpjpe_mm, root_error_mm: millimetres.
        per_joint_mm, per_joint_root_relative_mm: ``(25,)`` millimetres, NTU joint order.
        swap_rate, arm_swap_rate, leg_swap_rate: shares of evaluated frames in [0, 1].
    """

    frames: int
    mpjpe_mm: float
    root_relative_mpjpe_mm: float
    pa_mpjpe_mm: float
    root_error_mm: float
    per_joint_mm: np.ndarray
    per_joint_root_relative_mm: np.ndarray
    swap_rate: float
    arm_swap_rate: float
    leg_swap_rate: float
    bone_length_error_pct: float = float("nan")
    bone_length_variation_pct: float = float("nan")
    truth_bone_variation_pct: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (NaN as ``None``); per-joint errors keyed by joint name."""
        def num(x: float) -> float | None:
            return None if not np.isfinite(x) else round(float(x), 3)

        return {
            "frames": self.frames,
            "mpjpe_mm": num(self.mpjpe_mm),
            "root_relative_mpjpe_mm": num(self.root_relative_mpjpe_mm),
            "pa_mpjpe_mm": num(self.pa_mpjpe_mm),
            "root_error_mm": num(self.root_error_mm),
            "swap_rate": num(self.swap_rate),
            "arm_swap_rate": num(self.arm_swap_rate),
            "leg_swap_rate": num(self.leg_swap_rate),
            "bone_length_error_pct": num(self.bone_length_error_pct),
            "bone_length_variation_pct": num(self.bone_length_variation_pct),
            "truth_bone_variation_pct": num(self.truth_bone_variation_pct),
            "per_joint_mm": {n: num(v) for n, v in zip(NTU25.joint_names, self.per_joint_mm)},
            "per_joint_root_relative_mm": {
                n: num(v) for n, v in zip(NTU25.joint_names, self.per_joint_root_relative_mm)
            },
        }


def _check(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(F, 25, 3)`` prediction and truth of the masked frames."""
    p = np.asarray(pred, dtype=np.float64)
    g = np.asarray(gt, dtype=np.float64)
    if p.ndim != 3 or p.shape[-1] != 3 or p.shape != g.shape:
        raise ValidationError(f"prediction {p.shape} and truth {g.shape} must both be (T, V, 3)",
                              field="joints")
    m = np.ones(p.shape[0], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != p.shape[:1]:
        raise ValidationError(f"mask {m.shape} must be (T,) = ({p.shape[0]},)", field="mask")
    m = m & np.isfinite(p).all(axis=(1, 2)) & np.isfinite(g).all(axis=(1, 2))
    return p[m], g[m]


def root_relative(joints: np.ndarray, root: int = ROOT) -> np.ndarray:
    """``(..., V, 3)`` joints minus their root joint."""
    return joints - joints[..., root : root + 1, :]


def joint_errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """``(F, V)`` Euclidean distances, in the input's units."""
    return np.linalg.norm(pred - gt, axis=-1)


def procrustes_align(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-frame similarity alignment of ``pred (F, V, 3)`` onto ``gt (F, V, 3)``.

    For every frame the rotation ``R`` (proper, det +1), scale ``s`` and translation ``t``
    minimising ``sum_v |s R p_v + t - g_v|^2`` (Umeyama), all frames at once by batched SVD.
    Returns the aligned prediction ``(F, V, 3)``.
    """
    mp = pred.mean(axis=1, keepdims=True)
    mg = gt.mean(axis=1, keepdims=True)
    p0, g0 = pred - mp, gt - mg  # F x V x 3
    cov = np.einsum("fvi,fvj->fij", g0, p0)  # F x 3 x 3, sum g p^T
    u, sig, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(u @ vt))  # F
    d = np.where(d == 0, 1.0, d)
    fix = np.ones_like(sig)
    fix[:, 2] = d
    rot = u @ (fix[:, :, None] * vt)  # F x 3 x 3: g ~ R p
    var = (p0**2).sum(axis=(1, 2))
    scale = (sig * fix).sum(axis=1) / np.where(var > 0, var, 1.0)
    return scale[:, None, None] * np.einsum("fij,fvj->fvi", rot, p0) + mg


def pa_mpjpe_frames(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """``(F,)`` mean joint error of every frame after :func:`procrustes_align`, in the
    input's units."""
    return joint_errors(procrustes_align(pred, gt), gt).mean(axis=1)


def swap_frames(pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """``{"arm": (F,), "leg": (F,)}`` bool: the limb pair is left-right swapped (module
    docstring), on root-relative joints ``(F, 25, 3)``."""
    p, g = root_relative(pred), root_relative(gt)
    out = {}
    for limb, parts in SWAP_LIMBS.items():
        left = list(NTU25.indices([f"{j}_left" for j in parts]))
        right = list(NTU25.indices([f"{j}_right" for j in parts]))
        same = joint_errors(p[:, left], g[:, left]).sum(1) + joint_errors(p[:, right], g[:, right]).sum(1)
        cross = joint_errors(p[:, left], g[:, right]).sum(1) + joint_errors(p[:, right], g[:, left]).sum(1)
        out[limb] = cross < same
    return out


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """``(F, 24)`` metres: the length of every bone (child joint to parent, NTU order of the
    children) of ``joints (F, 25, 3)``."""
    parents, kids = (list(ends) for ends in zip(*NTU25.bones))
    return np.linalg.norm(joints[:, kids] - joints[:, parents], axis=-1)


def bone_length_stats(pred: np.ndarray, gt: np.ndarray) -> tuple[float, float, float]:
    """(error, variation, truth's variation) in per cent for ``(F, 25, 3)`` prediction and
    truth (the module docstring; NaN without frames or without a bone). Bones whose true
    median length is under 1 cm are left out (no relative error)."""
    nan = float("nan")
    if len(pred) == 0:
        return nan, nan, nan
    lp, lg = bone_lengths(pred), bone_lengths(gt)
    mp, mg = np.median(lp, axis=0), np.median(lg, axis=0)
    keep = mg > 0.01
    if not keep.any():  # a degenerate truth (every joint in one point): nothing to compare
        return nan, nan, nan
    err = np.abs(mp[keep] - mg[keep]) / mg[keep]
    var_p = lp[:, keep].std(axis=0) / np.maximum(mp[keep], 1e-6)
    var_g = lg[:, keep].std(axis=0) / mg[keep]
    return 100.0 * float(err.mean()), 100.0 * float(var_p.mean()), 100.0 * float(var_g.mean())


def pose_errors(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray | None = None) -> PoseErrors:
    """All metrics of the module docstring for ``pred`` and ``gt`` ``(T, 25, 3)`` metres in
    the Kinect camera frame, over the frames where ``mask (T,)`` is true (and both are
    finite)."""
    p, g = _check(pred, gt, mask)
    v = p.shape[1]
    if v != NTU25.num_joints:
        raise ValidationError(f"expected {NTU25.num_joints} NTU joints, got {v}", field="joints")
    f = p.shape[0]
    if f == 0:
        nan = float("nan")
        return PoseErrors(0, nan, nan, nan, nan, np.full(v, nan), np.full(v, nan), nan, nan, nan)
    cam = joint_errors(p, g) * 1000.0  # F x V
    rel = joint_errors(root_relative(p), root_relative(g)) * 1000.0
    pa = pa_mpjpe_frames(p, g) * 1000.0
    swaps = swap_frames(p, g)
    bone_err, bone_var, truth_var = bone_length_stats(p, g)
    return PoseErrors(
        frames=f,
        mpjpe_mm=float(cam.mean()),
        root_relative_mpjpe_mm=float(rel.mean()),
        pa_mpjpe_mm=float(pa.mean()),
        root_error_mm=float(cam[:, ROOT].mean()),
        per_joint_mm=cam.mean(axis=0),
        per_joint_root_relative_mm=rel.mean(axis=0),
        swap_rate=float((swaps["arm"] | swaps["leg"]).mean()),
        arm_swap_rate=float(swaps["arm"].mean()),
        leg_swap_rate=float(swaps["leg"].mean()),
        bone_length_error_pct=bone_err,
        bone_length_variation_pct=bone_var,
        truth_bone_variation_pct=truth_var,
    )
