"""Analytic arm IK: the wrist lands on the target through the body's own forward kinematics,
for either arm, with the elbow where the swivel puts it."""

from __future__ import annotations

import numpy as np

from pipeline.layouts import NTU25
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import SEGMENT_FRACTIONS, Pose, Subject, forward_kinematics
from pipeline.synth.reach import LANDMARKS, landmark, reach, reach_landmark

J = NTU25.index
UNIT = Subject(height=1.0, seg=dict(SEGMENT_FRACTIONS))  # nominal proportions, stature 1


def _wrists(d: dict) -> np.ndarray:
    x = forward_kinematics(Pose(dofs=d), UNIT)
    return x[:, [J("wrist_left"), J("wrist_right")]] - x[:, [J("spine_shoulder")]]


def test_every_landmark_is_reached_by_either_arm():
    rng = np.random.default_rng(0)
    for name in LANDMARKS:
        if name == "overhead":  # beyond reach on purpose: pulled onto the reachable sphere
            continue
        d = {k: v * 0 for k, v in idle_pose(4, rng).items()}
        w = np.ones(4)
        reach_landmark(d, "l", name, w)
        reach_landmark(d, "r", name, w)
        wr = _wrists(d)
        target = landmark(name)
        np.testing.assert_allclose(wr[:, 0], np.broadcast_to(target, (4, 3)), atol=1e-9, err_msg=name)
        np.testing.assert_allclose(wr[:, 1], np.broadcast_to(target * [-1, 1, 1], (4, 3)), atol=1e-9, err_msg=name)


def test_swivel_moves_the_elbow_outwards_and_keeps_the_wrist():
    target = landmark("mouth")
    low, out = reach(target, 0.0, raw=True), reach(target, 60.0, raw=True)
    rng = np.random.default_rng(1)
    elbows = []
    for ang in (low, out):
        d = {k: v * 0 for k, v in idle_pose(1, rng).items()}
        d.update({f"l_{k}": v for k, v in ang.items()})
        x = forward_kinematics(Pose(dofs=d), UNIT)[0]
        np.testing.assert_allclose(x[J("wrist_left")] - x[J("spine_shoulder")], target, atol=1e-9)
        elbows.append(x[J("elbow_left")])
    assert elbows[1][0] > elbows[0][0] + 0.05  # outwards: the arm's own +x side
    # out of reach: the arm points at the target, straight
    far = reach(np.array([0.0, 0.0, 1.0]), 0.0)
    assert far["elbow"][0] < 5.0
