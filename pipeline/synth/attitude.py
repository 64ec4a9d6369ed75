"""Whole-body attitude: how a performer carries the rest of the body while acting.

A motion program moves what the action needs (the drinking hand to the mouth). Real people
do more: while reading they look down and round the shoulders, while writing they lean
forwards and shift their weight, while checking the time they turn the head and lift the
other shoulder; and each person has a manner of their own (a stoop, a head held to one side,
a weight shift onto one leg) that shows in all their actions. These small whole-body
adjustments are what makes a real action recognisable from joints the action does not
use, and what a recogniser trained on real recordings learns to read along with the
action's own motion.

Model: three additive components of small joint-angle offsets, each one a static offset
plus a slow swing over the action (``o + a sin(2 pi n s + phi)``, ``s`` the normalised
action time, ``n`` 1 or 2), faded in and out with the action (the idle frames before and
after it keep the shared idle posture, so no idle frame tells the class):

* the **class's** attitude: one draw per class (every take of the class shares it), scaled
  per take by ``g ~ U(0.25, 1.75)`` (some performers show it more than others);
* the **performer's** manner: one draw per performer, the same in all their actions;
* the **take's** own variation: one draw per take (both replications share it).

Each component's offsets are ``N(0, (sigma * scale_k)^2)`` degrees for DOF ``k``, with
``scale_k`` (:data:`DOF_SCALE`) set so that a unit ``sigma`` moves each joint about the same
distance (about 10-15 mm per degree of ``sigma``): a trunk or hip angle moves far more of the
body than a wrist. The legs move only as a pair (both hips and knees together; hip
abduction opposite), and only for bodies standing on both feet, so that the planted feet
stay planted. Pure numpy.
"""

from __future__ import annotations

import numpy as np

#: DOFs an attitude adjusts and the scale of each (multiplies sigma, degrees). Arm DOFs come
#: per side (``l_``/``r_``); ``legs_*`` are applied to both legs (module docstring).
DOF_SCALE: dict[str, float] = {
    "trunk_flex": 1.0, "trunk_lat": 0.8, "trunk_twist": 1.2,
    "neck_flex": 2.0, "neck_twist": 2.5, "neck_lat": 2.0,
    "clav_elev": 2.0, "clav_prot": 2.0,
    "sh_elev": 1.0, "sh_azim": 1.5, "sh_twist": 2.0, "elbow": 1.5, "wrist": 3.0,
    "legs_hip_flex": 0.5, "legs_knee": 1.0, "legs_hip_abd": 0.5,
}
#: Share of the action over which an attitude fades in (and out at its end).
FADE = 0.15
#: Range of the per-take gain on the class's attitude.
CLASS_GAIN = (0.25, 1.75)


def _keys() -> list[str]:
    out = []
    for key in DOF_SCALE:
        if key in ("clav_elev", "clav_prot", "sh_elev", "sh_azim", "sh_twist", "elbow", "wrist"):
            out += [f"l_{key}", f"r_{key}"]
        else:
            out.append(key)
    return out


#: Every key an attitude draws, in draw order (fixed: a draw never depends on the take).
ATTITUDE_KEYS: tuple[str, ...] = tuple(_keys())


def _scale(key: str) -> float:
    return DOF_SCALE[key[2:] if key[:2] in ("l_", "r_") else key]


def draw_attitude(rng: np.random.Generator, sigma: float) -> dict[str, np.ndarray]:
    """One attitude component: per key of :data:`ATTITUDE_KEYS`, ``[offset, amplitude,
    phase, cycles]`` (degrees, degrees, radians, 1 or 2); always the same number of draws."""
    out = {}
    for key in ATTITUDE_KEYS:
        sd = sigma * _scale(key)
        out[key] = np.array([rng.normal(0.0, sd), rng.normal(0.0, sd), rng.uniform(0.0, 2 * np.pi),
                             float(rng.integers(1, 3))])
    return out


def envelope(s: np.ndarray) -> np.ndarray:
    """``(T,)`` weight of the attitude over normalised action time ``s``: 0 at ``s`` = 0 and
    1 (the idle frames), 1 in between, with smoothstep fades over :data:`FADE`
    (:func:`pipeline.synth.actions.bump`)."""
    from pipeline.synth.actions import bump

    return bump(np.asarray(s, dtype=np.float64), 0.0, 1.0, FADE)


def attitude_offsets(s: np.ndarray, components: list[tuple[dict[str, np.ndarray], float]]) -> dict[str, np.ndarray]:
    """Sum of ``gain * component`` over ``components`` as ``(T,)`` DOF offsets (degrees),
    faded by :func:`envelope`."""
    s = np.asarray(s, dtype=np.float64)
    env = envelope(s)
    out = {key: np.zeros_like(s) for key in ATTITUDE_KEYS}
    for comp, gain in components:
        for key, (offset, amp, phase, cycles) in comp.items():
            out[key] += gain * (offset + amp * np.sin(2 * np.pi * cycles * s + phase))
    return {key: env * v for key, v in out.items()}


def apply_attitude(d: dict[str, np.ndarray], offsets: dict[str, np.ndarray], support: str) -> None:
    """In place on a DOF dict (degrees): add ``offsets`` (:func:`attitude_offsets`). DOFs the
    body lacks start from 0 (the optional ones); the legs only for ``support == "both"``."""
    for key, v in offsets.items():
        if key.startswith("legs_"):
            if support != "both":
                continue
            dof = key[len("legs_"):]
            if dof == "hip_abd":
                d["l_hip_abd"] = d["l_hip_abd"] + v
                d["r_hip_abd"] = d["r_hip_abd"] - v
            else:
                d[f"l_{dof}"] = d[f"l_{dof}"] + v
                d[f"r_{dof}"] = d[f"r_{dof}"] + v
            continue
        d[key] = d.get(key, np.zeros_like(v)) + v
