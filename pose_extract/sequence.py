"""Post-processing of an extracted joint sequence: detection gaps and the frame rate.

Gaps (:func:`fill_gaps`, at the video's frame rate). A frame is *valid* when the pose was
detected and lifted. An interior run of at most ``max_gap`` invalid frames (default 5, i.e.
1/6 s at 30 fps) is linearly interpolated between the valid frames around it and counts
as valid (``interpolated``). Every other invalid frame (a longer interior run, or frames
before the first or after the last detection) *holds* the nearest earlier valid pose (the
first valid pose for leading frames) and stays invalid.

Why hold rather than write zeros: in the skeleton-set contract an all-zero body is
"absent" and zeros are otherwise only allowed as padding after ``num_frames``; a
recogniser fed zeros sees the body jump to the camera origin, which would turn a detection
failure into a huge spurious motion. A held pose keeps the time base (frame ``t`` of the
output is frame ``t`` of the video and of the source skeleton) and is harmless to the
recogniser; the per-frame validity travels beside the data (``frame_valid`` in the set's
``sample_meta``) so that metrics can leave held frames out.

Frame rate (:func:`resample`). Linear interpolation on time: output frame ``k`` is at
``k / fps_out`` seconds, between input frames ``floor(s)`` and ``floor(s) + 1`` with
``s = k fps_in / fps_out``; the output covers the input's duration, ``floor((T - 1)
fps_out / fps_in) + 1`` frames. An output frame is valid only if both input frames it
blends are (or the one it falls on). Equal rates return the input unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.errors import ValidationError

#: Default longest interior run of undetected video frames that is interpolated.
DEFAULT_MAX_GAP = 5

#: Relative tolerance under which two frame rates count as equal.
_FPS_RTOL = 1e-6


@dataclass(frozen=True)
class FilledSequence:
    """A sequence after gap filling.

    Attributes:
        joints: ``(T, V, D)`` float64, every frame filled (see the module docstring);
            all zero when no frame was valid.
        valid: ``(T,)`` bool, detected or interpolated.
        interpolated: ``(T,)`` bool, filled by interpolation across a short gap.
        held: ``(T,)`` bool, holds a neighbouring pose (invalid).
        longest_gap: longest run of invalid input frames.
    """

    joints: np.ndarray
    valid: np.ndarray
    interpolated: np.ndarray
    held: np.ndarray
    longest_gap: int


def _runs(invalid: np.ndarray) -> np.ndarray:
    """Length of the invalid run each frame belongs to (0 for valid frames)."""
    if invalid.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], invalid.astype(np.int8), [0]])))
    lengths = edges[1::2] - edges[0::2]  # one per run
    starts = np.zeros(invalid.shape[0], dtype=np.int64)
    starts[edges[0::2][edges[0::2] < invalid.shape[0]]] = 1
    run_id = np.cumsum(starts) - 1
    return np.where(invalid, lengths[np.clip(run_id, 0, None)] if lengths.size else 0, 0)


def fill_gaps(joints: np.ndarray, valid: np.ndarray, max_gap: int = DEFAULT_MAX_GAP) -> FilledSequence:
    """Interpolate short interior gaps, hold the rest (module docstring).

    Args:
        joints: ``(T, V, D)`` poses; values in invalid frames are ignored (may be NaN).
        valid: ``(T,)`` bool.
        max_gap: longest interior run of invalid frames to interpolate (>= 0).
    """
    x = np.asarray(joints, dtype=np.float64)
    ok = np.asarray(valid, dtype=bool)
    if x.ndim != 3 or ok.shape != x.shape[:1]:
        raise ValidationError(f"joints {x.shape} must be (T, V, D) and valid {ok.shape} (T,)", field="joints")
    if max_gap < 0:
        raise ValidationError(f"max_gap must be >= 0, got {max_gap}", field="max_gap")
    t = x.shape[0]
    runs = _runs(~ok)
    longest = int(runs.max()) if t else 0
    if not ok.any():
        none = np.zeros(t, dtype=bool)
        return FilledSequence(np.zeros_like(x), none, none.copy(), ~none, longest)
    idx = np.arange(t)
    prev = np.maximum.accumulate(np.where(ok, idx, -1))
    nxt = np.minimum.accumulate(np.where(ok, idx, t)[::-1])[::-1]
    interior = (prev >= 0) & (nxt < t)
    interp = ~ok & interior & (runs <= max_gap)
    src_prev = np.where(prev >= 0, prev, nxt)  # leading frames hold the first valid pose
    src_next = np.where(interp, nxt, src_prev)
    span = np.maximum(src_next - src_prev, 1)
    alpha = np.where(interp, (idx - src_prev) / span, 0.0)[:, None, None]
    xs = np.where(ok[:, None, None], x, 0.0)
    filled = (1.0 - alpha) * xs[src_prev] + alpha * xs[src_next]
    filled[ok] = x[ok]
    return FilledSequence(filled, ok | interp, interp, ~(ok | interp), longest)


def resampled_length(num_frames: int, fps_in: float, fps_out: float) -> int:
    """Frames of a ``num_frames`` sequence at ``fps_in`` resampled to ``fps_out``."""
    if num_frames <= 0:
        return 0
    if abs(fps_in - fps_out) <= _FPS_RTOL * fps_in:
        return int(num_frames)
    return int(np.floor((num_frames - 1) * fps_out / fps_in + 1e-9)) + 1


def resample(
    joints: np.ndarray, valid: np.ndarray, fps_in: float, fps_out: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample ``(T, V, D)`` poses and their ``(T,)`` validity from ``fps_in`` to ``fps_out``.

    Returns:
        ``joints (T', V, D)``, ``valid (T',)`` bool and ``source_frame (T',)`` float64,
        the (fractional) input frame each output frame was taken at.
    """
    x = np.asarray(joints, dtype=np.float64)
    ok = np.asarray(valid, dtype=bool)
    if x.ndim != 3 or ok.shape != x.shape[:1]:
        raise ValidationError(f"joints {x.shape} must be (T, V, D) and valid {ok.shape} (T,)", field="joints")
    for name, v in (("fps_in", fps_in), ("fps_out", fps_out)):
        if not (np.isfinite(v) and v > 0):
            raise ValidationError(f"{name} must be finite and > 0, got {v}", field=name)
    t_out = resampled_length(x.shape[0], fps_in, fps_out)
    if t_out == x.shape[0]:
        return x.copy(), ok.copy(), np.arange(t_out, dtype=np.float64)
    s = np.arange(t_out) * (fps_in / fps_out)
    i0 = np.clip(np.floor(s + 1e-9).astype(np.int64), 0, x.shape[0] - 1)
    i1 = np.minimum(i0 + 1, x.shape[0] - 1)
    alpha = np.clip(s - i0, 0.0, 1.0)
    on_frame = alpha < 1e-9
    alpha = np.where(on_frame, 0.0, alpha)
    out = (1.0 - alpha)[:, None, None] * x[i0] + alpha[:, None, None] * x[i1]
    out_ok = ok[i0] & (ok[i1] | on_frame)
    return out, out_ok, s
