"""The adapter's inputs and output composition (pose_extract.adapter_features)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pose_extract.adapter_features import (FEATURES, OUTPUTS, adapter_inputs, compose, facing, mirror_inputs,
                                           mirror_joints)
from pose_extract.lifting import CameraIntrinsics
from pose_extract.mapping import to_ntu25
from tests.pose_extract.adapter_fixtures import landmarks


def test_zero_output_is_the_plain_mapping():
    intr = CameraIntrinsics.from_fov(320, 180)
    world, _, _, t = landmarks(10, 0, intr)
    joints = compose(world, t, np.zeros((10, OUTPUTS)))
    np.testing.assert_allclose(joints, to_ntu25(world + t[:, None, :]), atol=1e-12)


def test_scale_moves_along_the_viewing_rays():
    intr = CameraIntrinsics.from_fov(320, 180)
    world, _, _, t = landmarks(6, 1, intr)
    out = np.zeros((6, OUTPUTS))
    out[:, 75] = np.log(1.2)
    a, b = compose(world, t, np.zeros((6, OUTPUTS))), compose(world, t, out)
    np.testing.assert_allclose(b, 1.2 * a, rtol=1e-12)
    np.testing.assert_allclose(b[..., :2] / b[..., 2:], a[..., :2] / a[..., 2:], atol=1e-12)  # same image


def test_a_correction_that_turns_the_body_round_is_dropped():
    """Frame 0's correction rotates the body 180 degrees about the vertical (a left-right
    swap): dropped, the scale kept; frame 1's small correction is applied."""
    intr = CameraIntrinsics.from_fov(320, 180)
    world, _, _, t = landmarks(2, 0, intr)
    base = to_ntu25(world)
    turned = base * np.array([-1.0, 1.0, -1.0])  # 180 degrees about Y
    out = np.zeros((2, OUTPUTS))
    out[0, :75] = (turned - base)[0].ravel()
    out[0, 75] = np.log(1.1)
    out[1, :75] = 0.01
    joints = compose(world, t, out)
    assert np.einsum("td,td->t", facing(base), facing(turned))[0] < 0
    np.testing.assert_allclose(joints[0], 1.1 * (base[0] + t[0]), atol=1e-12)
    np.testing.assert_allclose(joints[1], base[1] + 0.01 + t[1], atol=1e-12)


def test_inputs_do_not_depend_on_the_image_size():
    small, large = CameraIntrinsics.from_fov(320, 180), CameraIntrinsics.from_fov(1280, 720)
    world, image, vis, t = landmarks(8, 2, small)
    ok = np.ones(8, bool)
    a = adapter_inputs(world, image, vis, t, ok, small)
    b = adapter_inputs(world, image * 4.0, vis, t, ok, large)
    assert a.shape == (8, FEATURES)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_frames_without_a_pose_are_zero():
    intr = CameraIntrinsics.from_fov(320, 180)
    world, image, vis, t = landmarks(8, 3, intr)
    ok = np.ones(8, bool)
    ok[2] = False
    t[5] = np.nan
    f = adapter_inputs(world, image, vis, t, ok, intr)
    assert not f[[2, 5]].any() and f[[0, 1, 3, 4, 6, 7]].any(axis=1).all()


def test_mirroring_is_an_involution_and_consistent():
    intr = CameraIntrinsics.from_fov(320, 180)
    world, image, vis, t = landmarks(8, 4, intr)
    ok = np.ones(8, bool)
    f = adapter_inputs(world, image, vis, t, ok, intr)
    np.testing.assert_allclose(mirror_inputs(mirror_inputs(f)), f)
    # the mirrored scene's inputs compose to the mirrored joints
    from pose_extract.adapter_model import compose_torch
    import torch

    mirrored = compose_torch(torch.as_tensor(mirror_inputs(f))[None], torch.zeros(1, 8, OUTPUTS))[0].numpy()
    direct = compose(world, t, np.zeros((8, OUTPUTS)))
    np.testing.assert_allclose(mirrored, mirror_joints(direct), atol=1e-4)


def test_bad_shapes_name_the_field():
    intr = CameraIntrinsics.from_fov(320, 180)
    with pytest.raises(ValidationError, match="landmarks"):
        adapter_inputs(np.zeros((4, 25, 3)), np.zeros((4, 33, 2)), np.zeros((4, 33)), np.zeros((4, 3)),
                       np.ones(4, bool), intr)
