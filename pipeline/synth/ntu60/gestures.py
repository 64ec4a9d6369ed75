"""NTU-60 arm gestures: clapping, cheer up, hand waving, rubbing the hands, salute, palms
together and crossed hands.

The "hands together" group (clapping, rub two hands together, put the palms together, cross
hands in front) shares one sub-motion: both wrists are brought to a point in front of the
chest (:func:`_hands_front`). The four differ only in what the hands then do: clapping opens
and closes the gap between facing palms several times, rubbing keeps the palms in contact
and slides them against each other in small fast antiphase strokes, palms together holds
them still at the sternum with the fingers up (often with a small bow), cross hands takes
each wrist past the midline so that the forearms make an X, palms out, and holds it.
Cheer up raises both arms overhead and pumps them; hand waving raises one hand beside the
head and swings it sideways; the salute brings the right hand's fingers to the brow with
the elbow high and out to the side and the palm down.

Hand orientation is written with :func:`orient_hand`, which solves ``forearm_rot``,
``wrist`` and ``wrist_dev`` for a wanted finger direction and palm normal.
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.body import SEGMENT_FRACTIONS
from pipeline.synth.kinematics import direction, rot_x, rot_y, rot_z, swing_from_down
from pipeline.synth.ntu60.base import JOINT_LIMITS_60, ClassSpec, bump, osc, ramp, side
from pipeline.synth.reach import landmark, set_reach

__all__ = ["CLASSES", "action_seconds", "orient_hand"]

#: Half the gap between the wrists when the palms touch (fractions of stature).
_CONTACT = 0.012
#: Wrist to hand joint (the palm), fractions of stature.
_HAND = SEGMENT_FRACTIONS["hand"]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _pt(x, y, z) -> np.ndarray:  # noqa: ANN001 - scalars or (T,) arrays
    """A target point ``(3,)`` or ``(T, 3)`` from scalar or per-frame coordinates."""
    return np.stack(np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z))), -1)


def _hand_angles(r_fore: np.ndarray, f: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``(N, 3)`` forearm_rot, wrist, wrist_dev (degrees, unclipped) that turn forearm
    frames ``r_fore`` ``(N, 3, 3)`` into a hand along ``f`` with palm normal ``n`` (unit,
    ``(N, 3)``), on the branch with the smaller forearm turn."""
    c0, c1 = -n, -f  # the hand frame's -x is the palm normal, its -y the finger direction
    loc = np.einsum("tji,tjk->tik", r_fore, np.stack([c0, c1, np.cross(c0, c1)], -1))
    a = np.arctan2(loc[:, 0, 2], loc[:, 2, 2])  # forearm^T target = Ry(a) Rx(b) Rz(c)
    b = np.arcsin(np.clip(-loc[:, 1, 2], -1.0, 1.0))
    c = np.arctan2(loc[:, 1, 0], loc[:, 1, 1])
    flip = np.abs(a) > np.pi / 2  # the equivalent solution with the forearm turned less
    a, b, c = np.where(flip, a - np.pi * np.sign(a), a), np.where(flip, np.pi - b, b), np.where(flip, c + np.pi, c)
    return np.degrees((np.stack([a, -b, -c], -1) + np.pi) % (2 * np.pi) - np.pi)


_HAND_KEYS = ("forearm_rot", "wrist", "wrist_dev")
_LO = np.array([JOINT_LIMITS_60[k][0] for k in _HAND_KEYS])
_HI = np.array([JOINT_LIMITS_60[k][1] for k in _HAND_KEYS])


def orient_hand(d: dict[str, np.ndarray], sd: str, finger, palm, w: np.ndarray,  # noqa: ANN001
                at: int | None = None) -> np.ndarray:
    """In place: blend ``forearm_rot``, ``wrist`` and ``wrist_dev`` of arm ``sd`` with weight
    ``w`` towards constant values that, in the arm posture of frame ``at`` (default: where
    ``w`` peaks), point the hand along ``finger`` with the palm facing ``palm`` (``(3,)``,
    upper-trunk frame, the arm's own convention: +x its own side). The finger direction comes first: where the joint limits
    forbid that palm, the palm is turned about the fingers to the roll that comes closest.
    Returns the finger direction reached ``(3,)``."""
    k = int(np.argmax(w)) if at is None else at
    u = direction(d[f"{sd}_sh_elev"][k:k + 1], d[f"{sd}_sh_azim"][k:k + 1])
    r_fore = swing_from_down(u) @ rot_y(d[f"{sd}_sh_twist"][k:k + 1]) @ rot_x(-d[f"{sd}_elbow"][k:k + 1])
    f = _unit(np.asarray(finger, dtype=np.float64))
    n = np.asarray(palm, dtype=np.float64)
    n = _unit(n - (n @ f) * f)
    psi = np.deg2rad(np.arange(-90.0, 91.0, 7.5))[:, None]
    n_psi = np.cos(psi) * n + np.sin(psi) * np.cross(f, n)  # (N, 3) candidate palms
    m = len(psi)
    ang = np.clip(_hand_angles(np.repeat(r_fore, m, 0), np.tile(f, (m, 1)), n_psi), _LO, _HI)
    r_hand = np.repeat(r_fore, m, 0) @ rot_y(ang[:, 0]) @ rot_x(-ang[:, 1]) @ rot_z(-ang[:, 2])
    err_f = np.arccos(np.clip(-r_hand[:, :, 1] @ f, -1, 1))  # achieved finger and palm errors
    err_n = np.arccos(np.clip(np.einsum("ti,ti->t", -r_hand[:, :, 0], np.tile(n, (m, 1))), -1, 1))
    i = int(np.argmin(err_f + 0.3 * err_n))
    for key, v in zip(_HAND_KEYS, ang[i]):
        cur = d.get(f"{sd}_{key}", np.zeros(len(w)))
        d[f"{sd}_{key}"] = cur + w * (v - cur)
    return -r_hand[i, :, 1]


def action_seconds(s: np.ndarray) -> float:
    """Duration in seconds (30 fps) of the action time s = 0 -> 1 (s is linear in frames)."""
    ds = np.diff(s)
    return 1.0 / (30.0 * ds.max()) if ds.size and ds.max() > 0 else 2.0


def _raise(s: np.ndarray, rng: np.random.Generator, lo: float, hi: float, least: float = 0.35) -> np.ndarray:
    """The gesture's weight: up from the idle over a drawn share of the action (at least
    ``least`` seconds, so that short takes do not snap), held, and back."""
    rise = min(max(rng.uniform(lo, hi), least / action_seconds(s)), 0.4)
    return bump(s, 0.0, 1.0, rise)


def _window(s: np.ndarray, rng: np.random.Generator, lo=(0.16, 0.26), hi=(0.74, 0.84)):  # noqa: ANN001, ANN202
    """Local time 0 -> 1 of the repeated part of a gesture, between two drawn instants, and
    the number of cycles that a drawn rate (Hz, ``rate``) fits in it: ``(r, cycles(rate, lo, hi))``."""
    a0, a1 = rng.uniform(*lo), rng.uniform(*hi)
    sec = (a1 - a0) * action_seconds(s)
    return np.clip((s - a0) / (a1 - a0), 0.0, 1.0), lambda f, n0, n1: int(np.clip(round(sec * f), n0, n1))


def _hands_front(d, w, x, y, z, swivel, offsets=(0.0, 0.0), finger=None, palm=None) -> None:  # noqa: ANN001
    """Both wrists to ``(x, y, z)`` in front of the chest (each arm's own convention: x > 0
    keeps them apart, x < 0 crosses them), plus per-arm ``offsets`` (left, right). With
    ``finger`` and ``palm``, the hands are turned (:func:`orient_hand`) and ``x`` is where the
    palms (hand joints) go: the wrists are aimed again, shifted by the hands' sideways reach."""
    keep = {k: v.copy() for k, v in d.items() if k[:2] in ("l_", "r_")}
    shift = {"l": 0.0, "r": 0.0}
    at = int(np.argmin(np.where(w > 0.99, np.broadcast_to(x, w.shape), np.inf)))  # the closest hands
    for rep in range(1 if finger is None else 2):
        if rep:  # restore the arms, then aim again with the correction
            for k in [k for k in d if k[:2] in ("l_", "r_") and k not in keep]:
                del d[k]
            d.update({k: v.copy() for k, v in keep.items()})
        for sd, off in zip("lr", offsets):
            set_reach(d, sd, _pt(x + shift[sd], y, z) + off, w, swivel)
            if finger is not None:
                shift[sd] = -_HAND * orient_hand(d, sd, finger, palm, w, at)[0]


# ----------------------------------------------------------------------------- hands together
def clapping(s, rng, d):  # noqa: ANN001
    w = _raise(s, rng, 0.15, 0.25)
    r, cycles = _window(s, rng)
    n = cycles(rng.uniform(2.0, 3.5), 3, 8)
    dwell = rng.uniform(0.2, 0.35)  # the palms stay together a moment at each clap
    opening = np.clip((np.abs(np.cos(np.pi * n * r)) - dwell) / (1.0 - dwell), 0.0, 1.0) ** rng.uniform(0.6, 1.0)
    opening = np.where((r > 0.0) & (r < 1.0), opening, 1.0)
    gap = _CONTACT + opening * rng.uniform(0.06, 0.12)
    y, z = rng.uniform(-0.16, -0.04), rng.uniform(0.17, 0.24)
    finger = (0.0, rng.uniform(0.3, 0.7), 0.9)  # palms facing each other
    _hands_front(d, w, gap, y, z, rng.uniform(15, 40), finger=finger, palm=(-1.0, 0.0, 0.0))
    return "both"


def rub_hands(s, rng, d):  # noqa: ANN001
    w = _raise(s, rng, 0.18, 0.28)
    r, cycles = _window(s, rng, (0.2, 0.3), (0.72, 0.8))
    env = bump(r, 0.0, 1.0, 0.08)
    stroke = rng.uniform(0.01, 0.025) * env * osc(r, cycles(rng.uniform(3.0, 5.0), 5, 12))
    th = np.deg2rad(rng.uniform(-15, 45))  # stroke direction: along the fingers, tilted up
    y, z = rng.uniform(-0.22, -0.07), rng.uniform(0.16, 0.23)
    finger = (0.0, rng.uniform(0.1, 0.4), 0.95)
    slide = _pt(0.0, stroke * np.sin(th), stroke * np.cos(th))  # antiphase: the palms slide on each other
    _hands_front(d, w, _CONTACT, y, z, rng.uniform(20, 45), (slide, -slide), finger, (-1.0, 0.0, 0.0))
    d["neck_flex"] = d["neck_flex"] + w * rng.uniform(5, 18)
    return "both"


def palms_together(s, rng, d):  # noqa: ANN001
    w = _raise(s, rng, 0.2, 0.3)
    finger = (0.0, 0.95, rng.uniform(0.15, 0.4))  # prayer: fingers up
    _hands_front(d, w, _CONTACT, rng.uniform(-0.09, -0.04), rng.uniform(0.09, 0.13), rng.uniform(15, 40),
                 finger=finger, palm=(-1.0, 0.0, 0.0))
    if rng.random() < 0.65:  # a small bow of the head, sometimes of the trunk
        bow = bump(s, rng.uniform(0.25, 0.35), rng.uniform(0.7, 0.8), 0.12)
        d["neck_flex"] = d["neck_flex"] + bow * rng.uniform(10, 28)
        d["trunk_flex"] = d["trunk_flex"] + bow * rng.uniform(0, 10)
    return "both"


def cross_hands(s, rng, d):  # noqa: ANN001
    w = _raise(s, rng, 0.16, 0.26)
    cross = rng.uniform(0.03, 0.07)  # each wrist past the midline
    front = rng.uniform(0.018, 0.028) * (1.0 if rng.random() < 0.5 else -1.0)
    _hands_front(d, w, -cross, rng.uniform(-0.08, 0.04), rng.uniform(0.13, 0.2), rng.uniform(0, 25),
                 (_pt(0.0, 0.0, -front), _pt(0.0, 0.0, front)))
    finger = (-rng.uniform(0.3, 0.6), 0.85, rng.uniform(0.0, 0.3))
    palm = (0.0, 0.0, 1.0) if rng.random() < 0.7 else (0.0, 0.0, -1.0)  # "stop": palms out
    for sd in "lr":
        orient_hand(d, sd, finger, palm, w)
    return "both"


# ----------------------------------------------------------------------------- arm raise
def cheer_up(s, rng, d):  # noqa: ANN001
    w = _raise(s, rng, 0.15, 0.25, 0.4)
    r, cycles = _window(s, rng, (0.18, 0.26), (0.76, 0.86))
    pump = 0.5 * (1.0 - np.cos(2 * np.pi * cycles(rng.uniform(1.2, 2.5), 2, 6) * r)) * rng.uniform(0.03, 0.08)
    x, y, z = rng.uniform(0.06, 0.17), rng.uniform(0.24, 0.28), rng.uniform(0.03, 0.1)
    sw = 100.0 - 500.0 * (x - 0.05) + rng.uniform(-15, 15)  # the elbows out, the more so the narrower
    grip = rng.uniform(0.2, 1.0) if rng.random() < 0.7 else 0.0
    for sd in "lr":
        set_reach(d, sd, _pt(x, y - pump, z), w, sw)
        orient_hand(d, sd, (0.2, 1.0, 0.15), (-0.3, 0.0, 1.0), w)
        d[f"{sd}_grip"] = w * grip
    d["neck_flex"] = d["neck_flex"] - w * rng.uniform(0, 15)
    d["trunk_flex"] = d["trunk_flex"] - w * rng.uniform(0, 6)
    return "both"


def hand_waving(s, rng, d):  # noqa: ANN001
    a, _ = side(rng)
    w = _raise(s, rng, 0.15, 0.25)
    r, cycles = _window(s, rng)
    wave = bump(r, 0.0, 1.0, 0.1) * osc(r, cycles(rng.uniform(2.0, 3.5), 3, 8))
    amp = rng.uniform(0.035, 0.07)
    x, y, z = rng.uniform(0.16, 0.23), rng.uniform(0.09, 0.16), rng.uniform(0.04, 0.13)
    set_reach(d, a, _pt(x + amp * wave, y - 0.4 * amp * wave ** 2, z), w, rng.uniform(10, 45))
    orient_hand(d, a, (0.1, 1.0, 0.1), (0.0, 0.0, 1.0), w)  # palm towards the one greeted
    d[f"{a}_wrist_dev"] = np.clip(d[f"{a}_wrist_dev"] - w * wave * rng.uniform(5, 15), -30, 30)
    return "both"


def salute(s, rng, d):  # noqa: ANN001
    a, _ = side(rng, 0.92)
    t0, t1 = rng.uniform(0.0, 0.08), rng.uniform(0.9, 1.0)
    w = bump(s, t0, t1, min(max(rng.uniform(0.12, 0.2), 0.3 / action_seconds(s)), 0.35))  # up, held, down
    tgt = landmark("temple", (rng.uniform(0.05, 0.065), rng.uniform(-0.01, 0.01), rng.uniform(0.0, 0.02)))
    set_reach(d, a, tgt, w, rng.uniform(25, 55))  # the elbow at shoulder height, out to the side
    finger = (-0.95, rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.3))  # the fingers to the brow, the palm down
    orient_hand(d, a, finger, (0.2, -0.9, 0.4), w)
    hold = ramp(s, t0 + 0.1, t0 + 0.2) * (1.0 - ramp(s, t1 - 0.2, t1 - 0.1))
    d["neck_flex"] = d["neck_flex"] - hold * rng.uniform(0, 8)
    d["trunk_flex"] = d["trunk_flex"] - hold * rng.uniform(0, 4)
    return "both"


_TOGETHER = "hands together"
CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(10, "clapping", clapping, 75, group=_TOGETHER,
              difference="facing palms meet and part repeatedly in front of the chest (the gap closes 3-8 times)"),
    ClassSpec(22, "cheer up", cheer_up, 80, group="arm raise",
              difference="both arms overhead in a V, pumped up and down, often fists"),
    ClassSpec(23, "hand waving", hand_waving, 75, group="arm raise",
              difference="one hand raised beside the head, forearm up, palm forward, swung side to side"),
    ClassSpec(34, "rub two hands together", rub_hands, 90, group=_TOGETHER,
              difference="palms stay in contact and slide in small fast antiphase strokes, head looks down"),
    ClassSpec(38, "salute", salute, 65, group="hand to face",
              difference="right fingers to the brow, elbow up at shoulder height and out to the side, palm down, held"),
    ClassSpec(39, "put the palms together", palms_together, 70, group=_TOGETHER,
              difference="palms meet at the sternum with the fingers up and hold still, often a small head bow"),
    ClassSpec(40, "cross hands in front (say stop)", cross_hands, 70, group=_TOGETHER,
              difference="each wrist past the midline, the forearms crossed in an X, palms out, held"),
)
