"""The Kinect-like observation: static fit offsets, hidden hands, padding untouched."""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.kinect_noise import BIAS_SCALE, hidden_weight, observe_kinect

J = LAYOUT.index


def _standing(t: int = 60) -> np.ndarray:
    """(T, 25, 3) a still T-pose-ish body 3 m in front of the sensor, hands at the sides."""
    from pipeline.synth.actions import idle_pose
    from pipeline.synth.body import Pose, forward_kinematics, sample_subject

    rng = np.random.default_rng(0)
    joints = forward_kinematics(Pose(dofs=idle_pose(t, rng), support="both"), sample_subject(rng))
    joints = joints.copy()
    joints[..., 2] = 3.0 - joints[..., 2]  # facing the sensor, z away from it
    return joints


def test_bias_is_one_static_offset_per_call_growing_to_the_limb_ends():
    x = _standing()
    offsets = []
    for seed in range(200):
        out, _ = observe_kinect(x, np.random.default_rng(seed), jitter_mm=0.0, drift=0.0, glitch_rate=0.0,
                                bias_mm=15.0, hidden_mm=0.0)
        d = out - x
        np.testing.assert_allclose(d, d[:1].repeat(len(d), 0), atol=1e-12)  # the same in every frame
        offsets.append(d[0])
    sd = np.std(offsets, axis=0).mean(-1) * 1000  # per joint, mm
    assert 12 < sd[J("spine_mid")] < 18
    assert sd[J("hand_tip_left")] > 2.5 * sd[J("spine_mid")]
    assert BIAS_SCALE[J("hand_tip_right")] == 3.0 and BIAS_SCALE[J("spine_base")] == 1.0


def test_a_hand_at_the_face_is_hidden_and_a_hand_at_the_side_is_not():
    x = _standing(10)
    assert hidden_weight(x, "left").max() == 0.0
    at_face = x.copy()
    at_face[:, J("hand_left")] = x[:, J("head")] + [0.0, -0.03, -0.03]
    assert np.all(hidden_weight(at_face, "left") == 1.0)
    behind = x.copy()  # the hand behind the back, inside the trunk's silhouette
    behind[:, J("hand_right")] = x[:, J("spine_mid")] + [0.0, -0.05, 0.25]
    assert np.all(hidden_weight(behind, "right") == 1.0)
    out, _ = observe_kinect(at_face, np.random.default_rng(1), jitter_mm=0.0, drift=0.0, glitch_rate=0.0,
                            hidden_mm=30.0)
    moved = np.abs(out - at_face).max(axis=(0, 2))
    assert moved[J("hand_left")] > 0.01 and moved[J("hand_tip_left")] > moved[J("wrist_left")]
    assert moved[J("hand_right")] == 0 and moved[J("head")] == 0  # only the hidden hand


def _turned(x: np.ndarray, yaw_deg: float) -> np.ndarray:
    """The body of :func:`_standing` turned about its own vertical axis (spine base)."""
    from pipeline.synth.kinematics import rot_y

    c = x[:, J("spine_base")][:, None]
    return (x - c) @ rot_y(np.array([yaw_deg]))[0].T + c


def test_in_a_side_view_the_far_limbs_are_hidden_and_in_a_frontal_view_nothing_is():
    from pipeline.synth.kinect_noise import occlusion_weight

    x = _standing(5)
    front = occlusion_weight(x)
    assert front.shape == (5, 25) and front.max() < 0.5
    side = occlusion_weight(_turned(x, 90.0))  # the body turned a quarter: one side faces the sensor
    near_far = [(J("elbow_left"), J("elbow_right")), (J("knee_left"), J("knee_right"))]
    hidden = [max(side[:, a].mean(), side[:, b].mean()) for a, b in near_far]
    visible = [min(side[:, a].mean(), side[:, b].mean()) for a, b in near_far]
    assert min(hidden) > 0.5 and max(visible) == 0.0  # the far elbow and knee, never the near ones
    assert side[:, [J("head"), J("spine_shoulder"), J("spine_base")]].max() == 0.0


def test_occlusion_error_moves_only_hidden_joints_and_zero_draws_nothing():
    from pipeline.synth.kinect_noise import occlusion_weight

    x = _turned(_standing(40), 90.0)
    kw = dict(jitter_mm=0.0, drift=0.0, glitch_rate=0.0, hidden_mm=0.0)
    out, _ = observe_kinect(x, np.random.default_rng(2), occlusion_mm=60.0, **kw)
    moved = np.abs(out - x).max(axis=(0, 2))
    w = occlusion_weight(x).max(0)
    assert np.all(moved[w == 0] == 0) and moved[w == 1].min() > 0.01
    off, _ = observe_kinect(x, np.random.default_rng(2), occlusion_mm=0.0, **kw)
    np.testing.assert_array_equal(off, x)
