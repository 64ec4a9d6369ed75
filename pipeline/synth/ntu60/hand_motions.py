"""Shared sub-motions of the NTU-60-like world's hand and arm classes.

The wrist of one arm to a point in front of the chest (:func:`front`), along a keyed path
(:func:`path`), the hand's own degrees of freedom (forearm rotation, grip, wrist flexion
and deviation: :func:`hand`), head motion added to the idle head (:func:`look`), and the
bookkeeping of optional DOFs (:func:`dof`, :func:`mix`, :func:`add`, :func:`done`). Used by
:mod:`pipeline.synth.ntu60.hand_work` and :mod:`pipeline.synth.ntu60.object_handling`.

Wrist targets are upper-trunk landmarks of :mod:`pipeline.synth.reach` (fractions of
stature, the acting arm's own convention: +x is that arm's side, so a negative x crosses
the midline).
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.ntu60.base import blend, bump, keyframes, limit_dofs
from pipeline.synth.reach import landmark, set_reach

__all__ = ["CHEST", "add", "done", "dof", "front", "hand", "look", "mix", "path", "pulses", "sign"]

#: In front of the chest, (0, -0.10, 0.22) of the stature H.
CHEST = landmark("chest_front")


def dof(d, key):  # noqa: ANN001, ANN202
    """``d[key]``, created at 0 (the neutral value of every optional DOF) when absent."""
    if key not in d:
        d[key] = np.zeros_like(d["trunk_flex"])
    return d[key]


def mix(d, key, w, target) -> None:  # noqa: ANN001
    dof(d, key)
    blend(d, key, w, target)


def add(d, key, v) -> None:  # noqa: ANN001
    d[key] = dof(d, key) + v


def done(d, support: str = "both") -> str:  # noqa: ANN001
    """:func:`~pipeline.synth.ntu60.base.limit_dofs` on ``d``; returns the support."""
    limit_dofs(d)
    return support


def sign(a: str) -> float:
    """+1 for the left side (x and turns to the left are positive), -1 for the right."""
    return 1.0 if a == "l" else -1.0


def pulses(s, rng, n, a, b, width):  # noqa: ANN001, ANN202
    """``n`` short smooth pulses (0..1, half-width ``width``) at random times in [a, b]."""
    out = np.zeros_like(s)
    for c in np.sort(rng.uniform(a, b, int(n))):
        out = np.maximum(out, bump(s, c - width, c + width, width))
    return out


def look(d, w, flex=0.0, twist=0.0, roll=0.0) -> None:  # noqa: ANN001
    """Head motion added to the idle head: nod down +, turn left +, roll to the left +."""
    d["neck_flex"] = d["neck_flex"] + w * flex
    d["neck_twist"] = d["neck_twist"] + w * twist
    if np.any(roll):
        add(d, "neck_lat", w * roll)


def front(d, sd, w, x, y, z, swivel=25.0) -> None:  # noqa: ANN001
    """Shared sub-motion: the wrist of arm ``sd`` to ``CHEST + (x, y, z)`` (fractions of H,
    each scalar or ``(T,)``), blended in with weight ``w``."""
    t = len(w)
    off = np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64), (t,)) for v in (x, y, z)], -1)
    set_reach(d, sd, CHEST + off, w, swivel)


def path(s, k, pts):  # noqa: ANN001, ANN202
    """A wrist target ``(T, 3)`` through the points ``pts`` (each ``(3,)``) at times ``k``."""
    pts = np.asarray(pts, dtype=np.float64)
    return np.stack([keyframes(s, list(k), list(pts[:, i])) for i in range(3)], -1)


def hand(d, sd, w, rot=None, grip=None, wrist=None, dev=None) -> None:  # noqa: ANN001
    """Blend the hand DOFs of arm ``sd`` (forearm rotation, grip, wrist flexion, deviation)."""
    for key, v in (("forearm_rot", rot), ("grip", grip), ("wrist", wrist), ("wrist_dev", dev)):
        if v is not None:
            mix(d, f"{sd}_{key}", w, v)
