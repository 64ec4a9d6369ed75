"""Dressing programs of the NTU-60-like world: limits, rigid bones, idle ends, determinism, and
joint-position geometry that shows each class does what its name says (and in which
direction: wear vs take off)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from pipeline.classes import NTU60_CLASSES
from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import sample_subject
from pipeline.synth.ntu60.base import perform
from pipeline.synth.ntu60.dressing import CLASSES

SPECS = {c.ntu_action: c for c in CLASSES}
DRAWS = 20
I = LAYOUT.index


def _times(spec):
    t = spec.mean_frames
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


@lru_cache(maxsize=None)
def _run(action: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(s, joints (T, 25, 3)) of one draw."""
    spec = SPECS[action]
    s = _times(spec)
    subject = sample_subject(np.random.default_rng(1000 + seed))
    return s, perform(spec, s, np.random.default_rng(seed), (subject,))[0]


def _dofs(action: int, seed: int) -> dict[str, np.ndarray]:
    spec = SPECS[action]
    s = _times(spec)
    rng = np.random.default_rng(seed)
    d = idle_pose(len(s), rng)
    spec.fn(s, rng, d)
    return d


def _all():
    return [(a, k) for a in SPECS for k in range(DRAWS)]


def test_names_numbers_and_group():
    assert {c.ntu_action: c.name for c in CLASSES} == {
        14: "wear jacket", 15: "take off jacket", 16: "wear a shoe", 17: "take off a shoe",
        20: "put on a hat/cap", 21: "take off a hat/cap"}
    for c in CLASSES:  # NTU's own names, as the class registry of the world checks them
        assert c.name == NTU60_CLASSES[c.ntu_action - 1]
    for c in CLASSES:
        assert c.persons == 1 and c.group == "dressing" and c.difference
        assert 80 <= c.mean_frames <= 145
    assert SPECS[15].mean_frames >= SPECS[14].mean_frames > SPECS[16].mean_frames > SPECS[20].mean_frames


@pytest.mark.parametrize("action", sorted(SPECS))
def test_joint_limits(action, within_limits):
    for seed in range(DRAWS):
        within_limits(_dofs(action, seed), (SPECS[action].name, seed))


def test_bone_lengths_constant(rigid_bones):
    for action, seed in _all():
        rigid_bones(_run(action, seed)[1], (action, seed))


def test_starts_and_ends_idle_feet_on_floor_and_smooth():
    for action, seed in _all():
        x = _run(action, seed)[1]
        # first and last frames: the same idle posture (up to the slow idle sway)
        assert np.linalg.norm(x[0] - x[-1], axis=-1).max() < 0.05, (action, seed)
        for w in ("wrist_left", "wrist_right"):
            assert np.linalg.norm(x[0, I(w)] - x[-1, I(w)]) < 0.05
        feet = x[:, [I("ankle_left"), I("ankle_right"), I("foot_left"), I("foot_right")], 1]
        assert feet.min() > -0.01, (action, seed, feet.min())
        # no jumps (an arm flipping through an IK singularity): bounded speed and acceleration
        assert np.linalg.norm(np.diff(x, axis=0), axis=-1).max() < 0.2, (action, seed)  # m / frame
        assert np.linalg.norm(np.diff(x, 2, axis=0), axis=-1).max() < 0.15, (action, seed)  # m / frame^2


def test_deterministic():
    subject = (sample_subject(np.random.default_rng(3)),)
    for spec in CLASSES:
        a, b, c = (perform(spec, _times(spec), np.random.default_rng(seed), subject) for seed in (7, 7, 8))
        # identical up to float rounding (set_reach differs by ~1e-14 degrees between calls)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
        assert np.abs(a - c).max() > 0.01


# ----------------------------------------------------------------------------- jacket
def _jacket(action, seed):
    s, x = _run(action, seed)
    ss, sm = x[:, I("spine_shoulder")], x[:, I("spine_mid")]
    wr = x[:, [I("wrist_left"), I("wrist_right")]]
    hd = x[:, [I("hand_left"), I("hand_right")]]
    sh = x[:, [I("shoulder_left"), I("shoulder_right")]]
    behind = np.flatnonzero((wr[..., 2] - sm[:, None, 2]).min(1) < -0.06)  # a wrist behind the back
    elev = (sh[..., 1] - ss[:, None, 1]).mean(1)
    prot = (sh[..., 2] - ss[:, None, 2]).mean(1)
    collar = np.flatnonzero(((wr[..., 1] > ss[:, None, 1] - 0.2) & (wr[..., 2] > ss[:, None, 2] + 0.03)).all(1))
    close = np.linalg.norm(hd[:, 0] - hd[:, 1], axis=-1) < 0.2
    together = np.flatnonzero(close & (hd[..., 2] > ss[:, None, 2] + 0.08).all(1))
    return s, behind, elev - elev[0], prot - prot[0], collar, together


def test_wear_jacket_sleeve_behind_then_shrug_then_front_together():
    for seed in range(DRAWS):
        s, behind, elev, prot, collar, together = _jacket(14, seed)
        assert len(behind) >= 3, seed  # the second arm reaches back into its sleeve
        assert elev.max() > 0.02, seed  # the shrug (clavicles raised) settles the jacket
        assert s[behind[0]] < s[np.argmax(elev)], seed  # ... after the arm went in behind
        assert len(together) >= 5 and s[together[-1]] > 0.8, seed  # hands pull the front together at the end


def test_take_off_jacket_collar_and_shoulders_back_then_arms_out_behind():
    for seed in range(DRAWS):
        s, behind, elev, prot, collar, together = _jacket(15, seed)
        assert len(collar) >= 5 and s[collar[0]] < 0.2, seed  # both hands up at the collar first
        assert len(behind) >= 3 and s[collar[0]] < s[behind[0]], seed  # then arms pulled out behind
        assert prot[: behind[0] + 5].min() < -0.02, seed  # shoulders drawn back before / as the first arm goes
        assert elev.max() < 0.02, seed  # no settling shrug
        assert len(together) >= 5 and s[together[-1]] > 0.8, seed  # the jacket held in front at the end


# ----------------------------------------------------------------------------- shoe
def _shoe(action, seed, thr=0.12):
    """Hands at the acting foot: (fraction of frames, the hands' travel along the foot (heel ->
    toes +, the nearest hand's wrist) over the contact, the acting ankle height, contact frames)."""
    s, x = _run(action, seed)
    best = None
    for f in ("left", "right"):
        # distance of each hand (hand joint or finger tips) to the foot (ankle or forefoot)
        dh = np.array([np.min([np.linalg.norm(x[:, I(p + h)] - x[:, I(q + f)], axis=-1)
                               for p in ("hand_", "hand_tip_") for q in ("ankle_", "foot_")], axis=0)
                       for h in ("left", "right")])
        near = dh.min(0) < thr
        if best is None or near.sum() > best[0].sum():
            best = (near, f, dh)
    near, f, dh = best
    idx = np.flatnonzero(near)
    assert len(idx), (action, seed)
    # the longest contact, bridging short breaks (the hands tug and wiggle)
    run = max(np.split(idx, np.flatnonzero(np.diff(idx) > 8) + 1), key=len)
    run = np.arange(run[0], run[-1] + 1)
    nearest = np.argmin(dh[:, run], 0)
    hand = np.where((nearest == 0)[:, None], x[run, I("wrist_left")], x[run, I("wrist_right")])
    ankle = x[run, I("ankle_" + f)]
    along = x[run, I("foot_" + f)] - ankle  # heel -> toes
    rel = np.einsum("ti,ti->t", hand - ankle, along / np.linalg.norm(along, axis=-1, keepdims=True))
    # toes -> heel (wear) gives a negative order, heel -> toes (take off) a positive one; the
    # first and last fifth of the contact (hands arriving, leaving) are left out
    mid = rel[len(rel) // 5: len(rel) - len(rel) // 5]
    order = np.sign(np.argmax(mid) - np.argmin(mid)) * (mid.max() - mid.min())
    return len(run) / len(s), order, x[:, I("ankle_" + f), 1], run


@pytest.mark.parametrize("action", [16, 17])
def test_shoe_hands_at_the_foot(action):
    for seed in range(DRAWS):
        frac, travel, ankle, run = _shoe(action, seed)
        assert frac > 0.05, (action, seed, frac)  # both or one hand at the foot for a while
        _, x = _run(action, seed)
        base = x[:, I("spine_base"), 1]
        # the trunk bends down to the foot: shoulders come far down
        assert (x[:, I("spine_shoulder"), 1] - x[0, I("spine_shoulder"), 1]).min() < -0.25, (action, seed)
        assert base[run].mean() < base[0] - 0.02 or ankle[run].mean() > ankle[0] + 0.1  # squat or foot lifted
        if action == 16:  # wearing: hands travel from the toes back to the heel (foot pushed in)
            assert travel < -0.03, (seed, travel)
        else:  # taking off: the shoe slides forwards off the toes as the foot comes out backwards
            assert travel > 0.03, (seed, travel)


def test_wear_shoe_stamps_after_the_hands_let_go():
    for seed in range(DRAWS):
        _, _, ankle, run = _shoe(16, seed)
        after = ankle[run[-1]:]
        low = np.minimum.accumulate(after)
        assert (after - low).max() > 0.03, seed  # the foot is lifted again and stamped down
        assert after[-1] < ankle[0] + 0.01


# ----------------------------------------------------------------------------- hat
def _longest_run(mask: np.ndarray) -> np.ndarray:
    idx = np.flatnonzero(mask)
    if not len(idx):
        return idx
    return max(np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1), key=len)


def _hat(action, seed):
    """For the acting hand: frames with the hand over the head, frames of the longest hold of
    the wrist in front of the chest."""
    s, x = _run(action, seed)
    ss, sm, head = x[:, I("spine_shoulder")], x[:, I("spine_mid")], x[:, I("head")]
    best = None
    for h in ("left", "right"):
        hd, wr = x[:, I("hand_" + h)], x[:, I("wrist_" + h)]
        on_head = (hd[:, 1] > head[:, 1]) & (np.linalg.norm(hd - head, axis=-1) < 0.3)
        chest = (wr[:, 1] > sm[:, 1] - 0.05) & (wr[:, 1] < ss[:, 1] + 0.05) & (wr[:, 2] > ss[:, 2] + 0.2)
        if best is None or on_head.sum() > best[1].sum():
            best = (s, on_head, _longest_run(chest))
    return best


def test_hat_on_head_and_direction_of_travel():
    for seed in range(DRAWS):
        for action in (20, 21):
            s, on_head, chest = _hat(action, seed)
            assert on_head.sum() >= 3 and len(chest) >= 5, (action, seed)
            t_head, t_chest = s[on_head].mean(), s[chest].mean()
            if action == 20:  # put on: from the chest up onto the head
                assert t_chest < t_head - 0.03, (seed, t_chest, t_head)
            else:  # take off: from the head down to the chest
                assert t_chest > t_head + 0.03, (seed, t_chest, t_head)
