"""NTU-60 whole-body actions: sitting down, standing up, kicking, hopping, jumping up,
staggering and falling.

Sitting down and standing up share the chair posture of :func:`_chair` (hips back and down
over planted feet, the thighs level, the hands on the thighs or on armrests): sitting down
leans the trunk forward while the hips go back and down and ends seated upright; standing up
starts seated, first leans the trunk well forward, then rises with the hands pushing on the
thighs or armrests. Hopping (one foot, the other knee bent), jump up (both feet, arm swing)
and kicking (one leg swung forward from a planted foot) share a one-leg support or a flight
(``root_dy``) with flight times that follow the jump height. Staggering and falling move the
whole body (support ``"free"``): staggering places irregular steps in varying directions
with a leg inverse kinematics (:func:`_leg_ik`), the pelvis following the feet, the trunk
swaying and the arms out; falling buckles the knees and turns the body over
(``root_pitch`` / ``root_roll``) onto the floor, the hands reaching out to break the fall,
and ends lying or on all fours (not the idle posture).

Root translations are written in metres for a performer of :data:`_H_NOM`; a performer of
another stature moves his feet over the floor by a few centimetres.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.body import SEGMENT_FRACTIONS as SF
from pipeline.synth.kinematics import apply, rot_x, rot_z
from pipeline.synth.ntu60.base import JOINT_LIMITS_60, ClassSpec, blend, bump, keyframes, osc, ramp, side
from pipeline.synth.ntu60.gestures import action_seconds, orient_hand
from pipeline.synth.reach import set_reach

__all__ = ["CLASSES"]

#: Stature (metres) that root translations in metres are written for.
_H_NOM = 1.70
_LEG = SF["thigh"]  # thigh and shin, fractions of stature (equal)
_HIP = np.array([SF["hip_dx"], -SF["hip_dy"], 0.0])


def _ankle_key(d: dict[str, np.ndarray], sd: str, w: np.ndarray, target) -> None:  # noqa: ANN001
    """Ankle of leg ``sd``: the flat foot (``knee - hip_flex``) blended towards ``target``."""
    flat = d[f"{sd}_knee"] - d[f"{sd}_hip_flex"]
    d[f"{sd}_ankle"] = np.clip(flat + w * (target - flat), *JOINT_LIMITS_60["ankle"])


def _level(d: dict[str, np.ndarray], stance: str, other: str, w: np.ndarray) -> None:
    """On one supporting foot the other may reach lower in the idle posture (the legs' idle
    bends differ): lift the body by that much where ``w`` (the action) is 0, as on both feet."""
    dy = _idle_ankle(d, stance)[1] - _idle_ankle(d, other)[1]
    d["root_dy"] = d["root_dy"] + max(dy, 0.0) * _H_NOM * (1.0 - w)


def _arms(d: dict[str, np.ndarray], sd: str, w: np.ndarray, elev, azim, elbow) -> None:  # noqa: ANN001
    blend(d, f"{sd}_sh_elev", w, elev)
    blend(d, f"{sd}_sh_azim", w, azim)
    blend(d, f"{sd}_elbow", w, elbow)


# ----------------------------------------------------------------------------- chair
def _leg_point(hip_flex: np.ndarray, abd: np.ndarray, frac: float) -> np.ndarray:
    """``(T, 3)`` point at ``frac`` of the thigh from the hip, pelvis frame, the leg's own side +x."""
    r = rot_z(abd) @ rot_x(-hip_flex)
    return _HIP + apply(r, np.array([0.0, -frac * SF["thigh"], 0.0]))


def _to_trunk(p: np.ndarray, flex: np.ndarray) -> np.ndarray:
    """Pelvis-frame points ``(T, 3)`` -> the upper-trunk frame of :mod:`pipeline.synth.reach`
    for a trunk bent by ``flex`` (the lean and twist of the idle sway are ignored)."""
    mid = apply(rot_x(flex / 2), np.array([0.0, SF["spine_low"], 0.0]))
    top = mid + apply(rot_x(flex), np.array([0.0, SF["spine_up"], 0.0]))
    return np.einsum("tji,tj->ti", rot_x(flex), p - top)


def _chair(rng: np.random.Generator, d: dict[str, np.ndarray], down: np.ndarray, lean: np.ndarray,
           hands: np.ndarray) -> str:
    """Seat weight ``down`` (0 standing .. 1 seated), forward lean ``lean`` (0..1) and the hands'
    weight ``hands`` on the thighs or the armrests, in place."""
    hip, knee, seat = rng.uniform(80, 95), rng.uniform(80, 100), rng.uniform(-4, 8)
    h0, k0 = (0.5 * (d[f"l_{k}"][0] + d[f"r_{k}"][0]) for k in ("hip_flex", "knee"))
    h, k = np.deg2rad(h0 + down * (hip - h0)), np.deg2rad(k0 + down * (knee - k0))
    sag = np.stack([0 * h, -(np.cos(h) + np.cos(k - h)), np.sin(h) - np.sin(k - h)], -1) * _LEG
    h0, k0 = np.deg2rad(h0), np.deg2rad(k0)
    sag -= np.array([0.0, -(np.cos(h0) + np.cos(k0 - h0)), np.sin(h0) - np.sin(k0 - h0)]) * _LEG
    wk = ramp(down, 0.0, 0.15)
    for sd in "lr":  # each foot stays where it stood: the ankle, seen from the hip, moves forwards and up
        for key, v in zip(("hip_flex", "hip_abd", "knee"), _leg_ik(_idle_ankle(d, sd) + sag)):
            blend(d, f"{sd}_{key}", wk, v)
    d["trunk_flex"] = d["trunk_flex"] + lean * rng.uniform(25, 45) + down * seat
    d["neck_flex"] = d["neck_flex"] + lean * rng.uniform(0, 10)
    armrest = rng.random() < 0.35
    frac, sw = rng.uniform(0.55, 0.8), rng.uniform(15, 40)
    for sd in "lr":
        if armrest:  # the armrests: beside the hips, a hand's height above the seat
            rest = [rng.uniform(0.14, 0.17), rng.uniform(0.04, 0.08), rng.uniform(0.02, 0.1)]
            p = np.broadcast_to(np.array(rest), (len(down), 3))
        else:  # the thighs, a little above the knees
            p = _leg_point(d[f"{sd}_hip_flex"], d[f"{sd}_hip_abd"], frac) + np.array([0.0, 0.045, 0.0])
        set_reach(d, sd, _to_trunk(p, d["trunk_flex"]), hands, sw)
        orient_hand(d, sd, (0.0, -0.35, 1.0), (0.0, -1.0, 0.0), hands)  # fingers forward, palm down
    return "both"


def sitting_down(s, rng, d):  # noqa: ANN001
    a0, a1 = rng.uniform(0.08, 0.2), rng.uniform(0.6, 0.75)
    down = ramp(s, a0, a1)
    lean = bump(s, a0, min(a1 + rng.uniform(0.1, 0.2), 1.0), 0.5 * (a1 - a0))  # hips back, chest forward
    return _chair(rng, d, down, lean, ramp(s, a0 + 0.3 * (a1 - a0), min(a1 + 0.1, 1.0)))


def standing_up(s, rng, d):  # noqa: ANN001
    l0 = rng.uniform(0.02, 0.12)
    r0 = l0 + rng.uniform(0.15, 0.25)  # leaned forward, seated: the rise begins
    r1 = r0 + rng.uniform(0.3, 0.45)
    lean = ramp(s, l0, r0) * (1.0 - ramp(s, r0 + 0.3 * (r1 - r0), min(r1 + 0.1, 1.0)))
    hands = 1.0 - ramp(s, r0 + 0.3 * (r1 - r0), min(r1 + 0.15, 1.0))  # push off, then let go
    return _chair(rng, d, 1.0 - ramp(s, r0, r1), lean, hands)


# ----------------------------------------------------------------------------- legs
def kicking_something(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    t0, t1 = rng.uniform(0.05, 0.15), rng.uniform(0.8, 0.9)
    n = 2 if rng.random() < 0.25 and (t1 - t0) * action_seconds(s) > 2.4 else 1  # a kick takes >= 1.2 s
    hip, knee, ank = (np.zeros_like(s) for _ in range(3))
    span = (t1 - t0) / n
    for i in range(n):
        k = t0 + i * span + span * np.array([0.0, rng.uniform(0.22, 0.28), rng.uniform(0.5, 0.55), 0.74, 1.0])
        hip += keyframes(s, list(k), [0.0, -rng.uniform(5, 18), rng.uniform(50, 85), rng.uniform(15, 30), 0.0])
        back = rng.uniform(60, 95)  # the knee stays bent while the thigh swings through, then snaps straight
        kk = [k[0], k[1], k[1] + 0.6 * (k[2] - k[1]), k[2], k[3], k[4]]
        knee += keyframes(s, kk, [0.0, back, 0.8 * back, rng.uniform(5, 20), rng.uniform(35, 60), 0.0])
        ank += keyframes(s, kk, [0.0, -5.0, -10.0, -rng.uniform(20, 40), -10.0, 0.0])
    w = bump(s, t0, t0 + n * span, 0.1)
    d[f"{a}_hip_flex"] = d[f"{a}_hip_flex"] + hip
    d[f"{a}_knee"] = d[f"{a}_knee"] + knee
    d[f"{a}_hip_abd"] = d[f"{a}_hip_abd"] + w * rng.uniform(-3, 8)
    _level(d, o, a, w)
    bend = w * rng.uniform(5, 15)  # the standing knee gives a little (the kicking leg as much, not to scuff)
    d[f"{o}_knee"] = d[f"{o}_knee"] + bend
    d[f"{a}_knee"] = d[f"{a}_knee"] + bend + 10 * w
    d[f"{a}_hip_flex"] = d[f"{a}_hip_flex"] + 0.5 * bend + 5 * w
    flat = d[f"{a}_knee"] - d[f"{a}_hip_flex"]  # the foot flat, then pointed (toes down) relative to flat
    d[f"{a}_ankle"] = np.clip(flat + ank, *JOINT_LIMITS_60["ankle"])
    strike = np.clip(hip / 60.0, 0.0, 1.0)
    d["trunk_flex"] = d["trunk_flex"] - strike * rng.uniform(4, 14)
    _arms(d, o, w * (0.5 + 0.5 * strike), rng.uniform(30, 55), rng.uniform(70, 95), rng.uniform(30, 70))
    _arms(d, a, w, rng.uniform(20, 40), rng.uniform(-30, 10), rng.uniform(20, 50))
    return "left" if a == "r" else "right"


def hopping(s, rng, d):  # noqa: ANN001
    a, o = side(rng, 0.6)  # a: the hopping foot, o: the lifted one
    w = bump(s, 0.0, 1.0, rng.uniform(0.1, 0.16))
    _level(d, a, o, w)
    behind = rng.random() < 0.6  # the free foot held behind (knee bent back) or in front
    blend(d, f"{o}_hip_flex", w, rng.uniform(5, 25) if behind else rng.uniform(35, 60))
    blend(d, f"{o}_knee", w, rng.uniform(70, 100) if behind else rng.uniform(70, 95))
    _ankle_key(d, o, w, rng.uniform(-25, 0))
    a0, a1 = rng.uniform(0.14, 0.22), rng.uniform(0.8, 0.88)
    r = np.clip((s - a0) / (a1 - a0), 0.0, 1.0)
    n = max(3, int(round(action_seconds(s) * (a1 - a0) * rng.uniform(1.8, 2.6))))
    g = rng.uniform(0.4, 0.55)  # ground share of each hop
    frac = (n * r) % 1.0
    fly = np.where(r < 1.0, np.clip((frac - g) / (1.0 - g), 0.0, 1.0), 0.0)
    dip = np.where((frac < g) & (r > 0.0) & (r < 1.0), np.sin(np.pi * frac / g), 0.0)  # landing, push-off
    t_fly = (1.0 - g) * (a1 - a0) * action_seconds(s) / n
    d["root_dy"] = d["root_dy"] + np.clip(9.81 * t_fly ** 2 / 8.0, 0.03, 0.14) * 4 * fly * (1 - fly)
    d[f"{a}_knee"] = d[f"{a}_knee"] + dip * rng.uniform(15, 35)
    d[f"{a}_hip_flex"] = d[f"{a}_hip_flex"] + dip * rng.uniform(8, 20)
    _ankle_key(d, a, np.sin(np.pi * fly), -rng.uniform(15, 30))  # toes down in the air
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(3, 12) + dip * rng.uniform(0, 6)
    d["trunk_lat"] = d["trunk_lat"] + w * (1 if a == "l" else -1) * rng.uniform(2, 8)  # over the hopping foot
    for sd in "lr":
        _arms(d, sd, w, rng.uniform(20, 45) + 10 * np.sin(np.pi * fly), rng.uniform(0, 45), rng.uniform(30, 75))
    return "left" if a == "l" else "right"


def jump_up(s, rng, d):  # noqa: ANN001
    sec = action_seconds(s)
    n = 1 if rng.random() < 0.7 else 2
    height = rng.uniform(0.08, 0.3) / n ** 0.5
    # per jump: crouch, push, flight, absorb (the last jump also stands up again), seconds
    phases = [[rng.uniform(0.35, 0.55) if i == 0 else rng.uniform(0.2, 0.3), rng.uniform(0.2, 0.28), 0.0,
               rng.uniform(0.15, 0.25), rng.uniform(0.25, 0.4)] for i in range(n)]
    t = rng.uniform(0.08, 0.18)
    room = (0.95 - t) * sec
    rest = sum(sum(p) for p in phases) - sum(p[4] for p in phases[:-1])
    if 0.6 * rest + n * 0.2 > room and n == 2:  # no time for two: one jump
        n, phases = 1, phases[:1]
        rest = sum(phases[0])
    fly = min(2.0 * np.sqrt(2.0 * height / 9.81), max(0.15, (room - 0.6 * rest) / n))  # flight time, seconds
    height = 9.81 * fly ** 2 / 8.0
    squeeze = min(1.0, max(0.6, (room - n * fly) / rest))  # a short recording: all but the flight quicker
    for p in phases:
        p[2] = fly / squeeze
    crouch, plant, arms = np.zeros_like(s), np.zeros_like(s), np.zeros_like(s)  # arms: swing angle, degrees
    t0 = t
    for i, p in enumerate(phases):
        c = np.minimum(np.cumsum([t] + [v / sec * squeeze for v in p]), 0.99)
        k = list(c)
        crouch += keyframes(s, k, [0.0, 1.0, 0.0, 0.0, rng.uniform(0.4, 0.7), 0.0])
        plant += keyframes(s, k, [0.0, 0.0, 1.0, 0.6, 0.0, 0.0])
        back = c[0] + 0.5 * (c[1] - c[0])  # the arms furthest back half way down the crouch
        swing = [0.0, -rng.uniform(35, 55), rng.uniform(30, 60), rng.uniform(110, 160), rng.uniform(20, 40), 0.0]
        arms += keyframes(s, [c[0], back, c[2], c[2] + 0.7 * (c[3] - c[2]), c[4], c[5]], swing)
        x = np.clip((s - c[2]) / (c[3] - c[2]), 0.0, 1.0)
        d["root_dy"] = d["root_dy"] + height * 4 * x * (1 - x)
        t, t_end = c[4], min(c[5], 0.92)
    hip, knee = rng.uniform(55, 80), rng.uniform(70, 100)
    for sd in "lr":
        d[f"{sd}_hip_flex"] = d[f"{sd}_hip_flex"] + crouch * hip
        d[f"{sd}_knee"] = d[f"{sd}_knee"] + crouch * knee
        _ankle_key(d, sd, plant, -rng.uniform(25, 40))
        # the arms swing in the sagittal plane: back, down past the thighs, forwards and up
        wa = ramp(s, t0, t0 + 0.08) * (1.0 - ramp(s, t_end, t_end + 0.08))
        _arms(d, sd, wa, np.abs(arms), rng.uniform(70, 90) * np.tanh(arms / 12.0), rng.uniform(5, 25))
    d["trunk_flex"] = d["trunk_flex"] + crouch * rng.uniform(25, 40) - plant * rng.uniform(0, 6)
    d["neck_flex"] = d["neck_flex"] - crouch * rng.uniform(5, 20)  # eyes ahead while bent
    return "both"


# ----------------------------------------------------------------------------- whole body moves
def _leg_ik(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hip_flex, hip_abd, knee (degrees) that put the ankle at ``v`` ``(T, 3)`` from the hip
    (fractions of stature, the leg's own side +x)."""
    dist = np.clip(np.linalg.norm(v, axis=1), 0.2 * _LEG, 2 * _LEG * 0.9995)
    knee = 2 * np.arccos(dist / (2 * _LEG))
    u = v / np.linalg.norm(v, axis=1, keepdims=True)
    phi = np.arcsin(np.clip(u[:, 2], -1, 1))  # the hip-ankle line forwards
    abd = np.arctan2(u[:, 0], -u[:, 1])
    lim = JOINT_LIMITS_60
    return (np.clip(np.degrees(phi + knee / 2), *lim["hip_flex"]), np.clip(np.degrees(abd), *lim["hip_abd"]),
            np.clip(np.degrees(knee), *lim["knee"]))


def _idle_ankle(d: dict[str, np.ndarray], sd: str) -> np.ndarray:
    """Ankle ``(3,)`` from the hip at frame 0 (nominal proportions), the leg's own side +x."""
    hf, ab, kn = (d[f"{sd}_{k}"][:1] for k in ("hip_flex", "hip_abd", "knee"))
    r = rot_z(ab) @ rot_x(-hf)
    return (apply(r, np.array([0.0, -_LEG, 0.0])) + apply(r @ rot_x(kn), np.array([0.0, -_LEG, 0.0])))[0]


def staggering(s, rng, d):  # noqa: ANN001
    t = len(s)
    sign = {"l": 1.0, "r": -1.0}
    hip = {sd: _HIP * [sign[sd], 1, 1] for sd in "lr"}  # hip joints from the spine base, body frame
    feet0 = {sd: hip[sd] + _idle_ankle(d, sd) * [sign[sd], 1, 1] for sd in "lr"}
    feet = {sd: np.tile(feet0[sd], (t, 1)) for sd in "lr"}
    lift = {sd: np.zeros(t) for sd in "lr"}
    a0, a1 = rng.uniform(0.08, 0.16), rng.uniform(0.84, 0.92)
    n = int(np.clip(round((a1 - a0) * action_seconds(s) * rng.uniform(2.0, 3.0)), 5, 8))  # steps, the last closing
    beats = np.concatenate([[0.0], np.cumsum(rng.uniform(0.6, 1.4, n))])  # an irregular rhythm
    cuts = a0 + (a1 - a0) * beats / beats[-1]
    sd = "l" if rng.random() < 0.5 else "r"
    course = rng.uniform(-30, 30)
    veer = rng.choice([-1.0, 1.0], n) * rng.uniform(10, 45, n)  # each step off in its own direction
    veer[rng.integers(n - 1)] = -np.sign(veer[: n - 1].sum() or 1.0) * rng.uniform(20, 45)  # not all one way
    for k in range(n):
        other = "r" if sd == "l" else "l"
        base = feet[other][-1].copy()
        if k == n - 1:  # the closing step: back to the idle stance beside the other foot
            new = base + (feet0[sd] - feet0[other])
        else:
            h = np.deg2rad(course + veer[k])
            width = sign[sd] * rng.uniform(0.01, 0.16)  # sometimes crossing over, sometimes wide
            step = rng.uniform(0.06, 0.18) if rng.random() < 0.8 else -rng.uniform(0.04, 0.1)
            new = base + np.array([width * np.cos(h) + step * np.sin(h), 0.0, -width * np.sin(h) + step * np.cos(h)])
            new[1] = base[1]
        u = ramp(s, cuts[k], cuts[k] + 0.85 * (cuts[k + 1] - cuts[k]))
        start = feet[sd][-1].copy()
        moving = (s >= cuts[k])[:, None]
        feet[sd] = np.where(moving, start + u[:, None] * (new - start), feet[sd])
        lift[sd] = lift[sd] + np.sin(np.pi * u) * rng.uniform(0.025, 0.05)
        sd = other
    w = bump(s, 0.0, 1.0, rng.uniform(0.06, 0.1))
    pelvis = 0.5 * (feet["l"] + feet["r"]) - 0.5 * (feet0["l"] + feet0["r"])  # the pelvis over the feet
    sec = action_seconds(s)
    pelvis[:, 0] += w * rng.uniform(0.005, 0.02) * osc(s, sec * rng.uniform(0.8, 1.5), rng.uniform(0, 6.3))
    drop = w * rng.uniform(0.01, 0.035)  # knees a little bent
    flat = {sd: np.sum((feet[sd] - hip[sd] - pelvis)[:, [0, 2]] ** 2, axis=1) for sd in "lr"}  # hip-ankle, floor plane
    reach = [np.sqrt(np.maximum((2 * _LEG * 0.995) ** 2 - flat[sd], 0)) + lift[sd] + feet[sd][:, 1] - hip[sd][1]
             for sd in "lr"]
    pelvis[:, 1] = np.minimum(-drop, np.minimum(*reach))  # the hips low enough for both feet
    for sd in "lr":
        v = feet[sd] + np.array([0.0, 1.0, 0.0]) * lift[sd][:, None] - hip[sd] - pelvis
        hf, ab, kn = _leg_ik(v * [sign[sd], 1, 1])
        blend(d, f"{sd}_hip_flex", w, hf)
        blend(d, f"{sd}_hip_abd", w, ab)
        blend(d, f"{sd}_knee", w, kn)
    d["root_dx"] = pelvis[:, 0] * _H_NOM
    d["root_dz"] = pelvis[:, 2] * _H_NOM
    wobble = lambda lo, hi: osc(s, sec * rng.uniform(lo, hi), rng.uniform(0, 2 * np.pi))  # noqa: E731 - Hz
    sway = wobble(0.5, 1.0) + 0.5 * wobble(1.0, 1.8)
    d["trunk_lat"] = d["trunk_lat"] + w * sway * rng.uniform(5, 12)
    d["trunk_flex"] = d["trunk_flex"] + w * (rng.uniform(3, 15) + 4 * wobble(0.4, 1.0))
    d["neck_lat"] = w * sway * rng.uniform(-8, 8)
    for sd in "lr":  # arms out for balance, flailing a little
        _arms(d, sd, w, rng.uniform(30, 70) + 12 * wobble(0.7, 1.6), rng.uniform(-10, 35), rng.uniform(15, 50))
    return "free"


def falling(s, rng, d):  # noqa: ANN001
    sec = action_seconds(s)
    t0, steps = rng.uniform(0.05, 0.15), rng.uniform(0.25, 0.45, 4) / sec  # balance lost; buckled, down, lying, settled
    k = list(np.cumsum([t0] + list(steps * min(1.0, (0.96 - t0) / steps.sum()))))
    wob = bump(s, k[0], k[2], 0.5 * (k[1] - k[0]))  # balance lost: the trunk wobbles, the arms go out
    d["trunk_lat"] = d["trunk_lat"] + wob * rng.uniform(4, 10) * osc(s, sec * rng.uniform(1.0, 2.0), rng.uniform(0, 6))
    end = ("prone" if rng.random() < 0.5 else "fours") if rng.random() < 0.7 else "side"
    h1, n1 = rng.uniform(30, 50), rng.uniform(50, 80)  # knees buckling
    if end == "side":  # buckle, then down onto one side
        roll = rng.uniform(80, 92) * (1 if rng.random() < 0.5 else -1)
        pitch = [0, rng.uniform(5, 15), rng.uniform(10, 25), rng.uniform(-5, 5), rng.uniform(-5, 5)]
        hip = [0, h1, rng.uniform(40, 60), rng.uniform(30, 60), rng.uniform(25, 55)]
        knee = [0, n1, rng.uniform(70, 100), rng.uniform(40, 80), rng.uniform(30, 70)]
        rolls = [0, 0, 0.3 * roll, roll, roll]
    else:  # onto the knees, forwards onto the hands, then (prone) the legs stretch out
        p2, p3 = rng.uniform(15, 35), rng.uniform(72, 82)  # kneeling; on the knees and hands (thighs upright)
        pitch = [0, rng.uniform(5, 15), p2, p3, rng.uniform(86, 92) if end == "prone" else p3]
        hip = [0, h1, p2 + rng.uniform(-5, 10), p3 + rng.uniform(-5, 5), rng.uniform(-12, -2) if end == "prone" else p3]
        knee = [0, n1, rng.uniform(90, 115), rng.uniform(88, 100), rng.uniform(0, 20) if end == "prone" else 95]
        rolls = [0, 0, 0, 0, 0]
    d["root_pitch"] = keyframes(s, k, pitch)
    d["root_roll"] = keyframes(s, k, rolls)
    low = "l" if rolls[-1] > 0 else "r"
    for sd in "lr":
        d[f"{sd}_hip_flex"] = d[f"{sd}_hip_flex"] + keyframes(s, k, hip) * rng.uniform(0.9, 1.0)
        d[f"{sd}_knee"] = d[f"{sd}_knee"] + keyframes(s, k, knee) * rng.uniform(0.9, 1.0)
        _ankle_key(d, sd, ramp(s, k[1], k[2]), rng.uniform(-45, -30))  # the feet stretched back, off the toes
        if end == "side":  # the lower leg in line with the body, the upper one resting on it
            blend(d, f"{sd}_hip_abd", ramp(s, k[2], k[3]), rng.uniform(-12, -4) if sd == low else rng.uniform(0, 8))
    if end == "fours":  # the back rounded, the shoulders down over the hands
        d["trunk_flex"] = d["trunk_flex"] + ramp(s, k[2], k[3]) * rng.uniform(10, 25)
    d["neck_flex"] = d["neck_flex"] - ramp(s, k[2], k[4]) * rng.uniform(10, 35) * (end != "side")  # face up
    reach = ramp(s, k[0], k[2])  # the hands out in front, towards the floor, to break the fall
    tilt = np.maximum(d["root_pitch"], np.abs(d["root_roll"]))
    lie = ramp(s, k[3], k[4]) if end == "prone" else np.zeros_like(s)
    lie_side = ramp(s, k[3], k[4])
    if end == "fours":  # arms as steep as needed for the hands to meet the floor at the knees' level
        th = np.deg2rad(d["root_pitch"][-1])
        fl = np.deg2rad(d["trunk_flex"][-1])
        hf = np.deg2rad(0.5 * (d["l_hip_flex"][-1] + d["r_hip_flex"][-1]))
        knee_y = (_HIP[1] - _LEG * np.cos(hf)) * np.cos(th) - _LEG * np.sin(hf) * np.sin(th)
        top = SF["spine_low"] * np.cos(fl / 2 + th) + (SF["spine_up"] - SF["shoulder_dy"]) * np.cos(fl + th)
        reach_len = SF["upper_arm"] + SF["forearm"] + SF["hand"]
        down_angle = np.degrees(np.arccos(np.clip((top - knee_y) / reach_len, 0.0, 1.0)))
        arm_end = d["root_pitch"][-1] + d["trunk_flex"][-1] + down_angle
    for sd in "lr":
        ahead = rng.uniform(35, 60)  # the arms ahead of the falling trunk; on all fours down to the floor
        if end == "fours":
            ahead = ahead + ramp(s, k[2], k[3]) * (arm_end - tilt[-1] - ahead)
        elev = np.clip(tilt + ahead, 0, 160)
        azim = rng.uniform(20, 50) if (end == "side" and sd == low) else rng.uniform(75, 95)
        _arms(d, sd, reach, elev, azim, rng.uniform(5, 20))
        if end == "side":  # lying on one side, both arms in front of the chest, the upper one bent over
            up_arm = sd != low
            _arms(d, sd, lie_side, rng.uniform(40, 90) if up_arm else rng.uniform(75, 110),
                  rng.uniform(70, 95), rng.uniform(30, 80) if up_arm else rng.uniform(5, 40))
        _arms(d, sd, lie, rng.uniform(120, 160), rng.uniform(-15, 0), rng.uniform(0, 15))  # on the floor by the head
        if end == "fours":  # the palms flat on the floor, the fingers ahead
            orient_hand(d, sd, (0.0, 1.0, 0.3), (0.0, 0.0, 1.0), ramp(s, k[2], k[3]))
    # the feet (later the knees) stay where they were: move the root against the turned legs
    rot = rot_x(d["root_pitch"]) @ rot_z(-d["root_roll"])
    anchor = np.zeros((len(s), 3))
    kneel = ramp(s, k[1], k[2]) * (end != "side") * 0.6
    for sd, sg in (("l", 1.0), ("r", -1.0)):
        r = rot_z(d[f"{sd}_hip_abd"]) @ rot_x(-d[f"{sd}_hip_flex"])
        knee_p = _HIP + apply(r, np.array([0.0, -_LEG, 0.0]))
        ankle_p = knee_p + apply(r @ rot_x(d[f"{sd}_knee"]), np.array([0.0, -_LEG, 0.0]))
        anchor += 0.5 * apply(rot, (ankle_p + kneel[:, None] * (knee_p - ankle_p)) * [sg, 1, 1])
    d["root_dx"] = (anchor[0, 0] - anchor[:, 0]) * _H_NOM
    d["root_dz"] = (anchor[0, 2] - anchor[:, 2]) * _H_NOM
    return "free"


_CHAIR, _LEGS, _BAL = "sit/stand", "legs", "balance"
CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(8, "sitting down", sitting_down, 85, group=_CHAIR,
              difference="standing -> seated: hips back and down, the trunk leaning forward, hands onto the thighs"),
    ClassSpec(9, "standing up (from sitting position)", standing_up, 80, group=_CHAIR,
              difference="seated -> standing: the trunk leans forward first, then hips and knees extend, hands push"),
    ClassSpec(24, "kicking something", kicking_something, 75, group="kicks",
              difference="one foot planted, the other leg swung back, then forward with the knee snapping straight"),
    ClassSpec(26, "hopping (one foot jumping)", hopping, 85, group=_LEGS,
              difference="repeated small flights on one foot, the other knee bent and held off the floor"),
    ClassSpec(27, "jump up", jump_up, 70, group=_LEGS,
              difference="both feet: crouch with the arms back, take off with the arms up, land and absorb"),
    ClassSpec(42, "staggering", staggering, 95, group=_BAL,
              difference="irregular steps in varying directions, trunk swaying, arms out; ends standing"),
    ClassSpec(43, "falling", falling, 90, group=_BAL,
              difference="knees buckle, the body turns over onto the floor with the hands reaching out; ends lying"),
)
