"""Whole-body postural adjustments of a standing performer to the arms' motion.

A standing person who lifts or reaches with the arms moves the body's centre of mass and
keeps it over the feet by moving the pelvis the other way: arms forward, hips back
(ankle and hip strategy), with the knees softening; one arm out to the side, the pelvis
shifts towards the other side. The shift is small (arms are about a tenth of the body's
mass, so a reach of 0.3-0.5 m moves the centre of mass 1.5-3 cm and the pelvis about as
much) but it is always there, varies between people, and ties the legs' motion to the
arms' in every action, which a world where the legs stand still unless the action uses
them does not.

Model: per arm, a reach proxy from its joint angles (``sh_elev`` from hanging, ``sh_azim``
0 = sideways, 90 = forwards, ``elbow`` flexion; degrees)::

    reach = sin(elev) * (1 - 0.3 * (1 - cos(elbow)))
    forward = sum over arms of reach * sin(azim)
    lateral = sum over arms of side * reach * cos(azim)      (side +1 left, -1 right)

both taken relative to the first frame (the idle posture stays as it is), smoothed over
about 0.1 s, then per body (gains drawn per body from ``rng``, times ``gain``):

* both ``hip_flex`` += g_f * forward  (g_f 1-2.5 degrees per unit: the legs tilt forwards
  under the pelvis, so the planted feet put the pelvis back);
* both ``knee`` += g_k * |forward|  (g_k 0-3 degrees);
* ``l_hip_abd`` += g_l * lateral, ``r_hip_abd`` -= g_l * lateral (g_l 0.8-2 degrees: the
  pelvis shifts away from the reaching side).

Only for bodies standing on both feet (support ``"both"``); actions that already move the
legs (kicks, hops, jumps, falls, sitting) keep their programmed legs. Pure numpy, in place.
"""

from __future__ import annotations

import numpy as np

#: Smoothing of the reach signals, frames (about 0.1 s at 30 fps).
SMOOTH_FRAMES = 3.0
#: Ranges of the per-body gains (degrees per unit of the reach proxy).
HIP_FLEX_GAIN = (1.0, 2.5)
KNEE_GAIN = (0.0, 3.0)
HIP_ABD_GAIN = (0.8, 2.0)


def reach_signals(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(forward, lateral) reach proxies ``(T,)`` of both arms, unit-free, relative to frame 0
    (module docstring)."""
    fwd = np.zeros_like(d["l_sh_elev"], dtype=np.float64)
    lat = np.zeros_like(fwd)
    for side, sign in (("l", 1.0), ("r", -1.0)):
        elev, azim = np.radians(d[f"{side}_sh_elev"]), np.radians(d[f"{side}_sh_azim"])
        reach = np.sin(elev) * (1.0 - 0.3 * (1.0 - np.cos(np.radians(d[f"{side}_elbow"]))))
        fwd = fwd + reach * np.sin(azim)
        lat = lat + sign * reach * np.cos(azim)
    return fwd - fwd[0], lat - lat[0]


def _smooth(x: np.ndarray, frames: float) -> np.ndarray:
    """Zero-phase first-order low-pass (forwards then backwards, each pass starting at rest
    on its first sample), time constant ``frames``."""
    from scipy.signal import lfilter, lfilter_zi

    a = 1.0 / (1.0 + frames)
    b_coef, a_coef = [a], [1.0, a - 1.0]
    zi = lfilter_zi(b_coef, a_coef)
    y, _ = lfilter(b_coef, a_coef, x, zi=zi * x[0])
    y, _ = lfilter(b_coef, a_coef, y[::-1], zi=zi * y[-1])
    return y[::-1]


def postural_adjustment(d: dict[str, np.ndarray], support: str, rng: np.random.Generator,
                        gain: float = 1.0) -> None:
    """In place on a DOF dict (degrees): the legs' answer to the arms (module docstring).

    Args:
        d: the body's DOFs after its motion program, ``(T,)`` each.
        support: the program's support; only ``"both"`` is adjusted.
        rng: draws this body's gains (three numbers, drawn whatever the support).
        gain: scales every gain (0: no adjustment).
    """
    g_f, g_k, g_l = (rng.uniform(*r) for r in (HIP_FLEX_GAIN, KNEE_GAIN, HIP_ABD_GAIN))
    if support != "both" or gain <= 0.0:
        return
    fwd, lat = reach_signals(d)
    fwd, lat = _smooth(fwd, SMOOTH_FRAMES), _smooth(lat, SMOOTH_FRAMES)
    for side in ("l", "r"):
        d[f"{side}_hip_flex"] = d[f"{side}_hip_flex"] + gain * g_f * fwd
        d[f"{side}_knee"] = d[f"{side}_knee"] + gain * g_k * np.abs(fwd)
    d["l_hip_abd"] = d["l_hip_abd"] + gain * g_l * lat
    d["r_hip_abd"] = d["r_hip_abd"] - gain * g_l * lat
