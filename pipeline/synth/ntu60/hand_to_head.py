"""Hand-to-head classes of the NTU-60-like world: a hand to the face (drink, eat, brushing
teeth and hair, wipe face, glasses), a hand to the body (touch head / chest / back / neck),
head motions (nod, shake) and the "unwell" classes (sneeze/cough, nausea, fanning).

Hands are placed by :mod:`pipeline.synth.reach` at points of the face and the trunk; the
face points follow the head (neck flexion, twist and roll), so a hand stays at the mouth
while the head tilts. :func:`wrist_for` aims the wrist short of a point so that the *hand*
joint (the palm, or a held object) lands on it. Within a group the classes share their
sub-motions and differ in where exactly the hand goes, in grip, forearm rotation, wrist
flapping, head motion and rhythm. Targets are in the acting arm's convention (+x = that
arm's side), in fractions of stature H, in the upper-trunk frame.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.ntu60.base import ClassSpec, blend, bump, keyframes, osc, ramp, side
from pipeline.synth.body import SEGMENT_FRACTIONS
from pipeline.synth.ntu60.hand_placement import (SHOULDER, add_dof, begin_action, finish_pose, hand_path, idle_hand, jerk_profile,
                                                 on_head, path_through, place_hand, reach_weight, set_hand,
                                                 swivel_to, trip_profile, draw, wave_hz)
from pipeline.synth.reach import landmark, set_reach

# Face and body points (acting arm's convention, upright head, fractions of stature).
_MOUTH = landmark("mouth")


# ----------------------------------------------------------------------------- hand to face
def drink_water(s, rng, d):  # noqa: ANN001
    a, _ = side(rng)
    rise, on, held = begin_action(s, rng, 0.2, 0.29)
    t_up, t_dn = draw(rng, 0.33, 0.4), draw(rng, 0.6, 0.7)
    sip = bump(s, t_up - 0.05, t_dn + 0.03, 0.12)
    add_dof(d, "neck_flex", -sip * draw(rng, 10, 25))  # head back while drinking
    add_dof(d, "trunk_flex", -sip * draw(rng, 0, 5))
    cup = landmark("waist_front", (draw(rng, 0.04, 0.09), draw(rng, 0.02, 0.08), draw(rng, -0.03, 0.02)))
    lips = on_head(d, a, _MOUTH + (draw(rng, -0.01, 0.01), draw(rng, -0.01, 0.005), draw(rng, 0.02, 0.03)))
    up = keyframes(s, [rise * 0.8, t_up, t_dn, 1 - rise * 0.8], [0, 1, 1, 0])
    place_hand(d, a, hand_path(d, a, held, cup) + up[:, None] * (lips - cup), on, draw(rng, 10, 30) + 15 * sip)  # elbow low, in front
    set_hand(d, a, held, grip=draw(rng, 0.5, 0.75), rot=-sip * draw(rng, 15, 40), wrist=draw(rng, 0, 15) - sip * draw(rng, 10, 25))
    return finish_pose(d)


def eat_meal(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.17, 0.24)
    m = trip_profile(s, int(rng.integers(2, 4)), rise * 0.8, 1 - rise * 0.8, draw(rng, 0.1, 0.3))
    add_dof(d, "trunk_flex", w * draw(rng, 3, 12))  # leaning over the plate
    add_dof(d, "neck_flex", w * draw(rng, 5, 12) - m * draw(rng, 0, 8))
    plate = landmark("waist_front", (draw(rng, 0.02, 0.07), draw(rng, 0.0, 0.06), draw(rng, -0.02, 0.04)))
    mouth = on_head(d, a, _MOUTH + (0.0, draw(rng, -0.02, -0.005), draw(rng, 0.02, 0.035)))
    place_hand(d, a, hand_path(d, a, w, plate) + m[:, None] * (mouth - plate), on, draw(rng, 10, 30))
    set_hand(d, a, w, grip=draw(rng, 0.5, 0.8) - m * draw(rng, 0.2, 0.4), rot=m * draw(rng, 10, 35), wrist=draw(rng, 0, 20))
    if rng.random() < 0.5:  # the other hand holds the plate or a bowl
        place_hand(d, o, hand_path(d, o, w, landmark("waist_front", (draw(rng, 0.03, 0.08), draw(rng, -0.02, 0.03), 0.02))), on, 30.0)
        set_hand(d, o, w, grip=draw(rng, 0.2, 0.5), rot=draw(rng, 20, 60))
    return finish_pose(d)


def brushing_teeth(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.17, 0.24)
    env = bump(s, rise, 1 - rise, 0.05)
    scrub = wave_hz(s, draw(rng, 3.0, 4.0), draw(rng, 0, 6.3)) * env  # fast side-to-side
    jaw = osc(s, int(rng.integers(1, 3)), draw(rng, 0, 6.3)) * env  # upper / lower teeth
    add_dof(d, "neck_flex", w * draw(rng, 0, 10))
    p = np.zeros((len(s), 3)) + _MOUTH + (draw(rng, 0.015, 0.035), draw(rng, -0.01, 0.005), draw(rng, 0.02, 0.035))
    p[:, 0] += draw(rng, 0.01, 0.02) * scrub
    p[:, 1] += 0.01 * jaw
    place_hand(d, a, hand_path(d, a, w, on_head(d, a, p), (0.06, -0.03, 0.08)), on, draw(rng, 35, 70))  # elbow out to the side
    set_hand(d, a, w, grip=draw(rng, 0.85, 1.0), rot=draw(rng, -10, 10) + draw(rng, 12, 25) * scrub, wrist=draw(rng, -10, 10))
    if rng.random() < 0.25:  # the other hand holds a cup at the chest
        place_hand(d, o, hand_path(d, o, w, landmark("chest_front", (draw(rng, 0.02, 0.06), draw(rng, -0.1, -0.03), -0.05))), on, 25.0)
        set_hand(d, o, w, grip=draw(rng, 0.5, 0.8))
    return finish_pose(d)


def brushing_hair(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.22, 0.3)
    env = bump(s, rise * 0.8, 1 - rise * 0.8, 0.05)
    n = int(rng.integers(2, 5))
    u = np.clip((s - rise) / (1 - 2 * rise), 0.0, 1.0) * n % 1.0
    q = np.where(u < 0.65, ramp(u, 0.0, 0.65), 1 - ramp(u, 0.65, 1.0)) * env  # 0 front .. 1 back
    back_up = np.where(u >= 0.65, np.sin(np.pi * (u - 0.65) / 0.35), 0.0) * env  # off the hair going back
    top = draw(rng, 0.0, 0.04)  # side (0) .. top (0.04) of the head
    add_dof(d, "neck_lat", w * draw(rng, 3, 10) * (1 if a == "r" else -1))  # the head leans into the brush
    add_dof(d, "neck_flex", w * draw(rng, -5, 8) + q * draw(rng, 0, 6))
    front = np.array([0.085 - top, 0.125 + top, 0.04])
    back = np.array([0.08 - top, 0.11 + top, -0.06])
    p = front + q[:, None] * (back - front) + 0.015 * back_up[:, None] * np.array([1.0, 0.3, 0.0])
    place_hand(d, a, on_head(d, a, p), w, elbow=(1.0, draw(rng, -0.3, 0.1), draw(rng, 0.1, 0.5)), lead=1.5)  # joint-space approach
    set_hand(d, a, w, grip=draw(rng, 0.65, 0.9), rot=draw(rng, -20, 10), wrist=draw(rng, -15, 5) + 10 * q)
    if rng.random() < 0.3:  # the other hand holds the hair on its own side
        w2 = bump(s, rise * 0.6, 1 - rise * 0.6, rise)
        place_hand(d, o, on_head(d, o, (0.085, 0.105, 0.0)), w2, elbow=(1.0, -0.2, 0.2), lead=1.5)
        set_hand(d, o, w2, grip=draw(rng, 0.2, 0.5))
    return finish_pose(d)


def wipe_face(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    arms = (a, o) if rng.random() < 0.6 else (a,)
    rise, on, w = begin_action(s, rng, 0.18, 0.26)
    env = bump(s, rise * 0.9, 1 - rise * 0.9, 0.08)
    strokes = 0.5 * (1 - np.cos(2 * np.pi * int(rng.integers(2, 5)) * np.clip((s - rise) / (1 - 2 * rise), 0, 1)))
    add_dof(d, "neck_flex", w * draw(rng, 5, 18))  # the face into the hands
    for k, arm in enumerate(arms):
        x = draw(rng, 0.02, 0.035) if len(arms) == 2 else draw(rng, -0.01, 0.01)
        low = np.array([x, 0.05 + 0.005 * k, 0.085])
        p = low + (strokes * env)[:, None] * np.array([0.0, draw(rng, 0.035, 0.055), -0.008])
        place_hand(d, arm, hand_path(d, arm, w, on_head(d, arm, p), (0.0, 0.0, 0.08)), on, draw(rng, 15, 35))
        set_hand(d, arm, w, grip=draw(rng, 0.0, 0.15), rot=draw(rng, 10, 40), wrist=draw(rng, 15, 35))
    return finish_pose(d)


def _glasses(s, rng, d, on: bool) -> str:  # noqa: ANN001
    a, _ = side(rng)
    arms = ("l", "r") if rng.random() < 0.8 else (a,)
    rise = draw(rng, 0.19, 0.26)
    front = (draw(rng, 0.035, 0.06), draw(rng, 0.04, 0.08), draw(rng, 0.14, 0.18))  # glasses held before the face
    temple = (draw(rng, 0.075, 0.09), draw(rng, 0.09, 0.1), draw(rng, 0.05, 0.065))
    if on:  # unfold in front, in towards the face, settle, hands leave down the sides
        t = [0.02, rise, draw(rng, 0.3, 0.36), draw(rng, 0.47, 0.52), draw(rng, 0.6, 0.66), 0.8, 0.98]
        low = (draw(rng, 0.13, 0.16), draw(rng, -0.15, -0.1), draw(rng, 0.12, 0.15))  # out and down
        pts, held = [None, front, front, temple, temple, low, None], 1 - ramp(s, t[4] - 0.03, t[4] + 0.03)
        look = bump(s, t[3] - 0.1, t[4], 0.08)
    else:  # up to the temples, grip, pull forwards-down away from the face, fold
        t = [0.02, rise * 0.6, draw(rng, 0.32, 0.38), draw(rng, 0.44, 0.5), draw(rng, 0.6, 0.66), 0.8, 0.98]
        away = (front[0], front[1] - draw(rng, 0.0, 0.04), front[2])
        low = (draw(rng, 0.1, 0.13), draw(rng, -0.17, -0.12), draw(rng, 0.14, 0.18))  # low in front
        pts, held = [None, low, temple, temple, away, away, None], ramp(s, t[2] - 0.03, t[3])
        look = bump(s, t[2] - 0.1, t[3], 0.08)
    add_dof(d, "neck_flex", look * draw(rng, 3, 10))
    w, elbow = bump(s, 0.02, 0.98, rise), (1.0, draw(rng, -0.5, -0.2), draw(rng, 0.0, 0.3))  # elbows out
    for arm in arms:
        place_hand(d, arm, path_through(s, t, [idle_hand(d, arm) if p is None else on_head(d, arm, p) for p in pts]), reach_weight(s), elbow=elbow)
        set_hand(d, arm, w, grip=0.15 + held * draw(rng, 0.3, 0.5), rot=draw(rng, -30, 0), wrist=draw(rng, -10, 10))
    return finish_pose(d)


def wear_on_glasses(s, rng, d):  # noqa: ANN001
    return _glasses(s, rng, d, on=True)


def take_off_glasses(s, rng, d):  # noqa: ANN001
    return _glasses(s, rng, d, on=False)


# ----------------------------------------------------------------------------- head
def nod_head_bow(s, rng, d):  # noqa: ANN001
    bow = rng.random() < 0.4
    n = int(rng.integers(1, 3)) if bow else int(rng.integers(1, 4))
    w = np.zeros_like(s)
    for i in range(n):
        a0 = 0.04 + 0.92 * i / n
        w = np.maximum(w, bump(s, a0, a0 + 0.92 / n, draw(rng, 0.3, 0.45) * 0.92 / n))
    if bow:
        depth = draw(rng, 25, 50)
        add_dof(d, "trunk_flex", w * depth)
        add_dof(d, "neck_flex", w * draw(rng, 5, 20))
        for arm in ("l", "r"):  # the arms keep hanging
            add_dof(d, f"{arm}_sh_elev", w * depth * draw(rng, 0.7, 0.95))
            blend(d, f"{arm}_sh_azim", w, 90.0)
    else:
        add_dof(d, "neck_flex", w * draw(rng, 18, 38))
        add_dof(d, "trunk_flex", w * draw(rng, 0, 5))
    return finish_pose(d)


def shake_head(s, rng, d):  # noqa: ANN001
    env = bump(s, 0.03, 0.97, draw(rng, 0.15, 0.25)) * (1 - draw(rng, 0, 0.5) * s)
    u = np.clip((s - 0.05) / 0.9, 0, 1)
    tw = draw(rng, 20, 35) * osc(u, int(rng.integers(2, 5)), rng.choice([0.0, np.pi])) * env
    add_dof(d, "neck_twist", tw)
    add_dof(d, "neck_lat", -tw * draw(rng, 0.2, 0.35))  # the head rolls a little with the turn
    add_dof(d, "neck_flex", bump(s, 0.0, 1.0, 0.2) * draw(rng, 0, 12))
    add_dof(d, "trunk_twist", -tw * draw(rng, 0, 0.1))
    return finish_pose(d)


# ----------------------------------------------------------------------------- touch body
def touch_head(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    temple = rng.random() < 0.4
    arms = (a, o) if temple and rng.random() < 0.5 else (a,)
    rise, on, w = begin_action(s, rng, 0.22, 0.31)
    rub = osc(s, int(rng.integers(2, 5)), 0.0) * bump(s, rise, 1 - rise, 0.08)
    add_dof(d, "neck_flex", w * draw(rng, 10, 25))  # the head drops into the hand
    add_dof(d, "neck_lat", w * draw(rng, 0, 10) * (1 if a == "l" else -1))
    add_dof(d, "trunk_flex", w * draw(rng, 2, 10))
    for arm in arms:
        if temple:
            p, sw = np.array([0.068, draw(rng, 0.1, 0.115), draw(rng, 0.03, 0.05)]), draw(rng, 35, 55)
        else:  # palm on the forehead
            p, sw = np.array([draw(rng, -0.01, 0.02), draw(rng, 0.11, 0.125), draw(rng, 0.075, 0.085)]), draw(rng, 25, 45)
        p = p + np.outer(rub, (0.0, 0.008, 0.0))
        place_hand(d, arm, hand_path(d, arm, w, on_head(d, arm, p), (0.04, 0.0, 0.1)), on, sw)
        set_hand(d, arm, w, grip=draw(rng, 0.0, 0.3), rot=draw(rng, -20, 20), wrist=draw(rng, 10, 30))
    return finish_pose(d)


def touch_chest(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.22, 0.31)
    rub = osc(s, int(rng.integers(1, 4)), 0.0) * bump(s, rise, 1 - rise, 0.1)
    add_dof(d, "trunk_flex", w * draw(rng, 5, 15))
    add_dof(d, "neck_flex", w * draw(rng, 5, 20))
    heart = draw(rng, -0.045, 0.0) * (1 if a == "r" else -1)  # the heart is on the body's left
    p = np.array([heart, draw(rng, -0.09, -0.05), 0.09]) + np.outer(rub, (0.0, 0.01, 0.0))
    place_hand(d, a, hand_path(d, a, w, p, (0.0, 0.0, 0.06)), on, draw(rng, 20, 45))
    set_hand(d, a, w, grip=draw(rng, 0.0, 0.4), rot=draw(rng, -30, 10), wrist=draw(rng, 10, 30))
    if rng.random() < 0.25:  # the other hand on the chest too
        place_hand(d, o, hand_path(d, o, w, p - (heart * 2, 0.03, -0.01), (0.0, 0.0, 0.06)), on, 30.0)
        set_hand(d, o, w, grip=draw(rng, 0.0, 0.3), wrist=draw(rng, 10, 30))
    return finish_pose(d)


def touch_back(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.24, 0.34)
    rub = osc(s, int(rng.integers(1, 4)), 0.0) * bump(s, rise, 1 - rise, 0.1)
    add_dof(d, "trunk_flex", -w * draw(rng, 5, 15))  # leaning back onto the hand
    add_dof(d, "trunk_lat", -w * draw(rng, 0, 6) * (1 if a == "l" else -1))
    add_dof(d, "neck_flex", -w * draw(rng, 0, 12))
    p = np.array([draw(rng, 0.01, 0.05), draw(rng, -0.25, -0.17), -0.085]) + np.outer(rub, (0.0, 0.015, 0.0))
    elbow = (1.0, draw(rng, -0.3, 0.0), -draw(rng, 0.4, 0.8))  # out and back
    place_hand(d, a, hand_path(d, a, w, p, (0.08, 0.0, -0.05)), on, elbow=elbow)
    set_hand(d, a, w, grip=draw(rng, 0.0, 0.4), rot=draw(rng, -20, 20))
    if rng.random() < 0.4:  # the other hand on the hip
        place_hand(d, o, hand_path(d, o, w, (0.115, -0.27, 0.02), (0.05, 0.0, 0.0)), on, elbow=(1.0, 0.0, -draw(rng, 0.0, 0.4)))
        set_hand(d, o, w, grip=draw(rng, 0.2, 0.6))
    return finish_pose(d)


def touch_neck(s, rng, d):  # noqa: ANN001
    a, _ = side(rng)
    rise, on, w = begin_action(s, rng, 0.29, 0.36)
    rub = osc(s, int(rng.integers(2, 5)), 0.0) * bump(s, rise, 1 - rise, 0.08)
    if rng.random() < 0.5:  # the head tilts to one side
        add_dof(d, "neck_lat", w * draw(rng, 8, 20) * rng.choice([-1.0, 1.0]))
    else:  # the neck is rolled
        roll = osc(np.clip((s - rise) / (1 - 2 * rise), 0, 1), int(rng.integers(1, 3))) * bump(s, rise, 1 - rise, 0.1)
        add_dof(d, "neck_lat", roll * draw(rng, 10, 20))
        add_dof(d, "neck_flex", bump(s, rise, 1 - rise, 0.15) * draw(rng, 5, 20))
    add_dof(d, "neck_flex", w * draw(rng, 0, 12))
    p = np.array([draw(rng, -0.015, 0.02), draw(rng, 0.025, 0.05), -0.045])  # the back of the neck
    p = p + np.outer(rub, (0.0, 0.008, 0.0))
    elbow = (1.0, draw(rng, 0.0, 0.4), draw(rng, 0.3, 0.8))  # raised to the side, somewhat forward
    place_hand(d, a, on_head(d, a, p), w, elbow=elbow, lead=2.0)  # joint-space approach: the arm rises at the side
    set_hand(d, a, w, grip=draw(rng, 0.1, 0.5), rot=draw(rng, -20, 20))
    return finish_pose(d)


# ----------------------------------------------------------------------------- unwell
def sneeze_cough(s, rng, d):  # noqa: ANN001
    a, _ = side(rng)
    elbow = rng.random() < 0.25  # into the elbow instead of the hand
    n = 1 if rng.random() < 0.5 else int(rng.integers(2, 4))  # a sneeze or a few coughs
    rise, on, w = begin_action(s, rng, 0.2, 0.29)
    c0 = draw(rng, 0.4, 0.5)
    jerk = jerk_profile(s, [c0 + i * draw(rng, 0.09, 0.13) for i in range(n)])
    add_dof(d, "neck_flex", -bump(s, c0 - 0.16, c0 - 0.02, 0.06) * draw(rng, 3, 12) * (n == 1))  # inhale
    add_dof(d, "trunk_flex", jerk * draw(rng, 10, 22))
    add_dof(d, "neck_flex", jerk * draw(rng, 10, 20))
    if elbow:  # the elbow before the mouth, the forearm across to the other side
        add_dof(d, "neck_twist", w * draw(rng, 5, 20) * (1 if a == "l" else -1))  # the face into the elbow
        crease = on_head(d, a, _MOUTH + (draw(rng, 0.0, 0.02), draw(rng, -0.03, -0.01), 0.03)) - SHOULDER
        crease *= SEGMENT_FRACTIONS["upper_arm"] / np.linalg.norm(crease, axis=1, keepdims=True)
        across = np.array([-1.0, draw(rng, 0.1, 0.4), draw(rng, -0.2, 0.1)])
        q = SHOULDER + crease + SEGMENT_FRACTIONS["forearm"] * across / np.linalg.norm(across)
        set_reach(d, a, q, w, swivel_to(q, crease))
        set_hand(d, a, w, grip=draw(rng, 0.3, 0.7), wrist=draw(rng, 0, 20))
    else:
        p = _MOUTH + (0.0, draw(rng, -0.01, 0.005), draw(rng, 0.02, 0.03))
        place_hand(d, a, hand_path(d, a, w, on_head(d, a, p), (0.0, 0.0, 0.08)), on, draw(rng, 15, 35))
        set_hand(d, a, w, grip=draw(rng, 0.2, 0.9), rot=draw(rng, -20, 20), wrist=draw(rng, 10, 30))
    return finish_pose(d)


def nausea_vomiting(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.24, 0.34)
    n = int(rng.integers(1, 4))
    heave = jerk_profile(s, [draw(rng, 0.38, 0.45) + i * draw(rng, 0.1, 0.14) for i in range(n)], 0.05, 0.12)
    add_dof(d, "trunk_flex", w * draw(rng, 20, 40) + heave * draw(rng, 5, 12))
    add_dof(d, "neck_flex", w * draw(rng, 0, 12) + heave * draw(rng, 5, 12))
    mouth = _MOUTH + (0.0, draw(rng, -0.01, 0.005), draw(rng, 0.02, 0.03))
    place_hand(d, a, hand_path(d, a, w, on_head(d, a, mouth), (0.0, 0.0, 0.08)), on, draw(rng, 15, 35))
    set_hand(d, a, w, grip=draw(rng, 0.2, 0.6), wrist=draw(rng, 10, 30))
    w2 = bump(s, 0.04, 0.96, rise)
    belly = landmark("stomach", (draw(rng, -0.03, 0.02), draw(rng, -0.03, 0.03), 0.03))
    place_hand(d, o, hand_path(d, o, w2, belly, (0.0, 0.0, 0.05)), on, draw(rng, 25, 45))
    set_hand(d, o, w2, grip=draw(rng, 0.0, 0.4), wrist=draw(rng, 10, 30))
    return finish_pose(d)


def use_fan(s, rng, d):  # noqa: ANN001
    a, o = side(rng)
    rise, on, w = begin_action(s, rng, 0.18, 0.26)
    env = bump(s, rise, 1 - rise, 0.06)
    flap = wave_hz(s, draw(rng, 2.5, 4.5)) * env
    add_dof(d, "neck_flex", -w * draw(rng, 10, 25))  # the face turned up into the air
    add_dof(d, "neck_twist", w * draw(rng, 0, 15) * (1 if a == "l" else -1))
    p = np.array([draw(rng, 0.05, 0.1), draw(rng, 0.04, 0.09), draw(rng, 0.12, 0.17)]) + np.outer(flap, (0.012, 0.0, 0.0))
    place_hand(d, a, hand_path(d, a, w, p, (0.03, 0.0, 0.06)), on, draw(rng, 40, 70))
    set_hand(d, a, w, grip=draw(rng, 0.0, 0.5), rot=draw(rng, -60, -20), wrist=draw(rng, 0, 10) + draw(rng, 20, 35) * flap,
          dev=draw(rng, -10, 10) * flap)
    if rng.random() < 0.2:  # the other hand pulls at the collar
        place_hand(d, o, hand_path(d, o, w, landmark("neck_front", (0.02, -0.03, 0.04)), (0.0, 0.0, 0.06)), on, 40.0)
    return finish_pose(d)


CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(1, "drink water", drink_water, 85, group="hand to face",
              difference="held cup (grip ~0.6) up to the lips, elbow low in front; head back, forearm tilts the cup"),
    ClassSpec(2, "eat meal/snack", eat_meal, 100, group="hand to face",
              difference="2-3 short plate-to-mouth trips, grip changing, trunk leaning over the plate"),
    ClassSpec(3, "brushing teeth", brushing_teeth, 115, group="hand to face",
              difference="fist at the side of the mouth, elbow out, fast 3-4 Hz side-to-side scrub, forearm rotation"),
    ClassSpec(4, "brushing hair", brushing_hair, 105, group="hand to face",
              difference="hand on the side/top of the head, elbow up at the side, long front-to-back strokes"),
    ClassSpec(18, "wear on glasses", wear_on_glasses, 100, group="dressing",
              difference="both hands held before the face move in to the temples, release, leave down the sides"),
    ClassSpec(19, "take off glasses", take_off_glasses, 90, group="dressing",
              difference="both hands come up to the temples, grip, and pull forwards-down away from the face"),
    ClassSpec(35, "nod head/bow", nod_head_bow, 65, group="head",
              difference="head flexion 1-3 times (or a trunk bow with hanging arms); hands stay down"),
    ClassSpec(36, "shake head", shake_head, 70, group="head",
              difference="neck twist oscillation 2-4 times with a slight roll; hands stay down"),
    ClassSpec(37, "wipe face", wipe_face, 95, group="hand to face",
              difference="open set_hand(s) flat over the face, vertical strokes chin to forehead, head bowed into them"),
    ClassSpec(41, "sneeze/cough", sneeze_cough, 75, group="unwell",
              difference="hand (or elbow) over the mouth, then 1-3 sharp forward jerks of the trunk and head"),
    ClassSpec(44, "touch head (headache)", touch_head, 85, group="touch body",
              difference="palm on the forehead or fingers at the temple(s), elbow in front, head bowed and tilted"),
    ClassSpec(45, "touch chest (stomachache/heart pain)", touch_chest, 80, group="touch body",
              difference="flat hand on the left chest, slight trunk bend and head down"),
    ClassSpec(46, "touch back (backache)", touch_back, 85, group="touch body",
              difference="hand behind on the lower back, trunk leaning back, other hand maybe on the hip"),
    ClassSpec(47, "touch neck (neckache)", touch_neck, 90, group="touch body",
              difference="hand on the back of the neck, elbow raised to the side, rubbing, head tilted or rolling"),
    ClassSpec(48, "nausea or vomiting condition", nausea_vomiting, 95, group="unwell",
              difference="trunk bent forward with heaves, one hand at the mouth, the other on the stomach"),
    ClassSpec(49, "use a fan (with hand or paper)/feeling warm", use_fan, 95, group="unwell",
              difference="hand in front of the face flapping at the wrist 2.5-4.5 Hz, head turned up"),
)
