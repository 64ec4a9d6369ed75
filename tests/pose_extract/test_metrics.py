"""Pose metrics against hand computation; Procrustes invariances; swaps; masking."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT as NTU25
from pipeline.layouts.ntu25 import MIRROR_PAIRS
from pose_extract.metrics import pa_mpjpe_frames, pose_errors, procrustes_align, swap_frames


def _random_rotation(rng) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def _skeletons(small_synth, frames: int = 6) -> np.ndarray:
    return np.transpose(small_synth.data[7, :, :frames, :, 0], (1, 2, 0)).astype(np.float64)  # T x 25 x 3


def test_mpjpe_matches_hand_computation():
    gt = np.zeros((2, 25, 3))
    pred = gt.copy()
    pred[0, 3] = (0.3, 0.4, 0.0)  # 0.5 m off at joint 3 in frame 0
    pred[1, :] += (0.0, 0.0, 0.1)  # all 10 cm deeper in frame 1
    e = pose_errors(pred, gt)
    assert e.frames == 2
    assert e.mpjpe_mm == pytest.approx((500.0 + 25 * 100.0) / 50)
    assert e.per_joint_mm[3] == pytest.approx((500.0 + 100.0) / 2)
    assert e.per_joint_mm[0] == pytest.approx(50.0)
    # root-relative: frame 1 is a pure translation (no error); frame 0 only joint 3
    assert e.root_relative_mpjpe_mm == pytest.approx(500.0 / 50)
    assert e.root_error_mm == pytest.approx(50.0)


def test_mask_leaves_frames_out():
    gt = np.zeros((3, 25, 3))
    pred = gt.copy()
    pred[1] += 10.0  # a garbage frame
    assert pose_errors(pred, gt, np.array([1, 0, 1], bool)).mpjpe_mm == 0.0
    assert pose_errors(pred, gt, np.array([1, 1, 1], bool)).mpjpe_mm == pytest.approx(10_000.0 * np.sqrt(3) / 3)
    empty = pose_errors(pred, gt, np.zeros(3, bool))
    assert empty.frames == 0 and np.isnan(empty.mpjpe_mm) and empty.to_dict()["mpjpe_mm"] is None


def test_pa_mpjpe_removes_rotation_scale_translation(small_synth, rng):
    gt = _skeletons(small_synth)
    r = _random_rotation(rng)
    pred = 1.3 * gt @ r.T + np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(procrustes_align(pred, gt), gt, atol=1e-9)
    assert pose_errors(pred, gt).pa_mpjpe_mm == pytest.approx(0.0, abs=1e-6)
    assert pose_errors(pred, gt).mpjpe_mm > 100.0


def test_pa_mpjpe_is_invariant_to_a_similarity_of_the_prediction(small_synth, rng):
    gt = _skeletons(small_synth)
    noisy = gt + rng.normal(0.0, 0.03, gt.shape)
    moved = 0.7 * noisy @ _random_rotation(rng).T + np.array([1.0, 2.0, 3.0])
    a, b = pose_errors(noisy, gt).pa_mpjpe_mm, pose_errors(moved, gt).pa_mpjpe_mm
    assert a == pytest.approx(b, rel=1e-9)
    assert 10.0 < a < pose_errors(noisy, gt).mpjpe_mm  # alignment can only lower the error
    np.testing.assert_allclose(pa_mpjpe_frames(moved, gt).mean() * 1000.0, a, rtol=1e-9)


def test_pa_alignment_is_a_proper_rotation_even_for_a_mirror(small_synth):
    """A mirrored prediction cannot be aligned by a rotation: the error stays large."""
    gt = _skeletons(small_synth)
    mirrored = gt * np.array([-1.0, 1.0, 1.0])
    assert pose_errors(mirrored, gt).pa_mpjpe_mm > 20.0


def test_swapped_limbs_are_detected(small_synth):
    gt = _skeletons(small_synth)
    perm = np.arange(25)
    arms = [(a, b) for a, b in MIRROR_PAIRS if NTU25.joint_names[a].split("_")[0] in ("shoulder", "elbow", "wrist")]
    for a, b in arms:
        perm[a], perm[b] = b, a
    swapped_arms = gt[:, perm]
    s = swap_frames(swapped_arms, gt)
    assert s["arm"].all() and not s["leg"].any()
    e = pose_errors(swapped_arms, gt)
    assert e.swap_rate == 1.0 and e.arm_swap_rate == 1.0 and e.leg_swap_rate == 0.0
    assert pose_errors(gt, gt).swap_rate == 0.0


def test_shapes_are_checked():
    with pytest.raises(ValidationError):
        pose_errors(np.zeros((2, 25, 3)), np.zeros((3, 25, 3)))
    with pytest.raises(ValidationError, match="mask"):
        pose_errors(np.zeros((2, 25, 3)), np.zeros((2, 25, 3)), np.ones(3, bool))
    with pytest.raises(ValidationError, match="25"):
        pose_errors(np.zeros((2, 17, 3)), np.zeros((2, 17, 3)))


def test_bone_lengths_error_and_variation_against_hand_computation(small_synth):
    from pose_extract.metrics import bone_length_stats, bone_lengths

    gt = _skeletons(small_synth, 6)
    lengths = bone_lengths(gt)
    assert lengths.shape == (6, 24)
    # a rigid truth, the prediction 10 % larger about the root in every frame: 10 % error, no variation
    rigid = np.repeat(gt[:1], 6, axis=0)
    bigger = rigid[:, :1] + 1.1 * (rigid - rigid[:, :1])
    err, var, truth_var = bone_length_stats(bigger, rigid)
    assert err == pytest.approx(10.0, abs=1e-9) and var == pytest.approx(0.0, abs=1e-9) and truth_var == pytest.approx(0.0, abs=1e-9)
    # alternating +-5 % scale: median error small, variation 5 % (std of +-5 % about the median 1.0)
    scales = np.array([0.95, 1.05] * 3)[:, None, None]
    wobble = rigid[:, :1] + scales * (rigid - rigid[:, :1])
    err, var, _ = bone_length_stats(wobble, rigid)
    assert err == pytest.approx(0.0, abs=1e-9) and var == pytest.approx(5.0, rel=1e-6)
    e = pose_errors(wobble, rigid).to_dict()
    assert e["bone_length_variation_pct"] == pytest.approx(5.0, rel=1e-3) and e["truth_bone_variation_pct"] == 0.0
    assert pose_errors(wobble, rigid, np.zeros(6, bool)).to_dict()["bone_length_error_pct"] is None
    # a degenerate truth (every joint in one point) has no bone to compare: NaN, without a warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(np.isnan(v) for v in bone_length_stats(wobble, np.zeros_like(rigid)))
