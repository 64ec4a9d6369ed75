"""The two-person classes A050-A060: limits, bones, idle ends, and contact geometry.

Contacts are checked on joint positions in the actor's frame twice: through ``perform``
with two nominal 1.70 m bodies (what a program assumes when ``perform`` passes it no
subjects), and with randomly drawn bodies passed to the program (``subjects=``), for which
the programs' IK solves the contacts exactly.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import SEGMENT_FRACTIONS, Pose, Subject, forward_kinematics, sample_subject
from pipeline.synth.ntu60.base import perform, place_partner
from pipeline.synth.ntu60.interactions import CLASSES

DRAWS = 20
J = {n: i for i, n in enumerate(LAYOUT.joint_names)}
NOMINAL = Subject(1.70, {k: v * 1.70 for k, v in SEGMENT_FRACTIONS.items()})
EXPECTED = {
    50: "punching/slapping other person", 51: "kicking other person", 52: "pushing other person",
    53: "pat on back of other person", 54: "point finger at the other person", 55: "hugging other person",
    56: "giving something to other person", 57: "touch other person's pocket", 58: "handshaking",
    59: "walking towards each other", 60: "walking apart from each other",
}
BY_CODE = {c.ntu_action: c for c in CLASSES}


def _s(t: int) -> np.ndarray:
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


def _play(spec, seed: int):
    """perform() with random bodies that are also passed to the program; returns the DOF
    dicts and the joints (2, T, 25, 3) in the actor's frame."""
    rng = np.random.default_rng(seed)
    subs = (sample_subject(rng), sample_subject(rng))
    s = _s(spec.mean_frames)
    a, b = idle_pose(len(s), rng), idle_pose(len(s), rng)
    inter = spec.fn(s, rng, a, b, subjects=subs)
    ja = forward_kinematics(Pose(dofs=a, support=inter.support_a), subs[0])
    jb = place_partner(forward_kinematics(Pose(dofs=b, support=inter.support_b), subs[1]), inter)
    return (a, b), np.stack([ja, jb]), subs


def _nominal(spec, seed: int) -> np.ndarray:
    return perform(spec, _s(spec.mean_frames), np.random.default_rng(1000 + seed), (NOMINAL, NOMINAL))


@cache
def _runs(code: int) -> list:
    return [_play(BY_CODE[code], seed) for seed in range(DRAWS)]


@cache
def _nominal_runs(code: int) -> list:
    return [_nominal(BY_CODE[code], seed) for seed in range(DRAWS)]


# ----------------------------------------------------------------------------- geometry helpers
def _p(x, person: int, name: str) -> np.ndarray:
    return x[person, :, J[name]]


def _seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance (T,) of points p from the segments a-b (all (T, 3))."""
    ab = b - a
    t = np.clip(np.einsum("ti,ti->t", p - a, ab) / np.einsum("ti,ti->t", ab, ab), 0, 1)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


def _frame(x, person: int):
    """Origin (spine shoulder), and the upper trunk's left, up and forward axes, per frame."""
    left = _p(x, person, "shoulder_left") - _p(x, person, "shoulder_right")
    left[:, 1] = 0
    left /= np.linalg.norm(left, axis=1, keepdims=True)
    up = np.broadcast_to([0.0, 1.0, 0.0], left.shape)
    return _p(x, person, "spine_shoulder"), left, up, np.cross(left, up)


def _local(x, person: int, pts: np.ndarray) -> np.ndarray:
    """Points (T, 3) in ``person``'s upper-trunk frame (x left, y up, z forward)."""
    o, lx, ly, lz = _frame(x, person)
    q = pts - o
    return np.stack([np.einsum("ti,ti->t", q, v) for v in (lx, ly, lz)], 1)


def _hands(x, person: int):
    return [_p(x, person, "hand_left"), _p(x, person, "hand_right")]


def _root_dist(x) -> np.ndarray:
    d = _p(x, 0, "spine_base") - _p(x, 1, "spine_base")
    return np.hypot(d[:, 0], d[:, 2])


# ----------------------------------------------------------------------------- per-class contacts
def _punch(x):
    seg = [_seg_dist(h, _p(x, 1, "spine_mid"), _p(x, 1, "head")) for h in _hands(x, 0)]
    high = [h[:, 1] > _p(x, 1, "spine_mid")[:, 1] for h in _hands(x, 0)]
    assert min(np.min(np.where(hi, d, 9)) for d, hi in zip(seg, high)) < 0.17, "no hit on the head or chest"
    assert min(np.linalg.norm(h - _p(x, 1, "head"), axis=1).min() for h in _hands(x, 0)) > 0.04, "hand in the head"


def _kick(x):
    segs = [("spine_base", "spine_mid"), ("hip_left", "knee_left"), ("hip_right", "knee_right")]
    best = 9.0
    for foot in ("foot_left", "foot_right"):
        f = _p(x, 0, foot)
        d = np.min([_seg_dist(f, _p(x, 1, a), _p(x, 1, b)) for a, b in segs], 0)
        best = min(best, np.min(np.where(f[:, 1] > 0.35, d, 9)))
    assert best < 0.13, f"the kick does not reach the partner ({best:.3f} m)"


def _push(x):
    near = np.ones(x.shape[1], bool)
    for h in _hands(x, 0):
        loc = _local(x, 1, h)
        near &= (_seg_dist(h, _p(x, 1, "spine_mid"), _p(x, 1, "spine_shoulder")) < 0.18) & (loc[:, 2] > 0)
    assert near.any(), "the palms never reach the partner's chest"
    f = int(np.argmax(near))
    assert _root_dist(x)[-1] - _root_dist(x)[f] > 0.2, "the partner is not pushed back"


def _pat(x):
    ok = False
    for h in _hands(x, 0):
        loc = _local(x, 1, h)
        sm = _local(x, 1, _p(x, 1, "spine_mid"))[:, 1]
        on = (loc[:, 2] < 0.03) & (loc[:, 1] > sm) & (loc[:, 1] < 0.15) & (np.linalg.norm(loc, axis=1) < 0.25)
        ok |= bool(on.any())
    assert ok, "no hand on the partner's upper back or shoulder"


def _point(x):
    nm = max(("left", "right"), key=lambda n: _p(x, 0, f"hand_tip_{n}")[:, 1].max())  # the raised arm
    sh, tip = _p(x, 0, f"shoulder_{nm}"), _p(x, 0, f"hand_tip_{nm}")
    f = int(np.argmax(tip[:, 1]))
    chest = 0.5 * (_p(x, 1, "spine_shoulder") + _p(x, 1, "spine_mid"))
    u, v = tip[f] - sh[f], chest[f] - sh[f]
    ang = np.degrees(np.arccos(u @ v / np.linalg.norm(u) / np.linalg.norm(v)))
    assert ang < 20, f"pointing {ang:.1f} degrees off the partner's chest"
    assert np.linalg.norm(u) > 0.45, "the pointing arm is not extended"


def _hug(x):
    for me, other in ((0, 1), (1, 0)):
        behind = np.ones(x.shape[1], bool)
        for h in _hands(x, me):
            loc = _local(x, other, h)
            behind &= (loc[:, 2] < 0) & (np.abs(loc[:, 0]) < 0.25)
        assert behind.any(), f"body {me}'s hands never close behind body {other}'s back"


def _give(x):
    d = min(np.linalg.norm(ha - hb, axis=1).min() for ha in _hands(x, 0) for hb in _hands(x, 1))
    assert d < 0.10, f"the hands never meet for the hand-over ({d:.3f} m)"


def _pocket(x):
    best = 9.0
    for h in _hands(x, 0):
        d = np.min([np.linalg.norm(h - _p(x, 1, n), axis=1) for n in ("hip_left", "hip_right")], 0)
        low = (h[:, 1] < _p(x, 1, "spine_mid")[:, 1]) & (h[:, 1] > _p(x, 1, "knee_left")[:, 1])
        best = min(best, np.min(np.where(low, d, 9)))
    assert best < 0.15, f"the hand never reaches the partner's pocket ({best:.3f} m)"


def _shake(x):
    d = np.linalg.norm(_p(x, 0, "hand_right") - _p(x, 1, "hand_right"), axis=1)
    assert d.min() < 0.08 and (d < 0.08).mean() > 0.1, "the right hands do not meet and hold"


def _gait(x, person: int):
    fwd = _frame(x, person)[3]
    legs = np.einsum("ti,ti->t", _p(x, person, "ankle_left") - _p(x, person, "ankle_right"), fwd)
    arms = np.einsum("ti,ti->t", _p(x, person, "wrist_left") - _p(x, person, "wrist_right"), fwd)
    moving = np.abs(legs) > 0.05
    assert np.count_nonzero(np.diff(np.sign(legs[moving]))) >= 2, "the legs do not alternate"
    assert np.corrcoef(legs, arms)[0, 1] < -0.3, "the arms do not swing against the legs"


def _towards(x):
    r = _root_dist(x)
    assert r[0] - r[-1] > 0.8 and 0.6 < r[-1] < 1.3 and r[0] > 2.8, f"roots {r[0]:.2f} -> {r[-1]:.2f} m"
    _gait(x, 0), _gait(x, 1)


def _apart(x):
    r = _root_dist(x)
    assert r[-1] - r[0] > 0.8 and r[0] < 1.0 and r[-1] > 2.5, f"roots {r[0]:.2f} -> {r[-1]:.2f} m"
    _gait(x, 0), _gait(x, 1)


CONTACT = {50: _punch, 51: _kick, 52: _push, 53: _pat, 54: _point, 55: _hug, 56: _give, 57: _pocket,
           58: _shake, 59: _towards, 60: _apart}


# ----------------------------------------------------------------------------- tests
def test_names_and_numbers():
    assert {c.ntu_action: c.name for c in CLASSES} == EXPECTED
    assert all(c.persons == 2 and 55 <= c.mean_frames <= 141 and c.group and c.difference for c in CLASSES)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_limits_bones_idle_spacing(code, within_limits, rigid_bones):
    for dofs, x, _ in _runs(code):
        for d in dofs:
            within_limits(d, code)
        for person in (0, 1):
            rigid_bones(x[person], (code, person))
            ends = []  # idle posture at both ends, relative to the root and its heading
            for f in (0, -1):
                o, lx, ly, lz = (v[f] for v in _frame(x, person))
                rel = x[person, f, [J["wrist_left"], J["wrist_right"]]] - x[person, f, J["spine_base"]]
                ends.append(rel @ np.stack([lx, ly, lz], 1))
            assert np.abs(ends[0] - ends[1]).max() < 0.05, "not idle at both ends"
        assert x[..., 1].min() > -0.02, "a joint under the floor"
        sm = np.linalg.norm(_p(x, 0, "spine_mid") - _p(x, 1, "spine_mid"), axis=1)
        assert sm.min() > (0.15 if code == 55 else 0.25), "the bodies interpenetrate"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_contact_with_given_bodies(code):
    for _, x, _ in _runs(code):
        CONTACT[code](x)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_contact_through_perform_nominal_bodies(code):
    for x in _nominal_runs(code):
        CONTACT[code](x)
        sm = np.linalg.norm(_p(x, 0, "spine_mid") - _p(x, 1, "spine_mid"), axis=1)
        assert sm.min() > (0.15 if code == 55 else 0.25)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_deterministic(code):
    # Equal up to rounding: numpy's arctan2 on strided views (pipeline.synth.reach.reach) may
    # differ in the last bit with the arrays' memory alignment.
    spec = BY_CODE[code]
    _, x1, subs = _play(spec, 7)
    _, x2, _ = _play(spec, 7)
    np.testing.assert_allclose(x1, x2, rtol=0, atol=1e-9)
    s = _s(spec.mean_frames)
    p1 = perform(spec, s, np.random.default_rng(3), subs)
    p2 = perform(spec, s, np.random.default_rng(3), subs)
    np.testing.assert_allclose(p1, p2, rtol=0, atol=1e-9)
    assert p1.shape == (2, spec.mean_frames, 25, 3)
    assert np.abs(p1 - _play(spec, 8)[1]).max() > 0.01  # another seed, another motion
