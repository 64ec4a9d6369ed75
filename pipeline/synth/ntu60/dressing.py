"""Dressing (NTU group "dressing"): wear / take off a jacket, a shoe and a hat/cap.

Each pair shares its postures (arms into and out of sleeves behind the back; one foot
lifted or a deep squat with both hands at that foot; hands over the head), so, as in NTU,
what tells "wear" from "take off" is the direction and order of travel and small hand
details:

* jacket: wearing threads one arm down into its sleeve while the other hand holds the
  collar, then the second arm reaches back into its sleeve (shoulder extension, trunk twist),
  a shrug (``clav_elev``) settles it and the hands pull the front together; taking off starts
  with both hands at the collar and the shoulders drawn back (``clav_prot`` < 0), pulls one
  arm out behind, then the other, and ends with the jacket held in front;
* shoe: wearing slips the shoe over the toes and pulls its heel up while the foot pushes
  forwards into it, then the foot is put down and stamps; taking off pushes the heel down
  and slides the shoe forwards off the toes while the foot comes out backwards;
* hat: putting on carries the hat (``grip``) from the chest up over the head, presses it
  down and adjusts the brim; taking off grips it on the head, lifts it and brings it down to
  the chest.

Hands are placed with :mod:`pipeline.synth.reach`; targets on the lifted foot come from a
forward-kinematics pass of a nominal (H = 1) body, so they follow the leg and the bent trunk.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.body import J, SEGMENT_FRACTIONS, Pose, Subject, forward_kinematics
from pipeline.synth.kinematics import rot_x, rot_y, rot_z
from pipeline.synth.ntu60.base import ClassSpec, blend, bump, keyframes, limit_dofs, ramp, side
from pipeline.synth.reach import landmark, reach, set_reach

__all__ = ["CLASSES", "put_on_hat", "take_off_hat", "take_off_jacket", "take_off_shoe", "wear_jacket", "wear_shoe"]

_NOMINAL = Subject(height=1.0, seg=dict(SEGMENT_FRACTIONS))
_NAME = {"l": "left", "r": "right"}


# ----------------------------------------------------------------------------- helpers
def _opt(d: dict[str, np.ndarray], *keys: str) -> None:
    """Create optional DOFs (zero = the plain body) that a program is about to write."""
    t = len(d["trunk_flex"])
    for k in keys:
        d.setdefault(k, np.zeros(t))


def _times(rng: np.random.Generator, base: list[float], jit: float = 0.02) -> list[float]:
    """Keyframe times ``base`` each moved by up to ``jit`` (kept increasing)."""
    t = np.asarray(base, dtype=np.float64) + rng.uniform(-jit, jit, len(base))
    for i in range(1, len(t)):
        t[i] = max(t[i], t[i - 1] + 0.02)
    return [float(x) for x in t]


def _path(s: np.ndarray, times: list[float], points: list) -> np.ndarray:
    """``(T, 3)`` smooth path through ``points`` at ``times`` (held outside)."""
    p = np.asarray(points, dtype=np.float64)
    return np.stack([keyframes(s, times, list(p[:, i])) for i in range(3)], -1)


def _env(s: np.ndarray, t_in: float, t_out: float) -> np.ndarray:
    """Weight 0 -> 1 from the action's start to ``t_in``, 1 until ``t_out``, 0 again by its end."""
    return keyframes(s, [0.0, t_in, t_out, 1.0], [0.0, 1.0, 1.0, 0.0])


def _twist_sign(x: str) -> float:
    """trunk_twist sign that takes the shoulder of side ``x`` backwards."""
    return 1.0 if x == "l" else -1.0


def _body_points(d: dict[str, np.ndarray], support: str) -> tuple[np.ndarray, np.ndarray]:
    """Nominal (H = 1) joints ``(T, 25, 3)`` of ``d`` and its upper-trunk rotations ``(T, 3, 3)``."""
    joints = forward_kinematics(Pose(dofs=d, support=support), _NOMINAL)
    half = rot_y(0.5 * d["trunk_twist"]) @ rot_x(0.5 * d["trunk_flex"]) @ rot_z(-0.5 * d["trunk_lat"])
    r_up = half @ half
    zero = np.zeros(len(d["trunk_flex"]))
    g = lambda k: d.get(k, zero)  # noqa: E731
    r_up = rot_y(g("root_yaw")) @ rot_x(g("root_pitch")) @ rot_z(-g("root_roll")) @ r_up
    return joints, r_up


def _to_arm(p: np.ndarray, joints: np.ndarray, r_up: np.ndarray, arm: str) -> np.ndarray:
    """Body-frame points ``(T, 3)`` (H = 1) as reach targets of ``arm`` (its own convention)."""
    loc = np.einsum("tji,tj->ti", r_up, p - joints[:, J["spine_shoulder"]])
    if arm == "r":
        loc[:, 0] = -loc[:, 0]
    return loc


# ----------------------------------------------------------------------------- jacket
# Reach targets (arm's own convention, fractions of stature). Paths between them are kept
# away from the line straight below the shoulder, where the elbow swivel is undefined.
_REST = (0.10, -0.30, 0.03)  # about where an idle wrist hangs
_FRONT = (0.065, -0.14, 0.21)  # both hands holding the jacket up in front of the chest
_ARMHOLE = (0.17, -0.17, 0.0)  # the hand going into the sleeve at the own side
_THROUGH = (0.17, -0.28, 0.05)  # the arm pushed down through the sleeve
_BEHIND = (0.15, -0.21, -0.125)  # hand behind the hip: the arm in shoulder extension
_DOWN_BACK = (0.17, -0.275, -0.06)  # arm pushed down-back through the sleeve
_OUT = (0.17, -0.265, 0.045)  # arm straight down, slightly forwards (out of the sleeve)
_EDGE = (0.075, -0.12, 0.10)  # gripping the jacket's front edge on the own side
_MIDDLE = (0.02, -0.15, 0.105)  # the two edges pulled together


def _effort(p: np.ndarray, q: np.ndarray, sw_p: float, sw_q: float) -> float:
    """How long a wrist move from ``q`` to ``p`` takes: its length (fractions of stature) or its
    largest joint rotation (degrees / 400), whichever is larger."""
    ang = [reach(np.asarray(x), sw) for x, sw in ((p, sw_p), (q, sw_q))]
    el = np.deg2rad(0.5 * (ang[0]["sh_elev"][0] + ang[1]["sh_elev"][0]))
    rot = max(abs(ang[0]["sh_elev"][0] - ang[1]["sh_elev"][0]), abs(ang[0]["elbow"][0] - ang[1]["elbow"][0]),
              abs((ang[0]["sh_azim"][0] - ang[1]["sh_azim"][0] + 180) % 360 - 180) * np.sin(el))
    return max(float(np.linalg.norm(p - q)), rot / 400.0)


def _two_arms(d: dict[str, np.ndarray], s: np.ndarray, rng: np.random.Generator, arms: tuple[str, str],
              keys: list[tuple], speed: float = 1.0) -> list[float]:
    """Both arms through shared keys ``[(target_a, target_b, swivel_a, swivel_b, grip_a, grip_b,
    hold), ...]`` from idle and back. Each move lasts in proportion to the larger of the two
    arms' efforts (:func:`_effort`: an even pace); ``hold`` (same units) keeps a key; the
    durations vary per sample. Returns the key arrival times."""
    n = len(keys)
    pts = [np.array([k[i] for k in keys], dtype=np.float64) for i in (0, 1)]
    rest = np.asarray(_REST)
    seg = [0.0]
    for i in range(n):
        move = max(_effort(pts[j][i], rest if i == 0 else pts[j][i - 1], keys[i][2 + j],
                           30.0 if i == 0 else keys[i - 1][2 + j]) for j in (0, 1))
        seg.append(seg[-1] + (move + (0.06 if i == 0 else 0.03)) * rng.uniform(0.85, 1.15) / speed)
        seg.append(seg[-1] + keys[i][6] * rng.uniform(0.7, 1.3))
    seg.append(seg[-1] + max(_effort(rest, pts[j][-1], 30.0, keys[-1][2 + j]) for j in (0, 1)) + 0.08)
    ts = [float(x) for x in (np.asarray(seg) / seg[-1])[1:-1]]  # arrive 0, leave 0, arrive 1, ...
    w = _env(s, ts[0], ts[-1])
    for j, arm in enumerate(arms):
        sw = np.repeat([k[2 + j] for k in keys], 2)
        set_reach(d, arm, _path(s, ts, list(np.repeat(pts[j], 2, axis=0))), w, keyframes(s, ts, list(sw)))
        g = np.repeat([k[4 + j] for k in keys], 2)
        d[f"{arm}_grip"] = keyframes(s, [0.0] + ts + [1.0], [0.0] + list(g) + [0.0])
    return ts[0::2]


def wear_jacket(s, rng, d):  # noqa: ANN001
    a, o = side(rng, 0.6)  # a: the first arm into its sleeve
    _opt(d, *(f"{x}_{k}" for x in "lr" for k in ("clav_elev", "clav_prot", "grip", "forearm_rot")))
    front = tuple(np.add(_FRONT, rng.uniform(-0.02, 0.02, 3)))
    zip_up = rng.random() < 0.35  # pull the front together, or zip it up from the waist
    end_a = ((0.02, -0.24, 0.12), (0.015, -0.08, 0.11)) if zip_up else (_EDGE, _MIDDLE)
    end_o = ((0.03, -0.24, 0.12), (0.03, -0.23, 0.12)) if zip_up else (_EDGE, _EDGE)
    collar = tuple(landmark("opposite_shoulder", (0.035, 0.03, 0.085)))  # the first arm's collar
    collar2 = tuple(np.add(collar, (0, 0.02, 0)))
    behind = tuple(np.add(_BEHIND, (rng.uniform(-0.01, 0.02), rng.uniform(-0.03, 0.02), rng.uniform(-0.02, 0.01))))
    held = (0.045, -0.10, 0.09)  # the first hand holding the front while the other goes in
    # (first arm, other arm, swivels, grips, hold): the jacket held up in front; the first arm
    # into the armhole at its side and pushed down the sleeve while the other hand holds the
    # collar up; then the other arm swings out and reaches back into its sleeve behind the hip
    # and pushes through; shrug; the front edges pulled together (or zipped up)
    ts = _two_arms(d, s, rng, (a, o), [
        (front, front, 30, 30, 0.8, 0.8, 0.03),
        (front, collar, 30, 60, 0.8, 0.9, 0.0),
        (_ARMHOLE, collar2, 40, 60, 0.1, 0.9, 0.0),
        (_THROUGH, collar2, 30, 60, 0.1, 0.9, 0.02),
        (held, (0.12, -0.08, 0.16), 40, 40, 0.8, 0.3, 0.0),
        (held, (0.19, -0.12, 0.02), 40, 50, 0.8, 0.0, 0.0),
        ((0.035, -0.12, 0.10), behind, 40, 65, 0.8, 0.0, 0.02),
        ((0.035, -0.12, 0.10), _DOWN_BACK, 40, 40, 0.8, 0.0, 0.0),
        ((0.05, -0.12, 0.10), _OUT, 40, 30, 0.8, 0.0, 0.3),
        (end_a[0], end_o[0], 35, 35, 0.9, 0.9, 0.0),
        (end_a[1], end_o[1], 35, 35, 0.9, 0.9, 0.03)], speed=rng.uniform(0.9, 1.1))
    if zip_up:  # the zip hand turns and goes up the front
        d[f"{a}_forearm_rot"] = d[f"{a}_forearm_rot"] - 30 * bump(s, ts[9] - 0.04, ts[10] + 0.04, 0.04)
    # the first shoulder shrugs the jacket on; the second reaches back (girdle retracted),
    # the trunk and the head turning towards it
    d[f"{a}_clav_elev"] = d[f"{a}_clav_elev"] + rng.uniform(6, 14) * bump(s, ts[2], ts[4], 0.04)
    back = bump(s, ts[5] - 0.02, ts[7] + 0.02, 0.05)
    d[f"{o}_clav_prot"] = d[f"{o}_clav_prot"] - rng.uniform(8, 16) * back
    d["trunk_twist"] = d["trunk_twist"] + _twist_sign(o) * rng.uniform(12, 25) * back
    d["trunk_lat"] = d["trunk_lat"] + _twist_sign(o) * rng.uniform(0, 5) * back
    d["neck_twist"] = d["neck_twist"] + _twist_sign(o) * rng.uniform(10, 30) * back
    # shrug(s) of both shoulders to settle the jacket, then the front pulled together
    n = 1 if rng.random() < 0.7 else 2
    amp = rng.uniform(12, 24)
    for i in range(n):
        c = ts[8] + (ts[9] - ts[8]) * (i + 0.5) / n
        half = 0.5 * (ts[9] - ts[8]) / n
        sh = bump(s, c - half, c + half, 0.6 * half)
        for x in "lr":
            d[f"{x}_clav_elev"] = d[f"{x}_clav_elev"] + amp * sh
            d[f"{x}_clav_prot"] = d[f"{x}_clav_prot"] + rng.uniform(-3, 6) * sh
    d["neck_flex"] = d["neck_flex"] + rng.uniform(8, 22) * bump(s, ts[8], 1.0, 0.06)  # looks down at the front
    limit_dofs(d)
    return "both"


def take_off_jacket(s, rng, d):  # noqa: ANN001
    a, o = side(rng, 0.6)  # a: the first arm out
    _opt(d, *(f"{x}_{k}" for x in "lr" for k in ("clav_elev", "clav_prot", "grip", "forearm_rot")))
    lapel = (0.035, -0.06, 0.11)
    off = (0.12, -0.07, 0.08)  # hands pushing the jacket back over the shoulders
    front = tuple(np.add(_FRONT, rng.uniform(-0.02, 0.02, 3)))
    fold = tuple(np.add(front, (-0.04, -0.02, 0.01)))
    across = (-0.05, -0.22, 0.16)  # the free hand pulls the other sleeve's cuff in front
    across2 = (-0.05, -0.23, 0.14)
    behind = tuple(np.add(_BEHIND, (rng.uniform(-0.01, 0.02), rng.uniform(-0.03, 0.02), rng.uniform(-0.02, 0.01))))
    # (first arm, other arm, swivels, grips, hold): hands at the lapels, pushed back over the
    # shoulders; the first arm out behind (elbow back, the sleeve slips off) and forwards free
    # while the other hand holds the front; the free hand takes the other cuff and that arm is
    # pulled out behind; the jacket taken in front and folded
    ts = _two_arms(d, s, rng, (a, o), [
        (lapel, lapel, 40, 40, 0.9, 0.9, 0.02),
        (off, off, 60, 60, 0.9, 0.9, 0.03),
        (behind, (0.075, -0.13, 0.07), 65, 40, 0.2, 0.5, 0.02),
        (_OUT, (0.17, -0.26, 0.05), 35, 30, 0.0, 0.1, 0.0),
        (across, (0.17, -0.25, -0.05), 25, 45, 0.9, 0.0, 0.0),
        (across2, behind, 25, 65, 0.9, 0.0, 0.02),
        (front, _OUT, 30, 30, 0.9, 0.6, 0.0),
        (front, front, 30, 30, 0.9, 0.9, 0.03),
        (fold, fold, 30, 30, 0.9, 0.9, 0.03)], speed=rng.uniform(0.9, 1.1))
    # shoulders drawn back and chest out: the jacket slides off the shoulders
    ret = bump(s, ts[0] - 0.02, ts[2], 0.05)
    for x in "lr":
        d[f"{x}_clav_prot"] = d[f"{x}_clav_prot"] - rng.uniform(10, 18) * ret
        d[f"{x}_clav_elev"] = d[f"{x}_clav_elev"] + rng.uniform(0, 8) * ret
    d["trunk_flex"] = d["trunk_flex"] - rng.uniform(2, 8) * ret
    # each arm out behind with the trunk and the head turning towards it
    for x, c in ((a, ts[2]), (o, ts[5])):
        tw = bump(s, c - 0.09, c + 0.07, 0.06)
        d["trunk_twist"] = d["trunk_twist"] + _twist_sign(x) * rng.uniform(10, 22) * tw
        d[f"{x}_clav_prot"] = d[f"{x}_clav_prot"] - rng.uniform(5, 12) * tw
        d["neck_twist"] = d["neck_twist"] + _twist_sign(x) * rng.uniform(5, 25) * tw
    d["neck_flex"] = d["neck_flex"] + rng.uniform(8, 20) * bump(s, ts[5], 1.0, 0.06)  # looks at the jacket
    for x in "lr":  # the jacket turned over in the hands
        d[f"{x}_forearm_rot"] = d[f"{x}_forearm_rot"] + rng.uniform(-30, 30) * bump(s, ts[6], ts[8] + 0.02, 0.04)
    limit_dofs(d)
    return "both"


# ----------------------------------------------------------------------------- shoe
def _shoe(s: np.ndarray, rng: np.random.Generator, d: dict[str, np.ndarray], wear: bool) -> str:
    f, o = side(rng, 0.65)  # f: the foot; the other foot carries the weight
    sg = 1.0 if f == "l" else -1.0
    support = _NAME[o]
    squat = rng.random() < 0.35
    arms = (f, o) if rng.random() < 0.7 else (f,)
    _opt(d, "root_pitch", *(f"{x}_{k}" for x in "lr" for k in ("grip", "forearm_rot")))
    k = _times(rng, [0.27, 0.33, 0.40, 0.47, 0.57, 0.63], 0.015)  # hands at the foot k[0]..k[-1]
    pose_in, pose_out = rng.uniform(0.2, 0.23), k[-1] + rng.uniform(0.2, 0.22)
    pw = keyframes(s, [0.02, pose_in, k[-1] + 0.06, pose_out], [0, 1, 1, 0])
    p = rng.uniform(7, 12)  # pelvis tipped forwards (the thighs keep their angles)
    flex = rng.uniform(76, 86)
    if squat:  # both knees deep, the trunk forwards over the knees
        h = rng.uniform(106, 111)
        legs = {f: (h, h + rng.uniform(20, 25)), o: (h, h + rng.uniform(20, 25))}
    else:  # standing on the other leg, the foot lifted towards the hands
        legs = {f: (rng.uniform(102, 110), rng.uniform(78, 92)), o: (rng.uniform(6, 14), rng.uniform(14, 26))}
    d["root_pitch"] = d["root_pitch"] + p * pw
    for x, (hh, kk) in legs.items():
        blend(d, f"{x}_hip_flex", pw, hh + p)
        blend(d, f"{x}_knee", pw, kk)
    # the foot's own travel while the hands work: into the shoe (forwards) or out (back)
    if wear:
        push = ramp(s, k[3], k[4]) * (1 - ramp(s, k[-1], pose_out))
        d[f"{f}_knee"] = d[f"{f}_knee"] - (rng.uniform(8, 14) if not squat else -4.0) * push
        d[f"{f}_hip_flex"] = d[f"{f}_hip_flex"] + (0.0 if not squat else 6.0) * push
        # put down, then one or two stamps (quick down-stroke)
        for i in range(int(rng.integers(1, 3))):
            c = pose_out + 0.005 + 0.065 * i
            st = ramp(s, c, c + 0.04) * (1 - ramp(s, c + 0.043, c + 0.068))
            d[f"{f}_hip_flex"] = d[f"{f}_hip_flex"] + rng.uniform(16, 26) * st
            d[f"{f}_knee"] = d[f"{f}_knee"] + rng.uniform(28, 40) * st
    else:
        out = ramp(s, k[3], k[4]) * (1 - ramp(s, k[-1], pose_out))
        d[f"{f}_knee"] = d[f"{f}_knee"] + rng.uniform(14, 22) * out
        d[f"{f}_hip_flex"] = d[f"{f}_hip_flex"] - rng.uniform(4, 10) * out
    d["trunk_flex"] = d["trunk_flex"] + (flex - d["trunk_flex"]) * pw
    d["trunk_lat"] = d["trunk_lat"] + sg * rng.uniform(0, 6) * pw
    d["trunk_twist"] = d["trunk_twist"] + sg * rng.uniform(0, 8) * pw
    d["neck_flex"] = d["neck_flex"] + rng.uniform(8, 25) * pw
    for x in "lr":  # flat feet, the acting one pointing a little while it works
        toe = (rng.uniform(-12, 0) * pw) if x == f and not squat else 0.0
        d[f"{x}_ankle"] = d[f"{x}_knee"] - d[f"{x}_hip_flex"] + d["root_pitch"] + toe
    limit_dofs(d)
    joints, r_up = _body_points(d, support)
    ankle = joints[:, J[f"ankle_{_NAME[f]}"]]
    for x in "lr":  # while bending down the arms hang (the free one a little outwards)
        blend(d, f"{x}_sh_elev", pw, flex + p + rng.uniform(0, 12))
        blend(d, f"{x}_sh_azim", pw, rng.uniform(75, 88) if x in arms else rng.uniform(55, 75))
        blend(d, f"{x}_elbow", pw, rng.uniform(10, 35))
    hw = keyframes(s, [pose_in - 0.08, k[0], k[-1], k[-1] + 0.12], [0, 1, 1, 0])
    n = int(rng.integers(2, 4))
    wig = 0.5 * (1 - np.cos(2 * np.pi * n * ramp(s, k[2], k[4])))  # tugs / wiggles
    for x in arms:
        lx = (sg if x == f else -sg) * rng.uniform(0.035, 0.05) * (0.7 if len(arms) == 1 else 1.0)
        if wear:  # over the toes, back to the heel, pull it up, let go upwards
            rel = [(lx, 0.055, 0.03), (lx, 0.045, 0.025), (lx, 0.055, -0.05), (lx, 0.06, -0.055),
                   (lx, 0.065, -0.055), (1.6 * lx, 0.16, -0.04)]
            extra = np.outer(wig, (0.0, 0.025, -0.01))
        else:  # heel pushed down, the shoe slid forwards off the toes and carried away
            rel = [(lx, 0.07, -0.05), (lx, 0.06, -0.06), (lx, 0.05, -0.04), (lx, 0.055, 0.04),
                   (lx, 0.06, 0.10), (1.6 * lx + sg * 0.05, 0.13, 0.17)]
            extra = np.outer(wig * (1 - ramp(s, k[3], k[4])), (0.0, -0.02, -0.01))
        rel = [np.add(rel[0], (0.0, 0.09, 0.04 if wear else 0.0))] + rel  # hands come down onto the foot
        tgt = _to_arm(ankle + _path(s, [pose_in] + k, rel) + extra, joints, r_up, x)
        set_reach(d, x, tgt, hw, 20.0 if x == f else 35.0)
        g = [0.7, 0.8, 0.8, 0.9, 0.9, 0.0] if wear else [0.0, 0.8, 0.9, 0.9, 0.9, 0.8]
        grip = keyframes(s, [pose_in - 0.06] + k + [k[-1] + 0.1], [0.0] + g + [0.0])
        blend(d, f"{x}_grip", np.ones_like(s), grip)
        blend(d, f"{x}_forearm_rot", hw, rng.uniform(-25, 10))
    limit_dofs(d)
    return support


def wear_shoe(s, rng, d):  # noqa: ANN001
    return _shoe(s, rng, d, wear=True)


def take_off_shoe(s, rng, d):  # noqa: ANN001
    return _shoe(s, rng, d, wear=False)


# ----------------------------------------------------------------------------- hat
def _hat(s: np.ndarray, rng: np.random.Generator, d: dict[str, np.ndarray], on: bool) -> str:
    a, o = side(rng)
    two = rng.random() < 0.6
    arms = (a, o) if two else (a,)
    _opt(d, *(f"{x}_{k}" for x in "lr" for k in ("grip", "forearm_rot", "wrist_dev")), "neck_lat")
    lx = rng.uniform(0.06, 0.08)
    chest = (lx if two else 0.015, rng.uniform(-0.13, -0.08), rng.uniform(0.19, 0.23))
    top = (lx, 0.145, 0.02) if two else (0.03, 0.095, 0.12)  # sides of the crown / the brim
    above = (lx + 0.01, rng.uniform(0.20, 0.24), 0.05) if two else (0.03, rng.uniform(0.16, 0.2), 0.15)
    brim = (0.035, 0.085, 0.125)
    if on:  # chest (hold, look at it) -> over the head -> pressed down -> brim adjusted
        k = _times(rng, [0.20, 0.31, 0.44, 0.53, 0.59, 0.67, 0.77])
        pts = [chest, chest, above, top, np.add(top, (0, -0.012, 0)), brim, brim]
        grip = [0.8, 0.8, 0.9, 0.9, 0.6, 0.7, 0.6]
        head_t, look = (k[3], k[4]), bump(s, 0.05, k[1] + 0.05, 0.08)
    else:  # up open -> gripped on the head -> lifted -> down to the chest (hold, look)
        k = _times(rng, [0.29, 0.36, 0.46, 0.60, 0.69, 0.77, 0.83])
        pts = [top, top, above, chest, chest, chest, chest]
        grip = [0.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.6]
        head_t, look = (k[0], k[1]), bump(s, k[2] + 0.05, k[5] + 0.05, 0.08)
    w = _env(s, k[0], k[-1])
    for x in arms:
        path = _path(s, k, pts if (x == a or not on) else pts[:5] + [pts[4], pts[4]])
        if x == o and on:  # the other hand lets go after the press and comes down
            wx = _env(s, k[0], k[4] + 0.02)
        else:
            wx = w
        set_reach(d, x, path, wx, keyframes(s, k, [30, 30, 70, 90, 90, 50, 50] if on else [90, 90, 70, 30, 30, 30, 30]))
        g = keyframes(s, [0.0] + k + [1.0], [0.0] + grip + [0.0])
        if on:
            g = g * (1 - ramp(s, k[-1], k[-1] + 0.05))
        blend(d, f"{x}_grip", wx, g)
        blend(d, f"{x}_forearm_rot", wx, rng.uniform(-20, 20))
    # brim adjusted by the acting hand: small pinch and side-to-side turns of the hand
    adj = bump(s, k[4], k[-1], 0.03) if on else bump(s, k[0] - 0.03, k[1] + 0.02, 0.03)
    n = int(rng.integers(1, 3))
    d[f"{a}_wrist_dev"] = d[f"{a}_wrist_dev"] + rng.uniform(8, 18) * adj * np.sin(2 * np.pi * n * ramp(s, k[4], k[-1]))
    d[f"{a}_wrist"] = d[f"{a}_wrist"] + rng.uniform(10, 25) * adj
    # head: looks at the hat in the hands, dips under the press / the lift, a small roll
    d["neck_flex"] = d["neck_flex"] + rng.uniform(10, 22) * look
    press = bump(s, head_t[0] - 0.04, head_t[1] + 0.04, 0.04)
    d["neck_flex"] = d["neck_flex"] + (rng.uniform(4, 10) if on else -rng.uniform(0, 6)) * press
    d["neck_lat"] = d["neck_lat"] + rng.uniform(-6, 6) * press
    limit_dofs(d)
    return "both"


def put_on_hat(s, rng, d):  # noqa: ANN001
    return _hat(s, rng, d, on=True)


def take_off_hat(s, rng, d):  # noqa: ANN001
    return _hat(s, rng, d, on=False)


CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(14, "wear jacket", wear_jacket, mean_frames=130, group="dressing",
              difference="one arm pushed down its sleeve, the other reaching back into its sleeve (shoulder "
                         "extension, trunk twist), shrug (clav_elev), hands pull the front together at the end"),
    ClassSpec(15, "take off jacket", take_off_jacket, mean_frames=140, group="dressing",
              difference="hands at the collar first with shoulders drawn back (clav_prot < 0), one arm out behind "
                         "then the other, jacket held in front at the end"),
    ClassSpec(16, "wear a shoe", wear_shoe, mean_frames=120, group="dressing",
              difference="hands at one foot (lifted, or squatting) go from the toes to the heel and pull up while "
                         "the foot pushes forwards; foot put down and stamped"),
    ClassSpec(17, "take off a shoe", take_off_shoe, mean_frames=110, group="dressing",
              difference="hands at one foot (lifted, or squatting) push the heel down and slide forwards off the "
                         "toes while the foot comes out backwards; no stamp"),
    ClassSpec(20, "put on a hat/cap", put_on_hat, mean_frames=105, group="dressing",
              difference="gripping hands travel chest -> over the head -> press down, then brim adjusted "
                         "(wrist_dev); open hands come down"),
    ClassSpec(21, "take off a hat/cap", take_off_hat, mean_frames=100, group="dressing",
              difference="open hands go up to the head, grip, lift and bring the hat down to the chest "
                         "(the opposite direction of travel)"),
)
