"""The legs' postural answer to the arms (pipeline/synth/posture.py) and its use in the
NTU-60-like world."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.synth.ntu60.base import perform
from pipeline.synth.ntu60.classes import CLASSES
from pipeline.synth.ntu60.world import NTU60Config, generate_ntu60, performers
from pipeline.synth.posture import postural_adjustment, reach_signals

SPINE_BASE, HAND_RIGHT, FOOT_LEFT, FOOT_RIGHT = 0, 11, 15, 19


def _pose(t: int = 60) -> dict[str, np.ndarray]:
    d = {k: np.full(t, v) for k, v in {"l_sh_elev": 10.0, "r_sh_elev": 10.0, "l_sh_azim": 40.0, "r_sh_azim": 40.0,
                                       "l_elbow": 15.0, "r_elbow": 15.0, "l_hip_flex": 2.0, "r_hip_flex": 2.0,
                                       "l_hip_abd": 3.0, "r_hip_abd": 3.0, "l_knee": 4.0, "r_knee": 4.0}.items()}
    return d


def _spec(name: str):  # noqa: ANN202
    return next(c for c in CLASSES if c.name.startswith(name))


def test_reach_is_zero_at_rest_and_signs_follow_the_arm():
    d = _pose()
    fwd, lat = reach_signals(d)
    assert np.allclose(fwd, 0.0) and np.allclose(lat, 0.0)
    d["r_sh_elev"][30:] = 90.0  # right arm straight forwards
    d["r_sh_azim"][30:] = 90.0
    fwd, lat = reach_signals(d)
    assert fwd[-1] > 0.5 and abs(lat[-1]) < 0.2
    d = _pose()
    d["r_sh_elev"][30:] = 90.0  # right arm out to the right
    d["r_sh_azim"][30:] = 0.0
    fwd, lat = reach_signals(d)
    assert lat[-1] < -0.5  # towards the body's right (lateral is + to the left)


def test_no_adjustment_without_both_feet_or_gain():
    for support, gain in (("left", 1.0), ("free", 1.0), ("both", 0.0)):
        d = _pose()
        d["r_sh_elev"][30:] = 90.0
        before = {k: v.copy() for k, v in d.items()}
        postural_adjustment(d, support, np.random.default_rng(0), gain)
        assert all(np.array_equal(before[k], d[k]) for k in d), (support, gain)


def test_forward_reach_tilts_the_legs_forwards_and_softens_the_knees():
    d = _pose()
    d["r_sh_elev"][30:] = 90.0
    d["r_sh_azim"][30:] = 90.0
    postural_adjustment(d, "both", np.random.default_rng(3), 1.0)
    assert d["l_hip_flex"][0] == pytest.approx(2.0, abs=1e-3) and d["l_hip_flex"][-1] > 2.5
    assert d["r_knee"][-1] >= 4.0


def test_pointing_moves_the_pelvis_back_and_away_from_the_hand_by_millimetres():
    """Body frame: the actor faces +z, its left is +x; pointing with the right hand forwards
    puts the pelvis back (-z) and to the left (+x), by 2-30 mm, with the feet planted."""
    subj = performers(NTU60Config())[1]
    s = np.clip(np.linspace(-0.2, 1.2, 100), 0.0, 1.0)
    spec = _spec("pointing")
    j0 = perform(spec, s, np.random.default_rng(1), (subj,))[0]
    j1 = perform(spec, s, np.random.default_rng(1), (subj,), posture=1.0, posture_rng=np.random.default_rng(7))[0]
    assert j0[:, HAND_RIGHT, 0].min() < -0.15  # the right hand is out to the right
    shift = j1[:, SPINE_BASE] - j0[:, SPINE_BASE]
    k = np.argmax(np.abs(shift[:, 2]))
    assert -0.03 < shift[k, 2] < -0.002 and shift[k, 0] > 0.0
    assert np.allclose(j1[0], j0[0], atol=1e-4)  # idle start unchanged (to 0.1 mm)
    assert np.abs(j1[:, [FOOT_LEFT, FOOT_RIGHT]] - j0[:, [FOOT_LEFT, FOOT_RIGHT]]).max() < 0.01


def test_world_is_unchanged_without_posture_and_deterministic_with_it():
    idx = [0, 7, 6 * 20 * 5 + 1]  # drink water, two takes, and a pickup take
    base = generate_ntu60(NTU60Config(takes_per_class=20), indices=idx)
    again = generate_ntu60(NTU60Config(takes_per_class=20, posture=0.0), indices=idx)
    assert np.array_equal(base.data, again.data)
    on = generate_ntu60(NTU60Config(takes_per_class=20, posture=1.0), indices=idx)
    on2 = generate_ntu60(NTU60Config(takes_per_class=20, posture=1.0), indices=idx)
    assert np.array_equal(on.data, on2.data)
    assert not np.array_equal(on.data, base.data)
    diff = np.abs(on.data - base.data).max()
    assert diff < 0.08, diff  # centimetres, not a different motion


def test_posture_needs_its_own_stream():
    with pytest.raises(ValueError, match="posture_rng"):
        perform(_spec("pointing"), np.linspace(0.0, 1.0, 20), np.random.default_rng(0),
                (performers(NTU60Config())[1],), posture=1.0)

