"""The NTU-60 hand-to-head classes (pipeline.synth.ntu60.hand_to_head): names, limits, rigid
bones, idle at both ends, determinism, and geometry measured on joint positions that shows
every program does what its class name says."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import sample_subject
from pipeline.synth.ntu60.base import ClassSpec, perform
from pipeline.synth.ntu60.hand_to_head import CLASSES

DRAWS = 20
J = LAYOUT.index
SPECS = {c.ntu_action: c for c in CLASSES}
NAMES = {
    1: "drink water", 2: "eat meal/snack", 3: "brushing teeth", 4: "brushing hair", 18: "wear on glasses",
    19: "take off glasses", 35: "nod head/bow", 36: "shake head", 37: "wipe face", 41: "sneeze/cough",
    44: "touch head (headache)", 45: "touch chest (stomachache/heart pain)", 46: "touch back (backache)",
    47: "touch neck (neckache)", 48: "nausea or vomiting condition",
    49: "use a fan (with hand or paper)/feeling warm",
}
GROUPS = {"hand to face": {1, 2, 3, 4, 37}, "dressing": {18, 19}, "touch body": {44, 45, 46, 47}, "head": {35, 36},
          "unwell": {41, 48, 49}}


def _s(spec: ClassSpec) -> np.ndarray:
    t = spec.mean_frames
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


def _subject(seed: int):  # noqa: ANN202
    return sample_subject(np.random.default_rng(5_000 + seed))


def _run(n: int, seed: int) -> np.ndarray:
    spec = SPECS[n]
    return perform(spec, _s(spec), np.random.default_rng(seed), (_subject(seed),))[0]


@functools.cache
def _joints(n: int, seed: int) -> np.ndarray:
    return _run(n, seed)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


class Body:
    """Joint positions of one sample with head and trunk frames (x left, y up, z forward)."""

    def __init__(self, n: int, seed: int) -> None:
        self.x = _joints(n, seed)
        self.h = _subject(seed).height
        side = _unit(self.p("shoulder_left") - self.p("shoulder_right"))
        self.frames = {}
        for name, (lo, hi) in {"head": ("neck", "head"), "trunk": ("spine_mid", "spine_shoulder")}.items():
            up = _unit(self.p(hi) - self.p(lo))
            lat = _unit(side - (side * up).sum(-1, keepdims=True) * up)
            self.frames[name] = (lat, up, np.cross(lat, up))
        moved = [np.linalg.norm(self.p(f"hand_{k}") - self.p(f"hand_{k}")[0], axis=-1).max() for k in ("left", "right")]
        self.act = "left" if moved[0] >= moved[1] else "right"
        self.other = "right" if self.act == "left" else "left"
        self.sign = 1.0 if self.act == "left" else -1.0

    def p(self, joint: str) -> np.ndarray:
        return self.x[:, J(joint)]

    def at(self, origin: str, offset: tuple[float, float, float], frame: str = "head", sign: float = 1.0) -> np.ndarray:
        """Point ``origin + H * offset`` in the ``frame`` axes (x times ``sign``), per frame."""
        lat, up, fwd = self.frames[frame]
        o = np.asarray(offset) * self.h
        return self.p(origin) + sign * o[0] * lat + o[1] * up + o[2] * fwd

    def rel(self, joint: str, origin: str, frame: str = "trunk") -> np.ndarray:
        """``joint - origin`` in the ``frame`` axes (lateral towards the acting side), metres."""
        lat, up, fwd = self.frames[frame]
        v = self.p(joint) - self.p(origin)
        return np.stack([self.sign * (v * lat).sum(-1), (v * up).sum(-1), (v * fwd).sum(-1)], -1)

    def dist(self, joint: str, point: np.ndarray) -> np.ndarray:
        return np.linalg.norm(self.p(joint) - point, axis=-1)

    def mouth(self) -> np.ndarray:
        return self.at("head", (0.0, -0.028, 0.054))


def _runs(mask: np.ndarray) -> int:
    m = np.concatenate([[False], np.asarray(mask, dtype=bool)])
    return int(np.sum(m[1:] & ~m[:-1]))


def _wiggles(v: np.ndarray, width: int = 7) -> int:
    """Sign changes of ``v`` about its moving average."""
    if len(v) <= width:
        return 0
    hp = v[width // 2: len(v) - width // 2] - np.convolve(v, np.ones(width) / width, mode="valid")
    hp = hp[np.abs(hp) > 1e-4]
    return int(np.sum(np.diff(np.sign(hp)) != 0))


def _bodies(n: int) -> list[Body]:
    return [Body(n, k) for k in range(DRAWS)]


# ----------------------------------------------------------------------------- generic
def test_names_numbers_and_groups():
    assert {c.ntu_action: c.name for c in CLASSES} == NAMES
    assert len(CLASSES) == len(NAMES)
    for group, members in GROUPS.items():
        assert {c.ntu_action for c in CLASSES if c.group == group} == members
    for c in CLASSES:
        assert c.persons == 1 and 55 <= c.mean_frames <= 140 and c.difference


@pytest.mark.parametrize("n", sorted(NAMES))
def test_joint_limits(n, within_limits):
    spec = SPECS[n]
    s = _s(spec)
    for seed in range(DRAWS):
        rng = np.random.default_rng(seed)
        d = idle_pose(len(s), rng)
        assert spec.fn(s, rng, d) == "both"
        within_limits(d, (n, seed))


@pytest.mark.parametrize("n", sorted(NAMES))
def test_rigid_bones_and_idle_ends(n, rigid_bones):
    spec = SPECS[n]
    idle = ClassSpec(0, "idle", lambda s, rng, d: "both", spec.mean_frames)
    for seed in range(DRAWS):
        x = _joints(n, seed)
        rigid_bones(x, (n, seed))
        rest = perform(idle, _s(spec), np.random.default_rng(seed), (_subject(seed),))[0]
        assert np.abs(x[0] - rest[0]).max() < 1e-6 and np.abs(x[-1] - rest[-1]).max() < 1e-6
        for w in ("wrist_left", "wrist_right"):
            assert np.linalg.norm(x[0, J(w)] - x[-1, J(w)]) < 0.05
        assert x[..., 1].min() > -0.02  # nothing below the floor
        assert np.linalg.norm(np.diff(x, axis=0), axis=-1).max() < 0.25  # no jumps (m per frame)


@pytest.mark.parametrize("n", sorted(NAMES))
def test_deterministic_and_varied(n):
    # identical up to float rounding: numpy's SIMD loops may round the last bit differently
    # with the memory alignment of their operands (seen in reach()'s arithmetic, ~1e-14)
    np.testing.assert_allclose(_run(n, 3), _run(n, 3), rtol=0, atol=1e-9)
    assert not np.allclose(_joints(n, 3), _joints(n, 4))


# ----------------------------------------------------------------------------- hand to face
def test_drink_reaches_the_mouth_with_the_elbow_low_in_front():
    for b in _bodies(1):
        d = b.dist(f"hand_{b.act}", b.mouth())
        assert np.mean(d < 0.08) > 0.1
        k = int(np.argmin(d))
        elbow = b.rel(f"elbow_{b.act}", f"shoulder_{b.act}")[k]
        assert elbow[1] < -0.05 and elbow[2] > 0.05 and elbow[0] < 0.15  # not a salute
        head = b.rel("head", "neck")[:, 2]
        assert head[d < 0.08].min() < head[0] - 0.005  # the head tilts back to drink


def test_eat_makes_several_trips_to_the_mouth():
    for b in _bodies(2):
        d = b.dist(f"hand_{b.act}", b.mouth())
        assert _runs(d < 0.09) >= 2 and d[d.argmin():].max() > 0.2


def test_brushing_teeth_scrubs_with_a_fist_at_the_mouth():
    for b in _bodies(3):
        near = b.dist(f"hand_{b.act}", b.mouth()) < 0.12
        assert near.mean() > 0.4
        lateral = b.rel(f"hand_{b.act}", "head", "head")[near, 0]
        assert _wiggles(lateral) >= 8
        fist = np.linalg.norm(b.p(f"hand_tip_{b.act}") - b.p(f"wrist_{b.act}"), axis=-1)[near]
        assert np.median(fist) < 0.065 * b.h


def test_brushing_hair_strokes_front_to_back_on_the_head():
    for b in _bodies(4):
        r = b.rel(f"hand_{b.act}", "head", "head")
        on = (np.linalg.norm(r, axis=-1) < 0.22) & (r[:, 1] > -0.01)
        assert on.mean() > 0.3
        assert np.ptp(r[on, 2]) > 0.08 and _wiggles(r[on, 2], 9) >= 3


def _glasses(b: Body) -> list[tuple[np.ndarray, np.ndarray]]:
    """(approach, departure) travel (lateral, up, forward in the head frame, m) of each hand
    over the 8 frames before and after it holds the glasses at its temple."""
    out = []
    for hand, sign in (("left", 1.0), ("right", -1.0)):
        near = b.dist(f"hand_{hand}", b.at("head", (0.082, 0.005, 0.052), sign=sign)) < 0.06
        if not near.any():
            continue
        idx = np.nonzero(near)[0]
        r = b.rel(f"hand_{hand}", "head", "head")
        i0, i1 = idx[0], idx[-1]
        out.append((r[i0] - r[max(i0 - 8, 0)], r[min(i1 + 8, len(r) - 1)] - r[i1]))
    return out


def test_glasses_on_and_off_travel_in_opposite_directions():
    for b_on, b_off in zip(_bodies(18), _bodies(19)):
        on, off = _glasses(b_on), _glasses(b_off)
        assert on and off  # the hands reach the temples
        for come, leave in on:  # on: in towards the face from the front, then the hands drop
            assert come[2] < -0.02 and -come[2] > abs(come[1]) and -leave[1] > abs(leave[2])
        for come, leave in off:  # off: up to the temples, then pulled forwards away
            assert come[1] > abs(come[2]) and leave[2] > 0.02 and leave[2] > abs(leave[1])


def test_wipe_face_strokes_open_hands_over_the_face():
    for b in _bodies(37):
        face = b.at("head", (0.0, -0.02, 0.075))
        near = b.dist(f"hand_{b.act}", face) < 0.1
        assert near.mean() > 0.3
        up = b.rel(f"hand_{b.act}", "head", "head")[near, 1]
        assert np.ptp(up) > 0.03 and _wiggles(up, 9) >= 3
        span = np.linalg.norm(b.p(f"hand_tip_{b.act}") - b.p(f"wrist_{b.act}"), axis=-1)[near]
        assert np.median(span) > 0.075 * b.h


# ----------------------------------------------------------------------------- head
def test_nod_drops_the_head_with_the_hands_down():
    for b in _bodies(35):
        head = b.p("head")
        move = np.linalg.norm(head - head[0], axis=-1)
        assert move.max() > 0.04 and 1 <= _runs(move > 0.5 * move.max()) <= 3
        assert np.all(head[:, 2] >= head[0, 2] - 0.01) and np.all(head[:, 1] <= head[0, 1] + 0.01)  # forwards, down
        for hand in ("hand_left", "hand_right"):
            assert np.all(b.p(hand)[:, 1] < b.p("spine_mid")[:, 1] + 0.05)


def test_shake_turns_the_head_side_to_side():
    for b in _bodies(36):
        lateral = b.rel("head", "neck", "trunk")[:, 0]
        assert np.ptp(lateral) > 0.006 and _wiggles(lateral, 5) >= 3
        assert (b.p("head")[0, 1] - b.p("head")[:, 1]).max() < 0.03
        for hand in ("hand_left", "hand_right"):
            assert np.linalg.norm(b.p(hand) - b.p(hand)[0], axis=-1).max() < 0.08


# ----------------------------------------------------------------------------- touch body
def test_touch_head_puts_the_hand_on_forehead_or_temple():
    for b in _bodies(44):
        forehead = b.dist(f"hand_{b.act}", b.at("head", (0.0, 0.03, 0.08)))
        temple = b.dist(f"hand_{b.act}", b.at("head", (0.068, 0.015, 0.035), sign=b.sign))
        on = np.minimum(forehead, temple) < 0.07
        assert on.mean() > 0.2
        assert np.all(b.rel(f"elbow_{b.act}", f"shoulder_{b.act}")[on, 2] > 0.03)  # elbow in front


def test_touch_chest_hand_flat_on_the_chest():
    for b in _bodies(45):
        r = b.rel(f"hand_{b.act}", "spine_shoulder")
        on = (r[:, 2] > 0.04) & (r[:, 2] < 0.25) & (r[:, 1] < -0.02) & (r[:, 1] > -0.3) & (np.abs(r[:, 0]) < 0.12)
        assert on.mean() > 0.2


def test_touch_back_hand_behind_the_trunk():
    for b in _bodies(46):
        r = b.rel(f"hand_{b.act}", "spine_mid")
        y = b.p(f"hand_{b.act}")[:, 1]
        on = (r[:, 2] < -0.07) & (y > b.p("spine_base")[:, 1] - 0.1) & (y < b.p("spine_shoulder")[:, 1])
        assert on.mean() > 0.2
        lean = b.p("spine_shoulder")[:, 2] - b.p("spine_base")[:, 2]
        assert lean.min() < lean[0] - 0.02  # the trunk leans back


def test_touch_neck_hand_behind_the_neck_elbow_up():
    for b in _bodies(47):
        r = b.rel(f"hand_{b.act}", "neck")
        on = (np.linalg.norm(r, axis=-1) < 0.12) & (r[:, 2] < 0.0)
        assert on.mean() > 0.2
        assert np.all(b.p(f"elbow_{b.act}")[on, 1] > b.p(f"shoulder_{b.act}")[on, 1])


# ----------------------------------------------------------------------------- unwell
def test_sneeze_covers_the_mouth_and_jerks_forwards():
    for b in _bodies(41):
        hand = b.dist(f"hand_{b.act}", b.mouth()) < 0.08
        elbow = b.dist(f"elbow_{b.act}", b.mouth()) < 0.13
        assert (hand | elbow).mean() > 0.2
        fwd = b.p("head")[:, 2]
        assert max(fwd[k + 6] - fwd[k] for k in range(len(fwd) - 6)) > 0.04  # a sharp forward jerk


def test_nausea_bends_with_hands_at_mouth_and_stomach():
    for b in _bodies(48):
        bend = b.p("spine_shoulder")[:, 2] - b.p("spine_base")[:, 2]
        assert bend.max() - bend[0] > 0.1
        mouth = b.dist(f"hand_{b.act}", b.mouth()) < 0.09
        belly = b.rel(f"hand_{b.other}", "spine_mid")
        stomach = (belly[:, 2] > 0.03) & (np.linalg.norm(belly, axis=-1) < 0.25)
        assert (mouth & stomach).mean() > 0.2


def test_fan_flaps_the_hand_before_the_face_head_up():
    for b in _bodies(49):
        r = b.rel(f"hand_{b.act}", "head", "head")
        dist = np.linalg.norm(r, axis=-1)
        before = (dist > 0.12) & (dist < 0.42) & (r[:, 2] > 0.05)
        assert before.mean() > 0.4
        flap = _unit(b.p(f"hand_{b.act}") - b.p(f"wrist_{b.act}"))
        assert _wiggles(flap[before] @ np.array([0.3, 0.3, 0.9]), 5) >= 8
        head = b.rel("head", "neck", "trunk")[:, 2]
        assert head[before].mean() < head[0] - 0.008
