"""The NTU-60 arm gestures (pipeline.synth.ntu60.gestures): limits, rigid bones, idle at both
ends, and geometry on joint positions that shows each program does what its class says."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import sample_subject
from pipeline.synth.ntu60.base import ClassSpec, perform
from pipeline.synth.ntu60.gestures import CLASSES

DRAWS = 20
J = LAYOUT.joint_names.index
BY_NAME = {c.name: c for c in CLASSES}
EXPECTED = {
    10: "clapping", 22: "cheer up", 23: "hand waving", 34: "rub two hands together", 38: "salute",
    39: "put the palms together", 40: "cross hands in front (say stop)",
}


def _s(spec: ClassSpec) -> np.ndarray:
    t = spec.mean_frames
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


def _subject(seed: int):  # noqa: ANN202
    return sample_subject(np.random.default_rng(10_000 + seed))


@functools.cache
def _joints(name: str, seed: int) -> np.ndarray:
    spec = BY_NAME[name]
    return perform(spec, _s(spec), np.random.default_rng(seed), (_subject(seed),))[0]


def _idle(name: str, seed: int) -> np.ndarray:
    spec = BY_NAME[name]
    idle = ClassSpec(0, "idle", lambda s, rng, d: "both", spec.mean_frames)
    return perform(idle, _s(spec), np.random.default_rng(seed), (_subject(seed),))[0]


def _all(name: str) -> list[np.ndarray]:
    return [_joints(name, k) for k in range(DRAWS)]


def _p(j: np.ndarray, name: str) -> np.ndarray:
    return j[:, J(name)]


def _runs(mask: np.ndarray) -> int:
    """Number of separate runs of True."""
    m = np.concatenate([[False], mask.astype(bool)])
    return int(np.sum(m[1:] & ~m[:-1]))


def _core(mask: np.ndarray) -> np.ndarray:
    """Frame indices of ``mask`` without the first and last fifth (the approach and the return)."""
    idx = np.flatnonzero(mask)
    return idx[len(idx) // 5: len(idx) - len(idx) // 5]


def _crossings(x: np.ndarray) -> int:
    x = x - x.mean()
    return int(np.sum(np.sign(x[1:]) * np.sign(x[:-1]) < 0))


def test_names_and_numbers() -> None:
    assert {c.ntu_action: c.name for c in CLASSES} == EXPECTED
    assert len(CLASSES) == len(EXPECTED)
    for c in CLASSES:
        assert c.persons == 1 and 55 <= c.mean_frames <= 141 and c.group and c.difference


@pytest.mark.parametrize("spec", CLASSES, ids=lambda c: c.name)
def test_dofs_within_limits(spec: ClassSpec, within_limits) -> None:
    s = _s(spec)
    for seed in range(DRAWS):
        rng = np.random.default_rng(seed)
        d = idle_pose(len(s), rng)
        support = spec.fn(s, rng, d)
        assert support in ("both", "left", "right", "free")
        within_limits(d, (spec.name, seed), frames=len(s))


@pytest.mark.parametrize("spec", CLASSES, ids=lambda c: c.name)
def test_rigid_bones_and_idle_ends(spec: ClassSpec, rigid_bones) -> None:
    for seed, j in enumerate(_all(spec.name)):
        rigid_bones(j, (spec.name, seed))
        idle = _idle(spec.name, seed)
        for f in (0, -1):  # the first and the last frames are the idle posture
            assert np.abs(j[f] - idle[f]).max() < 0.01, (spec.name, seed, f)
        assert j[..., 1].min() > -1e-6


def test_deterministic() -> None:
    for spec in CLASSES:
        a = perform(spec, _s(spec), np.random.default_rng(7), (_subject(7),))
        b = perform(spec, _s(spec), np.random.default_rng(7), (_subject(7),))
        assert np.allclose(a, b, rtol=0.0, atol=1e-9)  # the shared IK's einsum wobbles at 1e-14


def _hand_gap(j: np.ndarray) -> np.ndarray:
    return np.linalg.norm(_p(j, "hand_left") - _p(j, "hand_right"), axis=1)


def _in_front(j: np.ndarray, joint: str) -> np.ndarray:
    return _p(j, joint)[:, 2] - _p(j, "spine_shoulder")[:, 2]


def test_clapping_hands_meet_and_part_repeatedly() -> None:
    for j in _all("clapping"):
        gap = _hand_gap(j)
        claps = gap < 0.075
        assert _runs(claps) >= 3  # three or more separate contacts
        first, last = np.flatnonzero(claps)[[0, -1]]
        assert gap[first:last].max() > 0.15  # the hands part between them
        assert np.all(_in_front(j, "hand_left")[claps] > 0.15)
        assert np.all(_p(j, "hand_left")[claps, 1] < _p(j, "head")[claps, 1])


def test_rub_hands_stay_together_and_slide() -> None:
    for j in _all("rub two hands together"):
        gap = _hand_gap(j)
        touch = gap < 0.12
        assert touch.mean() > 0.4 and _runs(touch) == 1  # one long contact, no clapping
        rel = (_p(j, "hand_left") - _p(j, "hand_right"))[touch]
        stroke = rel[:, 1:] - rel[:, 1:].mean(0)  # the slide in the sagittal plane
        axis = np.linalg.svd(stroke, full_matrices=False)[2][0]
        along = stroke @ axis
        assert _crossings(along) >= 8 and along.std() > 0.01
        assert np.all(_in_front(j, "hand_left")[touch] > 0.12)


def test_palms_together_hold_still_fingers_up() -> None:
    for j in _all("put the palms together"):
        hold = _hand_gap(j) < 0.075
        assert hold.mean() > 0.35 and _runs(hold) == 1
        core = _core(hold)
        for sd in ("left", "right"):
            assert np.all(_p(j, f"hand_tip_{sd}")[core, 1] > _p(j, f"wrist_{sd}")[core, 1] + 0.05)  # fingers up
        mid = 0.5 * (_p(j, "hand_left") + _p(j, "hand_right"))[core] - _p(j, "spine_shoulder")[core]
        assert np.ptp(mid, axis=0).max() < 0.04  # held still at the chest
        assert np.all(mid[:, 1] < 0.02) and np.all(mid[:, 2] > 0.08)


def test_cross_hands_wrists_cross_the_midline() -> None:
    for j in _all("cross hands in front (say stop)"):
        crossed = _p(j, "wrist_left")[:, 0] < _p(j, "wrist_right")[:, 0] - 0.04  # left wrist on the right
        assert crossed.mean() > 0.3 and _runs(crossed) == 1
        core = _core(crossed)
        for sd in ("left", "right"):
            assert np.all(_in_front(j, f"wrist_{sd}")[core] > 0.1)
            assert np.all(_p(j, f"wrist_{sd}")[core, 1] > _p(j, "spine_mid")[core, 1])
            assert np.all(_p(j, f"hand_tip_{sd}")[core, 1] > _p(j, f"wrist_{sd}")[core, 1])  # fingers up
        assert np.ptp(_p(j, "wrist_left")[core] - _p(j, "spine_shoulder")[core], axis=0).max() < 0.04  # held


def test_cheer_up_both_arms_overhead_with_pumps() -> None:
    for j in _all("cheer up"):
        top = _p(j, "head")[:, 1] + 0.05
        up = (_p(j, "wrist_left")[:, 1] > top) & (_p(j, "wrist_right")[:, 1] > top)
        assert up.mean() > 0.4
        y = _p(j, "wrist_left")[up, 1]
        assert _crossings(y) >= 3 and np.ptp(y) > 0.04  # pumped up and down


def test_hand_waving_one_hand_up_side_to_side() -> None:
    for j in _all("hand waving"):
        high = _p(j, "wrist_left")[:, 1].max() > _p(j, "wrist_right")[:, 1].max()
        act, other = ("left", "right") if high else ("right", "left")
        up = _p(j, "wrist_" + act)[:, 1] > _p(j, "shoulder_" + act)[:, 1] + 0.05
        assert up.mean() > 0.4
        assert np.all(_p(j, "wrist_" + other)[:, 1] < _p(j, "spine_mid")[:, 1] + 0.1)
        assert np.all(_p(j, "hand_tip_" + act)[up, 1] > _p(j, "elbow_" + act)[up, 1])  # forearm up
        x = _p(j, "wrist_" + act)[up, 0] - _p(j, "spine_shoulder")[up, 0]
        assert _crossings(x) >= 5 and x.std() > 0.015


def test_salute_fingers_to_brow_elbow_up_and_out() -> None:
    for j in _all("salute"):
        act = "left" if _p(j, "wrist_left")[:, 1].max() > _p(j, "wrist_right")[:, 1].max() else "right"
        head, neck = _p(j, "head"), _p(j, "neck")
        brow = head + 0.4 * (head - neck) + np.array([0.0, 0.0, 0.08])
        tip = _p(j, "hand_tip_" + act)
        near = np.linalg.norm(tip - brow, axis=1) < 0.09
        assert near.mean() > 0.35 and _runs(near) == 1
        elbow, shoulder, centre = (_p(j, f"elbow_{act}"), _p(j, f"shoulder_{act}"), _p(j, "spine_shoulder"))
        assert np.all(elbow[near, 1] > shoulder[near, 1] - 0.08)  # the elbow high ...
        assert np.all(np.abs(elbow[near, 0] - centre[near, 0]) > np.abs(shoulder[near, 0] - centre[near, 0]) + 0.05)
        assert np.all(_p(j, "wrist_" + act)[near, 1] > head[near, 1] - 0.06)  # ... the hand at the brow
