"""Synthetic MediaPipe-like sequences for the adapter tests: landmarks of a moving body in
the Kinect camera frame and their exact projection, and their PairSequence rows."""

from __future__ import annotations

import numpy as np

from pose_extract.adapter_data import PairSequence
from pose_extract.adapter_features import adapter_inputs
from pose_extract.lifting import CameraIntrinsics


def landmarks(t_len: int, seed: int, intr: CameraIntrinsics) -> tuple[np.ndarray, ...]:
    """``world (T, 33, 3)`` hip-centred Kinect axes, ``image (T, 33, 2)`` pixels,
    ``visibility (T, 33)``, ``translation (T, 3)``: a body-sized cloud swaying in front of
    the camera, projected exactly."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(0.0, 0.25, (33, 3)) * np.array([1.0, 2.0, 0.5])
    phase = np.linspace(0, 2 * np.pi, t_len)[:, None, None]
    world = rest[None] + 0.05 * np.sin(phase + rng.uniform(0, 6, (1, 33, 3)))
    world -= world[:, 23:25].mean(1, keepdims=True)
    t = np.stack([rng.uniform(-0.5, 0.5) + 0.1 * np.sin(phase[:, 0, 0]),
                  np.full(t_len, rng.uniform(-0.3, 0.1)), np.full(t_len, rng.uniform(2.5, 3.5))], -1)
    cam = world + t[:, None, :]
    image = np.stack([intr.cx - intr.fx * cam[..., 0] / cam[..., 2], intr.cy - intr.fy * cam[..., 1] / cam[..., 2]], -1)
    return world, image, np.full((t_len, 33), 0.9), t


def pair_rows(n: int, t_len: int, *, offset: np.ndarray, scale: float, seed: int = 0) -> list[PairSequence]:
    """``n`` rows whose Kinect truth is the affine mapping of the landmarks plus ``offset``
    ``(25, 3)`` metres, all scaled by ``scale`` about the camera: a systematic difference an
    adapter can learn."""
    from pose_extract.adapter_features import compose

    intr = CameraIntrinsics.from_fov(320, 180)
    rows = []
    for k in range(n):
        world, image, vis, t = landmarks(t_len, seed * 1000 + k, intr)
        ok = np.ones(t_len, bool)
        target = scale * (compose(world, t, np.zeros((t_len, 76))) + offset)
        rows.append(PairSequence(name=f"s{k}", person=0, features=adapter_inputs(world, image, vis, t, ok, intr),
                                 ok=ok, target=target.astype(np.float32), present=ok.copy(), label=0,
                                 look="tshirt_jeans", hdri="city", body_model="anny"))
    return rows
