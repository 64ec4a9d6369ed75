"""The ``(N, C, T, V, M)`` skeleton tensor contract and its masks.

* ``N`` samples, ``C`` channels (x, y, z metres in the Kinect camera frame for NTU;
  x, y, score for Kinetics), ``T`` frames, ``V`` joints, ``M`` bodies.
* Frames at or after a sample's ``num_frames`` are zero padding.
* A body slot that is all zero in a frame is absent in that frame.

Padding and absent bodies are masked everywhere: never perturbed, never counted in a
metric. The mask functions below accept numpy arrays or torch tensors and return the
same kind.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from pipeline.errors import ValidationError


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def row_chunks(array: Any, budget_bytes: int) -> Iterator[slice]:
    """Slices over the first axis of ``array`` of about ``budget_bytes`` each.

    A row is ``prod(shape[1:]) * itemsize`` bytes; every slice holds at least one row.
    An array with no rows (``N = 0``) yields nothing. Used to read memory-mapped arrays
    one block at a time.

    Args:
        array: anything with ``shape`` and ``dtype`` (numpy array or memmap), ``ndim >= 1``.
        budget_bytes: the wanted block size in bytes (> 0).
    """
    if not array.shape:
        raise ValidationError("row_chunks needs an array with at least one axis", field="shape")
    n = int(array.shape[0])
    row_bytes = math.prod(int(d) for d in array.shape[1:]) * np.dtype(array.dtype).itemsize
    step = max(1, int(budget_bytes) // max(1, row_bytes))
    for start in range(0, n, step):
        yield slice(start, min(start + step, n))


def frame_mask(num_frames: Any, num_total: int) -> Any:
    """Valid-frame mask ``(N, T)``: true where ``t < num_frames[n]``.

    Args:
        num_frames: ``(N,)`` integer valid-frame counts (numpy or torch).
        num_total: ``T``, the padded length.
    """
    if _is_torch(num_frames):
        import torch

        t = torch.arange(num_total, device=num_frames.device)
        return t[None, :] < num_frames[:, None]
    return np.arange(num_total)[None, :] < np.asarray(num_frames)[:, None]


def presence_mask(data: Any) -> Any:
    """Body-present mask ``(N, T, M)``: true where any coordinate of the body is non-zero."""
    if _is_torch(data):
        return (data != 0).any(dim=3).any(dim=1)
    return (np.asarray(data) != 0).any(axis=(1, 3))


def valid_mask(data: Any, num_frames: Any | None = None) -> Any:
    """Mask ``(N, T, M)`` of (frame, body) slots holding real data.

    True where the frame is within ``num_frames`` (if given) and the body is present
    in that frame. Everything else is padding and must stay untouched.
    """
    mask = presence_mask(data)
    if num_frames is not None:
        fm = frame_mask(num_frames, data.shape[2])
        mask = mask & fm[:, :, None]
    return mask


def body_mask(data: Any, num_frames: Any | None = None) -> Any:
    """Mask ``(N, M)`` of bodies present in at least one valid frame."""
    m = valid_mask(data, num_frames)
    if _is_torch(m):
        return m.any(dim=1)
    return m.any(axis=1)


def infer_num_frames(data: np.ndarray) -> np.ndarray:
    """``(N,)`` valid lengths: index of the last frame with any non-zero value, plus one.

    This is how files without explicit lengths (st-gcn ``.npy``) are read: trailing
    all-zero frames are padding. Works chunk-wise so memory-mapped arrays are not loaded
    whole.
    """
    n, _, t, _, _ = data.shape
    out = np.zeros(n, dtype=np.int64)
    for rows in row_chunks(data, 2**26):
        block = np.asarray(data[rows])
        nz = (block != 0).any(axis=(1, 3, 4))  # (n_blk, T)
        has = nz.any(axis=1)
        last = t - np.argmax(nz[:, ::-1], axis=1)
        out[rows] = np.where(has, last, 0)
    return out


def check_skeleton_array(
    data: np.ndarray,
    *,
    num_joints: int | None = None,
    num_channels: int | None = None,
    path: str | None = None,
    names: list[str] | np.ndarray | None = None,
    check_values: bool = True,
) -> None:
    """Validate an ``(N, C, T, V, M)`` array at a boundary; raise :class:`ValidationError`.

    Checks rank, channel and joint counts and (if ``check_values``) that every value is
    finite, naming the first offending sample, channel, frame, joint and body.
    Memory-mapped arrays are scanned in chunks.
    """
    if data.ndim != 5:
        raise ValidationError(
            f"expected a 5-d (N, C, T, V, M) array, got shape {tuple(data.shape)}",
            path=path, field="data",
        )
    n, c, t, v, m = data.shape
    if num_channels is not None and c != num_channels:
        raise ValidationError(
            f"expected C={num_channels} channels, got {c} (shape {tuple(data.shape)})",
            path=path, field="data",
        )
    if num_joints is not None and v != num_joints:
        raise ValidationError(
            f"wrong joint count: expected V={num_joints}, got {v} (shape {tuple(data.shape)})",
            path=path, field="data",
        )
    if not check_values:
        return
    for rows in row_chunks(data, 2**26):
        block = np.asarray(data[rows])
        bad = ~np.isfinite(block)
        if bad.any():
            i, ci, ti, vi, mi = (int(k) for k in np.argwhere(bad)[0])
            k = rows.start + i
            sample = names[k] if names is not None else k
            raise ValidationError(
                f"non-finite value {block[i, ci, ti, vi, mi]} at channel {ci}, frame {ti}, "
                f"joint {vi}, body {mi}",
                path=path, sample=sample, field="data",
            )
