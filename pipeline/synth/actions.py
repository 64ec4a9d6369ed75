"""Twelve NTU-style actions as joint-angle trajectories.

Each action is a function ``(s, rng) -> Pose`` where ``s`` ``(T,)`` is normalised action
time (0 before the action starts, 1 after it ends; the idle frames around it hold
the rest posture) and ``rng`` draws the per-sample amplitude, tempo (cycle counts),
acting side and style. Angles are degrees (see :class:`pipeline.synth.body.Pose`).

Design rules, so that a recogniser needs the temporal pattern:
* every action starts and ends in (or near) a shared idle posture, so no single frame
  identifies a class; pairs share postures (sit down / stand up are time-reversed,
  cheer up / hand waving / throw / touch head all raise an arm, jump up / sit down
  both crouch, punch / clapping / drink bring the hands forward);
* amplitudes, tempi, sides and styles vary per sample;
* every angle stays inside :data:`JOINT_LIMITS` (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipeline.synth.body import Pose

#: Joint-angle limits in degrees (conservative adult ranges of motion).
JOINT_LIMITS: dict[str, tuple[float, float]] = {
    "trunk_flex": (-30.0, 90.0),
    "trunk_lat": (-30.0, 30.0),
    "trunk_twist": (-45.0, 45.0),
    "neck_flex": (-45.0, 60.0),
    "neck_twist": (-70.0, 70.0),
    "sh_elev": (0.0, 175.0),
    "sh_azim": (-70.0, 135.0),
    "sh_twist": (-90.0, 100.0),
    "elbow": (0.0, 150.0),
    "wrist": (-60.0, 70.0),
    "hip_flex": (-25.0, 125.0),
    "hip_abd": (-20.0, 45.0),
    "knee": (0.0, 145.0),
    "ankle": (-45.0, 30.0),
}


def limit_key(dof: str) -> str:
    """The :data:`JOINT_LIMITS` key of a DOF name (``l_elbow`` -> ``elbow``)."""
    return dof[2:] if dof[:2] in ("l_", "r_") else dof


# ----------------------------------------------------------------------------- shapes
def smooth(x: np.ndarray) -> np.ndarray:
    """Smoothstep 0 -> 1 on ``x`` in [0, 1] (zero slope at both ends)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def ramp(s: np.ndarray, a: float, b: float) -> np.ndarray:
    """Smooth 0 -> 1 transition between normalised times ``a`` and ``b``."""
    return smooth((s - a) / max(b - a, 1e-6))


def bump(s: np.ndarray, a: float, b: float, rise: float) -> np.ndarray:
    """0 before ``a``, smooth rise over ``rise``, 1, smooth fall ending at ``b``."""
    return ramp(s, a, a + rise) * (1.0 - ramp(s, b - rise, b))


def keyframes(s: np.ndarray, times: list[float], values: list[float]) -> np.ndarray:
    """Smoothstep interpolation through ``(times[i], values[i])``; held outside."""
    out = np.full_like(s, values[0], dtype=np.float64)
    for (t0, v0), (t1, v1) in zip(zip(times, values), zip(times[1:], values[1:])):
        out = np.where(s >= t0, v0 + (v1 - v0) * ramp(s, t0, t1), out)
    return out


def osc(s: np.ndarray, cycles: float, phase: float = 0.0) -> np.ndarray:
    """``sin`` with ``cycles`` periods over s in [0, 1]."""
    return np.sin(2 * np.pi * cycles * s + phase)


# ----------------------------------------------------------------------------- idle
def idle_pose(t: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Rest posture with a small individual variation and slow sway, ``(T,)`` each."""
    ph = rng.uniform(0, 2 * np.pi)
    sway = np.sin(2 * np.pi * rng.uniform(0.15, 0.4) * np.arange(t) / 30.0 + ph)
    d: dict[str, np.ndarray] = {
        "trunk_flex": np.full(t, rng.uniform(-3, 6)),
        "trunk_lat": rng.uniform(0.5, 2.0) * sway,
        "trunk_twist": np.full(t, rng.uniform(-5, 5)),
        "neck_flex": np.full(t, rng.uniform(-5, 10)),
        "neck_twist": np.full(t, rng.uniform(-8, 8)),
        "root_dy": np.zeros(t),
    }
    for side in ("l", "r"):
        d[f"{side}_sh_elev"] = np.full(t, rng.uniform(5, 18))
        d[f"{side}_sh_azim"] = np.full(t, rng.uniform(10, 70))
        d[f"{side}_sh_twist"] = np.full(t, rng.uniform(-20, 10))
        d[f"{side}_elbow"] = np.full(t, rng.uniform(5, 30))
        d[f"{side}_wrist"] = np.full(t, rng.uniform(-5, 15))
        d[f"{side}_hip_flex"] = np.full(t, rng.uniform(-3, 5))
        d[f"{side}_hip_abd"] = np.full(t, rng.uniform(0, 8))
        d[f"{side}_knee"] = np.full(t, rng.uniform(0, 8))
    return d


def blend(d: dict[str, np.ndarray], key: str, w: np.ndarray, target: np.ndarray | float) -> None:
    """In place: ``d[key] = (1 - w) d[key] + w target`` (``w`` in [0, 1])."""
    d[key] = (1.0 - w) * d[key] + w * target


def _side(rng: np.random.Generator, p_right: float = 0.8) -> tuple[str, str]:
    """(acting side, other side); most people act with the right hand/foot."""
    return ("r", "l") if rng.random() < p_right else ("l", "r")


# ----------------------------------------------------------------------------- actions
def drink_water(s, rng, d):  # noqa: ANN001 - see Action.fn
    a, _ = _side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.22, 0.32))
    blend(d, f"{a}_sh_elev", w, rng.uniform(30, 45))
    blend(d, f"{a}_sh_azim", w, rng.uniform(85, 105))
    blend(d, f"{a}_sh_twist", w, rng.uniform(-15, 5))
    blend(d, f"{a}_elbow", w, rng.uniform(130, 142))
    blend(d, f"{a}_wrist", w, rng.uniform(10, 35))
    sip = bump(s, 0.3, 0.75, 0.12)
    blend(d, "neck_flex", sip, -rng.uniform(15, 30))
    blend(d, "trunk_flex", sip, -rng.uniform(0, 6))
    return "both"


def throw(s, rng, d):  # noqa: ANN001
    a, o = _side(rng)
    sign = 1.0 if a == "l" else -1.0  # trunk twist towards the throwing side is -sign
    k = [0.0, 0.12, rng.uniform(0.42, 0.5), rng.uniform(0.56, 0.6), 0.78, 1.0]
    d[f"{a}_sh_elev"] = keyframes(s, k, [d[f"{a}_sh_elev"][0], 90, rng.uniform(140, 160), 85, 45, d[f"{a}_sh_elev"][0]])
    d[f"{a}_sh_azim"] = keyframes(s, k, [d[f"{a}_sh_azim"][0], 20, rng.uniform(-40, -15), 90, 105, d[f"{a}_sh_azim"][0]])
    d[f"{a}_elbow"] = keyframes(s, k, [d[f"{a}_elbow"][0], 60, rng.uniform(95, 120), 15, 30, d[f"{a}_elbow"][0]])
    d[f"{a}_sh_twist"] = keyframes(s, k, [d[f"{a}_sh_twist"][0], 40, rng.uniform(60, 85), 0, -10, d[f"{a}_sh_twist"][0]])
    tw = rng.uniform(15, 30)
    d["trunk_twist"] = d["trunk_twist"] + keyframes(s, k, [0, -0.5 * tw, -tw, tw, 0.5 * tw, 0]) * sign
    d["trunk_flex"] = d["trunk_flex"] + keyframes(s, k, [0, -3, -8, 15, 10, 0])
    blend(d, f"{o}_sh_elev", bump(s, 0.15, 0.85, 0.2), rng.uniform(40, 70))
    blend(d, f"{o}_sh_azim", bump(s, 0.15, 0.85, 0.2), 80)
    return "both"


def _sit_curves(s, rng, d):  # noqa: ANN001
    """Standing -> sitting over s in [0, 1]; returns support."""
    hip, knee = rng.uniform(80, 95), rng.uniform(82, 100)
    down = ramp(s, rng.uniform(0.05, 0.15), rng.uniform(0.6, 0.75))
    lean = bump(s, 0.05, 0.85, 0.3)
    for side in ("l", "r"):
        blend(d, f"{side}_hip_flex", down, hip)
        blend(d, f"{side}_knee", down, knee)
        blend(d, f"{side}_hip_abd", down, rng.uniform(5, 15))
        blend(d, f"{side}_sh_elev", down, rng.uniform(25, 40))
        blend(d, f"{side}_sh_azim", down, rng.uniform(75, 95))
        blend(d, f"{side}_elbow", down, rng.uniform(40, 70))
    d["trunk_flex"] = d["trunk_flex"] + lean * rng.uniform(20, 35) + down * rng.uniform(0, 8)
    return "both"


def sit_down(s, rng, d):  # noqa: ANN001
    return _sit_curves(s, rng, d)


def stand_up(s, rng, d):  # noqa: ANN001
    return _sit_curves(1.0 - s, rng, d)


def clapping(s, rng, d):  # noqa: ANN001
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.25))
    cycles = rng.integers(3, 7)
    clap = 0.5 * (1 + osc(ramp(s, 0.2, 0.85), cycles, -np.pi / 2))  # 0 apart .. 1 together
    el = rng.uniform(45, 65)
    for side in ("l", "r"):
        blend(d, f"{side}_sh_elev", w, el)
        blend(d, f"{side}_sh_azim", w, 70 + 30 * clap)
        blend(d, f"{side}_sh_twist", w, -35.0)
        blend(d, f"{side}_elbow", w, rng.uniform(75, 95) - 10 * clap)
    return "both"


def cheer_up(s, rng, d):  # noqa: ANN001
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.25))
    pump = osc(ramp(s, 0.2, 0.85), rng.integers(2, 5))
    az = rng.uniform(20, 60)
    for side in ("l", "r"):
        blend(d, f"{side}_sh_elev", w, rng.uniform(145, 158) + 12 * pump)
        blend(d, f"{side}_sh_azim", w, az)
        blend(d, f"{side}_elbow", w, rng.uniform(15, 35) + 15 * pump)
    d["trunk_flex"] = d["trunk_flex"] - w * rng.uniform(0, 8)
    d["neck_flex"] = d["neck_flex"] - w * rng.uniform(0, 15)
    return "both"


def hand_waving(s, rng, d):  # noqa: ANN001
    a, _ = _side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.25))
    wave = osc(ramp(s, 0.2, 0.85), rng.integers(3, 7))
    blend(d, f"{a}_sh_elev", w, rng.uniform(85, 115))
    blend(d, f"{a}_sh_azim", w, rng.uniform(10, 40))
    blend(d, f"{a}_sh_twist", w, rng.uniform(75, 95))
    blend(d, f"{a}_elbow", w, rng.uniform(70, 95) + rng.uniform(18, 30) * wave)
    return "both"


def kicking_something(s, rng, d):  # noqa: ANN001
    a, o = _side(rng)
    k = [0.0, rng.uniform(0.25, 0.35), rng.uniform(0.45, 0.52), 0.75, 1.0]
    d[f"{a}_hip_flex"] = keyframes(s, k, [d[f"{a}_hip_flex"][0], -rng.uniform(10, 20), rng.uniform(60, 85), 5, d[f"{a}_hip_flex"][0]])
    d[f"{a}_knee"] = keyframes(s, k, [d[f"{a}_knee"][0], rng.uniform(60, 85), rng.uniform(5, 15), 10, d[f"{a}_knee"][0]])
    d[f"{a}_ankle"] = keyframes(s, k, [0.0, -20.0, -rng.uniform(20, 40), -5, 0.0])
    d[f"{o}_knee"] = d[f"{o}_knee"] + bump(s, 0.2, 0.8, 0.2) * rng.uniform(5, 15)
    d["trunk_flex"] = d["trunk_flex"] - bump(s, 0.35, 0.7, 0.12) * rng.uniform(5, 15)
    blend(d, f"{o}_sh_elev", bump(s, 0.3, 0.75, 0.15), rng.uniform(30, 55))
    blend(d, f"{o}_sh_azim", bump(s, 0.3, 0.75, 0.15), 85)
    blend(d, f"{a}_sh_elev", bump(s, 0.3, 0.75, 0.15), rng.uniform(20, 40))
    blend(d, f"{a}_sh_azim", bump(s, 0.3, 0.75, 0.15), -10)
    return "left" if a == "r" else "right"


def jump_up(s, rng, d):  # noqa: ANN001
    c0, c1 = rng.uniform(0.1, 0.2), rng.uniform(0.33, 0.4)
    k = [0.0, c0, c1, c1 + 0.08, c1 + 0.3, c1 + 0.42, 1.0]
    hip, knee = rng.uniform(50, 65), rng.uniform(75, 90)
    for side in ("l", "r"):
        d[f"{side}_hip_flex"] = keyframes(s, k, [0, 10, hip, 0, 0.6 * hip, 0, 0]) + d[f"{side}_hip_flex"]
        d[f"{side}_knee"] = keyframes(s, k, [0, 15, knee, 0, 0.6 * knee, 0, 0]) + d[f"{side}_knee"]
        d[f"{side}_ankle"] = keyframes(s, k, [0, 5, 20, -30, 15, 0, 0])
        d[f"{side}_sh_elev"] = keyframes(s, k, [d[f"{side}_sh_elev"][0], 25, 45, rng.uniform(140, 165), 40, 15, d[f"{side}_sh_elev"][0]])
        d[f"{side}_sh_azim"] = keyframes(s, k, [d[f"{side}_sh_azim"][0], 0, -45, 70, 60, 40, d[f"{side}_sh_azim"][0]])
    d["trunk_flex"] = d["trunk_flex"] + keyframes(s, k, [0, 8, rng.uniform(25, 35), -5, 15, 0, 0])
    h = rng.uniform(0.08, 0.3)
    x = np.clip((s - (c1 + 0.06)) / 0.2, 0, 1)
    d["root_dy"] = d["root_dy"] + h * 4 * x * (1 - x)
    return "both"


def nod_head_bow(s, rng, d):  # noqa: ANN001
    bows = 1 if rng.random() < 0.75 else 2
    depth = rng.uniform(40, 70)
    w = np.zeros_like(s)
    for b in range(bows):
        a0 = b / bows
        w = np.maximum(w, bump(s, a0, a0 + 1.0 / bows, 0.45 / bows))
    d["trunk_flex"] = d["trunk_flex"] + w * depth
    d["neck_flex"] = d["neck_flex"] + w * rng.uniform(5, 25)
    hang = rng.uniform(0.6, 0.95)
    for side in ("l", "r"):
        d[f"{side}_sh_elev"] = d[f"{side}_sh_elev"] + w * depth * hang
        blend(d, f"{side}_sh_azim", w, 90)
    return "both"


def touch_head(s, rng, d):  # noqa: ANN001
    a, o = _side(rng)
    arms = (a, o) if rng.random() < 0.3 else (a,)
    w = bump(s, 0.0, 1.0, rng.uniform(0.2, 0.3))
    rub = osc(ramp(s, 0.3, 0.75), rng.integers(2, 5)) * bump(s, 0.25, 0.8, 0.1)
    for side in arms:
        blend(d, f"{side}_sh_elev", w, rng.uniform(128, 140))
        blend(d, f"{side}_sh_azim", w, rng.uniform(75, 95))
        blend(d, f"{side}_sh_twist", w, rng.uniform(-20, 0))
        blend(d, f"{side}_elbow", w, rng.uniform(128, 140) + 6 * rub)
        blend(d, f"{side}_wrist", w, rng.uniform(20, 40))
    d["neck_flex"] = d["neck_flex"] + w * rng.uniform(10, 25)
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(3, 12)
    return "both"


def punching_slapping(s, rng, d):  # noqa: ANN001
    a, o = _side(rng)
    sign = 1.0 if a == "l" else -1.0
    guard = bump(s, 0.0, 1.0, 0.15)
    n = int(rng.integers(1, 4))
    hits = np.zeros_like(s)
    for i in range(n):
        c = 0.25 + 0.5 * (i + 0.5) / n
        hits = np.maximum(hits, bump(s, c - 0.1 / n - 0.04, c + 0.1 / n + 0.04, 0.06 + 0.04 / n))
    for side in (a, o) if rng.random() < 0.5 else (a,):
        blend(d, f"{side}_sh_elev", guard, rng.uniform(40, 60))
        blend(d, f"{side}_sh_azim", guard, rng.uniform(80, 95))
        blend(d, f"{side}_elbow", guard, rng.uniform(100, 125))
    if rng.random() < 0.6:  # punch: straight extension forward
        d[f"{a}_sh_elev"] = d[f"{a}_sh_elev"] + hits * (rng.uniform(80, 95) - d[f"{a}_sh_elev"])
        d[f"{a}_elbow"] = d[f"{a}_elbow"] * (1 - hits) + hits * rng.uniform(3, 15)
    else:  # slap: a horizontal swing across the body
        d[f"{a}_sh_elev"] = d[f"{a}_sh_elev"] + hits * (rng.uniform(75, 90) - d[f"{a}_sh_elev"])
        d[f"{a}_sh_azim"] = d[f"{a}_sh_azim"] * (1 - hits) + hits * (130 * np.clip(2 * hits - 1, 0, 1) - 10 * (1 - np.clip(2 * hits - 1, 0, 1)))
        d[f"{a}_elbow"] = d[f"{a}_elbow"] * (1 - hits) + hits * rng.uniform(20, 40)
    d["trunk_twist"] = d["trunk_twist"] + sign * hits * rng.uniform(10, 25)
    d["trunk_flex"] = d["trunk_flex"] + hits * rng.uniform(0, 10)
    return "both"


@dataclass(frozen=True)
class Action:
    """One synthetic class: NTU action number (1-based), NTU class name, generator."""

    ntu_action: int
    name: str
    fn: Callable[[np.ndarray, np.random.Generator, dict[str, np.ndarray]], str]


#: The classes, in label order.
ACTIONS: tuple[Action, ...] = (
    Action(1, "drink water", drink_water),
    Action(7, "throw", throw),
    Action(8, "sitting down", sit_down),
    Action(9, "standing up (from sitting position)", stand_up),
    Action(10, "clapping", clapping),
    Action(22, "cheer up", cheer_up),
    Action(23, "hand waving", hand_waving),
    Action(24, "kicking something", kicking_something),
    Action(27, "jump up", jump_up),
    Action(35, "nod head/bow", nod_head_bow),
    Action(44, "touch head (headache)", touch_head),
    Action(50, "punching/slapping other person", punching_slapping),
)


def action_pose(action: Action, s: np.ndarray, rng: np.random.Generator) -> Pose:
    """Joint-angle trajectories for ``action`` over normalised times ``s`` ``(T,)``."""
    d = idle_pose(len(s), rng)
    support = action.fn(s, rng, d)
    return Pose(dofs=d, support=support)
