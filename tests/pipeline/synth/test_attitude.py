"""Whole-body attitude: the offsets' shape, fades and scales, and how they reach a DOF dict."""

from __future__ import annotations

import numpy as np

from pipeline.synth.attitude import ATTITUDE_KEYS, FADE, apply_attitude, attitude_offsets, draw_attitude, envelope


def test_envelope_is_zero_on_idle_frames_and_one_inside_the_action():
    s = np.array([0.0, FADE / 2, FADE, 0.5, 1 - FADE, 1 - FADE / 2, 1.0])
    e = envelope(s)
    assert e[0] == 0.0 and e[-1] == 0.0
    assert e[2] == 1.0 and e[3] == 1.0 and e[4] == 1.0
    assert 0.0 < e[1] < 1.0 and 0.0 < e[5] < 1.0


def test_a_draw_has_every_key_and_its_scale_follows_sigma():
    rng = np.random.default_rng(0)
    draws = [draw_attitude(rng, 2.0) for _ in range(400)]
    assert all(set(d) == set(ATTITUDE_KEYS) for d in draws)
    offsets = np.array([d["trunk_flex"][0] for d in draws])
    wrist = np.array([d["r_wrist"][0] for d in draws])
    assert 1.7 < offsets.std() < 2.3  # trunk scale 1 x sigma 2 degrees
    assert 5.0 < wrist.std() < 7.0  # wrist scale 3: a wrist angle moves little of the body
    assert set(np.unique([d["neck_flex"][3] for d in draws])) == {1.0, 2.0}
    # the same stream gives the same draw; sigma 0 gives none
    np.testing.assert_array_equal(draw_attitude(np.random.default_rng(5), 1.0)["l_elbow"],
                                  draw_attitude(np.random.default_rng(5), 1.0)["l_elbow"])
    assert all(v[:2].tolist() == [0.0, 0.0] for v in draw_attitude(rng, 0.0).values())


def test_offsets_sum_components_with_their_gains_inside_the_envelope():
    s = np.linspace(0.0, 1.0, 50)
    a, b = draw_attitude(np.random.default_rng(1), 1.0), draw_attitude(np.random.default_rng(2), 1.0)
    both = attitude_offsets(s, [(a, 0.5), (b, 1.0)])
    only_a, only_b = attitude_offsets(s, [(a, 0.5)]), attitude_offsets(s, [(b, 1.0)])
    for key in ATTITUDE_KEYS:
        np.testing.assert_allclose(both[key], only_a[key] + only_b[key])
        assert both[key][0] == 0.0 and both[key][-1] == 0.0
    off, amp, phase, cycles = a["trunk_flex"]
    mid = 25
    np.testing.assert_allclose(only_a["trunk_flex"][mid],
                               0.5 * envelope(s)[mid] * (off + amp * np.sin(2 * np.pi * cycles * s[mid] + phase)))


def test_legs_move_as_a_pair_and_only_on_both_feet():
    t = 5
    offsets = {key: np.zeros(t) for key in ATTITUDE_KEYS}
    offsets["legs_hip_abd"] = np.full(t, 2.0)
    offsets["legs_knee"] = np.full(t, 3.0)
    offsets["neck_lat"] = np.full(t, 1.5)

    def dofs():
        return {k: np.ones(t) for k in ("l_hip_abd", "r_hip_abd", "l_knee", "r_knee", "l_hip_flex", "r_hip_flex",
                                         "trunk_flex", "trunk_lat", "trunk_twist", "neck_flex", "neck_twist",
                                         "l_sh_elev", "r_sh_elev", "l_sh_azim", "r_sh_azim", "l_sh_twist", "r_sh_twist",
                                         "l_elbow", "r_elbow", "l_wrist", "r_wrist")}

    d = dofs()
    apply_attitude(d, offsets, "both")
    assert d["l_hip_abd"][0] == 3.0 and d["r_hip_abd"][0] == -1.0  # pelvis shifts sideways, feet stay
    assert d["l_knee"][0] == 4.0 and d["r_knee"][0] == 4.0
    assert d["neck_lat"][0] == 1.5  # an optional DOF the body lacked starts from 0
    kick = dofs()
    apply_attitude(kick, offsets, "right")
    assert kick["l_knee"][0] == 1.0 and kick["l_hip_abd"][0] == 1.0  # a programmed leg keeps its motion
    assert kick["neck_lat"][0] == 1.5
