"""Object handling, hands at work and arm gestures of the NTU-60-like world.

Thirteen classes in four fine-grained groups:

* pick up / drop / throw (A005-A007): an object held in front is let go (grip 1 -> 0, the
  head follows it down), picked up from the floor (knees and trunk bent), or thrown
  (overhead wind-up, fast forward release);
* hands at work (A011-A013, A029, A030): both hands raised in front of the trunk, the
  shared sub-motion :func:`_front`; the classes differ where NTU's do, at finger level:
  hand height and spacing by a few centimetres, forearm rotation, grip, small wrist rhythms
  and the head's motion;
* phone and arm gestures (A028, A031-A033): one arm to the ear, forward-up in front of the
  face, straight forward at shoulder height, or the forearm across the chest;
* pocket (A025): the hand digs into a front or side trouser pocket and pulls something out.

Wrist targets are upper-trunk landmarks of :mod:`pipeline.synth.reach` (fractions of
stature, the acting arm's own convention: +x is that arm's side, so a negative x crosses
the midline).
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.ntu60.base import ClassSpec, blend, bump, keyframes, limit_dofs, osc, ramp, side
from pipeline.synth.reach import landmark, reach_landmark, set_reach

__all__ = ["CLASSES"]

_CHEST = landmark("chest_front")  # (0, -0.10, 0.22) H: in front of the chest


# ----------------------------------------------------------------------------- helpers
def _dof(d, key):  # noqa: ANN001, ANN202
    """``d[key]``, created at 0 (the neutral value of every optional DOF) when absent."""
    if key not in d:
        d[key] = np.zeros_like(d["trunk_flex"])
    return d[key]


def _mix(d, key, w, target) -> None:  # noqa: ANN001
    _dof(d, key)
    blend(d, key, w, target)


def _add(d, key, v) -> None:  # noqa: ANN001
    d[key] = _dof(d, key) + v


def _done(d, support: str = "both") -> str:  # noqa: ANN001
    """:func:`~pipeline.synth.ntu60.base.limit_dofs` on ``d``; returns the support."""
    limit_dofs(d)
    return support


def _sign(a: str) -> float:
    """+1 for the left side (x and turns to the left are positive), -1 for the right."""
    return 1.0 if a == "l" else -1.0


def _pulses(s, rng, n, a, b, width):  # noqa: ANN001, ANN202
    """``n`` short smooth pulses (0..1, half-width ``width``) at random times in [a, b]."""
    out = np.zeros_like(s)
    for c in np.sort(rng.uniform(a, b, int(n))):
        out = np.maximum(out, bump(s, c - width, c + width, width))
    return out


def _look(d, w, flex=0.0, twist=0.0, roll=0.0) -> None:  # noqa: ANN001
    """Head motion added to the idle head: nod down +, turn left +, roll to the left +."""
    d["neck_flex"] = d["neck_flex"] + w * flex
    d["neck_twist"] = d["neck_twist"] + w * twist
    if np.any(roll):
        _add(d, "neck_lat", w * roll)


def _front(d, sd, w, x, y, z, swivel=25.0) -> None:  # noqa: ANN001
    """Shared sub-motion: the wrist of arm ``sd`` to ``_CHEST + (x, y, z)`` (fractions of H,
    each scalar or ``(T,)``), blended in with weight ``w``."""
    t = len(w)
    off = np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64), (t,)) for v in (x, y, z)], -1)
    set_reach(d, sd, _CHEST + off, w, swivel)


def _path(s, k, pts):  # noqa: ANN001, ANN202
    """A wrist target ``(T, 3)`` through the points ``pts`` (each ``(3,)``) at times ``k``."""
    pts = np.asarray(pts, dtype=np.float64)
    return np.stack([keyframes(s, list(k), list(pts[:, i])) for i in range(3)], -1)


def _hand(d, sd, w, rot=None, grip=None, wrist=None, dev=None) -> None:  # noqa: ANN001
    """Blend the hand DOFs of arm ``sd`` (forearm rotation, grip, wrist flexion, deviation)."""
    for key, v in (("forearm_rot", rot), ("grip", grip), ("wrist", wrist), ("wrist_dev", dev)):
        if v is not None:
            _mix(d, f"{sd}_{key}", w, v)


# ----------------------------------------------------------------------------- pick up / drop / throw
def drop(s, rng, d):  # noqa: ANN001
    """An object held in front (one hand, or a box in both) is let go: the hand opens fast
    (grip 1 -> 0, the fingers spread) and the head follows the object down."""
    a, o = side(rng)
    both = rng.random() < 0.25  # a box in both hands
    w = bump(s, 0.0, 1.0, rng.uniform(0.22, 0.3))
    rel = rng.uniform(0.45, 0.58)
    let_go = ramp(s, rel, rel + rng.uniform(0.025, 0.05))
    y, z = rng.uniform(-0.16, 0.0), rng.uniform(-0.06, 0.0)
    palm_down = rng.random() < 0.65
    for sd in (a, o) if both else (a,):
        x = rng.uniform(0.05, 0.09) if both else rng.uniform(0.03, 0.09)
        _front(d, sd, w, x, y + 0.01 * let_go, z, rng.uniform(15, 35))
        _hand(d, sd, w, rot=rng.uniform(-80, -55) if palm_down and not both else rng.uniform(-15, 15),
              grip=rng.uniform(0.75, 1.0) * (1.0 - let_go), wrist=rng.uniform(-5, 10) + 12 * let_go)
    fall = bump(s, rel, 0.97, 0.1)
    _look(d, bump(s, 0.05, 0.95, 0.2), rng.uniform(5, 15))
    _look(d, fall, rng.uniform(15, 30), roll=rng.uniform(-5, 5))
    d["trunk_flex"] = d["trunk_flex"] + fall * rng.uniform(0, 8)
    return _done(d)


def pickup(s, rng, d):  # noqa: ANN001
    """Hip hinge (pelvis pitch), knees and trunk bend, the acting hand reaches straight down to
    the floor in front, closes there, and carries the object up to the waist."""
    a, o = side(rng)
    bot = rng.uniform(0.4, 0.5)
    k = [0.0, bot - rng.uniform(0.1, 0.16), bot, bot + rng.uniform(0.18, 0.24), 1.0]
    low = keyframes(s, k, [0.0, 0.85, 1.0, 0.0, 0.0])
    pitch, thigh, trunk = rng.uniform(38, 48), rng.uniform(45, 58), rng.uniform(48, 60)
    knee = thigh + rng.uniform(8, 18)
    _add(d, "root_pitch", low * pitch)
    for sd in ("l", "r"):
        hf0, kn0 = d[f"{sd}_hip_flex"], d[f"{sd}_knee"]
        d[f"{sd}_hip_flex"] = hf0 + low * (thigh + pitch)
        d[f"{sd}_knee"] = kn0 + low * knee
        # the knees spread so that the feet keep their width: abduction scaled by the legs'
        # shortening (thigh and shin are equally long)
        c0 = np.cos(np.radians(hf0)) + np.cos(np.radians(kn0 - hf0))
        c = np.cos(np.radians(d[f"{sd}_hip_flex"])) + np.cos(np.radians(d[f"{sd}_knee"] - d[f"{sd}_hip_flex"]))
        d[f"{sd}_hip_abd"] = np.degrees(np.arcsin(np.clip(np.sin(np.radians(d[f"{sd}_hip_abd"])) * c0 / c, 0, 0.7)))
        d[f"{sd}_ankle"] = d[f"{sd}_knee"] - d[f"{sd}_hip_flex"] + d["root_pitch"]  # feet flat
    d["trunk_flex"] = d["trunk_flex"] + low * trunk
    incl = d["trunk_flex"] + d["root_pitch"]  # the upper trunk's forward tilt in the world
    reach_w = keyframes(s, k, [0.0, 0.9, 1.0, 0.0, 0.0])
    blend(d, f"{a}_sh_elev", reach_w, incl + rng.uniform(0, 8))
    blend(d, f"{a}_sh_azim", reach_w, rng.uniform(80, 100))
    blend(d, f"{a}_sh_twist", reach_w, rng.uniform(-20, 0))
    blend(d, f"{a}_elbow", reach_w, rng.uniform(0, 12))
    _mix(d, f"{a}_clav_prot", reach_w, rng.uniform(10, 25))
    carry = bump(s, k[2] + 0.04, 0.98, 0.14) * (1 - reach_w)
    _front(d, a, carry, rng.uniform(0.03, 0.07), rng.uniform(-0.16, -0.08), rng.uniform(-0.08, -0.03), 25.0)
    _hand(d, a, bump(s, bot - 0.03, 0.95, 0.05), grip=rng.uniform(0.7, 1.0), rot=rng.uniform(-60, -20))
    knee_rest = rng.random() < 0.5  # the other hand rests on the knee, or hangs
    blend(d, f"{o}_sh_elev", low, incl * (rng.uniform(0.55, 0.7) if knee_rest else rng.uniform(0.85, 1.0)))
    blend(d, f"{o}_sh_azim", low, rng.uniform(70, 90))
    blend(d, f"{o}_elbow", low, rng.uniform(10, 30))
    _look(d, bump(s, 0.05, k[3], 0.15), rng.uniform(10, 25))
    return _done(d)


def throw(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    sg = _sign(a)
    back = rng.uniform(0.38, 0.48)
    fwd = back + rng.uniform(0.08, 0.12)  # the fast forward phase
    k = [0.0, rng.uniform(0.14, 0.22), back, fwd, fwd + rng.uniform(0.12, 0.18), 1.0]
    i = {n: d[f"{a}_{n}"][0] for n in ("sh_elev", "sh_azim", "sh_twist", "elbow")}
    top, rel_el = rng.uniform(145, 165), rng.uniform(80, 105)
    d[f"{a}_sh_elev"] = keyframes(s, k, [i["sh_elev"], 80, top, rel_el, 50, i["sh_elev"]])
    d[f"{a}_sh_azim"] = keyframes(s, k, [i["sh_azim"], 0, rng.uniform(-5, 25), rng.uniform(80, 95), 115, i["sh_azim"]])
    kf = k[:3] + [back + rng.uniform(0.35, 0.5) * (fwd - back)] + k[3:]  # the forearm lags, then whips
    lay = rng.uniform(100, 135)
    d[f"{a}_sh_twist"] = keyframes(s, kf, [i["sh_twist"], 60, lay, lay, 5, -15, i["sh_twist"]])
    d[f"{a}_elbow"] = keyframes(s, kf, [i["elbow"], 70, rng.uniform(95, 125), 100, rng.uniform(5, 20), 30, i["elbow"]])
    rel = fwd - 0.02
    _hand(d, a, bump(s, 0.0, 1.0, 0.12), grip=rng.uniform(0.7, 1.0) * (1 - ramp(s, rel, rel + 0.03)))
    _hand(d, a, bump(s, k[1], fwd + 0.1, 0.1), wrist=keyframes(s, k[1:4], [0.0, -rng.uniform(20, 40), 25]))
    tw, lean = rng.uniform(15, 30), rng.uniform(8, 18)
    # the throwing shoulder turns back for the wind-up (a left turn + takes the left one back)
    d["trunk_twist"] = d["trunk_twist"] + sg * keyframes(s, k, [0, 0.4 * tw, tw, -tw, -0.5 * tw, 0])
    d["trunk_flex"] = d["trunk_flex"] + keyframes(s, k, [0, -2, -0.5 * lean, lean, 0.7 * lean, 0])
    wo = bump(s, k[1], k[4] + 0.08, 0.15)  # the other arm leads forward for balance
    blend(d, f"{o}_sh_elev", wo, rng.uniform(40, 75))
    blend(d, f"{o}_sh_azim", wo, rng.uniform(70, 95))
    blend(d, f"{o}_elbow", wo, rng.uniform(20, 60))
    _look(d, bump(s, k[1], k[4] + 0.1, 0.15), -rng.uniform(0, 10))
    return _done(d)


# ----------------------------------------------------------------------------- hands at work
def reading(s, rng, d):  # noqa: ANN001
    """Both hands hold a book in front of the chest, still; the head is down and scans the
    lines; now and then the acting hand crosses over to turn a page."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    y, z, half = rng.uniform(-0.06, 0.01), rng.uniform(-0.04, 0.02), rng.uniform(0.045, 0.075)
    n_turn = rng.choice([0, 1, 1, 2])
    turn = _pulses(s, rng, n_turn, 0.35, 0.7, rng.uniform(0.05, 0.07)) if n_turn else np.zeros_like(s)
    bob = 0.004 * osc(s, rng.uniform(1.5, 3), rng.uniform(0, 6.3))
    for sd in (a, o):
        cross = turn if sd == a else 0.0
        x = half - cross * (half + rng.uniform(0.01, 0.04))
        _front(d, sd, w, x, y + bob + 0.02 * cross, z + 0.015 * cross, rng.uniform(15, 35))
        _hand(d, sd, w, rot=rng.uniform(35, 65) - 70 * cross, grip=rng.uniform(0.3, 0.5) + 0.2 * cross,
              wrist=rng.uniform(-15, 5))
    act = bump(s, 0.2, 0.85, 0.1)
    _look(d, w, rng.uniform(22, 40), roll=rng.uniform(-4, 4))
    _look(d, act, twist=rng.uniform(2, 5) * osc(s, rng.uniform(2, 4), rng.uniform(0, 6.3)))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 8)
    return _done(d)


def writing(s, rng, d):  # noqa: ANN001
    """The other hand holds a notepad at waist/chest height; the writing hand, close beside
    it, scribbles (fast small wrist flexion/deviation, grip ~0.7) along lines; head down."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    y, z = rng.uniform(-0.1, -0.02), rng.uniform(-0.05, 0.0)
    _front(d, o, w, rng.uniform(0.02, 0.05), y, z, 20.0)
    _hand(d, o, w, rot=rng.uniform(-20, 25), grip=rng.uniform(0.3, 0.5), wrist=rng.uniform(-10, 10))
    act = bump(s, 0.22, 0.82, 0.06)
    lines = rng.integers(2, 5)
    p = np.clip((s - 0.22) / 0.6, 0, 1) * lines % 1.0
    saw = np.where(p < 0.85, p / 0.85, (1.0 - p) / 0.15)  # along a line, quick return
    cyc = rng.uniform(9, 14)
    ph = rng.uniform(0, 6.3)
    x = rng.uniform(-0.03, 0.0) + act * (rng.uniform(0.03, 0.05) * saw)
    _front(d, a, w, x, y + 0.015 + 0.004 * act * osc(s, cyc * 0.5, ph), z + 0.01, 25.0)
    _hand(d, a, w, rot=rng.uniform(-70, -40), grip=rng.uniform(0.65, 0.75), wrist=rng.uniform(0, 15),
          dev=rng.uniform(-5, 5))
    d[f"{a}_wrist"] = d[f"{a}_wrist"] + act * rng.uniform(4, 8) * osc(s, cyc, ph)
    d[f"{a}_wrist_dev"] = d[f"{a}_wrist_dev"] + act * rng.uniform(5, 10) * osc(s, cyc * 1.4, ph + 1.0)
    _add(d, f"{a}_grip", act * 0.05 * osc(s, cyc * 0.7))
    _look(d, w, rng.uniform(30, 45), twist=-_sign(a) * rng.uniform(0, 8))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(3, 12)
    return _done(d)


def tear_up_paper(s, rng, d):  # noqa: ANN001
    """Both hands pinch a sheet together in front, then tear it: opposite forearm rotations
    and the hands pulled apart, 2-3 times (the pieces are stacked again in between)."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.22))
    y, z, half = rng.uniform(-0.04, 0.04), rng.uniform(-0.05, 0.0), rng.uniform(0.008, 0.02)
    n = rng.integers(2, 4)
    span = 0.62 / n
    twist = np.zeros_like(s)
    apart = np.zeros_like(s)
    for i in range(n):
        c = 0.22 + span * (i + 0.5)
        twist = np.maximum(twist, bump(s, c - 0.35 * span, c + 0.3 * span, 0.15 * span))
        apart = np.maximum(apart, bump(s, c - 0.15 * span, c + 0.45 * span, 0.2 * span))
    dx, dz, rot = rng.uniform(0.04, 0.075), rng.uniform(0.01, 0.03), rng.uniform(25, 45)
    for sd, sgn in ((a, 1.0), (o, -1.0)):
        _front(d, sd, w, half + dx * apart, y - 0.01 * apart, z + sgn * dz * twist, 25.0)
        _hand(d, sd, w, rot=rng.uniform(-10, 10) + sgn * rot * twist, grip=rng.uniform(0.75, 0.9) - 0.3 * apart,
              wrist=rng.uniform(-5, 10) + sgn * 15 * twist)
    _look(d, w, rng.uniform(15, 30))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 6)
    return _done(d)


def playing_with_phone(s, rng, d):  # noqa: ANN001
    """Both hands close together in front of the chest hold a phone (or, wider, a tablet);
    the thumbs tap (small irregular grip and wrist twitches); head down and still."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    tablet = rng.random() < 0.3
    half = rng.uniform(0.035, 0.055) if tablet else rng.uniform(0.01, 0.028)
    y, z = rng.uniform(-0.07, 0.0), rng.uniform(-0.06, -0.01)
    for sd in (a, o):
        taps = _pulses(s, rng, rng.integers(4, 10), 0.25, 0.8, rng.uniform(0.012, 0.025))
        _front(d, sd, w, half, y, z, rng.uniform(10, 25))
        _hand(d, sd, w, rot=rng.uniform(30, 60), grip=rng.uniform(0.3, 0.45), wrist=rng.uniform(-20, -5))
        _add(d, f"{sd}_grip", taps * rng.uniform(0.1, 0.2))
        d[f"{sd}_wrist"] = d[f"{sd}_wrist"] + taps * rng.uniform(3, 6)
    _look(d, w, rng.uniform(30, 48), roll=rng.uniform(-5, 5))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 8)
    return _done(d)


def typing(s, rng, d):  # noqa: ANN001
    """Both hands lower and apart at waist height over a keyboard, palms down (pronated),
    fingers tapping in alternation (small wrist and grip pulses); head down."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    y, z, half = rng.uniform(-0.13, -0.09), rng.uniform(-0.08, -0.03), rng.uniform(0.05, 0.08)
    for sd in (a, o):
        taps = _pulses(s, rng, rng.integers(8, 16), 0.22, 0.82, rng.uniform(0.01, 0.018))
        shift = 0.01 * osc(s, rng.uniform(1, 2), rng.uniform(0, 6.3)) * bump(s, 0.2, 0.85, 0.1)
        _front(d, sd, w, half + shift, y, z, rng.uniform(25, 45))
        _hand(d, sd, w, rot=rng.uniform(-88, -70), grip=rng.uniform(0.25, 0.4), wrist=rng.uniform(-15, 0))
        d[f"{sd}_wrist"] = d[f"{sd}_wrist"] + taps * rng.uniform(5, 9)
        _add(d, f"{sd}_grip", taps * rng.uniform(0.08, 0.15))
    _look(d, w, rng.uniform(20, 35))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(4, 14)
    return _done(d)


# ----------------------------------------------------------------------------- pocket
def reach_into_pocket(s, rng, d):  # noqa: ANN001
    """The hand goes down to the front or side trouser pocket, digs in (the wrist sinks and
    wiggles, the hand closes), pulls something out and looks at it in front of the waist."""
    a, o = side(rng)
    sg = _sign(a)
    name = "front_pocket" if rng.random() < 0.6 else "hip_pocket"
    t_at, t_up, t_out = rng.uniform(0.2, 0.28), rng.uniform(0.5, 0.58), rng.uniform(0.66, 0.72)
    k = [0.0, t_at, t_at + 0.08, t_up - 0.06, t_up, t_out, 0.86, 1.0]
    pocket = landmark(name)
    rest, above, deep = landmark("hip_pocket", (0.0, -0.01, 0.02)), pocket + (0, 0.065, 0), pocket + (0, 0.008, 0)
    front = landmark("waist_front", (rng.uniform(0.02, 0.06), rng.uniform(0.05, 0.1), rng.uniform(0.0, 0.04)))
    tgt = _path(s, k, [rest, above, deep, deep, above, front, front, rest])
    tgt[:, 0] += 0.008 * osc(s, rng.uniform(5, 9)) * bump(s, k[2], k[3], 0.04)  # digging
    sw = 40.0 if name == "front_pocket" else 60.0
    set_reach(d, a, tgt, bump(s, 0.0, 1.0, 0.08), keyframes(s, k, [30, sw, sw, sw, sw, 25, 25, 30]))
    out = keyframes(s, k, [0, 0, 0, 0, 0, 1, 1, 0])
    w = bump(s, 0.0, 1.0, 0.15)
    _hand(d, a, w, rot=rng.uniform(-30, 0) + 20 * out, grip=rng.uniform(0.5, 0.8) * ramp(s, k[3] - 0.06, k[3]),
          wrist=rng.uniform(0, 15) * (1 - out))
    _hand(d, a, ramp(s, k[6] - 0.04, k[7]), grip=0.0)
    dig = bump(s, k[1] - 0.05, k[4], 0.08)
    d["trunk_lat"] = d["trunk_lat"] + sg * dig * rng.uniform(3, 9)
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 8)
    _look(d, bump(s, 0.05, 0.97, 0.15), rng.uniform(12, 28), twist=sg * rng.uniform(0, 12) * (1 - out))
    return _done(d)


# ----------------------------------------------------------------------------- phone and arm gestures
def phone_call(s, rng, d):  # noqa: ANN001
    """One hand (grip ~0.6) rises to the ear, the elbow out to the side in front, and stays
    there while the head tilts towards it; half the callers look at the phone first."""
    a, o = side(rng)
    sg = _sign(a)
    look = rng.random() < 0.5
    t0 = rng.uniform(0.24, 0.32) if look else rng.uniform(0.02, 0.06)  # the phone leaves the chest
    up, down = t0 + rng.uniform(0.12, 0.16), rng.uniform(0.78, 0.84)
    low = _CHEST + (0.06, -0.12, -0.06)  # in front of the belly
    near = _CHEST + (rng.uniform(0.02, 0.05), rng.uniform(-0.03, 0.02), -0.03)
    ear = landmark("ear", (rng.uniform(0.022, 0.035), rng.uniform(-0.045, -0.03), rng.uniform(0.055, 0.07)))
    sw = rng.uniform(20, 40)
    k = [0.0, 0.1, t0, up, down, 1.0]
    set_reach(d, a, _path(s, k, [low, near, near, ear, ear, low]), bump(s, 0.0, 1.0, 0.12),
              keyframes(s, k, [25, 25, 25, sw, sw, 25]))
    at_ear = bump(s, up - 0.06, down + 0.06, 0.08)
    _hand(d, a, bump(s, 0.0, 1.0, 0.12), rot=rng.uniform(-10, 25), grip=rng.uniform(0.5, 0.7),
          wrist=rng.uniform(-10, 15))
    talk = bump(s, up + 0.05, down - 0.05, 0.08) * rng.uniform(2, 5) * osc(s, rng.uniform(2, 5))
    _look(d, at_ear, rng.uniform(0, 15), twist=sg * rng.uniform(-5, 10), roll=sg * rng.uniform(4, 12))
    if look:
        _look(d, bump(s, 0.05, up, 0.1), rng.uniform(20, 35))
    d["neck_flex"] = d["neck_flex"] + talk
    return _done(d)


def pointing(s, rng, d):  # noqa: ANN001
    """One arm straight forward at shoulder height, the index finger (hand tip) straight;
    brief and quick."""
    a, o = side(rng)
    sg = _sign(a)
    hold = rng.uniform(0.35, 0.55)
    w = bump(s, 0.0, 1.0, (1.0 - hold) / 2)
    az = rng.uniform(60, 100)
    blend(d, f"{a}_sh_elev", w, rng.uniform(80, 98))
    blend(d, f"{a}_sh_azim", w, az)
    blend(d, f"{a}_sh_twist", w, rng.uniform(-15, 15))
    blend(d, f"{a}_elbow", w, rng.uniform(0, 8))
    _hand(d, a, w, rot=rng.uniform(-70, -30), grip=0.0, wrist=rng.uniform(-6, 4), dev=rng.uniform(-5, 5))
    _add(d, f"{a}_clav_prot", w * rng.uniform(0, 12))
    _look(d, w, -rng.uniform(0, 8), twist=sg * (90 - az) * rng.uniform(0.3, 0.7))
    return _done(d)


def taking_a_selfie(s, rng, d):  # noqa: ANN001
    """One arm extended forward-up in front of the face at arm's length, elbow nearly
    straight, the hand turned so that the screen faces the face; head slightly turned and
    tilted, 1-3 small re-framings of the phone."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.2, 0.28))
    shots = _pulses(s, rng, rng.integers(1, 4), 0.35, 0.75, 0.05)
    x = rng.uniform(-0.03, 0.04) + 0.01 * shots
    _front(d, a, w, x, rng.uniform(0.15, 0.21) + 0.015 * shots, rng.uniform(0.05, 0.08), rng.uniform(20, 40))
    _hand(d, a, w, rot=rng.uniform(20, 55), grip=rng.uniform(0.45, 0.6), wrist=rng.uniform(-40, -20))
    _look(d, w, -rng.uniform(3, 12), twist=rng.uniform(-15, 15), roll=rng.uniform(-12, 12))
    if rng.random() < 0.3:  # the other hand shows a sign beside the face
        reach_landmark(d, o, "chin", bump(s, 0.25, 0.85, 0.12), offset=(0.1, 0.0, 0.04))
    return _done(d)


def check_time(s, rng, d):  # noqa: ANN001
    """The watch arm (mostly the left) brings its forearm horizontal in front of the chest,
    pronated so that the watch faces up; the head looks down at the wrist; sometimes the
    other hand pulls the sleeve back."""
    a, o = side(rng, p_right=0.2)
    sg = _sign(a)
    w = bump(s, 0.0, 1.0, rng.uniform(0.25, 0.35))
    x, y, z = rng.uniform(-0.03, 0.02), rng.uniform(-0.02, 0.04), rng.uniform(-0.07, -0.03)
    _front(d, a, w, x, y, z, rng.uniform(60, 85))
    _hand(d, a, w, rot=rng.uniform(-88, -60), grip=rng.uniform(0.2, 0.5), wrist=rng.uniform(-10, 10))
    if rng.random() < 0.4:  # pull the sleeve: the other hand at the watch wrist, towards the elbow
        ws = bump(s, 0.12, 0.7, 0.1)
        pull = ramp(s, 0.3, 0.5)
        _front(d, o, ws, -x - 0.02 - 0.04 * pull, y - 0.01, z + 0.01, 30.0)
        _hand(d, o, ws, rot=-60.0, grip=0.5, wrist=30.0)
    _look(d, bump(s, 0.1, 0.92, 0.15), rng.uniform(25, 40), twist=sg * rng.uniform(0, 10))
    return _done(d)


#: The thirteen classes, in NTU order.
CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(5, "drop", drop, 80, group="pick up / drop / throw",
              difference="a hand held in front at waist-chest height opens (grip 1->0), the head follows it down"),
    ClassSpec(6, "pickup", pickup, 95, group="pick up / drop / throw",
              difference="pelvis, knees and trunk bend deeply, one hand reaches the floor in front and closes there"),
    ClassSpec(7, "throw", throw, 70, group="pick up / drop / throw",
              difference="wind-up above and behind the head, fast forward elbow whip, release (grip 1->0), trunk turn"),
    ClassSpec(11, "reading", reading, 115, group="hands at work",
              difference="both hands a book's width apart at chest height, supinated, still; head scans; page turns"),
    ClassSpec(12, "writing", writing, 115, group="hands at work",
              difference="one pronated hand (grip ~0.7) beside the other, fast small wrist/wrist_dev scribble"),
    ClassSpec(13, "tear up paper", tear_up_paper, 105, group="hands at work",
              difference="hands pinched together, then pulled apart with opposite forearm rotations, 2-3 times"),
    ClassSpec(25, "reach into pocket", reach_into_pocket, 85, group="pocket",
              difference="one hand down into the front or side trouser pocket, digs, pulls something out to the waist"),
    ClassSpec(28, "make a phone call/answer phone", phone_call, 100, group="phone and arm gestures",
              difference="one hand at the ear (grip ~0.6), elbow out in front, held while the head rolls to it"),
    ClassSpec(29, "playing with phone/tablet", playing_with_phone, 110, group="hands at work",
              difference="both hands close together at chest height, supinated, irregular thumb taps (grip twitches)"),
    ClassSpec(30, "typing on a keyboard", typing, 115, group="hands at work",
              difference="both hands lower, apart, at waist height, palms down (pronated), alternating taps"),
    ClassSpec(31, "pointing to something with finger", pointing, 56, group="phone and arm gestures",
              difference="one arm straight forward at shoulder height, open hand (grip 0, the tip straight), brief"),
    ClassSpec(32, "taking a selfie", taking_a_selfie, 95, group="phone and arm gestures",
              difference="one arm forward-up before the face at arm's length, wrist extended, supinated"),
    ClassSpec(33, "check time (from watch)", check_time, 70, group="phone and arm gestures",
              difference="the watch forearm horizontal across the chest, pronated, head down to the wrist; short"),
)
