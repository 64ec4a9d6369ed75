"""Gap filling and resampling of extracted sequences."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pose_extract.sequence import fill_gaps, resample, resampled_length


def _ramp(t: int) -> np.ndarray:
    """(T, 2, 3) poses whose every coordinate equals the frame index."""
    return np.arange(t, dtype=float)[:, None, None] * np.ones((1, 2, 3))


def _with_gaps(valid: list[int]) -> tuple[np.ndarray, np.ndarray]:
    ok = np.array(valid, dtype=bool)
    x = _ramp(len(ok))
    x[~ok] = np.nan  # undetected frames carry no pose
    return x, ok


def test_short_interior_gap_is_interpolated():
    x, ok = _with_gaps([1, 1, 0, 0, 1, 1])
    f = fill_gaps(x, ok, max_gap=2)
    np.testing.assert_allclose(f.joints[:, 0, 0], np.arange(6.0))  # exact on a linear ramp
    assert f.valid.all() and f.interpolated.tolist() == [0, 0, 1, 1, 0, 0] and not f.held.any()
    assert f.longest_gap == 2


def test_long_gap_holds_the_last_pose_and_is_masked():
    x, ok = _with_gaps([1, 1, 0, 0, 0, 1])
    f = fill_gaps(x, ok, max_gap=2)
    assert f.joints[:, 0, 0].tolist() == [0, 1, 1, 1, 1, 5]
    assert f.valid.tolist() == [1, 1, 0, 0, 0, 1] and f.held.tolist() == [0, 0, 1, 1, 1, 0]
    assert not f.interpolated.any() and np.isfinite(f.joints).all()


def test_leading_and_trailing_frames_hold_the_nearest_pose():
    x, ok = _with_gaps([0, 0, 1, 0, 1, 0])
    f = fill_gaps(x, ok, max_gap=5)
    assert f.joints[:, 0, 0].tolist() == [2, 2, 2, 3, 4, 4]
    # edges are never interpolated (nothing on one side), the interior single frame is
    assert f.valid.tolist() == [0, 0, 1, 1, 1, 0] and f.interpolated.tolist() == [0, 0, 0, 1, 0, 0]


def test_max_gap_zero_masks_every_gap():
    x, ok = _with_gaps([1, 0, 1])
    f = fill_gaps(x, ok, max_gap=0)
    assert f.valid.tolist() == [1, 0, 1] and f.joints[1, 0, 0] == 0.0


def test_nothing_detected_gives_zeros_all_masked():
    x, ok = _with_gaps([0, 0, 0])
    f = fill_gaps(x, ok)
    assert not f.valid.any() and f.held.all() and (f.joints == 0).all() and f.longest_gap == 3


@pytest.mark.parametrize("fps_in, fps_out, expected", [(30, 30, 10), (30, 15, 5), (30, 60, 19), (25, 30, 11)])
def test_resampled_length(fps_in, fps_out, expected):
    assert resampled_length(10, fps_in, fps_out) == expected


def test_resample_interpolates_on_time():
    x = _ramp(10)
    ok = np.ones(10, bool)
    y, vy, s = resample(x, ok, 30.0, 60.0)
    np.testing.assert_allclose(y[:, 1, 2], np.arange(19) / 2.0)  # frame k of 60 fps = input frame k/2
    np.testing.assert_allclose(s, np.arange(19) / 2.0)
    y, vy, _ = resample(x, ok, 25.0, 30.0)
    np.testing.assert_allclose(y[:, 0, 0], np.arange(11) * 25.0 / 30.0)
    assert vy.all()
    y, vy, _ = resample(x, ok, 30.0, 30.0)
    np.testing.assert_array_equal(y, x)


def test_resample_keeps_masked_frames_masked():
    ok = np.array([1, 1, 0, 1, 1, 1], bool)
    _, vy, _ = resample(_ramp(6), ok, 30.0, 60.0)
    # output frames touching input frame 2 (3: between 1 and 2, 4: on 2, 5: between 2 and 3)
    assert vy.tolist() == [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1]


def test_bad_arguments():
    with pytest.raises(ValidationError):
        fill_gaps(np.zeros((3, 2)), np.ones(3, bool))
    with pytest.raises(ValidationError):
        fill_gaps(_ramp(3), np.ones(3, bool), max_gap=-1)
    with pytest.raises(ValidationError, match="fps_out"):
        resample(_ramp(3), np.ones(3, bool), 30.0, 0.0)
