"""Two bodies at once, for the two-person programs of the NTU-60-like world: a body being
built (its DOFs, support, subject and where it stands in the main actor's frame), its
landmarks and reaches in the actor's frame (arm IK of :mod:`pipeline.synth.reach`, corrected
for the hand beyond the wrist and the body's arm length; a two-link leg IK for kicks), and
the shared moves: stepping in, staggering back, walking.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.body import J, SEGMENT_FRACTIONS, Pose, Subject, forward_kinematics
from pipeline.synth.kinematics import rot_x, rot_y, rot_z
from pipeline.synth.ntu60.base import Interaction, blend, bump, limit_dofs, ramp
from pipeline.synth.reach import LANDMARKS, set_reach

NOMINAL_HEIGHT = 1.70
NOMINAL = Subject(NOMINAL_HEIGHT, {k: v * NOMINAL_HEIGHT for k, v in SEGMENT_FRACTIONS.items()})
ARM = ("sh_elev", "sh_azim", "sh_twist", "elbow")
SH0 = np.array([SEGMENT_FRACTIONS["shoulder_dx"], -SEGMENT_FRACTIONS["shoulder_dy"], 0.0])
NAME = {"l": "left", "r": "right"}
SGN = {"l": 1.0, "r": -1.0}  # +1: the side is the body's +x (left)
OTHER = {"l": "r", "r": "l"}


def rotate(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``r (T, 3, 3)`` applied to ``v (T, 3)``."""
    return r[:, :, 0] * v[:, 0:1] + r[:, :, 1] * v[:, 1:2] + r[:, :, 2] * v[:, 2:3]


class Body:
    """One performer while a program builds it: DOFs ``d``, support, subject, and where it
    stands in the actor's frame (``pos``, ``yaw``; zero for the actor)."""

    def __init__(self, d: dict, sub: Subject, pl: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        self.d, self.sub, self.sup, self.yaw = d, sub, "both", pl[2]
        self.rot = rot_y(np.array([pl[2]]))[0]
        self.pos = np.array([pl[0], 0.0, pl[1]])
        self.t = len(d["trunk_flex"])

    def add(self, **kw: np.ndarray) -> None:
        for k, v in kw.items():
            self.d[k] = self.d.get(k, 0.0) + v

    def free(self) -> None:
        self.sup = "free"
        self.add(root_dx=np.zeros(self.t), root_dz=np.zeros(self.t))

    def short(self, v: np.ndarray, frac: float) -> tuple[float, np.ndarray]:
        """How far the shoulder-to-goal vector ``v`` reaches beyond ``frac`` of the arm."""
        g = self.sub.seg
        return float(np.linalg.norm(v) - frac * (g["upper_arm"] + g["forearm"] + g["hand"])), v

    def fk(self) -> np.ndarray:
        """Joints ``(T, 25, 3)`` in the actor's frame."""
        return forward_kinematics(Pose(dofs=self.d, support=self.sup), self.sub) @ self.rot.T + self.pos

    def r_up(self) -> np.ndarray:
        """Upper-trunk rotation ``(T, 3, 3)`` in the actor's frame, as the FK builds it."""
        d, z = self.d, np.zeros(self.t)
        half = rot_y(d["trunk_twist"] / 2) @ rot_x(d["trunk_flex"] / 2) @ rot_z(-d["trunk_lat"] / 2)
        root = rot_y(d.get("root_yaw", z)) @ rot_x(d.get("root_pitch", z)) @ rot_z(-d.get("root_roll", z))
        return self.rot @ root @ half @ half

    def lm(self, name: str, sgn: float = 1.0, off=(0.0, 0.0, 0.0)) -> np.ndarray:
        """Landmark ``name`` of :data:`LANDMARKS` (+ ``off``, stature units, ``(3,)`` or
        ``(T, 3)``) on this body's ``sgn`` side (+1 left), in the actor's frame ``(T, 3)``."""
        v = (np.asarray(LANDMARKS[name]) + np.asarray(off)) * np.array([sgn, 1.0, 1.0]) * self.sub.height
        return self.fk()[:, J["spine_shoulder"]] + rotate(self.r_up(), np.broadcast_to(v, (self.t, 3)))

    def reach(self, sd: str, goal, w: np.ndarray, swivel=30.0, joint: str = "hand") -> None:
        """Blend arm ``sd`` so that its ``joint`` is at ``goal`` (actor's frame, metres,
        ``(3,)`` or ``(T, 3)``) where ``w`` = 1."""
        goal = np.broadcast_to(np.asarray(goal, dtype=np.float64), (self.t, 3))
        base = {k: self.d[f"{sd}_{k}"].copy() for k in ARM}
        nm, tgt = NAME[sd], goal
        sh, r = self.fk()[:, J[f"shoulder_{nm}"]], np.swapaxes(self.r_up(), 1, 2)
        scale = self.sub.seg["upper_arm"] / SEGMENT_FRACTIONS["upper_arm"]  # stature x arm factor
        for it in range(3):  # the wrist goal, then corrected for the hand beyond it
            loc = rotate(r, tgt - sh) / scale * np.array([SGN[sd], 1.0, 1.0])
            self.d.update({f"{sd}_{k}": v.copy() for k, v in base.items()})
            set_reach(self.d, sd, loc + SH0, w, swivel)
            if it < 2:
                j = self.fk()
                tgt = goal - (j[:, J[f"{joint}_{nm}"]] - j[:, J[f"wrist_{nm}"]])

    def kick(self, sd: str, goal: np.ndarray, w: np.ndarray, plantar: float, w_ankle: np.ndarray) -> None:
        """Blend leg ``sd`` (sagittal two-link IK) so that its foot is at ``goal`` where
        ``w`` = 1; the ankle plantar-flexes to ``plantar`` with ``w_ankle``."""
        lt, ls = self.sub.seg["thigh"], self.sub.seg["shin"]
        nm, d, tgt = NAME[sd], self.d, goal
        hip, knee = d[f"{sd}_hip_flex"].copy(), d[f"{sd}_knee"].copy()
        at = self.fk()[:, J[f"hip_{nm}"]]  # the hip does not move with its own leg
        for _ in range(3):
            p = tgt - at
            dist = np.clip(np.hypot(p[:, 1], p[:, 2]), 0.3, lt + ls - 1e-3)
            beta = np.arccos(np.clip((lt * lt + dist ** 2 - ls * ls) / (2 * lt * dist), -1, 1))
            bend = 180 - np.degrees(np.arccos(np.clip((lt * lt + ls * ls - dist ** 2) / (2 * lt * ls), -1, 1)))
            d[f"{sd}_hip_flex"] = hip + w * (np.degrees(np.arctan2(p[:, 2], -p[:, 1]) + beta) - hip)
            d[f"{sd}_knee"] = knee + w * (bend - knee)
            d[f"{sd}_ankle"] = (1 - w_ankle) * (d[f"{sd}_knee"] - d[f"{sd}_hip_flex"]) + w_ankle * plantar
            j = self.fk()
            tgt = goal - (j[:, J[f"foot_{nm}"]] - j[:, J[f"ankle_{nm}"]])


def pair(a: dict, b: dict, subjects, pl, scale: str = "arm") -> tuple[Body, Body]:
    """The two bodies; the partner's distance scales with the actor's arm (or leg) length,
    or with both statures (``"mean"``), so that a limb reaches what it reaches at 1.70 m."""
    sa, sb = subjects if subjects is not None else (NOMINAL, NOMINAL)
    g, f = sa.seg, SEGMENT_FRACTIONS
    k = {"arm": (g["upper_arm"] + g["forearm"]) / (f["upper_arm"] + f["forearm"]) / NOMINAL_HEIGHT,
         "leg": (g["thigh"] + g["shin"]) / (f["thigh"] + f["shin"]) / NOMINAL_HEIGHT,
         "mean": (sa.height + sb.height) / (2 * NOMINAL_HEIGHT)}.get(scale, 1.0)
    return Body(a, sa), Body(b, sb, (pl[0] * k, pl[1] * k, pl[2]))


def close_in(A: Body, B: Body, sd: str, goal, w: np.ndarray, frac: float = 0.93) -> None:
    """Move the partner towards the actor while ``goal()`` (a point on it) is out of the
    reach of the actor's arm ``sd`` where ``w`` peaks."""
    k = int(np.argmax(w))
    sh = A.fk()[k, J[f"shoulder_{NAME[sd]}"]]
    for _ in range(4):
        short, v = A.short(goal()[k] - sh, frac)
        if short > 0.005:
            h = np.array([v[0], 0.0, v[2]])
            B.pos = B.pos - h * short * np.linalg.norm(v) / (h @ h)


def done(A: Body, B: Body) -> Interaction:
    """Wrap the periodic angles, keep every DOF inside :data:`JOINT_LIMITS_60`, place B."""
    limit_dofs(A.d)
    limit_dofs(B.d)
    c = lambda v: np.full(A.t, float(v))  # noqa: E731
    return Interaction(A.sup, B.sup, c(B.pos[0]), c(B.pos[2]), c(B.yaw))


def step_in(X: Body, w: np.ndarray, alpha: float, front: str) -> None:
    """Split stance where ``w`` = 1: the ``front`` leg steps forward (lifted on the way), the
    other stays planted behind (the support): the pelvis moves ``leg sin(alpha)`` forwards."""
    back, lift = OTHER[front], 4 * w * (1 - w)
    X.add(**{f"{front}_hip_flex": w * alpha + lift * 10, f"{front}_knee": lift * 25,
             f"{back}_hip_flex": -w * alpha})
    X.sup = NAME[back]


def stagger(X: Body, s: np.ndarray, t0: float, dur: float, dist: float, rng: np.random.Generator) -> None:
    """Driven back ``dist`` metres (own frame) from ``s = t0`` over ``dur``, two steps back."""
    X.free()
    X.add(root_dz=-dist * ramp(s, t0, t0 + dur))
    for k, leg in enumerate(("l", "r") if rng.random() < 0.5 else ("r", "l")):
        st = bump(s, t0 + 0.45 * k * dur, t0 + (0.45 * k + 0.6) * dur, 0.25 * dur)
        X.add(**{f"{leg}_hip_flex": -st * rng.uniform(8, 15), f"{leg}_knee": st * rng.uniform(20, 35)})


def walk(X: Body, s: np.ndarray, t0: float, t1: float, dist: float, heading: float, rng: np.random.Generator) -> None:
    """Walk ``dist`` metres along ``heading`` (degrees, own frame at frame 0; 0 = forward)
    between ``s = t0`` and ``t1``: the hips alternate, the swing knee flexes, the arms swing
    against the legs, and the root advances with the stride (a nearly planted stance foot)."""
    X.free()
    env = ramp(s, t0, t0 + 0.12) * (1 - ramp(s, t1 - 0.12, t1))
    cum = np.cumsum(env)
    x = dist * cum / max(cum[-1], 1e-9)
    amp, knee, arm = rng.uniform(11, 16), rng.uniform(40, 60), rng.uniform(12, 25)
    stride = 2 * (X.sub.seg["thigh"] + X.sub.seg["shin"]) * np.sin(np.radians(amp))  # per step, full amplitude
    phase = np.pi * np.cumsum(env > 0) * dist / (max(cum[-1], 1e-9) * stride) + rng.choice([0.0, np.pi])
    h, ab = np.radians(heading), np.radians(8.0)
    X.add(root_dx=x * np.sin(h), root_dz=x * np.cos(h), trunk_flex=env * rng.uniform(2, 6),
          trunk_twist=env * 4 * np.sin(phase))
    for sd, ph in (("l", phase), ("r", phase + np.pi)):
        X.add(**{f"{sd}_hip_flex": env * amp * np.sin(ph),
                 f"{sd}_knee": env * (knee * np.maximum(np.cos(ph), 0.0) ** 2 + 5)})
        th = np.radians(-arm * np.sin(ph))  # the arm swings against its own leg
        blend(X.d, f"{sd}_sh_elev", env, np.degrees(np.arccos(np.cos(th) * np.cos(ab))))
        blend(X.d, f"{sd}_sh_azim", env, np.degrees(np.arctan2(np.sin(th) * np.cos(ab), np.sin(ab))))
        blend(X.d, f"{sd}_elbow", env, 15 + 20 * np.maximum(np.sin(-ph), 0.0))


def draw(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def facing(rng: np.random.Generator, lo: float, hi: float, yaw: float = 8.0, dx: float = 0.05) -> tuple:
    return (draw(rng, -dx, dx), draw(rng, lo, hi), 180.0 + draw(rng, -yaw, yaw))
