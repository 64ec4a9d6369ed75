"""A plain-data summary of a SkeletonSet (what ``ciasa data info`` shows)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.layouts import get_layout
from pipeline.skeleton_set import SkeletonSet
from pipeline.tensor import row_chunks, valid_mask


def summarize(sset: SkeletonSet) -> dict[str, Any]:
    """Counts, classes, frame statistics, bodies and per-channel value ranges over
    valid (frame, body) slots only. Reads memory-mapped data one chunk at a time.

    A set with no samples (or no valid slot) has ``None`` for its value ranges and an
    empty ``frames`` entry."""
    lay = get_layout(sset.layout)
    n, c, t, v, m = sset.shape
    lo = np.full(c, np.inf)
    hi = np.full(c, -np.inf)
    total = np.zeros(c)
    count = 0
    bodies = np.zeros(n, dtype=np.int64)
    for rows in row_chunks(sset.data, 2**25):
        block = np.asarray(sset.data[rows], dtype=np.float64)
        vm = valid_mask(block, sset.num_frames[rows])  # (n, T, M)
        bodies[rows] = vm.any(axis=1).sum(axis=1)
        sel = np.broadcast_to(vm[:, None, :, None, :], block.shape)
        for ch in range(c):
            vals = block[:, ch][sel[:, ch]]
            if vals.size:
                lo[ch] = min(lo[ch], vals.min())
                hi[ch] = max(hi[ch], vals.max())
                total[ch] += vals.sum()
        count += int(vm.sum()) * v
    labels, counts = np.unique(sset.label, return_counts=True)
    return {
        "samples": n,
        "shape": {"N": n, "C": c, "T": t, "V": v, "M": m},
        "layout": sset.layout,
        "coordinate_frame": sset.coordinate_frame,
        "fps": sset.fps,
        "frames": {"min": int(sset.num_frames.min()), "mean": round(float(sset.num_frames.mean()), 2),
                   "max": int(sset.num_frames.max())} if n else {},  # fmt: skip
        "bodies": {f"{k} bodies": int((bodies == k).sum()) for k in range(m + 1) if (bodies == k).any()},
        "splits": {k: len(vv) for k, vv in sset.splits.items()},
        "value_ranges": {  # None where a channel has no valid value (an empty set)
            lay.channels[ch]: {"min": float(lo[ch]), "mean": float(total[ch] / count), "max": float(hi[ch])}
            if count and np.isfinite(lo[ch]) else {"min": None, "mean": None, "max": None}
            for ch in range(c)
        },
        "classes": [
            {"label": int(k), "name": sset.class_names[k] if 0 <= k < len(sset.class_names) else "?",
             "count": int(cnt)}
            for k, cnt in zip(labels, counts)
        ],  # fmt: skip
        "num_classes": len(sset.class_names),
        "provenance": sset.provenance,
    }
