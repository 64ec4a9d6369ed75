"""Skeleton sequences with known geometry for the plot tests, and pixel counters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.layouts import NTU25
from pipeline.skeleton_set import SkeletonSet

# A standing T-pose in Kinect camera space (metres): spine base at (0, 0, 3), head 0.65 m
# above it, the subject facing the camera, so their left side is at smaller x.
_LEFT_HALF = {
    "spine_base": (0.0, 0.0, 3.0),
    "spine_mid": (0.0, 0.25, 3.0),
    "spine_shoulder": (0.0, 0.48, 3.0),
    "neck": (0.0, 0.55, 3.0),
    "head": (0.0, 0.65, 3.0),
    "shoulder_left": (-0.18, 0.45, 3.0),
    "elbow_left": (-0.45, 0.45, 3.0),
    "wrist_left": (-0.70, 0.45, 3.0),
    "hand_left": (-0.78, 0.45, 3.0),
    "hand_tip_left": (-0.86, 0.45, 3.0),
    "thumb_left": (-0.76, 0.49, 3.0),
    "hip_left": (-0.09, -0.02, 3.0),
    "knee_left": (-0.10, -0.45, 3.0),
    "ankle_left": (-0.10, -0.85, 3.0),
    "foot_left": (-0.10, -0.90, 2.88),
}
LEFT_ARM = ("elbow_left", "wrist_left", "hand_left", "hand_tip_left", "thumb_left")


def tpose() -> np.ndarray:
    """``(3, 25)`` joint positions of the T-pose."""
    joints = dict(_LEFT_HALF)
    for k, (x, y, z) in _LEFT_HALF.items():
        if "left" in k:
            joints[k.replace("left", "right")] = (-x, y, z)
    return np.array([joints[n] for n in NTU25.joint_names], dtype=np.float64).T


def waving_sequence(num_frames: int, total: int, bodies: int = 2) -> np.ndarray:
    """``(3, T, 25, M)``: the left arm rises and falls; zero padding after ``num_frames``."""
    seq = np.zeros((3, total, 25, bodies), dtype=np.float32)
    sh = NTU25.index("shoulder_left")
    arm = list(NTU25.indices(LEFT_ARM))
    base = tpose()
    for t in range(num_frames):
        p = base.copy()
        a = np.deg2rad(80.0 * np.sin(np.pi * t / max(1, num_frames - 1)))
        rel = p[0, arm] - p[0, sh]  # negative: the arm points to -x
        p[0, arm] = p[0, sh] + np.cos(a) * rel
        p[1, arm] = p[1, sh] - np.sin(a) * rel  # upwards
        seq[:, t, :, 0] = p
    return seq


def waving_set() -> SkeletonSet:
    """Two waving sequences (30 and 20 valid frames of 40), two bodies."""
    total = 40
    nfs = np.array([30, 20])
    data = np.stack([waving_sequence(int(nf), total) for nf in nfs])
    return SkeletonSet(
        data=data, label=[0, 1], name=["S001A023", "S002A023"], num_frames=nfs,
        layout="ntu25", class_names=["hand waving", "standing"],
    )


def perturbed_arms(sset: SkeletonSet) -> SkeletonSet:
    """``sset`` with 3 cm Gaussian noise on both arms of body 0 (seeded)."""
    data = sset.data.copy()
    arms = list(NTU25.region("left_arm")) + list(NTU25.region("right_arm"))
    rng = np.random.default_rng(0)
    for n, nf in enumerate(sset.num_frames):
        noise = rng.normal(0.0, 0.03, (3, int(nf), len(arms), 1)).astype(np.float32)
        block = data[n, :, :nf][:, :, arms, :1] + noise
        sub = data[n, :, :nf]
        sub[:, :, arms, :1] = block
        data[n, :, :nf] = sub
    return SkeletonSet(
        data=data, label=sset.label, name=sset.name, num_frames=sset.num_frames,
        layout="ntu25", class_names=sset.class_names,
    )


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def greenish(a: np.ndarray) -> int:
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((g > 100) & (g - r > 60) & (g - b > 60)).sum())


def reddish(a: np.ndarray) -> int:
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((r > 120) & (r - g > 80) & (r - b > 80)).sum())


def joints_line(ax, role: str = "original", body: int = 0):
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == f"{role}:body{body}:joints"]
    return lines[0] if lines else None


def frames_of(fig) -> list[int]:
    gids = [ax.get_gid() or "" for ax in fig.axes]
    return [int(g.split("=")[1]) for g in gids if g.startswith("frame=")]
