"""Rotation helpers, limb directions, body placement in the Kinect camera frame."""

from __future__ import annotations

import numpy as np

from pipeline.layouts import NTU25
from pipeline.synth.body import Pose, Subject, SEGMENT_FRACTIONS, forward_kinematics
from pipeline.synth.kinematics import direction, rot_x, rot_y, rot_z, swing_from_down
from pipeline.synth.scene import Placement, body_to_camera, camera_extrinsics


def test_rotations_are_proper_and_signed():
    a = np.array([0.0, 30.0, 90.0, -45.0])
    for r in (rot_x(a), rot_y(a), rot_z(a)):
        np.testing.assert_allclose(r @ r.transpose(0, 2, 1), np.broadcast_to(np.eye(3), r.shape), atol=1e-12)
        np.testing.assert_allclose(np.linalg.det(r), 1.0)
    np.testing.assert_allclose(rot_x(np.array([90.0]))[0] @ [0, 1, 0], [0, 0, 1], atol=1e-12)  # up -> forward
    np.testing.assert_allclose(rot_y(np.array([90.0]))[0] @ [0, 0, 1], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(rot_z(np.array([90.0]))[0] @ [1, 0, 0], [0, 1, 0], atol=1e-12)


def test_direction_and_swing(rng):
    np.testing.assert_allclose(direction(np.array([0.0]), np.array([0.0]))[0], [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(direction(np.array([90.0]), np.array([0.0]))[0], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(direction(np.array([90.0]), np.array([90.0]))[0], [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(direction(np.array([180.0]), np.array([0.0]))[0], [0, 1, 0], atol=1e-12)
    u = direction(rng.uniform(0, 175, 50), rng.uniform(-70, 135, 50))
    r = swing_from_down(u)
    np.testing.assert_allclose(r @ np.array([0.0, -1.0, 0.0]), u, atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-9)


def _subject(h=1.75):
    return Subject(height=h, seg={k: v * h for k, v in SEGMENT_FRACTIONS.items()})


def _still_pose(t=3, **over):
    names = ["trunk_flex", "trunk_lat", "trunk_twist", "neck_flex", "neck_twist", "root_dy"]
    for side in "lr":
        names += [f"{side}_{k}" for k in ("sh_elev", "sh_azim", "sh_twist", "elbow", "wrist",
                                           "hip_flex", "hip_abd", "knee")]  # fmt: skip
    d = {k: np.zeros(t) for k in names}
    d.update({k: np.full(t, v) for k, v in over.items()})
    return Pose(dofs=d)


def test_standing_body_proportions():
    x = forward_kinematics(_still_pose(), _subject())[0]
    j = NTU25.index
    assert abs(x[j("spine_base"), 1] - 0.56 * 1.75) < 0.01  # pelvis height
    assert abs(x[j("ankle_left"), 1] - 0.045 * 1.75) < 1e-9  # planted at standing height
    assert x[j("shoulder_left"), 0] > 0 > x[j("shoulder_right"), 0]  # body frame: +x is the left
    np.testing.assert_allclose(x[j("head"), 0], 0.0, atol=1e-9)


def test_arm_raise_and_forward_bend_directions():
    j = NTU25.index
    up = forward_kinematics(_still_pose(l_sh_elev=170.0, l_sh_azim=90.0), _subject())[0]
    assert up[j("wrist_left"), 1] > up[j("head"), 1]  # the raised arm reaches above the head
    bow = forward_kinematics(_still_pose(trunk_flex=60.0), _subject())[0]
    assert bow[j("head"), 2] > 0.3  # bending forward moves the head to +z (forward)
    sit = forward_kinematics(_still_pose(l_hip_flex=90.0, r_hip_flex=90.0, l_knee=90.0, r_knee=90.0), _subject())[0]
    assert sit[j("knee_left"), 2] > sit[j("spine_base"), 2] + 0.3  # knees in front of the pelvis
    assert abs(sit[j("ankle_left"), 1] - 0.045 * 1.75) < 1e-9  # feet stay on the floor


def test_body_to_camera_conventions():
    x = forward_kinematics(_still_pose(), _subject())
    j = NTU25.index
    cam = body_to_camera(x, Placement(distance=3.0, lateral=0.0, yaw=0.0, height=1.0, tilt=0.0))[0]
    assert abs(cam[j("spine_base"), 2] - 3.0) < 1e-9  # depth
    assert cam[j("shoulder_left"), 0] < cam[j("shoulder_right"), 0]  # Kinect: subject's left at smaller X
    assert abs(cam[j("spine_base"), 1] - (0.56 * 1.75 - 1.0)) < 0.01  # Y up, relative to the sensor
    assert cam[j("foot_left"), 2] < cam[j("ankle_left"), 2]  # toes point towards the sensor
    turned = body_to_camera(x, Placement(distance=3.0, lateral=0.0, yaw=45.0, height=1.0, tilt=0.0))[0]
    # turning to its own left brings the subject's right shoulder nearer to the sensor
    assert turned[j("shoulder_right"), 2] < turned[j("shoulder_left"), 2]
    tilted = Placement(distance=3.0, lateral=0.2, yaw=0.0, height=1.0, tilt=8.0)
    world = x[0] @ np.diag([-1.0, 1.0, -1.0]).T + np.array([0.2, 0.0, 3.0])
    via_matrix = (camera_extrinsics(tilted) @ np.c_[world, np.ones(len(world))].T).T[:, :3]
    np.testing.assert_allclose(body_to_camera(x, tilted)[0], via_matrix, atol=1e-12)


def _bones(x):
    return np.stack([np.linalg.norm(x[:, c] - x[:, p], axis=-1) for c, p in enumerate(NTU25.parents) if p >= 0], -1)


def test_optional_dofs_at_zero_give_the_twelve_class_body_exactly():
    base = _still_pose(l_sh_elev=40.0, r_elbow=60.0, l_wrist=20.0, trunk_flex=10.0)
    extra = {k: np.zeros(3) for k in ("neck_lat", "l_clav_elev", "r_clav_prot", "l_forearm_rot", "r_wrist_dev",
                                      "root_yaw", "root_pitch", "root_roll")}
    more = Pose(dofs={**base.dofs, **extra})
    np.testing.assert_allclose(forward_kinematics(more, _subject()), forward_kinematics(base, _subject()), atol=1e-12)


def test_optional_dofs_move_what_they_name(rng):
    j = NTU25.index
    fk = lambda **kw: forward_kinematics(_still_pose(**kw), _subject())[0]  # noqa: E731
    rest = fk()
    shrug = fk(l_clav_elev=20.0, r_clav_elev=20.0)
    assert shrug[j("shoulder_left"), 1] > rest[j("shoulder_left"), 1] + 0.02
    assert shrug[j("shoulder_right"), 1] > rest[j("shoulder_right"), 1] + 0.02
    fwd = fk(l_clav_prot=20.0, r_clav_prot=20.0)
    assert fwd[j("shoulder_left"), 2] > rest[j("shoulder_left"), 2] + 0.02 < fwd[j("shoulder_right"), 2]
    # a closed hand brings the hand tip towards the wrist; supination turns the thumb outwards
    fist = fk(l_grip=1.0)
    near = lambda x: np.linalg.norm(x[j("hand_tip_left")] - x[j("wrist_left")])  # noqa: E731
    assert near(fist) < near(rest) - 0.03
    sup = fk(l_forearm_rot=80.0, r_forearm_rot=80.0)
    assert sup[j("thumb_left"), 0] > rest[j("thumb_left"), 0] + 0.02
    assert sup[j("thumb_right"), 0] < rest[j("thumb_right"), 0] - 0.02
    roll = fk(neck_lat=30.0)
    assert roll[j("head"), 0] > rest[j("head"), 0] + 0.02  # the head tilts towards the left shoulder
    # lying on the floor after a forward fall: the body is horizontal, nothing below the floor
    fall = Pose(dofs={**_still_pose().dofs, "root_pitch": np.full(3, 90.0)}, support="free")
    lying = forward_kinematics(fall, _subject())[0]
    assert abs(lying[j("head"), 1] - lying[j("spine_base"), 1]) < 0.15 and lying[:, 1].min() > 0.0
    assert lying[j("head"), 2] > lying[j("spine_base"), 2] + 0.5
    # bone lengths stay constant whatever the new DOFs do
    t = 20
    pose = _still_pose(t)
    for k in ("neck_lat", "l_clav_elev", "r_clav_elev", "l_clav_prot", "r_clav_prot", "l_forearm_rot",
              "r_forearm_rot", "l_wrist_dev", "r_wrist_dev", "root_yaw", "root_pitch", "root_roll"):
        pose.dofs[k] = rng.uniform(-40, 40, t)
    pose.dofs["l_grip"], pose.dofs["r_grip"] = rng.uniform(0, 1, t), rng.uniform(0, 1, t)
    pose.dofs["root_dx"], pose.dofs["root_dz"] = np.linspace(0, 1, t), np.linspace(0, 2, t)
    pose.support = "free"
    b = _bones(forward_kinematics(pose, _subject()))
    np.testing.assert_allclose(b, np.broadcast_to(b[0], b.shape), atol=1e-9)
