"""One consistent skeleton per sequence: constant bones, robust to outliers, smooth, and
closer to the truth than the per-frame joints it is fitted to (synthetic ground truth)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT, MIRROR_PAIRS
from pipeline.synth.ntu60.world import NTU60Config, generate_ntu60
from pose_extract.lifting import CameraIntrinsics, project
from pose_extract.skeleton_fit import FitConfig, fit_skeleton, topological_order

PARENTS = LAYOUT.parents


@pytest.fixture(scope="module")
def truth():
    """Four clean sequences of the NTU-60-like world (Kinect camera frame, metres)."""
    s = generate_ntu60(NTU60Config(takes_per_class=1, noise=False, seed=3), indices=[0, 75, 150, 225])
    return [np.transpose(s.data[i, :, : s.num_frames[i], :, 0], (1, 2, 0)).astype(np.float64)
            for i in range(len(s))]


def _bones(x):
    return np.stack([np.linalg.norm(x[:, j] - x[:, p], axis=-1) for j, p in enumerate(PARENTS) if p >= 0], -1)


def _observe(gt, rng, jitter=0.02, outliers=0.05):
    """MediaPipe-like: AR(0.5) jitter on every joint (bone lengths change every frame), and a
    few joints far off with a low visibility."""
    e = rng.normal(size=gt.shape)
    ar = np.empty_like(e)
    ar[0] = e[0]
    for i in range(1, len(e)):
        ar[i] = 0.5 * ar[i - 1] + np.sqrt(0.75) * e[i]
    y = gt + jitter * ar
    w = np.ones(gt.shape[:2])
    off = rng.random(gt.shape[:2]) < outliers
    y[off] += rng.normal(size=(int(off.sum()), 3)) * 0.15
    w[off] = 0.1
    return y, w


def test_topological_order_puts_parents_first():
    order = topological_order(PARENTS)
    assert sorted(order) == list(range(25)) and order[0] == LAYOUT.root
    assert all(order.index(p) < order.index(j) for j, p in enumerate(PARENTS) if p >= 0)
    with pytest.raises(ValueError, match="tree"):
        topological_order((1, 0))


def test_a_clean_sequence_is_reproduced(truth):
    gt = truth[0]
    fit = fit_skeleton(gt, np.ones(gt.shape[:2]), np.ones(len(gt), bool), config=FitConfig(smooth=1.0))
    assert np.linalg.norm(fit.joints - gt, axis=-1).mean() < 0.006
    np.testing.assert_allclose(fit.bone_lengths[[j for j, p in enumerate(PARENTS) if p >= 0]],
                               _bones(gt).mean(0), atol=0.01)


def test_noisy_observations_give_constant_bones_closer_to_the_truth(truth):
    rng = np.random.default_rng(0)
    before, after = [], []
    for gt in truth:
        y, w = _observe(gt, rng)
        fit = fit_skeleton(y, w, np.ones(len(gt), bool))
        assert _bones(fit.joints).std(0).max() < 1e-9  # one set of bone lengths
        assert _bones(y).std(0).mean() > 0.01  # the input's change from frame to frame
        before.append(np.linalg.norm(y - gt, axis=-1).mean())
        after.append(np.linalg.norm(fit.joints - gt, axis=-1).mean())
        np.testing.assert_allclose(fit.bone_lengths[[j for j, p in enumerate(PARENTS) if p >= 0]],
                                   _bones(gt).mean(0), atol=0.03)
        left, right = zip(*MIRROR_PAIRS)
        assert np.abs(fit.bone_lengths[list(left)] - fit.bone_lengths[list(right)]).max() < 0.02
    assert np.mean(after) < 0.75 * np.mean(before)  # measured: 42.5 -> 26.1 mm on such noise


def test_frames_without_a_detection_are_carried_smoothly(truth):
    gt = truth[1]
    rng = np.random.default_rng(1)
    y, w = _observe(gt, rng, outliers=0.0)
    valid = np.ones(len(gt), bool)
    gap = slice(len(gt) // 2 - 4, len(gt) // 2 + 4)
    valid[gap] = False
    y[gap] = 0.0  # whatever is there is not read
    fit = fit_skeleton(y, w, valid)
    assert np.linalg.norm(fit.joints[gap] - gt[gap], axis=-1).mean() < 0.06
    step = np.linalg.norm(np.diff(fit.joints, axis=0), axis=-1).max()
    assert step < 0.1  # no jump into or out of the gap


def test_the_reprojection_term_follows_the_image(truth):
    """Depth noise that the image does not show: with the 2D landmarks the fit moves the
    joints back onto their pixels."""
    gt = truth[2]
    intr = CameraIntrinsics.from_fov(320, 180)
    rng = np.random.default_rng(2)
    y = gt + rng.normal(size=gt.shape) * np.array([0.01, 0.01, 0.08])  # mostly depth
    px = project(gt, intr) + rng.normal(size=gt.shape[:2] + (2,)) * 0.5
    w, ok = np.ones(gt.shape[:2]), np.ones(len(gt), bool)
    plain = fit_skeleton(y, w, ok, config=FitConfig(reprojection=0.0))
    with_2d = fit_skeleton(y, w, ok, pixels=px, intrinsics=intr)
    err = [np.nanmean(np.linalg.norm(project(f.joints, intr) - project(gt, intr), axis=-1)) for f in (plain, with_2d)]
    assert err[1] < 0.85 * err[0]  # measured 0.80 -> 0.55 px
    err3d = [np.linalg.norm(f.joints - gt, axis=-1).mean() for f in (plain, with_2d)]
    assert err3d[1] < err3d[0]  # measured 46.5 -> 40.7 mm


def test_bad_inputs_are_refused(truth):
    gt = truth[0]
    with pytest.raises(ValidationError, match="joints"):
        fit_skeleton(gt[:, :24], np.ones((len(gt), 24)), np.ones(len(gt), bool))
    with pytest.raises(ValidationError, match="no valid"):
        fit_skeleton(gt, np.ones(gt.shape[:2]), np.zeros(len(gt), bool))
    with pytest.raises(ValidationError, match="intrinsics"):
        fit_skeleton(gt, np.ones(gt.shape[:2]), np.ones(len(gt), bool), pixels=np.zeros((len(gt), 25, 2)))
