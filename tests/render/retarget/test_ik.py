"""Retargeting synthetic sequences: accuracy, conventions, masking, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts.ntu25 import JOINT_NAMES
from render.bodies.lbs import attached_points, forward_kinematics, matrix_to_axis_angle
from render.coords import world_to_kinect
from render.retarget import IKConfig, RetargetConfig, retarget_sample

FAST = RetargetConfig(ik=IKConfig(iterations=60))


@pytest.fixture(scope="module")
def synth():
    from pipeline.synth import SynthConfig, generate_synthetic

    return generate_synthetic(SynthConfig(samples=24, frames=32, seed=5))


@pytest.fixture(scope="module")
def synth_clean():
    """The same motions without Kinect-like jitter and glitches."""
    from pipeline.synth import SynthConfig, generate_synthetic

    return generate_synthetic(SynthConfig(samples=24, frames=32, seed=5, noise=False))


def _consistent(b) -> None:
    """The result's joints follow from its rig, rotations and translation (what Blender poses)."""
    rot = torch.from_numpy(b.rotations)
    assert np.allclose(b.rotations @ np.swapaxes(b.rotations, -1, -2), np.eye(3), atol=1e-5)
    rest = torch.from_numpy(b.rig.rest_joints)
    _, g = forward_kinematics(rot, torch.from_numpy(b.transl), rest, b.rig.parents)
    pts = attached_points(g, rest, torch.from_numpy(b.anchor_attach), torch.from_numpy(b.anchor_rest))
    assert np.abs(pts.numpy() - b.joints_world).max() < 1e-4


def test_smplx_standin_fits_synthetic_sequences(smplx_body, synth, synth_clean):
    for i in (1, 5, 8):  # throw, cheer up, jump up (1 and 5 have occlusion glitches)
        res = retarget_sample(synth.data[i], synth.num_frames[i], smplx_body, name=synth.name[i], config=FAST)
        assert res.num_frames == synth.num_frames[i] and len(res.bodies) == 1
        b = res.bodies[0]
        t = res.num_frames
        assert b.rotations.shape == (t, 55, 3, 3) and b.transl.shape == (t, 3)
        assert b.joints_kinect.shape == (t, 25, 3) and b.present.all()
        assert b.mean_error_mm < 30.0, synth.class_names[synth.label[i]]
        assert set(b.fit_error_mm) == set(JOINT_NAMES)
        assert b.group_error_mm["arms"][0] < 40.0
        # against the motion without observation noise: close everywhere the input is not
        # glitched (a glitch moves a whole limb chain, which the body then follows)
        clean = np.transpose(synth_clean.data[i, :, :t, :, 0], (1, 2, 0))
        noisy = np.transpose(synth.data[i, :, :t, :, 0], (1, 2, 0))
        calm = np.linalg.norm(noisy - clean, axis=-1).max(1) < 0.02  # frames without a glitch
        err = np.linalg.norm(b.joints_kinect - clean, axis=-1)
        assert calm.sum() > t // 2 and err[calm].mean() < 0.02 and err[calm].max() < 0.1
        assert np.allclose(b.joints_kinect, world_to_kinect(b.joints_world, res.camera))
        _consistent(b)
        # unobserved joints stay at rest: fingers, jaw, eyes
        assert np.allclose(b.rotations[:, 22:], np.eye(3))


def test_knees_bend_backwards_and_feet_stay_on_the_floor(smplx_body, synth):
    i = 2  # sitting down: deep knee flexion
    res = retarget_sample(synth.data[i], synth.num_frames[i], smplx_body, config=FAST)
    b = res.bodies[0]
    knee = matrix_to_axis_angle(torch.from_numpy(b.rotations[:, b.rig.joint_index("left_knee")])).numpy()
    flex = np.degrees(knee[:, 0])  # flexion is a rotation about +X (body frame: faces -Y)
    assert flex.max() > 45.0 and flex.min() > -10.0
    ankles = b.joints_world[:, [JOINT_NAMES.index("ankle_left"), JOINT_NAMES.index("ankle_right")], 2]
    assert 0.0 < np.median(ankles) < 0.15  # ankle joints a few cm above the floor (z = 0)


def test_anny_fits_a_synthetic_sequence(anny_body, synth):
    res = retarget_sample(synth.data[0], synth.num_frames[0], anny_body, config=FAST)
    b = res.bodies[0]
    assert b.rig.model == "anny" and b.rotations.shape[1] == 104
    assert b.mean_error_mm < 30.0
    assert set(b.rig.shape) == {"gender", "age", "muscle", "weight", "height", "proportions"}
    _consistent(b)


def test_two_bodies_padding_and_absent_frames(smplx_body, synth):
    x = np.zeros((3, 40, 25, 2), dtype=np.float32)
    n = int(synth.num_frames[3])
    x[:, :n, :, 0] = synth.data[3, :, :n, :, 0]
    x[:, :n, :, 1] = synth.data[4, :, :n, :, 0] + np.array([0.8, 0.0, 0.3])[:, None, None]
    x[:, 5:9, :, 1] = 0.0  # second body absent for 4 frames
    res = retarget_sample(x, n, smplx_body, name="pair", config=FAST)
    assert res.num_frames == n and [b.body_index for b in res.bodies] == [0, 1]
    second = res.bodies[1]
    assert second.joints_world.shape[0] == n
    assert not second.present[5:9].any() and second.present[:5].all() and second.present[9:].all()
    assert np.isfinite(second.joints_world).all() and second.mean_error_mm < 40.0
    # an absent body slot is skipped, not fitted
    x[:, :, :, 1] = 0.0
    assert len(retarget_sample(x, n, smplx_body, config=FAST).bodies) == 1


@pytest.mark.parametrize(
    ("edit", "field", "match"),
    [
        (lambda x: x.__setitem__((0, 3, 4, 0), np.nan), "data", "non-finite"),
        (lambda x: x.__setitem__((1, 2, 7, 0), 80.0), "data", "exploding"),
        (lambda x: x.__setitem__((1, 2, 7, 0), x[1, 2, 7, 0] + 3.0), "data", "exploding"),
        (lambda x: x.__setitem__((2, slice(None), slice(None), 0), -x[2, :, :, 0]), "data", "behind the sensor"),
        (lambda x: x.__setitem__(slice(None), 0.0), "data", "no body"),
    ],
)
def test_bad_input_is_named(smplx_body, synth, edit, field, match):
    x = synth.data[0].copy()
    edit(x)
    with pytest.raises(ValidationError, match=match) as err:
        retarget_sample(x, synth.num_frames[0], smplx_body, name="S001C001P001R001A001", config=FAST)
    assert err.value.field == field and err.value.sample == "S001C001P001R001A001"


def test_bad_lengths_and_layouts(smplx_body, synth):
    with pytest.raises(ValidationError, match="zero-length") as err:
        retarget_sample(synth.data[0], 0, smplx_body, name=7, config=FAST)
    assert err.value.field == "num_frames" and err.value.sample == 7
    with pytest.raises(ValidationError, match="exceeds"):
        retarget_sample(synth.data[0], 99, smplx_body, config=FAST)
    with pytest.raises(ValidationError, match="V=18"):
        retarget_sample(np.ones((3, 10, 18, 1)), 10, smplx_body, config=FAST)
    with pytest.raises(UnknownFormatError, match="ntu25"):
        retarget_sample(synth.data[0], 10, smplx_body, layout="coco17", config=FAST)
