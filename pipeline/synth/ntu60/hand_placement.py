"""Placing a hand on the face and the trunk, for the NTU-60-like world's motion programs.

Targets are in the acting arm's convention (+x = that arm's side), in fractions of stature
H, in the upper-trunk frame of :func:`pipeline.synth.body.forward_kinematics`. Face points
follow the head (neck flexion, twist and roll: :func:`on_head`), so a hand stays at the mouth
while the head tilts; :func:`wrist_for` aims the wrist short of a point so that the *hand*
joint (the palm, or a held object) lands on it; :func:`hand_path` builds a hand path that starts
and ends at the sample's own idle hand and bulges around the body; :func:`place_hand` places the
hand with the elbow given as a swivel or as a direction. Rates are in Hz at 30 fps.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.body import SEGMENT_FRACTIONS
from pipeline.synth.kinematics import apply, direction, rot_x, rot_y, rot_z, swing_from_down
from pipeline.synth.ntu60.base import blend, bump, limit_dofs, osc, ramp
from pipeline.synth.reach import reach, set_reach

__all__ = ["FPS", "HAND", "SHOULDER", "add_dof", "begin_action", "draw", "finish_pose", "hand_path", "idle_hand",
           "jerk_profile", "on_head", "path_through", "place_hand", "reach_weight", "set_hand", "swivel_to",
           "trip_profile", "wave_hz", "wrist_for"]

FPS = 30.0
SHOULDER = np.array([SEGMENT_FRACTIONS["shoulder_dx"], -SEGMENT_FRACTIONS["shoulder_dy"], 0.0])
HAND = SEGMENT_FRACTIONS["hand"]


# ----------------------------------------------------------------------------- helpers
def draw(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def wave_hz(s: np.ndarray, hz: float, phase: float = 0.0) -> np.ndarray:
    """``sin`` at ``hz`` real cycles per second (30 fps; the action spans s in (0, 1))."""
    seconds = (np.count_nonzero((s > 0) & (s < 1)) + 1) / FPS
    return osc(s, hz * seconds, phase)


def add_dof(d: dict, key: str, delta: np.ndarray) -> None:
    d[key] = d.get(key, 0.0) + delta  # optional DOFs start at 0


def set_hand(d: dict, arm: str, w: np.ndarray, grip=None, rot=None, wrist=None, dev=None) -> None:  # noqa: ANN001
    """Blend the hand DOFs of ``arm`` towards the given values (scalars or ``(T,)``)."""
    for key, val in (("grip", grip), ("forearm_rot", rot), ("wrist", wrist), ("wrist_dev", dev)):
        if val is not None:
            d.setdefault(f"{arm}_{key}", np.zeros_like(w))
            blend(d, f"{arm}_{key}", w, val)


def path_through(s: np.ndarray, times: list[float], points: list) -> np.ndarray:
    """``(T, 3)`` smooth path through ``points`` (each ``(3,)`` or ``(T, 3)``) at ``times``."""
    pts = [np.broadcast_to(np.asarray(p, dtype=np.float64), (len(s), 3)) for p in points]
    out = pts[0]
    for k in range(len(times) - 1):
        r = ramp(s, times[k], times[k + 1])[:, None]
        out = np.where((s >= times[k])[:, None], pts[k] + r * (pts[k + 1] - pts[k]), out)
    return out


def idle_hand(d: dict, arm: str) -> np.ndarray:
    """Where the idle (frame 0) posture of ``arm`` holds its hand joint, ``(3,)`` (nominal
    proportions, the arm's own convention)."""
    g = lambda k: d[f"{arm}_{k}"][:1]  # noqa: E731
    u = direction(g("sh_elev"), g("sh_azim"))
    r_fore = swing_from_down(u) @ rot_y(g("sh_twist")) @ rot_x(-g("elbow"))
    down = np.array([0.0, -1.0, 0.0])
    hand = apply(r_fore, down * SEGMENT_FRACTIONS["forearm"]) + apply(r_fore @ rot_x(-g("wrist")), down * HAND)
    return SHOULDER + SEGMENT_FRACTIONS["upper_arm"] * u[0] + hand[0]


def hand_path(d: dict, arm: str, near: np.ndarray, p, bulge=(0.0, 0.0, 0.0), via=None) -> np.ndarray:  # noqa: ANN001
    """``(T, 3)`` from the idle hand of ``arm`` (``near`` = 0) to ``p`` (``near`` = 1), bowing
    out by ``bulge`` half-way (round the body), or along a parabola pulled towards ``via``."""
    n = near[:, None]
    rest = idle_hand(d, arm)
    if via is not None:
        return (1 - n) ** 2 * rest + 2 * n * (1 - n) * np.asarray(via) + n * n * np.asarray(p)
    return rest + n * (np.asarray(p) - rest) + np.sin(np.pi * n) * np.asarray(bulge)


def reach_weight(s: np.ndarray) -> np.ndarray:
    """Weight of the reach: on just after the start, off just before the end; the motion
    itself lives in the target path, which starts and ends at the hanging hand."""
    return bump(s, 0.0, 1.0, 0.05)


def begin_action(s: np.ndarray, rng: np.random.Generator, lo: float, hi: float) -> tuple:
    """(rise, on, w): a rise time drawn in [lo, hi], :func:`reach_weight` and the action's weight."""
    rise = draw(rng, lo, hi)
    return rise, reach_weight(s), bump(s, 0.02, 0.98, rise)


def on_head(d: dict, arm: str, p) -> np.ndarray:  # noqa: ANN001
    """Point ``p`` of the upright head (``(3,)`` or ``(T, 3)``) carried by the neck's flexion,
    twist and roll (the neck turns about the spine shoulder, the frame's origin)."""
    t = len(d["trunk_flex"])
    m = np.array([1.0 if arm == "l" else -1.0, 1.0, 1.0])
    r = rot_x(d["neck_flex"]) @ rot_y(d["neck_twist"]) @ rot_z(-d.get("neck_lat", np.zeros(t)))
    q = np.broadcast_to(np.asarray(p, dtype=np.float64), (t, 3)) * m
    return np.einsum("tij,tj->ti", r, q) * m


def swivel_to(q: np.ndarray, elbow: np.ndarray) -> np.ndarray:
    """The swivel of :func:`pipeline.synth.reach.reach` that turns the elbow towards the
    direction ``elbow`` for wrist targets ``q`` ``(T, 3)``: stable also where the target is
    straight above the shoulder, where the swivel's own reference turns over."""
    ph = q - SHOULDER
    ph /= np.linalg.norm(ph, axis=1, keepdims=True)
    ref = np.array([0.0, -1.0, 0.0]) + ph[:, 1:2] * ph
    ref /= np.maximum(np.linalg.norm(ref, axis=1, keepdims=True), 1e-9)
    e = np.broadcast_to(np.asarray(elbow, dtype=np.float64), ph.shape)
    e = e - (ph * e).sum(1, keepdims=True) * ph
    return np.degrees(np.arctan2((np.cross(ph, ref) * e).sum(1), (ref * e).sum(1)))


def wrist_for(p, swivel, elbow=None, length: float = HAND):  # noqa: ANN001
    """(wrist target, swivel) that put a point ``length`` beyond the wrist along the forearm
    (the hand joint, by default) at ``p`` ``(T, 3)``; with ``elbow`` (a direction) the swivel
    is chosen to point the elbow that way."""
    q = p.copy()
    sw = swivel
    for _ in range(3):
        if elbow is not None:
            sw = swivel_to(q, elbow)
        ang = reach(q, sw, raw=True)
        f = q - SHOULDER - SEGMENT_FRACTIONS["upper_arm"] * direction(ang["sh_elev"], ang["sh_azim"])
        q = p - length * f / np.linalg.norm(f, axis=1, keepdims=True)
    return q, (swivel_to(q, elbow) if elbow is not None else sw)


def place_hand(d: dict, arm: str, p, w: np.ndarray, swivel=30.0, elbow=None, lead: float = 1.0) -> None:  # noqa: ANN001
    """Move the hand joint of ``arm`` to ``p`` with weight ``w``; the elbow by ``swivel``
    (degrees) or towards the direction ``elbow``; ``lead`` > 1 flexes the elbow ahead of the
    shoulder (the hand comes up close to the body)."""
    sw = np.broadcast_to(np.asarray(swivel, dtype=np.float64), w.shape)
    q, sw = wrist_for(np.array(np.broadcast_to(p, (len(w), 3)), dtype=np.float64), sw, elbow)
    flex = d[f"{arm}_elbow"]
    set_reach(d, arm, q, w, sw)
    if lead != 1.0:
        d[f"{arm}_elbow"] = flex + (1 - (1 - w) ** lead) * (reach(q, sw, raw=True)["elbow"] - flex)


def finish_pose(d: dict, support: str = "both") -> str:
    """:func:`~pipeline.synth.ntu60.base.limit_dofs` on ``d``; returns ``support``."""
    limit_dofs(d)
    return support


def trip_profile(s: np.ndarray, n: int, a: float, b: float, hold: float) -> np.ndarray:
    """0..1 profile of ``n`` evenly spaced out-and-back trips inside [a, b]."""
    out = np.zeros_like(s)
    step = (b - a) / n
    for i in range(n):
        c = a + step * (i + 0.5)
        out = np.maximum(out, bump(s, c - 0.5 * step, c + 0.5 * step, 0.5 * step * (1 - hold)))
    return out


def jerk_profile(s: np.ndarray, centres: list[float], up: float = 0.06, down: float = 0.14) -> np.ndarray:
    """Sharp rises (``up``) and slower returns (``down``) at ``centres``."""
    out = np.zeros_like(s)
    for c in centres:
        out = np.maximum(out, ramp(s, c - up, c) * (1 - ramp(s, c + 0.02, c + 0.02 + down)))
    return out
