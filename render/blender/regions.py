"""Body regions from skinning weights, and garment / hair coverage (numpy, no bpy).

A vertex belongs to the region whose bones carry most of its skinning weight; bones map
to regions by the per-model rules in ``blender_assets/body_regions.json``. A face takes
the region most of its three vertices have (ties: its first vertex). Garments cover sets
of regions; hair is a scalp area of the head region found from the rest geometry (the
body frame: Z up, face towards -Y).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


def bone_regions(joint_names: Sequence[str], rules: Sequence[Sequence[str]], regions: Sequence[str],
                 default: str) -> np.ndarray:
    """``(J,)`` region index of every bone: the first rule ``(regex, region)`` whose
    pattern ``re.search``-matches the bone name, else ``default``."""
    index = {r: i for i, r in enumerate(regions)}
    compiled = [(re.compile(p), index[r]) for p, r in rules]
    out = np.full(len(joint_names), index[default], dtype=np.int64)
    for j, name in enumerate(joint_names):
        for pat, r in compiled:
            if pat.search(name):
                out[j] = r
                break
    return out


def vertex_regions(weights: np.ndarray, bone_region: np.ndarray, num_regions: int) -> np.ndarray:
    """``(Nv,)`` region of every vertex: argmax over regions of the summed weights
    ``weights (Nv, J)`` of each region's bones."""
    per_region = np.zeros((weights.shape[0], num_regions), dtype=np.float64)
    for r in range(num_regions):
        cols = np.flatnonzero(bone_region == r)
        if cols.size:
            per_region[:, r] = weights[:, cols].sum(axis=1)
    return np.argmax(per_region, axis=1)


def face_labels(faces: np.ndarray, vertex_label: np.ndarray) -> np.ndarray:
    """``(F,)`` majority label of each triangle's vertices (ties: the first vertex's)."""
    a, b, c = (vertex_label[faces[:, i]] for i in range(3))
    return np.where((b == c) & (a != b), b, a)


def hair_mask(vertices: np.ndarray, vertex_region: np.ndarray, head: int, neck: int,
              top_fraction: float, back_fraction: float, neck_back: bool) -> np.ndarray:
    """``(Nv,)`` bool: scalp vertices of the head region at rest.

    Scalp = head-region vertices above ``top_fraction`` of the head's height, or on its
    back half (+Y of the head's centre) above ``back_fraction``; with ``neck_back`` also
    the back half of the neck region (long hair falling on the neck).
    """
    out = np.zeros(vertices.shape[0], dtype=bool)
    is_head = vertex_region == head
    if not is_head.any():
        return out
    hv = vertices[is_head]
    z0, z1 = hv[:, 2].min(), hv[:, 2].max()
    rel = (vertices[:, 2] - z0) / max(z1 - z0, 1e-9)
    yc = 0.5 * (hv[:, 1].min() + hv[:, 1].max())
    back = vertices[:, 1] > yc
    out |= is_head & ((rel > top_fraction) | (back & (rel > back_fraction)))
    if neck_back:
        nk = vertex_region == neck
        if nk.any():
            ync = 0.5 * (vertices[nk, 1].min() + vertices[nk, 1].max())
            out |= nk & (vertices[:, 1] > ync)
    return out
