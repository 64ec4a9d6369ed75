"""One set of bone lengths per sequence (pose_extract.bone_projection)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT
from pose_extract.bone_projection import constant_bones, median_bone_lengths


def _bones(j):
    return np.stack([np.linalg.norm(j[:, k] - j[:, p], axis=-1) for k, p in enumerate(LAYOUT.parents) if p >= 0], -1)


def _skeleton(t_len=20, seed=0):
    rng = np.random.default_rng(seed)
    rest = rng.normal(0, 0.3, (25, 3))
    return rest[None] + rng.normal(0, 0.02, (t_len, 25, 3)) + np.array([0.0, 0.0, 3.0])


def test_every_bone_gets_one_length_and_keeps_its_direction():
    j = _skeleton()
    valid = np.ones(20, bool)
    out = constant_bones(j, valid)
    b = _bones(out)
    assert np.ptp(b, axis=0).max() < 1e-12
    np.testing.assert_allclose(b[0], [v for v in median_bone_lengths(j, valid) if v > 0])
    np.testing.assert_array_equal(out[:, 0], j[:, 0])  # root kept
    for k, p in enumerate(LAYOUT.parents):
        if p >= 0:
            a, c = j[:, k] - j[:, p], out[:, k] - out[:, p]
            cos = (a * c).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(c, axis=-1)
            assert cos.min() > 1 - 1e-9


def test_a_skeleton_with_constant_bones_is_unchanged_and_invalid_frames_do_not_vote():
    j = _skeleton(t_len=1).repeat(10, 0)
    valid = np.ones(10, bool)
    np.testing.assert_allclose(constant_bones(j, valid), j, atol=1e-12)
    bad = j.copy()
    bad[3] *= 3.0
    valid[3] = False
    assert np.abs(median_bone_lengths(bad, valid) - median_bone_lengths(j, np.ones(10, bool))).max() < 1e-12


def test_bad_shapes_name_the_field():
    with pytest.raises(ValidationError, match="joints"):
        constant_bones(np.zeros((5, 24, 3)), np.ones(5, bool))
