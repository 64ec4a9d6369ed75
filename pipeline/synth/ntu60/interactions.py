"""The eleven two-person NTU-60 classes A050-A060 (``persons=2``).

A program is ``fn(s, rng, a, b, subjects=None) -> Interaction``: ``a`` is the main actor
(NTU's first body), ``b`` the partner, who reacts (staggers back when hit or pushed, takes
what it is given, hugs and shakes hands back, turns its head when patted).

Placement, one mechanism for all classes: the :class:`Interaction` is constant over a
sample (where the partner stands and faces in the actor's frame; facing the actor is yaw
180); every movement of a body (step in, stagger back, walk, turn) is its own ``root_dx`` /
``root_dz`` / ``root_yaw`` with support ``"free"``, or a split stance over its planted back
foot (support ``"left"`` / ``"right"``).

Contacts are solved: the partner's posture is built first and placed by forward kinematics,
then the actor's hand (or foot) is put on the contact point by the arm IK of
:mod:`pipeline.synth.reach` (corrected for the hand beyond the wrist and the arm's length)
or a two-link leg IK; mutual contacts solve both bodies towards one meeting point.
``perform`` passes no subjects, so contacts are then exact for two nominal 1.70 m bodies and
off by about the bodies' differences in size for others.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.body import J
from pipeline.synth.ntu60 import partners as pt
from pipeline.synth.ntu60.base import ClassSpec, blend, bump, osc, ramp, side
from pipeline.synth.reach import reach_landmark

__all__ = ["CLASSES"]

# ----------------------------------------------------------------------------- programs
def punching_slapping(s, rng, a, b, subjects=None):  # noqa: ANN001 - see the module docstring
    act, oth = side(rng)
    sg, slap = pt.SGN[act], rng.random() < 0.3
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 0.64, 0.74) if slap else pt.facing(rng, 0.72, 0.82))
    n, gap, rise = 1 if slap else int(rng.integers(1, 4)), pt.draw(rng, 0.11, 0.15), pt.draw(rng, 0.045, 0.07)
    hits = [pt.draw(rng, 0.34, 0.42) + i * gap for i in range(n)]
    # partner: the head snaps back at every hit (a slap turns it away), hands up to cover, a retreat
    rec = np.max([bump(s, c, c + 0.22, 0.07) for c in hits], 0)
    B.add(neck_flex=-rec * pt.draw(rng, 10, 22), trunk_flex=-rec * pt.draw(rng, 4, 10),
          neck_twist=sg * rec * pt.draw(rng, 20, 40) * slap)
    for sd in "lr":
        reach_landmark(B.d, sd, "chin", bump(s, hits[0] + 0.03, 0.96, 0.12), (0.05, -0.04, 0.08), pt.draw(rng, 0, 20))
    pt.stagger(B, s, hits[0], 0.25 + 0.1 * n, pt.draw(rng, 0.05, 0.15), rng)
    # actor: steps in with the other foot, fists in guard, straight punches with a trunk twist
    pt.step_in(A, bump(s, 0.1, 0.9, 0.2), pt.draw(rng, 5, 9), oth)
    guard, alt = bump(s, 0.0, 1.0, 0.15), rng.random() < 0.4
    hw = [bump(s, c - rise, c + rise + 0.03, rise) for c in hits]
    arms = [oth if alt and i % 2 else act for i in range(n)]
    A.add(trunk_twist=-sum(w * pt.SGN[h] for w, h in zip(hw, arms)) * pt.draw(rng, 10, 20),
          trunk_flex=np.max(hw, 0) * pt.draw(rng, 3, 9))
    if slap:  # an open hand swung in from the side onto the partner's cheek
        c, cheek = hits[0], lambda: B.lm("ear", -sg, (0.01, -0.02, 0.06))
        pt.close_in(A, B, act, cheek, bump(s, c - 0.01, c + 0.01, 0.005))
        swing = np.interp(s, [c - 0.16, c], [1.0, 0.0])[:, None] * np.array([sg * 0.3, 0.05, -0.35])
        swing = swing + np.interp(s, [c, c + 0.1], [0.0, 1.0])[:, None] * np.array([-sg * 0.08, -0.03, -0.08])
        blend(A.d, f"{act}_wrist", guard, -pt.draw(rng, 5, 20))
        A.d[f"{act}_grip"] = 0.1 * guard
        A.reach(act, cheek() + swing, bump(s, c - 0.3, c + 0.25, 0.13), 40.0)
        if rng.random() < 0.5:
            A.reach(oth, A.lm("chin", pt.SGN[oth], (0.06, -0.04, 0.14)), guard, 5.0)
        return pt.done(A, B)
    for sd in (act, oth):
        A.d[f"{sd}_grip"] = guard * pt.draw(rng, 0.8, 1.0)
        A.reach(sd, A.lm("chin", pt.SGN[sd], (0.06, -0.05, 0.14)), guard, pt.draw(rng, -5, 10))
    aims = [("nose", (0.0, -0.01, 0.02)) if rng.random() < 0.65 else ("chest", (0.0, 0.0, 0.03)) for _ in hits]
    pt.close_in(A, B, arms[0], lambda: B.lm(aims[0][0], 1.0, aims[0][1]), hw[0])
    for w, sd, aim in zip(hw, arms, aims):
        A.reach(sd, B.lm(aim[0], 1.0, aim[1]), w, pt.draw(rng, 0, 25))
    return pt.done(A, B)


def kicking(s, rng, a, b, subjects=None):  # noqa: ANN001
    act, oth = side(rng, 0.85)
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 0.86, 1.0, dx=0.04), "leg")
    c, belly, nm = pt.draw(rng, 0.4, 0.5), rng.random() < 0.5, pt.NAME[act]
    # partner: folds over the hit, hands to it (belly, or the hit thigh), staggers back
    hurt = bump(s, c, min(c + 0.45, 0.97), 0.1)
    B.add(trunk_flex=hurt * (pt.draw(rng, 18, 30) if belly else pt.draw(rng, 6, 14)))
    for sd in ("l", "r") if belly else (oth,):
        reach_landmark(B.d, sd, "stomach" if belly else "front_pocket", hurt * pt.draw(rng, 0.6, 0.9),
                       offset=(0.0, -0.04 * (not belly), 0.06))
    pt.stagger(B, s, c, 0.25, pt.draw(rng, 0.1, 0.25), rng)
    # actor: chambers the knee, extends the foot into the partner, re-chambers, puts it down
    A.sup = pt.NAME[oth]
    ch, kw = bump(s, c - 0.28, c + 0.26, 0.13), bump(s, c - 0.09, c + 0.09, 0.06)
    blend(A.d, f"{act}_hip_flex", ch, pt.draw(rng, 80, 95) if belly else pt.draw(rng, 55, 70))
    blend(A.d, f"{act}_knee", ch, pt.draw(rng, 95, 110))
    A.add(**{f"{oth}_knee": ch * pt.draw(rng, 5, 12), "trunk_flex": -ch * pt.draw(rng, 5, 15)})
    for sd in "lr":
        for k, lo, hi in (("sh_elev", 15, 35), ("sh_azim", 30, 80), ("elbow", 30, 70)):
            blend(A.d, f"{sd}_{k}", ch, pt.draw(rng, lo, hi))
    k, plantar, want = int(np.argmax(kw)), -pt.draw(rng, 20, 40), np.radians(pt.draw(rng, 15, 35))
    leg0 = {key: A.d[key].copy() for key in (f"{act}_hip_flex", f"{act}_knee")}
    lt, ls, fw, hip = A.sub.seg["thigh"], A.sub.seg["shin"], B.rot[:, 2], A.fk()[:, J[f"hip_{nm}"]]
    if belly:  # the partner's belly in line with the kicking leg
        B.pos[0] = hip[0, 0] + pt.draw(rng, -0.02, 0.02)
    for it in range(3):  # the partner stands where the leg nearly straightens (knee 15-35 degrees)
        A.d.update({key: v.copy() for key, v in leg0.items()})
        jb = B.fk()
        if belly:
            tgt = jb[:, J["spine_base"]] + 0.15 * (jb[:, J["spine_mid"]] - jb[:, J["spine_base"]]) + 0.1 * fw
        else:
            o = pt.NAME[oth]  # the partner's leg facing the kicking one
            tgt = 0.5 * (jb[:, J[f"hip_{o}"]] + jb[:, J[f"knee_{o}"]]) + 0.07 * fw + np.array([0, 0.03, 0])
        tgt[:, 0] = hip[:, 0]  # on the kicking leg's line
        A.kick(act, tgt, kw, plantar, ch)
        p = np.linalg.norm(A.fk()[k, J[f"ankle_{nm}"]] - hip[k])
        if abs(A.d[f"{act}_knee"][k] - np.degrees(want)) < 4 or it == 2:
            break
        B.pos[2] += (np.sqrt(lt * lt + ls * ls + 2 * lt * ls * np.cos(want)) - p) * 1.05
    return pt.done(A, B)


def pushing(s, rng, a, b, subjects=None):  # noqa: ANN001
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 0.72, 0.84, yaw=6.0))
    c, dur = pt.draw(rng, 0.38, 0.46), pt.draw(rng, 0.18, 0.28)
    # partner: thrown back (trunk first), arms fly up, steps back and stays there
    pt.stagger(B, s, c, dur + 0.1, pt.draw(rng, 0.3, 0.55), rng)
    fly = bump(s, c, min(c + 0.45, 0.97), 0.12)
    B.add(trunk_flex=-fly * pt.draw(rng, 8, 18))
    for sd in "lr":
        for k, lo, hi in (("sh_elev", 35, 60), ("sh_azim", 40, 80), ("elbow", 20, 50)):
            blend(B.d, f"{sd}_{k}", fly, pt.draw(rng, lo, hi))
    # actor: steps in, leans, both palms (wrists extended) to the partner's chest, extends
    pt.step_in(A, bump(s, c - 0.22, 0.92, 0.17), pt.draw(rng, 7, 11), rng.choice(["l", "r"]))
    A.add(trunk_flex=bump(s, c - 0.2, c + 0.32, 0.15) * pt.draw(rng, 8, 18))
    prep, push = bump(s, 0.05, c + 0.3, 0.15), bump(s, c - 0.12, c + 0.14, 0.1)
    pt.close_in(A, B, "r", lambda: B.lm("chest", 1.0, (0.05, -0.01, 0.0)), push, 0.85)
    for sd in "lr":
        blend(A.d, f"{sd}_wrist", prep, -pt.draw(rng, 30, 50))
        A.reach(sd, A.lm("chest_front", pt.SGN[sd], (0.07, 0.02, -0.08)), prep, 20.0)
        A.reach(sd, B.lm("chest", -pt.SGN[sd], (0.05, -0.01, 0.0)), push, pt.draw(rng, 10, 30))
    return pt.done(A, B)


def pat_on_back(s, rng, a, b, subjects=None):  # noqa: ANN001
    act, _ = side(rng)
    sg = pt.SGN[act]  # the partner stands ahead on the patting hand's side, facing about the same way
    A, B = pt.pair(a, b, subjects, (sg * pt.draw(rng, 0.38, 0.5), pt.draw(rng, 0.2, 0.38), pt.draw(rng, -20, 20)))
    c, end, n = pt.draw(rng, 0.3, 0.38), pt.draw(rng, 0.68, 0.78), int(rng.integers(2, 6))
    turn = bump(s, c + 0.05, 0.97, 0.15)  # the partner turns its head (and trunk) to the actor
    B.add(neck_twist=-sg * turn * pt.draw(rng, 25, 55), trunk_twist=-sg * turn * pt.draw(rng, 3, 12))
    # actor: turns to the partner, the hand on its upper back (or shoulder), 2-5 pats
    w = bump(s, c - 0.22, end + 0.18, 0.18)
    lift = 0.5 * (1 - np.cos(2 * np.pi * n * np.clip((s - c) / (end - c), 0, 1)))
    A.add(trunk_twist=sg * w * pt.draw(rng, 5, 15), neck_twist=sg * w * pt.draw(rng, 10, 30))
    blend(A.d, f"{act}_wrist", w, pt.draw(rng, 10, 25))
    A.add(**{f"{act}_wrist": -lift * pt.draw(rng, 5, 20)})  # the hand lifts off
    off = np.array((0.07, 0.1, 0.03) if rng.random() < 0.35 else (0.05, 0.02, -0.015))
    off = off + lift[:, None] * np.array([0.0, 0.035, -0.025]) * pt.draw(rng, 0.7, 1.3)
    A.reach(act, B.lm("upper_back", -sg, off), w, pt.draw(rng, 20, 50))
    return pt.done(A, B)


def point_finger(s, rng, a, b, subjects=None):  # noqa: ANN001
    act, _ = side(rng)
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 1.5, 2.0, yaw=15.0, dx=0.25))
    w = bump(s, pt.draw(rng, 0.0, 0.08), pt.draw(rng, 0.85, 1.0), pt.draw(rng, 0.16, 0.24))
    jabs = osc(s, int(rng.integers(2, 5))) ** 2 * bump(s, 0.3, 0.75, 0.08) * (rng.random() < 0.5)
    A.add(trunk_twist=-pt.SGN[act] * w * pt.draw(rng, 0, 10), neck_flex=-w * pt.draw(rng, 0, 8))
    blend(A.d, f"{act}_wrist", w, pt.draw(rng, -5, 10))
    A.d[f"{act}_grip"] = w * pt.draw(rng, 0.0, 0.25)
    sh = A.fk()[:, J[f"shoulder_{pt.NAME[act]}"]]
    aim = B.lm("chest") - sh
    g = A.sub.seg
    length = (g["upper_arm"] + g["forearm"]) * pt.draw(rng, 0.93, 0.98) * (1 - 0.06 * jabs) + g["hand"] + g["hand_tip"]
    A.reach(act, sh + aim * (length / np.linalg.norm(aim, axis=1))[:, None], w, pt.draw(rng, 0, 20), joint="hand_tip")
    react = bump(s, 0.35, 0.97, 0.15)  # the partner looks; sometimes "me?" (a hand to its chest)
    B.add(neck_flex=react * pt.draw(rng, -5, 10))
    if rng.random() < 0.35:
        reach_landmark(B.d, side(rng)[0], "chest", react * pt.draw(rng, 0.7, 1.0), offset=(0.0, 0.0, 0.04))
    return pt.done(A, B)


def hugging(s, rng, a, b, subjects=None):  # noqa: ANN001
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 0.56, 0.64, yaw=5.0, dx=0.03), "mean")
    c0, c1 = pt.draw(rng, 0.28, 0.34), pt.draw(rng, 0.68, 0.76)
    ws, wa = bump(s, c0 - 0.24, c1 + 0.2, 0.18), bump(s, c0 - 0.16, c1 + 0.14, 0.16)
    rock = osc(s, int(rng.integers(1, 3))) * bump(s, c0, c1, 0.06) * pt.draw(rng, 0, 4)
    for X in (A, B):  # both step in and lean in, heads to their own left
        pt.step_in(X, ws, pt.draw(rng, 8, 11), rng.choice(["l", "r"]))
        X.add(trunk_flex=ws * pt.draw(rng, 8, 16), trunk_lat=rock + ws * pt.draw(rng, 4, 9), neck_twist=ws * pt.draw(rng, 20, 40),
              neck_lat=ws * pt.draw(rng, 10, 20))
    k, ss = int(np.argmax(ws)), J["spine_shoulder"]  # chest to chest: spine shoulders 0.2-0.27 m apart
    gap = B.fk()[k, ss] - A.fk()[k, ss]
    B.pos[2] += pt.draw(rng, 0.2, 0.27) - np.hypot(gap[0], gap[2])
    for sd in "lr":  # the actor's arms over the partner's shoulders, the partner's under
        A.reach(sd, B.lm("upper_back", -pt.SGN[sd], (0.05, 0.04, -0.02)), wa, pt.draw(rng, 60, 85))
    for sd in "lr":
        B.reach(sd, A.lm("upper_back", -pt.SGN[sd], (0.06, -0.07, -0.02)), wa, pt.draw(rng, 45, 75))
    return pt.done(A, B)


def _meet(A: pt.Body, B: pt.Body, sa: str, sb: str, drop: float, rng: np.random.Generator) -> np.ndarray:
    """Meeting point ``(3,)`` of the actor's arm ``sa`` and the partner's ``sb``: between
    their shoulders, ``drop`` metres below them."""
    p = 0.5 * (A.fk()[0, J[f"shoulder_{pt.NAME[sa]}"]] + B.fk()[0, J[f"shoulder_{pt.NAME[sb]}"]])
    return p + np.array([0.0, -drop, pt.draw(rng, -0.04, 0.04)])


def giving(s, rng, a, b, subjects=None):  # noqa: ANN001
    act, rcv = side(rng)[0], side(rng)[0]
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 0.72, 0.92, yaw=10.0, dx=0.08), "mean")
    c, hold = pt.draw(rng, 0.42, 0.52), pt.draw(rng, 0.06, 0.1)
    lean = bump(s, c - 0.25, c + hold + 0.2, 0.12)
    for X in (A, B):  # both look at the hands and lean in a little
        X.add(neck_flex=lean * pt.draw(rng, 10, 25), trunk_flex=lean * pt.draw(rng, 3, 8))
    m, up = _meet(A, B, act, rcv, pt.draw(rng, 0.22, 0.32), rng), np.array([0.0, 0.035, 0.0])
    # actor: carries the object (grip) at the waist, holds it out over the partner's palm, lets go
    A.d[f"{act}_grip"] = pt.draw(rng, 0.5, 0.8) * ramp(s, 0.03, 0.12) * (1 - ramp(s, c + 0.5 * hold, c + hold))
    A.reach(act, A.lm("waist_front", pt.SGN[act], (0.06, 0.04, -0.02)), bump(s, 0.03, 0.9, 0.15), pt.draw(rng, 0, 15))
    A.reach(act, m + up, bump(s, c - 0.22, c + hold + 0.14, 0.16), 25.0)
    # partner: holds out an open, supinated palm under it, closes on it, takes it to its waist
    B.d[f"{rcv}_forearm_rot"] = bump(s, c - 0.2, c + hold + 0.1, 0.12) * pt.draw(rng, 40, 80)
    B.d[f"{rcv}_grip"] = pt.draw(rng, 0.5, 0.8) * ramp(s, c + 0.3 * hold, c + hold) * (1 - ramp(s, 0.86, 0.96))
    keep = bump(s, c + 0.5 * hold, 0.96, 0.14)
    B.reach(rcv, B.lm("waist_front", pt.SGN[rcv], (0.06, 0.04, -0.02)), keep, pt.draw(rng, 0, 15))
    B.reach(rcv, m - up, bump(s, c - 0.2, c + hold + 0.12, 0.15), 25.0)
    return pt.done(A, B)


def touch_pocket(s, rng, a, b, subjects=None):  # noqa: ANN001
    act, _ = side(rng)
    sg = pt.SGN[act]  # the pocket is on the partner's side nearest the hand (its -sg side)
    if rng.random() < 0.35:  # facing the actor: its front pocket
        front, pl, pocket, off = True, pt.facing(rng, 0.5, 0.6, 15.0, 0.0), "front_pocket", (0.01, 0.0, 0.0)
        pl = (sg * pt.draw(rng, 0.0, 0.1), pl[1], pl[2])
    else:  # beside and ahead, facing about the same way: its near hip or back pocket
        front, pl = False, (sg * pt.draw(rng, 0.38, 0.48), pt.draw(rng, 0.1, 0.3), pt.draw(rng, -25, 25))
        pocket, off = ("hip_pocket", (0.015, 0.0, 0.0)) if rng.random() < 0.5 else ("back_pocket", (0.0, 0.0, 0.01))
    A, B = pt.pair(a, b, subjects, pl)
    c = pt.draw(rng, 0.35, 0.45)
    end = c + pt.draw(rng, 0.2, 0.3)
    react = bump(s, end - 0.05, 0.98, 0.12)  # the partner notices late, looks down, may feel for it
    B.add(neck_flex=react * pt.draw(rng, 15, 30), neck_twist=-sg * react * pt.draw(rng, 10, 35))
    if rng.random() < 0.5:
        reach_landmark(B.d, pt.OTHER[act], "hip_pocket", bump(s, end + 0.05, 0.98, 0.1) * 0.8)
    # actor: bends and leans to the pocket, the fingers in it, fiddling
    w = bump(s, c - 0.25, end + 0.2, 0.2)
    A.add(trunk_flex=w * pt.draw(rng, 10, 25), trunk_lat=sg * w * pt.draw(rng, 3, 10) * (not front),
          trunk_twist=sg * w * pt.draw(rng, 0, 12) * (not front), neck_flex=w * pt.draw(rng, 15, 30))
    A.d[f"{act}_grip"] = w * pt.draw(rng, 0.3, 0.6)
    blend(A.d, f"{act}_wrist", w, pt.draw(rng, 10, 30))
    fid = (osc(s, int(rng.integers(3, 7))) * bump(s, c, end, 0.05) * 0.012)[:, None] * np.array([0.0, 1.0, 0.5])
    goal, k = B.lm(pocket, -sg, np.asarray(off) + fid), int(np.argmax(w))
    for _ in range(5):  # bend further while the pocket is out of reach
        if A.short(goal[k] - A.fk()[k, J[f"shoulder_{pt.NAME[act]}"]], 0.9)[0] > 0:
            A.add(trunk_flex=6.0 * w)
    A.reach(act, goal, w, pt.draw(rng, 20, 50))
    return pt.done(A, B)


def handshaking(s, rng, a, b, subjects=None):  # noqa: ANN001
    A, B = pt.pair(a, b, subjects, pt.facing(rng, 0.7, 0.88), "mean")
    c0 = pt.draw(rng, 0.3, 0.38)
    c1 = c0 + pt.draw(rng, 0.28, 0.38)
    w = bump(s, c0 - 0.2, c1 + 0.18, 0.18)
    pump = osc(np.clip((s - c0) / (c1 - c0), 0, 1), int(rng.integers(2, 5))) * bump(s, c0, c1, 0.05)
    for X in (A, B):
        X.add(trunk_flex=w * pt.draw(rng, 2, 8), neck_flex=w * pt.draw(rng, -5, 10))
        X.d["r_grip"] = bump(s, c0 - 0.03, c1 + 0.03, 0.05) * pt.draw(rng, 0.5, 0.8)
    m = _meet(A, B, "r", "r", pt.draw(rng, 0.3, 0.38), rng) + (pump * pt.draw(rng, 0.02, 0.045))[:, None] * [0.0, 1.0, 0.0]
    A.reach("r", m - np.array([0.015, 0.0, 0.0]), w, pt.draw(rng, 10, 30))  # palm to palm
    B.reach("r", m + np.array([0.015, 0.0, 0.0]), w, pt.draw(rng, 10, 30))
    return pt.done(A, B)


def walking_towards(s, rng, a, b, subjects=None):  # noqa: ANN001
    d0 = pt.draw(rng, 3.0, 4.0)
    A, B = pt.pair(a, b, subjects, pt.facing(rng, d0, d0, yaw=3.0, dx=0.12), "")
    walk, share = d0 - pt.draw(rng, 0.8, 1.0), pt.draw(rng, 0.4, 0.6)
    for X, dist in ((A, walk * share), (B, walk * (1 - share))):
        pt.walk(X, s, pt.draw(rng, 0.0, 0.08), pt.draw(rng, 0.9, 1.0), dist, 0.0, rng)
    return pt.done(A, B)


def walking_apart(s, rng, a, b, subjects=None):  # noqa: ANN001
    d0 = pt.draw(rng, 0.7, 0.9)
    A, B = pt.pair(a, b, subjects, pt.facing(rng, d0, d0, yaw=5.0, dx=0.08), "")
    apart, share = pt.draw(rng, 3.0, 4.0) - d0, pt.draw(rng, 0.4, 0.6)
    for X, dist in ((A, apart * share), (B, apart * (1 - share))):
        turn = rng.choice([-1.0, 1.0]) * pt.draw(rng, 155, 180)  # turn round (little steps), walk away
        t0, td = pt.draw(rng, 0.02, 0.1), pt.draw(rng, 0.14, 0.2)
        X.d["root_yaw"] = turn * ramp(s, t0, t0 + td)
        for k, sd in enumerate(("l", "r") if turn > 0 else ("r", "l")):
            X.add(**{f"{sd}_knee": 25 * bump(s, t0 + k * td / 2, t0 + (k + 1.2) * td / 2, td / 4)})
        pt.walk(X, s, t0 + 0.6 * td, pt.draw(rng, 0.9, 1.0), dist / np.cos(np.radians(180 - abs(turn))), turn, rng)
    return pt.done(A, B)


_G1, _G2, _G3, _G4 = "arm at the partner", "touch the partner", "hands meet", "walking in pairs"
CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(50, "punching/slapping other person", punching_slapping, 70, 2, _G1,
              "fists in guard, fast straight punches to the face/chest (or an open-hand swing onto the cheek)"),
    ClassSpec(51, "kicking other person", kicking, 80, 2, "kicks",
              "a leg chambers and extends the foot into the partner's thigh or belly; the partner folds over"),
    ClassSpec(52, "pushing other person", pushing, 75, 2, _G1,
              "step in, both open palms (wrists extended) onto the chest, slower; the partner is driven back"),
    ClassSpec(53, "pat on back of other person", pat_on_back, 85, 2, _G2,
              "one hand on the upper back/shoulder of a partner beside and ahead, 2-5 small pats"),
    ClassSpec(54, "point finger at the other person", point_finger, 60, 2, _G1,
              "one straight arm held at shoulder height aimed at a partner 1.5-2 m away, no contact"),
    ClassSpec(55, "hugging other person", hugging, 100, 2, _G3,
              "both step in and wrap both arms round each other's upper back, held"),
    ClassSpec(56, "giving something to other person", giving, 85, 2, _G3,
              "one gripping hand out to the middle at waist height, released into the partner's palm-up hand"),
    ClassSpec(57, "touch other person's pocket", touch_pocket, 90, 2, _G2,
              "bend and reach low to the partner's hip/back/front pocket, the fingers fiddle"),
    ClassSpec(58, "handshaking", handshaking, 85, 2, _G3,
              "both right hands meet in the middle, grip and pump vertically 2-4 times"),
    ClassSpec(59, "walking towards each other", walking_towards, 85, 2, _G4,
              "both walk from 3-4 m apart to about 1 m and stop facing each other"),
    ClassSpec(60, "walking apart from each other", walking_apart, 85, 2, _G4,
              "from 0.7-0.9 m apart both turn round and walk away to 3-4 m"),
)
