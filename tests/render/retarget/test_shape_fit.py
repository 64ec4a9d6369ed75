"""Shape fitting to bone lengths."""

from __future__ import annotations

import numpy as np
import pytest

from render.retarget.joint_map import body_map, resolve
from render.retarget.shape_fit import NTU_BONES, bone_lengths, fit_shape


def test_bone_lengths_median_over_valid_frames():
    joints = np.zeros((3, 25, 3))
    for p, c in NTU_BONES:
        joints[:, c] = joints[:, p] + np.array([0.0, 0.1, 0.0])
    joints[2] *= 50.0  # an outlier frame, excluded
    lengths = bone_lengths(joints, np.array([True, True, False]))
    assert lengths.shape == (24,) and np.allclose(lengths, 0.1)
    assert np.isnan(bone_lengths(joints, np.zeros(3, bool))).all()


def _target_lengths(body, shape, resolved):
    return bone_lengths(resolved.rest_points_of(body.rig(shape)).numpy()[None])


def test_smplx_fit_matches_the_bone_lengths(smplx_body):
    resolved = resolve(body_map("smplx"), smplx_body.rig())
    target = _target_lengths(smplx_body, {"betas": [1.5, 0.0, -1.0, 0.8, 0.5]}, resolved)
    neutral = np.abs(_target_lengths(smplx_body, None, resolved) - target).max()
    fit = fit_shape(smplx_body, resolved, target)
    assert np.nanmax(np.abs(fit.bone_error_mm)) < 0.25 * neutral * 1000
    assert np.nanmean(np.abs(fit.bone_error_mm)) < 3.0
    assert fit.rig.shape["betas"] == fit.shape["betas"]


def test_anny_fit_recovers_height_and_proportions(anny_body):
    resolved = resolve(body_map("anny"), anny_body.rig())
    true = {"height": 0.7, "proportions": 0.3}
    target = _target_lengths(anny_body, true, resolved)
    target[5] = np.nan  # a missing bone is ignored
    fit = fit_shape(anny_body, resolved, target)
    assert fit.shape["height"] == pytest.approx(0.7, abs=0.03)
    assert fit.shape["proportions"] == pytest.approx(0.3, abs=0.08)
    assert fit.shape["gender"] == 0.5  # not free by default
    assert np.nanmax(np.abs(fit.bone_error_mm)) < 3.0 and np.isnan(fit.bone_error_mm[5])
