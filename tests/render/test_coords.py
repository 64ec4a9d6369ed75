"""The one coordinate transform: Kinect frame <-> Blender world, camera pose, projection,
and the floor / sensor estimate on synthetic sequences."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from render.coords import (
    KINECT_HFOV_DEG,
    camera_pose,
    default_camera,
    estimate_camera,
    in_frame,
    intrinsics_for,
    kinect_to_world,
    project,
    world_to_kinect,
)


@pytest.fixture(scope="module")
def synth():
    from pipeline.synth import SynthConfig, generate_synthetic

    return generate_synthetic(SynthConfig(samples=24, frames=32, seed=21))


def test_intrinsics_kinect_v2_colour_camera():
    k = intrinsics_for((1920, 1080))
    assert k.hfov_deg == pytest.approx(KINECT_HFOV_DEG)
    assert k.vfov_deg == pytest.approx(53.8, abs=0.2)  # Kinect v2 colour: 84.1 x 53.8 deg
    assert (k.cx, k.cy) == (960.0, 540.0) and k.fx == k.fy
    assert k.matrix.shape == (3, 3)
    with pytest.raises(ValidationError):
        intrinsics_for((0, 10))


def test_round_trips_and_rigid_transforms(rng):
    cam = camera_pose(np.array([0.05, 0.99, -0.1]), 1.2)
    pts = rng.normal(size=(10, 25, 3)) + np.array([0.0, 0.0, 3.0])
    assert np.allclose(world_to_kinect(kinect_to_world(pts, cam), cam), pts)
    for m in (cam.kinect_to_world, cam.camera_to_world):
        r = m[:3, :3]
        assert np.allclose(r @ r.T, np.eye(3)) and np.linalg.det(r) == pytest.approx(1.0)
    assert np.allclose(cam.location, (0.0, 0.0, 1.2))
    # the estimated up direction is world +Z; a point at the sensor is at the camera
    assert np.allclose(cam.kinect_to_world[:3, :3] @ cam.up_kinect, (0, 0, 1))
    assert np.allclose(kinect_to_world(np.zeros(3), cam), cam.location)


def test_level_camera_axes():
    cam = default_camera(1.0)
    # Kinect X (sensor's left) = world -X; Kinect Z (viewing direction) = world +Y
    assert np.allclose(kinect_to_world(np.array([1.0, 0, 0]), cam), (-1.0, 0, 1.0))
    assert np.allclose(kinect_to_world(np.array([0, 0, 1.0]), cam), (0, 1.0, 1.0))
    # Blender camera: local -Z looks along Kinect +Z, local +X is image right = -X_K
    r = cam.camera_to_world[:3, :3]
    assert np.allclose(r @ (0, 0, -1), (0, 1, 0)) and np.allclose(r @ (1, 0, 0), (1, 0, 0))


def test_projection_subject_facing_camera_left_shoulder_on_image_right():
    k = intrinsics_for((640, 360))
    # NTU facing the camera: ShoulderLeft.x < ShoulderRight.x (REFERENCE.md)
    left, right = np.array([-0.1, 0.3, 3.0]), np.array([0.12, 0.3, 3.0])
    uv = project(np.stack([left, right]), k)
    assert uv[0, 0] > k.cx > uv[1, 0]  # left shoulder on the image right
    assert uv[0, 1] < k.cy  # above the optical axis -> upper half (v down)
    assert np.isnan(project(np.array([0.0, 0.0, -1.0]), k)).all()
    assert in_frame(uv, k).all() and not in_frame(np.array([[-1.0, 5.0]]), k).any()


def test_projection_agrees_with_the_blender_camera(rng):
    """The same pixel through the camera object's matrix_world and Blender's pinhole."""
    cam = camera_pose(np.array([0.03, 0.98, -0.12]), 0.9)
    k = intrinsics_for((480, 270))
    pts_k = rng.normal(size=(20, 3)) * 0.5 + np.array([0, 0, 3.0])
    pts_w = kinect_to_world(pts_k, cam)
    local = (pts_w - cam.camera_to_world[:3, 3]) @ cam.camera_to_world[:3, :3]  # camera local
    # Blender: x right, y up, looks along -Z; sensor_fit horizontal, angle_x = hfov
    u = k.cx + k.fx * local[:, 0] / -local[:, 2]
    v = k.cy - k.fy * local[:, 1] / -local[:, 2]
    assert np.allclose(np.stack([u, v], -1), project(pts_k, k))


def test_floor_estimate_on_synthetic_sequences(synth):
    pitch_err, roll, floor_err, height_err = [], [], [], []
    for i in range(len(synth.data)):
        cam = estimate_camera(synth.data[i], synth.num_frames[i])
        assert cam.method == "floor_fit"
        tilt = synth.sample_meta["tilt"][i]
        h = synth.sample_meta["sensor_height"][i]
        up = np.array([0.0, np.cos(np.radians(tilt)), -np.sin(np.radians(tilt))])  # true up in K
        pitch_err.append(cam.pitch_deg - tilt)
        roll.append(cam.roll_deg)
        height_err.append(cam.height - h)
        # the true floor point below the subject's ankles must land at world z = 0
        joints = np.transpose(synth.data[i][:, : synth.num_frames[i], :, 0], (1, 2, 0))  # T x 25 x 3
        ankles = joints[:, [14, 18]].reshape(-1, 3).mean(0)
        floor_pt = ankles - (ankles @ up + h) * up
        floor_err.append(kinect_to_world(floor_pt, cam)[2])
    pitch_err, roll, floor_err, height_err = map(np.abs, (pitch_err, roll, floor_err, height_err))
    assert pitch_err.mean() < 2.5 and pitch_err.max() < 6.0  # degrees
    assert roll.max() < 4.0  # the synthetic sensor has no roll
    assert floor_err.max() < 0.025  # metres: the floor is under the feet
    assert np.median(height_err) < 0.10  # metres (a pitch error of e deg moves it by ~d tan e)


def test_camera_fallbacks():
    empty = np.zeros((3, 10, 25, 1))
    assert estimate_camera(empty).method == "default"
    upside_down = np.zeros((3, 5, 25, 1))
    upside_down[1, :, :, 0] = np.linspace(1.0, -1.0, 25)  # head below the ankles
    upside_down[2] = 3.0
    cam = estimate_camera(upside_down)
    assert cam.method == "default" and cam.height == pytest.approx(1.0) and cam.pitch_deg == 0.0
    with pytest.raises(ValidationError):
        estimate_camera(np.zeros((3, 10, 18, 1)))
