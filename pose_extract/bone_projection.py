"""One set of bone lengths per recovered sequence, by projection (pure numpy).

:func:`constant_bones` keeps every frame's root position and bone directions and replaces
each bone's length by its median over the sequence's valid frames, rebuilding the joints
from the root outwards on the NTU kinematic tree
(:data:`pipeline.layouts.ntu25.LAYOUT`'s parents). The result has exactly one bone length
per bone (a real body's), where a per-frame estimator's lengths change from frame to frame;
unlike :mod:`pose_extract.skeleton_fit` it does not optimise anything, so it costs
microseconds and cannot move a joint off the ray of its bone.
"""

from __future__ import annotations

import numpy as np

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT

#: Joints in an order where every parent comes before its children.
def _topological() -> tuple[int, ...]:
    parents = LAYOUT.parents
    order: list[int] = []
    while len(order) < len(parents):
        for j, p in enumerate(parents):
            if j not in order and (p < 0 or p in order):
                order.append(j)
    return tuple(order)


ORDER = _topological()


def median_bone_lengths(joints: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(25,)`` metres: each joint's distance to its parent, median over ``valid`` frames (0
    for the root)."""
    j = np.asarray(joints, np.float64)
    v = np.asarray(valid, bool) & np.isfinite(j).all((1, 2))
    out = np.zeros(j.shape[1])
    if not v.any():
        return out
    for k, p in enumerate(LAYOUT.parents):
        if p >= 0:
            out[k] = float(np.median(np.linalg.norm(j[v, k] - j[v, p], axis=-1)))
    return out


def constant_bones(joints: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``joints (T, 25, 3)`` with every bone at its median length over the ``valid (T,)``
    frames (module docstring); invalid frames are rebuilt the same way, a zero-length bone
    keeps its joint on its parent."""
    j = np.asarray(joints, np.float64)
    if j.ndim != 3 or j.shape[1:] != (LAYOUT.num_joints, 3) or np.shape(valid) != (j.shape[0],):
        raise ValidationError(f"expected (T, {LAYOUT.num_joints}, 3) joints and (T,) valid, got {j.shape} and "
                              f"{np.shape(valid)}", field="joints")
    lengths = median_bone_lengths(j, valid)
    out = j.copy()
    for k in ORDER:
        p = LAYOUT.parents[k]
        if p < 0:
            continue
        d = j[:, k] - j[:, p]
        n = np.linalg.norm(d, axis=-1, keepdims=True)
        unit = np.divide(d, n, out=np.zeros_like(d), where=n > 1e-9)
        out[:, k] = out[:, p] + lengths[k] * unit
    return out
