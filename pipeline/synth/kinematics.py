"""Pure rotation and forward-kinematics maths for the synthetic generator.

Body frame (metres): x = the subject's left, y = up, z = the subject's forward; the
floor is y = 0. All angles here are in degrees at the API and radians inside.
Arrays carry a leading time axis ``T``.
"""

from __future__ import annotations

import numpy as np


def rot_x(deg: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` rotations about +x; positive turns +y towards +z (a forward bend)."""
    a = np.deg2rad(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rot_y(deg: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` rotations about +y; positive turns +z towards +x."""
    a = np.deg2rad(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rot_z(deg: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` rotations about +z; positive turns +x towards +y."""
    a = np.deg2rad(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def swing_from_down(u: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` minimal rotation taking ``(0, -1, 0)`` to unit vectors ``u`` ``(T, 3)``.

    Rodrigues' form ``I + [v]x + [v]x^2 / (1 + c)`` with ``v = a x u``, ``c = a . u``;
    valid while ``u`` is not straight up (``c > -1``).
    """
    a = np.array([0.0, -1.0, 0.0])
    v = np.cross(a, u)
    c = u @ a
    vx = np.zeros(u.shape[:-1] + (3, 3))
    vx[..., 0, 1], vx[..., 0, 2] = -v[..., 2], v[..., 1]
    vx[..., 1, 0], vx[..., 1, 2] = v[..., 2], -v[..., 0]
    vx[..., 2, 0], vx[..., 2, 1] = -v[..., 1], v[..., 0]
    return np.eye(3) + vx + (vx @ vx) / (1.0 + c)[..., None, None]


def direction(elevation: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """``(T, 3)`` unit limb direction for a left-side limb.

    ``elevation`` 0 = hanging straight down, 90 = horizontal, 180 = straight up;
    ``azimuth`` in the horizontal plane: 0 = lateral (+x), 90 = forward (+z), above 90
    crosses the midline, negative points behind the body.
    """
    el, az = np.deg2rad(elevation), np.deg2rad(azimuth)
    return np.stack([np.cos(az) * np.sin(el), -np.cos(el), np.sin(az) * np.sin(el)], -1)


def apply(rot: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Rotate ``vec`` (``(3,)`` or ``(T, 3)``) by ``rot`` ``(T, 3, 3)``; returns ``(T, 3)``."""
    return np.einsum("tij,j->ti", rot, vec) if vec.ndim == 1 else np.einsum("tij,tj->ti", rot, vec)


MIRROR = np.diag([-1.0, 1.0, 1.0])
"""Reflection x -> -x: a right-side limb is the mirror image of a left-side one."""
