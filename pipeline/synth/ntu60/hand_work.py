"""Hands at work and arm gestures of the NTU-60-like world.

Nine classes in two fine-grained groups:

* hands at work (A011-A013, A029, A030): both hands raised in front of the trunk, the
  shared sub-motion :func:`~pipeline.synth.ntu60.hand_motions.front`; the classes differ
  where NTU's do, at finger level: hand height and spacing by a few centimetres, forearm
  rotation, grip, small wrist rhythms and the head's motion;
* phone and arm gestures (A028, A031-A033): one arm to the ear, forward-up in front of the
  face, straight forward at shoulder height, or the forearm across the chest.

Object handling (pick up / drop / throw, the pocket) is
:mod:`pipeline.synth.ntu60.object_handling`.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.ntu60.base import ClassSpec, blend, bump, keyframes, osc, ramp, side
from pipeline.synth.ntu60.hand_motions import CHEST, add, done, front, hand, look, path, pulses, sign
from pipeline.synth.reach import landmark, reach_landmark, set_reach

__all__ = ["CLASSES"]


# ----------------------------------------------------------------------------- hands at work
def reading(s, rng, d):  # noqa: ANN001
    """Both hands hold a book in front of the chest, still; the head is down and scans the
    lines; now and then the acting hand crosses over to turn a page."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    y, z, half = rng.uniform(-0.06, 0.01), rng.uniform(-0.04, 0.02), rng.uniform(0.045, 0.075)
    n_turn = rng.choice([0, 1, 1, 2])
    turn = pulses(s, rng, n_turn, 0.35, 0.7, rng.uniform(0.05, 0.07)) if n_turn else np.zeros_like(s)
    bob = 0.004 * osc(s, rng.uniform(1.5, 3), rng.uniform(0, 6.3))
    for sd in (a, o):
        cross = turn if sd == a else 0.0
        x = half - cross * (half + rng.uniform(0.01, 0.04))
        front(d, sd, w, x, y + bob + 0.02 * cross, z + 0.015 * cross, rng.uniform(15, 35))
        hand(d, sd, w, rot=rng.uniform(35, 65) - 70 * cross, grip=rng.uniform(0.3, 0.5) + 0.2 * cross,
             wrist=rng.uniform(-15, 5))
    act = bump(s, 0.2, 0.85, 0.1)
    look(d, w, rng.uniform(22, 40), roll=rng.uniform(-4, 4))
    look(d, act, twist=rng.uniform(2, 5) * osc(s, rng.uniform(2, 4), rng.uniform(0, 6.3)))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 8)
    return done(d)


def writing(s, rng, d):  # noqa: ANN001
    """The other hand holds a notepad at waist/chest height; the writing hand, close beside
    it, scribbles (fast small wrist flexion/deviation, grip ~0.7) along lines; head down."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    y, z = rng.uniform(-0.1, -0.02), rng.uniform(-0.05, 0.0)
    front(d, o, w, rng.uniform(0.02, 0.05), y, z, 20.0)
    hand(d, o, w, rot=rng.uniform(-20, 25), grip=rng.uniform(0.3, 0.5), wrist=rng.uniform(-10, 10))
    act = bump(s, 0.22, 0.82, 0.06)
    lines = rng.integers(2, 5)
    p = np.clip((s - 0.22) / 0.6, 0, 1) * lines % 1.0
    saw = np.where(p < 0.85, p / 0.85, (1.0 - p) / 0.15)  # along a line, quick return
    cyc = rng.uniform(9, 14)
    ph = rng.uniform(0, 6.3)
    x = rng.uniform(-0.03, 0.0) + act * (rng.uniform(0.03, 0.05) * saw)
    front(d, a, w, x, y + 0.015 + 0.004 * act * osc(s, cyc * 0.5, ph), z + 0.01, 25.0)
    hand(d, a, w, rot=rng.uniform(-70, -40), grip=rng.uniform(0.65, 0.75), wrist=rng.uniform(0, 15),
         dev=rng.uniform(-5, 5))
    d[f"{a}_wrist"] = d[f"{a}_wrist"] + act * rng.uniform(4, 8) * osc(s, cyc, ph)
    d[f"{a}_wrist_dev"] = d[f"{a}_wrist_dev"] + act * rng.uniform(5, 10) * osc(s, cyc * 1.4, ph + 1.0)
    add(d, f"{a}_grip", act * 0.05 * osc(s, cyc * 0.7))
    look(d, w, rng.uniform(30, 45), twist=-sign(a) * rng.uniform(0, 8))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(3, 12)
    return done(d)


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
        front(d, sd, w, half + dx * apart, y - 0.01 * apart, z + sgn * dz * twist, 25.0)
        hand(d, sd, w, rot=rng.uniform(-10, 10) + sgn * rot * twist, grip=rng.uniform(0.75, 0.9) - 0.3 * apart,
             wrist=rng.uniform(-5, 10) + sgn * 15 * twist)
    look(d, w, rng.uniform(15, 30))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 6)
    return done(d)


def playing_with_phone(s, rng, d):  # noqa: ANN001
    """Both hands close together in front of the chest hold a phone (or, wider, a tablet);
    the thumbs tap (small irregular grip and wrist twitches); head down and still."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    tablet = rng.random() < 0.3
    half = rng.uniform(0.035, 0.055) if tablet else rng.uniform(0.01, 0.028)
    y, z = rng.uniform(-0.07, 0.0), rng.uniform(-0.06, -0.01)
    for sd in (a, o):
        taps = pulses(s, rng, rng.integers(4, 10), 0.25, 0.8, rng.uniform(0.012, 0.025))
        front(d, sd, w, half, y, z, rng.uniform(10, 25))
        hand(d, sd, w, rot=rng.uniform(30, 60), grip=rng.uniform(0.3, 0.45), wrist=rng.uniform(-20, -5))
        add(d, f"{sd}_grip", taps * rng.uniform(0.1, 0.2))
        d[f"{sd}_wrist"] = d[f"{sd}_wrist"] + taps * rng.uniform(3, 6)
    look(d, w, rng.uniform(30, 48), roll=rng.uniform(-5, 5))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(0, 8)
    return done(d)


def typing(s, rng, d):  # noqa: ANN001
    """Both hands lower and apart at waist height over a keyboard, palms down (pronated),
    fingers tapping in alternation (small wrist and grip pulses); head down."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.15, 0.24))
    y, z, half = rng.uniform(-0.13, -0.09), rng.uniform(-0.08, -0.03), rng.uniform(0.05, 0.08)
    for sd in (a, o):
        taps = pulses(s, rng, rng.integers(8, 16), 0.22, 0.82, rng.uniform(0.01, 0.018))
        shift = 0.01 * osc(s, rng.uniform(1, 2), rng.uniform(0, 6.3)) * bump(s, 0.2, 0.85, 0.1)
        front(d, sd, w, half + shift, y, z, rng.uniform(25, 45))
        hand(d, sd, w, rot=rng.uniform(-88, -70), grip=rng.uniform(0.25, 0.4), wrist=rng.uniform(-15, 0))
        d[f"{sd}_wrist"] = d[f"{sd}_wrist"] + taps * rng.uniform(5, 9)
        add(d, f"{sd}_grip", taps * rng.uniform(0.08, 0.15))
    look(d, w, rng.uniform(20, 35))
    d["trunk_flex"] = d["trunk_flex"] + w * rng.uniform(4, 14)
    return done(d)


# ----------------------------------------------------------------------------- phone and arm gestures
def phone_call(s, rng, d):  # noqa: ANN001
    """One hand (grip ~0.6) rises to the ear, the elbow out to the side in front, and stays
    there while the head tilts towards it; half the callers look at the phone first."""
    a, o = side(rng)
    sg = sign(a)
    looks_first = rng.random() < 0.5
    t0 = rng.uniform(0.24, 0.32) if looks_first else rng.uniform(0.02, 0.06)  # the phone leaves the chest
    up, down = t0 + rng.uniform(0.12, 0.16), rng.uniform(0.78, 0.84)
    low = CHEST + (0.06, -0.12, -0.06)  # in front of the belly
    near = CHEST + (rng.uniform(0.02, 0.05), rng.uniform(-0.03, 0.02), -0.03)
    ear = landmark("ear", (rng.uniform(0.022, 0.035), rng.uniform(-0.045, -0.03), rng.uniform(0.055, 0.07)))
    sw = rng.uniform(20, 40)
    k = [0.0, 0.1, t0, up, down, 1.0]
    set_reach(d, a, path(s, k, [low, near, near, ear, ear, low]), bump(s, 0.0, 1.0, 0.12),
              keyframes(s, k, [25, 25, 25, sw, sw, 25]))
    at_ear = bump(s, up - 0.06, down + 0.06, 0.08)
    hand(d, a, bump(s, 0.0, 1.0, 0.12), rot=rng.uniform(-10, 25), grip=rng.uniform(0.5, 0.7),
         wrist=rng.uniform(-10, 15))
    talk = bump(s, up + 0.05, down - 0.05, 0.08) * rng.uniform(2, 5) * osc(s, rng.uniform(2, 5))
    look(d, at_ear, rng.uniform(0, 15), twist=sg * rng.uniform(-5, 10), roll=sg * rng.uniform(4, 12))
    if looks_first:
        look(d, bump(s, 0.05, up, 0.1), rng.uniform(20, 35))
    d["neck_flex"] = d["neck_flex"] + talk
    return done(d)


def pointing(s, rng, d):  # noqa: ANN001
    """One arm straight forward at shoulder height, the index finger (hand tip) straight;
    brief and quick."""
    a, o = side(rng)
    sg = sign(a)
    hold = rng.uniform(0.35, 0.55)
    w = bump(s, 0.0, 1.0, (1.0 - hold) / 2)
    az = rng.uniform(60, 100)
    blend(d, f"{a}_sh_elev", w, rng.uniform(80, 98))
    blend(d, f"{a}_sh_azim", w, az)
    blend(d, f"{a}_sh_twist", w, rng.uniform(-15, 15))
    blend(d, f"{a}_elbow", w, rng.uniform(0, 8))
    hand(d, a, w, rot=rng.uniform(-70, -30), grip=0.0, wrist=rng.uniform(-6, 4), dev=rng.uniform(-5, 5))
    add(d, f"{a}_clav_prot", w * rng.uniform(0, 12))
    look(d, w, -rng.uniform(0, 8), twist=sg * (90 - az) * rng.uniform(0.3, 0.7))
    return done(d)


def taking_a_selfie(s, rng, d):  # noqa: ANN001
    """One arm extended forward-up in front of the face at arm's length, elbow nearly
    straight, the hand turned so that the screen faces the face; head slightly turned and
    tilted, 1-3 small re-framings of the phone."""
    a, o = side(rng)
    w = bump(s, 0.0, 1.0, rng.uniform(0.2, 0.28))
    shots = pulses(s, rng, rng.integers(1, 4), 0.35, 0.75, 0.05)
    x = rng.uniform(-0.03, 0.04) + 0.01 * shots
    front(d, a, w, x, rng.uniform(0.15, 0.21) + 0.015 * shots, rng.uniform(0.05, 0.08), rng.uniform(20, 40))
    hand(d, a, w, rot=rng.uniform(20, 55), grip=rng.uniform(0.45, 0.6), wrist=rng.uniform(-40, -20))
    look(d, w, -rng.uniform(3, 12), twist=rng.uniform(-15, 15), roll=rng.uniform(-12, 12))
    if rng.random() < 0.3:  # the other hand shows a sign beside the face
        reach_landmark(d, o, "chin", bump(s, 0.25, 0.85, 0.12), offset=(0.1, 0.0, 0.04))
    return done(d)


def check_time(s, rng, d):  # noqa: ANN001
    """The watch arm (mostly the left) brings its forearm horizontal in front of the chest,
    pronated so that the watch faces up; the head looks down at the wrist; sometimes the
    other hand pulls the sleeve back."""
    a, o = side(rng, p_right=0.2)
    sg = sign(a)
    w = bump(s, 0.0, 1.0, rng.uniform(0.25, 0.35))
    x, y, z = rng.uniform(-0.03, 0.02), rng.uniform(-0.02, 0.04), rng.uniform(-0.07, -0.03)
    front(d, a, w, x, y, z, rng.uniform(60, 85))
    hand(d, a, w, rot=rng.uniform(-88, -60), grip=rng.uniform(0.2, 0.5), wrist=rng.uniform(-10, 10))
    if rng.random() < 0.4:  # pull the sleeve: the other hand at the watch wrist, towards the elbow
        ws = bump(s, 0.12, 0.7, 0.1)
        pull = ramp(s, 0.3, 0.5)
        front(d, o, ws, -x - 0.02 - 0.04 * pull, y - 0.01, z + 0.01, 30.0)
        hand(d, o, ws, rot=-60.0, grip=0.5, wrist=30.0)
    look(d, bump(s, 0.1, 0.92, 0.15), rng.uniform(25, 40), twist=sg * rng.uniform(0, 10))
    return done(d)


#: The nine classes, in NTU order.
CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(11, "reading", reading, 115, group="hands at work",
              difference="both hands a book's width apart at chest height, supinated, still; head scans; page turns"),
    ClassSpec(12, "writing", writing, 115, group="hands at work",
              difference="one pronated hand (grip ~0.7) beside the other, fast small wrist/wrist_dev scribble"),
    ClassSpec(13, "tear up paper", tear_up_paper, 105, group="hands at work",
              difference="hands pinched together, then pulled apart with opposite forearm rotations, 2-3 times"),
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
