"""Object handling of the NTU-60-like world: pick up, drop, throw and the pocket.

Four classes in two fine-grained groups:

* pick up / drop / throw (A005-A007): an object held in front is let go (grip 1 -> 0, the
  head follows it down), picked up from the floor (knees and trunk bent), or thrown
  (overhead wind-up, fast forward release);
* pocket (A025): the hand digs into a front or side trouser pocket and pulls something out.

The shared sub-motions (wrist targets, hand DOFs, head motion) are
:mod:`pipeline.synth.ntu60.hand_motions`.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.ntu60.base import ClassSpec, blend, bump, keyframes, osc, ramp, side
from pipeline.synth.ntu60.hand_motions import add, done, front, hand, look, mix, path, sign
from pipeline.synth.reach import landmark, set_reach

__all__ = ["CLASSES"]


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
        front(d, sd, w, x, y + 0.01 * let_go, z, rng.uniform(15, 35))
        hand(d, sd, w, rot=rng.uniform(-80, -55) if palm_down and not both else rng.uniform(-15, 15),
             grip=rng.uniform(0.75, 1.0) * (1.0 - let_go), wrist=rng.uniform(-5, 10) + 12 * let_go)
    fall = bump(s, rel, 0.97, 0.1)
    look(d, bump(s, 0.05, 0.95, 0.2), rng.uniform(5, 15))
    look(d, fall, rng.uniform(15, 30), roll=rng.uniform(-5, 5))
    d["trunk_flex"] = d["trunk_flex"] + fall * rng.uniform(0, 8)
    return done(d)


def pickup(s, rng, d):  # noqa: ANN001
    """Hip hinge (pelvis pitch), knees and trunk bend, the acting hand reaches straight down to
    the floor in front, closes there, and carries the object up to the waist."""
    a, o = side(rng)
    bot = rng.uniform(0.4, 0.5)
    k = [0.0, bot - rng.uniform(0.1, 0.16), bot, bot + rng.uniform(0.18, 0.24), 1.0]
    low = keyframes(s, k, [0.0, 0.85, 1.0, 0.0, 0.0])
    pitch, thigh, trunk = rng.uniform(38, 48), rng.uniform(45, 58), rng.uniform(48, 60)
    knee = thigh + rng.uniform(8, 18)
    add(d, "root_pitch", low * pitch)
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
    mix(d, f"{a}_clav_prot", reach_w, rng.uniform(10, 25))
    carry = bump(s, k[2] + 0.04, 0.98, 0.14) * (1 - reach_w)
    front(d, a, carry, rng.uniform(0.03, 0.07), rng.uniform(-0.16, -0.08), rng.uniform(-0.08, -0.03), 25.0)
    hand(d, a, bump(s, bot - 0.03, 0.95, 0.05), grip=rng.uniform(0.7, 1.0), rot=rng.uniform(-60, -20))
    knee_rest = rng.random() < 0.5  # the other hand rests on the knee, or hangs
    blend(d, f"{o}_sh_elev", low, incl * (rng.uniform(0.55, 0.7) if knee_rest else rng.uniform(0.85, 1.0)))
    blend(d, f"{o}_sh_azim", low, rng.uniform(70, 90))
    blend(d, f"{o}_elbow", low, rng.uniform(10, 30))
    look(d, bump(s, 0.05, k[3], 0.15), rng.uniform(10, 25))
    return done(d)


def throw(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    sg = sign(a)
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
    hand(d, a, bump(s, 0.0, 1.0, 0.12), grip=rng.uniform(0.7, 1.0) * (1 - ramp(s, rel, rel + 0.03)))
    hand(d, a, bump(s, k[1], fwd + 0.1, 0.1), wrist=keyframes(s, k[1:4], [0.0, -rng.uniform(20, 40), 25]))
    tw, lean = rng.uniform(15, 30), rng.uniform(8, 18)
    # the throwing shoulder turns back for the wind-up (a left turn + takes the left one back)
    d["trunk_twist"] = d["trunk_twist"] + sg * keyframes(s, k, [0, 0.4 * tw, tw, -tw, -0.5 * tw, 0])
    d["trunk_flex"] = d["trunk_flex"] + keyframes(s, k, [0, -2, -0.5 * lean, lean, 0.7 * lean, 0])
    wo = bump(s, k[1], k[4] + 0.08, 0.15)  # the other arm leads forward for balance
    blend(d, f"{o}_sh_elev", wo, rng.uniform(40, 75))
    blend(d, f"{o}_sh_azim", wo, rng.uniform(70, 95))
    blend(d, f"{o}_elbow", wo, rng.uniform(20, 60))
    look(d, bump(s, k[1], k[4] + 0.1, 0.15), -rng.uniform(0, 10))
    return done(d)


# ----------------------------------------------------------------------------- pocket
def reach_into_pocket(s, rng, d):  # noqa: ANN001
    """The hand goes down to the front or side trouser pocket, digs in (the wrist sinks and
    wiggles, the hand closes), pulls something out and looks at it in front of the waist."""
    a, o = side(rng)
    sg = sign(a)
    name = "front_pocket" if rng.random() < 0.6 else "hip_pocket"
    t_at, t_up, t_out = rng.uniform(0.2, 0.28), rng.uniform(0.5, 0.58), rng.uniform(0.66, 0.72)
    k = [0.0, t_at, t_at + 0.08, t_up - 0.06, t_up, t_out, 0.86, 1.0]
    pocket = landmark(name)
    rest, above, deep = landmark("hip_pocket", (0.0, -0.01, 0.02)), pocket + (0, 0.065, 0), pocket + (0, 0.008, 0)
    shown = landmark("waist_front", (rng.uniform(0.02, 0.06), rng.uniform(0.05, 0.1), rng.uniform(0.0, 0.04)))
    tgt = path(s, k, [rest, above, deep, deep, above, shown, shown, rest])
    tgt[:, 0] += 0.008 * osc(s, rng.uniform(5, 9)) * bump(s, k[2], k[3], 0.04)  # digging
    sw = 40.0 if name == "front_pocket" else 60.0
    set_reach(d, a, tgt, bump(s, 0.0, 1.0, 0.08), keyframes(s, k, [30, sw, sw, sw, sw, 25, 25, 30]))
    out = keyframes(s, k, [0, 0, 0, 0, 0, 1, 1, 0])
    w = bump(s, 0.0, 1.0, 0.15)
    hand(d, a, w, rot=rng.uniform(-30, 0) + 20 * out, grip=rng.uniform(0.5, 0.8) * ramp(s, k[3] - 0.06, k[3]),
         wrist=rng.uniform(0, 15) * (1 - out))
    hand(d, a, ramp(s, k[6] - 0.04, k[7]), grip=0.0)
    dig = bump(s, k[1] - 0.05, k[4], 0.08)
    d["trunk_lat"] = d["trunk_lat"] + sg * dig * rng.uniform(3, 9)
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 8)
    look(d, bump(s, 0.05, 0.97, 0.15), rng.uniform(12, 28), twist=sg * rng.uniform(0, 12) * (1 - out))
    return done(d)


#: The four classes, in NTU order.
CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(5, "drop", drop, 80, group="pick up / drop / throw",
              difference="a hand held in front at waist-chest height opens (grip 1->0), the head follows it down"),
    ClassSpec(6, "pickup", pickup, 95, group="pick up / drop / throw",
              difference="pelvis, knees and trunk bend deeply, one hand reaches the floor in front and closes there"),
    ClassSpec(7, "throw", throw, 70, group="pick up / drop / throw",
              difference="wind-up above and behind the head, fast forward elbow whip, release (grip 1->0), trunk turn"),
    ClassSpec(25, "reach into pocket", reach_into_pocket, 85, group="pocket",
              difference="one hand down into the front or side trouser pocket, digs, pulls something out to the waist"),
)
