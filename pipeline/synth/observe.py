"""The switchable observation step: what a Kinect sensor does to clean joints.

* joint jitter: i.i.d. Gaussian noise of ``jitter_mm`` millimetres per coordinate;
* occlusion glitches: with probability ``glitch_rate`` a sequence gets one or two
  short events (2-5 frames) in which a distal chain (a hand with its wrist, tip and
  thumb, or an ankle with its foot) jumps by 5-20 cm, as inferred joints do when a
  limb is occluded.

Applied only to valid frames; padding stays exactly zero.
"""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT

_CHAINS = tuple(
    LAYOUT.indices(c)
    for c in (
        ("wrist_left", "hand_left", "hand_tip_left", "thumb_left"),
        ("wrist_right", "hand_right", "hand_tip_right", "thumb_right"),
        ("ankle_left", "foot_left"),
        ("ankle_right", "foot_right"),
    )
)


def observe(joints: np.ndarray, rng: np.random.Generator, *, jitter_mm: float,
            glitch_rate: float) -> tuple[np.ndarray, int]:  # fmt: skip
    """Return noisy joints ``(T, V, 3)`` (metres) and the number of glitch events."""
    t = joints.shape[0]
    out = joints + rng.normal(0.0, jitter_mm / 1000.0, size=joints.shape)
    events = 0
    if rng.random() < glitch_rate and t > 6:
        events = int(rng.integers(1, 3))
        for _ in range(events):
            chain = list(_CHAINS[int(rng.integers(len(_CHAINS)))])
            length = int(rng.integers(2, 6))
            start = int(rng.integers(0, t - length))
            v = rng.normal(size=3)
            jump = v / np.linalg.norm(v) * rng.uniform(0.05, 0.20)
            out[start : start + length, chain] += jump
    return out, events
