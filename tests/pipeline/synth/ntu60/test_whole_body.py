"""The NTU-60 whole-body actions (pipeline.synth.ntu60.whole_body): limits, rigid bones, the
idle (or seated / lying) posture at the ends, and geometry on joint positions that shows each
program does what its class says."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import sample_subject
from pipeline.synth.ntu60.base import ClassSpec, perform
from pipeline.synth.ntu60.whole_body import CLASSES

DRAWS = 20
J = LAYOUT.joint_names.index
BY_NAME = {c.name: c for c in CLASSES}
EXPECTED = {
    8: "sitting down", 9: "standing up (from sitting position)", 24: "kicking something",
    26: "hopping (one foot jumping)", 27: "jump up", 42: "staggering", 43: "falling",
}
SIT, STAND, FALL, STAGGER = "sitting down", "standing up (from sitting position)", "falling", "staggering"


def _s(spec: ClassSpec) -> np.ndarray:
    t = spec.mean_frames
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


def _subject(seed: int):  # noqa: ANN202
    return sample_subject(np.random.default_rng(20_000 + seed))


@functools.cache
def _joints(name: str, seed: int) -> np.ndarray:
    spec = BY_NAME[name]
    return perform(spec, _s(spec), np.random.default_rng(seed), (_subject(seed),))[0]


def _idle(name: str, seed: int, support: str) -> np.ndarray:
    """The same sample with the idle posture only (same idle draws, same performer)."""
    spec = BY_NAME[name]
    idle = ClassSpec(0, "idle", lambda s, rng, d: support, spec.mean_frames)
    return perform(idle, _s(spec), np.random.default_rng(seed), (_subject(seed),))[0]


def _all(name: str) -> list[np.ndarray]:
    return [_joints(name, k) for k in range(DRAWS)]


def _p(j: np.ndarray, name: str) -> np.ndarray:
    return j[:, J(name)]


def _runs(mask: np.ndarray) -> int:
    m = np.concatenate([[False], mask.astype(bool)])
    return int(np.sum(m[1:] & ~m[:-1]))


def _floor_placed(frame: np.ndarray) -> np.ndarray:
    """A frame moved horizontally so that the spine base is over the origin (posture only)."""
    return frame - np.array([frame[0, 0], 0.0, frame[0, 2]])


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
def test_rigid_bones_and_ends(spec: ClassSpec, rigid_bones) -> None:
    for seed, j in enumerate(_all(spec.name)):
        rigid_bones(j, (spec.name, seed))
        assert j[..., 1].min() > -1e-6  # nothing under the floor
        free = spec.name in (STAGGER, FALL)
        idle = _idle(spec.name, seed, "free" if free else "both")
        if spec.name != STAND:  # the first frame is the idle posture, where the idle stood
            assert np.abs(j[0] - idle[0]).max() < 0.01, (spec.name, seed)
        if spec.name not in (SIT, STAND, FALL, STAGGER):
            assert np.abs(j[-1] - idle[-1]).max() < 0.01, (spec.name, seed)
        if spec.name in (STAND, STAGGER):  # the last frame: the idle posture, moved on the floor
            assert np.abs(_floor_placed(j[-1]) - _floor_placed(idle[-1])).max() < 0.01, (spec.name, seed)


def test_deterministic() -> None:
    for spec in CLASSES:
        a = perform(spec, _s(spec), np.random.default_rng(7), (_subject(7),))
        b = perform(spec, _s(spec), np.random.default_rng(7), (_subject(7),))
        assert np.allclose(a, b, rtol=0.0, atol=1e-9)  # the shared IK's einsum wobbles at 1e-14


def _lean(j: np.ndarray) -> np.ndarray:
    """How far the shoulders are in front of the hips (metres)."""
    return _p(j, "spine_shoulder")[:, 2] - _p(j, "spine_base")[:, 2]


def _feet_still(j: np.ndarray, sides=("left", "right"), tol: float = 0.015) -> bool:  # noqa: ANN001
    return all(np.abs(_p(j, f"ankle_{sd}") - _p(j, f"ankle_{sd}")[0]).max() < tol for sd in sides)


def _seated(j: np.ndarray, f: int) -> bool:
    """Frame ``f``: hips down at knee height, the thighs level, the shins upright."""
    hip = 0.5 * (_p(j, "hip_left")[f] + _p(j, "hip_right")[f])
    knee = 0.5 * (_p(j, "knee_left")[f] + _p(j, "knee_right")[f])
    return abs(hip[1] - knee[1]) < 0.12 and knee[2] - hip[2] > 0.25 and hip[1] < 0.65


def test_sitting_down_hips_back_and_down_onto_a_seat() -> None:
    for j in _all(SIT):
        base = _p(j, "spine_base")
        assert base[0, 1] - base[-1, 1] > 0.25 and base[0, 2] - base[-1, 2] > 0.15  # down and back
        assert _feet_still(j)
        assert not _seated(j, 0) and _seated(j, -1)
        assert _lean(j).max() > _lean(j)[-1] + 0.1  # leaning forward on the way down
        for sd in ("left", "right"):  # the hands rest low: on the thighs or the armrests
            assert _p(j, f"wrist_{sd}")[-1, 1] < base[-1, 1] + 0.3


def test_standing_up_leans_forward_then_rises() -> None:
    for j in _all(STAND):
        base = _p(j, "spine_base")
        assert base[-1, 1] - base[0, 1] > 0.25 and _feet_still(j)
        assert _seated(j, 0) and not _seated(j, -1)
        rise = int(np.argmax(base[:, 1] > base[0, 1] + 0.05))
        assert _lean(j)[rise] > _lean(j)[0] + 0.1  # the trunk went forward before the hips rose


def _stance_and_kick(j: np.ndarray) -> tuple[str, str]:
    return ("left", "right") if _p(j, "foot_right")[:, 1].max() > _p(j, "foot_left")[:, 1].max() else ("right", "left")


def test_kicking_swings_one_foot_forward_and_up() -> None:
    for j in _all("kicking something"):
        stand, kick = _stance_and_kick(j)
        assert _feet_still(j, (stand,), 0.02)  # (it may settle by the idle legs' difference)
        foot, ankle = _p(j, f"foot_{kick}"), _p(j, f"ankle_{stand}")
        peak = int(np.argmax(foot[:, 2] - ankle[:, 2]))
        assert foot[peak, 2] - ankle[peak, 2] > 0.35 and foot[peak, 1] > 0.15
        assert (foot[:peak, 2] - ankle[:peak, 2]).min() < 0.05  # drawn back first


def test_hopping_repeated_flights_on_one_foot() -> None:
    for j in _all("hopping (one foot jumping)"):
        up = {sd: _p(j, f"ankle_{sd}")[:, 1] - _p(j, f"ankle_{sd}")[0, 1] for sd in ("left", "right")}
        mid = slice(len(j) // 3, 2 * len(j) // 3)
        hop, free = ("left", "right") if np.median(up["right"][mid]) > np.median(up["left"][mid]) else ("right", "left")
        flying = up[hop] > 0.02
        assert _runs(flying) >= 3  # three hops or more
        first, last = np.flatnonzero(flying)[[0, -1]]
        held = slice(first, last + 1)
        assert np.all(up[free][held] > 0.08) and np.all(up[free][held] > up[hop][held] + 0.05)  # the other foot up
        assert np.all(_p(j, f"knee_{free}")[first:last + 1, 1] > _p(j, f"ankle_{free}")[first:last + 1, 1] - 0.05)


def test_jump_up_both_feet_leave_the_floor_after_a_crouch() -> None:
    for j in _all("jump up"):
        up = np.minimum(_p(j, "ankle_left")[:, 1] - _p(j, "ankle_left")[0, 1],
                        _p(j, "ankle_right")[:, 1] - _p(j, "ankle_right")[0, 1])
        flight = up > 0.04
        assert flight.any()
        first = int(np.argmax(flight))
        base = _p(j, "spine_base")[:, 1]
        assert base[0] - base[:first].min() > 0.1  # crouched before
        top = int(np.argmax(up))
        for sd in ("left", "right"):
            assert _p(j, f"wrist_{sd}")[top, 1] > _p(j, f"shoulder_{sd}")[top, 1]  # arms swung up


def test_staggering_unsteady_steps_and_sway() -> None:
    for j in _all(STAGGER):
        base = _p(j, "spine_base")
        assert np.linalg.norm(np.diff(base[:, [0, 2]], axis=0), axis=1).sum() > 0.3
        lift = {sd: _p(j, f"ankle_{sd}")[:, 1] - _p(j, f"ankle_{sd}")[:, 1].min() > 0.02 for sd in ("left", "right")}
        assert _runs(lift["left"]) >= 2 and _runs(lift["right"]) >= 2 and not np.any(lift["left"] & lift["right"])
        steps = []
        for sd in ("left", "right"):
            a, m = _p(j, f"ankle_{sd}"), np.concatenate([[False], lift[sd], [False]]).astype(int)
            for on, off in zip(np.flatnonzero(np.diff(m) == 1), np.flatnonzero(np.diff(m) == -1)):
                steps.append(a[min(off, len(a) - 1), [0, 2]] - a[max(on - 1, 0), [0, 2]])
        angles = np.degrees([np.arctan2(v[0], v[1]) for v in steps if np.linalg.norm(v) > 0.03])
        assert len(angles) >= 3 and np.ptp(angles) > 10  # in varying directions
        sway = (_p(j, "spine_shoulder") - base)[:, 0]
        assert np.ptp(sway) > 0.05  # the trunk sways sideways
        spread = np.abs(_p(j, "wrist_left")[:, 0] - _p(j, "wrist_right")[:, 0])
        assert spread.max() > spread[0] + 0.25  # arms out for balance


def test_falling_ends_on_the_floor_hands_first() -> None:
    for j in _all(FALL):
        head, base = _p(j, "head")[:, 1], _p(j, "spine_base")[:, 1]
        assert head[0] - head[-1] > 0.7 and head[-1] < 0.85 and base[-1] < 0.65
        assert j[-1, :, 1].min() < 0.08  # lying or kneeling on the floor
        low = int(np.argmax(head < 0.5 * (head[0] + head[-1])))  # half way down
        for sd in ("left", "right"):  # the hands out to break the fall
            reach = _p(j, f"wrist_{sd}")[low] - _p(j, "spine_shoulder")[low]
            assert np.hypot(reach[0], reach[2]) > 0.25
        arm = [_p(j, f"{h}_{sd}")[-1, 1] for h in ("elbow", "wrist", "hand", "hand_tip") for sd in ("left", "right")]
        assert min(arm) < 0.25  # an arm on the floor
