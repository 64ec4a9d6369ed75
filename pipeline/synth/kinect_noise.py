"""Kinect v2-like observation of clean joints, for the NTU-60-like world.

What a Kinect v2 skeleton does that clean kinematics does not (shared/REFERENCE.md: Kinect
joints deviate from motion capture by roughly 50-100 mm; hand tips and thumbs are the least
reliable joints; occluded joints are "inferred" from their neighbours):

* **per-joint jitter** with a standard deviation that grows from the trunk to the limb ends
  (:data:`JITTER_SCALE` times ``jitter_mm``: spine 1x, shoulders and hips 1.2x, elbows and
  knees 1.6x, wrists and ankles 2x, hands and feet 2.5x, hand tips and thumbs 5x), and
  correlated over time (first-order autoregressive, :data:`JITTER_AR`), as the sensor's
  per-frame body fit wobbles rather than flickers;
* **bone-length fluctuation**: independent joint jitter already makes every bone's length
  change from frame to frame (about 1.4x the jitter of its joints); on top, each limb
  segment gets a slow length drift of a few per cent (``drift``), as Kinect's fit
  stretches and shrinks a forearm or shin while the limb turns. Real NTU bone lengths are
  not constant; CIASA's SSR restores each bone to its length *in the observed frame*, so it
  keeps this fluctuation and removes only what the attack added;
* **inferred-joint glitches**: with probability ``glitch_rate`` per body, one to three
  events of 3-12 frames in which a distal chain (a hand with its tip and thumb, or a foot
  with its ankle) is "inferred": it freezes at the position it had, then snaps back, or
  jumps 5-20 cm towards the body; in between, hand tips and thumbs flip towards the wrist.

Applied only to valid frames; padding and absent bodies stay exactly zero. Pure numpy.
"""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT

_NAMES = LAYOUT.joint_names
#: Jitter standard deviation per joint as a multiple of ``jitter_mm``.
JITTER_SCALE = np.array([
    {"spine_base": 1.0, "spine_mid": 1.0, "neck": 1.0, "head": 1.2, "spine_shoulder": 1.0}.get(n) or
    (1.2 if n.startswith(("shoulder", "hip")) else
     1.6 if n.startswith(("elbow", "knee")) else
     2.0 if n.startswith(("wrist", "ankle")) else
     2.5 if n.startswith(("hand_left", "hand_right", "foot")) else
     5.0 if n.startswith(("hand_tip", "thumb")) else 1.0)
    for n in _NAMES
])
#: Autoregressive coefficient of the jitter (frame to frame), 0 = white.
JITTER_AR = 0.6
def _descendants(joint: int) -> list[int]:
    out, todo = [], [joint]
    parents = LAYOUT.parents
    while todo:
        j = todo.pop()
        out.append(j)
        todo += [c for c, p in enumerate(parents) if p == j]
    return out


#: Segments whose length drifts slowly: (child joint, parent joint) names.
_DRIFT_BONES = tuple((c, p) for c, p in (
    ("elbow_left", "shoulder_left"), ("wrist_left", "elbow_left"), ("hand_left", "wrist_left"),
    ("elbow_right", "shoulder_right"), ("wrist_right", "elbow_right"), ("hand_right", "wrist_right"),
    ("knee_left", "hip_left"), ("ankle_left", "knee_left"), ("knee_right", "hip_right"),
    ("ankle_right", "knee_right"),
))
#: The same as indices, with the joints that move with each child: (child, parent, moved).
_DRIFT = tuple((LAYOUT.index(c), LAYOUT.index(p), _descendants(LAYOUT.index(c))) for c, p in _DRIFT_BONES)
_CHAINS = (
    ("wrist_left", "hand_left", "hand_tip_left", "thumb_left"),
    ("wrist_right", "hand_right", "hand_tip_right", "thumb_right"),
    ("ankle_left", "foot_left"),
    ("ankle_right", "foot_right"),
)


def _ar_noise(rng: np.random.Generator, shape: tuple[int, ...], ar: float) -> np.ndarray:
    """Unit-variance AR(1) noise along axis 0."""
    e = rng.normal(size=shape)
    out = np.empty(shape)
    out[0] = e[0]
    k = np.sqrt(1.0 - ar * ar)
    for t in range(1, shape[0]):
        out[t] = ar * out[t - 1] + k * e[t]
    return out


def observe_kinect(joints: np.ndarray, rng: np.random.Generator, *, jitter_mm: float = 4.0,
                   drift: float = 0.03, glitch_rate: float = 0.3) -> tuple[np.ndarray, int]:
    """Observe one body's valid frames ``joints (T, 25, 3)`` (metres, any frame) as a
    Kinect v2 would; returns the observed joints and the number of glitch events."""
    t = joints.shape[0]
    out = np.array(joints, dtype=np.float64, copy=True)
    index = LAYOUT.index
    # slow length drift of limb segments: the child and everything below it move along the bone
    if drift > 0 and t > 1:
        for c, p, moved in _DRIFT:
            phase, cycles = rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 1.5)
            scale = drift * rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * cycles * np.arange(t) / max(t, 30) + phase)
            shift = (out[:, c] - out[:, p]) * scale[:, None]
            out[:, moved] += shift[:, None, :]
    events = 0
    if t > 8 and rng.random() < glitch_rate:
        events = int(rng.integers(1, 4))
        for _ in range(events):
            chain = [index(n) for n in _CHAINS[int(rng.integers(len(_CHAINS)))]]
            length = int(rng.integers(3, min(13, t - 1)))
            start = int(rng.integers(0, t - length))
            span = slice(start, start + length)
            kind = rng.random()
            if kind < 0.4:  # frozen: the inferred chain stays where it was
                out[span, chain] = out[start, chain]
            elif kind < 0.8:  # pulled towards the body
                towards = out[span, index("spine_mid")][:, None, :] - out[span, chain]
                pull = rng.uniform(0.05, 0.20) / np.maximum(np.linalg.norm(towards, axis=-1, keepdims=True), 1e-6)
                out[span, chain] += towards * np.minimum(pull, 1.0)
            else:  # a hand's tip and thumb fold onto the wrist (hands only; feet: frozen)
                if len(chain) == 4:
                    out[span, chain[2:]] = 0.5 * (out[span, chain[2:]] + out[span, chain[:1]])
                else:
                    out[span, chain] = out[start, chain]
    if jitter_mm > 0:
        noise = _ar_noise(rng, (t, len(_NAMES), 3), JITTER_AR)
        out += noise * (JITTER_SCALE[None, :, None] * jitter_mm / 1000.0)
    return out, events
