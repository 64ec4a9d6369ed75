"""Rotation maths for keyframing, in numpy (no bpy; unit-tested without Blender).

A base-convention local rotation ``R_j`` (3x3, expressed in the body/world axes, see
:mod:`render.bodies.base`) becomes a Blender pose-bone rotation as follows. Let ``B_j``
be the rest orientation of bone ``j`` in armature space (the 3x3 part of
``bone.matrix_local``; its Y axis runs head -> tail). Blender poses a bone as
``M_j = M_parent @ inv(A_parent) @ A_j @ basis_j`` with ``A_j = [B_j | head_j]``; the base
convention wants ``M_j = G_j @ [B_j | 0]`` (``G_j`` the base FK transform). Solving gives

    basis_j = [B_j^T R_j B_j | 0]            (non-root bones)
    basis_root = [B_r^T R_r B_r | B_r^T t]   (root; t the root translation)

so the pose-bone quaternion is that of ``B_j^T R_j B_j`` and the root's location is
``B_r^T t``. Bones must not be connected (``use_connect`` False) for the root location to
apply and for every bone to keep its rest offset from its parent.
"""

from __future__ import annotations

import numpy as np


def bone_local_rotations(rotations: np.ndarray, bone_rest: np.ndarray) -> np.ndarray:
    """``(T, J, 3, 3)`` base local rotations -> ``(T, J, 3, 3)`` pose-bone rotations
    ``B_j^T R_j B_j`` given ``bone_rest (J, 3, 3)`` rest orientations ``B_j``."""
    return np.einsum("jba,tjbc,jcd->tjad", bone_rest, rotations, bone_rest)


def root_location(transl: np.ndarray, root_rest: np.ndarray) -> np.ndarray:
    """``(T, 3)`` world root translation -> ``(T, 3)`` pose-bone location ``B_r^T t``."""
    return transl @ root_rest  # (B^T t)^T = t^T B


def matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """``(..., 3, 3)`` rotation matrices -> ``(..., 4)`` unit quaternions ``(w, x, y, z)``
    with ``w >= 0`` (numerically stable branch per element)."""
    m = np.asarray(m, dtype=np.float64)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    # squared magnitudes of each component (4 candidates), pick the largest for stability
    cand = np.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22,
                     1 - m00 - m11 + m22], axis=-1)
    k = np.argmax(cand, axis=-1)
    s = np.sqrt(np.maximum(np.take_along_axis(cand, k[..., None], -1)[..., 0], 1e-300)) * 2  # 4 * |q_k|
    q = np.empty(m.shape[:-2] + (4,))
    d21, d02, d10 = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    a21, a02, a10 = m[..., 2, 1] + m[..., 1, 2], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1]
    rows = {
        0: (s / 4, d21 / s, d02 / s, d10 / s),
        1: (d21 / s, s / 4, a10 / s, a02 / s),
        2: (d02 / s, a10 / s, s / 4, a21 / s),
        3: (d10 / s, a02 / s, a21 / s, s / 4),
    }
    for branch, comps in rows.items():
        sel = k == branch
        q[sel] = np.stack([c[sel] for c in comps], axis=-1)
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0, -q, q)


def continuous_quaternions(q: np.ndarray) -> np.ndarray:
    """Flip signs along axis 0 (time) so consecutive quaternions have a non-negative dot
    product (same rotations; keeps interpolated sub-frames sane). ``q (T, ..., 4)``."""
    out = q.copy()
    for t in range(1, out.shape[0]):
        flip = np.sum(out[t] * out[t - 1], axis=-1) < 0
        out[t][flip] *= -1
    return out


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """``(..., 4)`` quaternions ``(w, x, y, z)`` -> ``(..., 3, 3)`` rotation matrices."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)
