"""Where joints land in a figure: projections, one scale across panels, padded frames, absent bodies, image frames."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import plot
from pipeline.errors import ValidationError
from pipeline.layouts import NTU25, OPENPOSE18
from pipeline.skeleton_set import SkeletonSet
from tests.pipeline.plot_sequences import (
    frames_of,
    joints_line,
)


# --------------------------------------------------------------------------- geometry


def test_left_shoulder_drawn_on_image_right_and_head_up(waving: SkeletonSet) -> None:
    fig = plot.plot_strip(waving.data[0], NTU25, num_frames=30)
    fig.canvas.draw()
    ax = fig.axes[0]
    xy = joints_line(ax).get_xydata()
    px = ax.transData.transform(xy)  # display pixels, origin bottom-left
    sl, sr = NTU25.index("shoulder_left"), NTU25.index("shoulder_right")
    head, base = NTU25.index("head"), NTU25.index("spine_base")
    assert px[sl, 0] > px[sr, 0] + 5  # subject's left on the image right, as in a video
    assert px[head, 1] > px[base, 1] + 20  # head up
    # the data coordinates are (-X, Y)
    np.testing.assert_allclose(xy[sl], [0.18, 0.45], atol=1e-6)


def test_side_view_uses_depth(waving: SkeletonSet) -> None:
    fig = plot.plot_strip(waving.data[0], NTU25, num_frames=30, view="side", frames=[0])
    xy = joints_line(fig.axes[0]).get_xydata()
    assert xy[NTU25.index("head"), 0] == pytest.approx(3.0)
    assert xy[NTU25.index("foot_left"), 0] == pytest.approx(2.88)


def test_same_scale_across_panels(waving: SkeletonSet, waving_adv: SkeletonSet) -> None:
    fig = plot.plot_strip(waving.data[0], NTU25, compare=waving_adv.data[0], num_frames=30)
    lims = {(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes}
    assert len(lims) == 1
    # both sequences drawn in every panel
    for ax in fig.axes:
        assert joints_line(ax, "original") is not None and joints_line(ax, "compare") is not None


def test_padded_frames_not_drawn(waving: SkeletonSet) -> None:
    seq = waving.data[1].copy()  # 20 valid frames of 40
    seq[:, 20:, :, 0] = 50.0  # garbage in the padding must be ignored via num_frames
    fig = plot.plot_strip(seq, NTU25, num_frames=20, num_panels=10)
    ts = frames_of(fig)
    assert len(ts) == 10 and all(0 <= t < 20 for t in ts)
    assert ts[0] == 0 and ts[-1] == 19
    xlim = fig.axes[0].get_xlim()
    assert xlim[1] < 5  # garbage at x=50 did not enter the limits
    with pytest.raises(ValidationError) as ei:
        plot.plot_strip(seq, NTU25, num_frames=20, frames=[3, 25])
    assert ei.value.field == "frames"


def test_inferred_num_frames_and_short_sequence(waving: SkeletonSet) -> None:
    fig = plot.plot_strip(waving.data[1], NTU25)  # trailing zeros inferred as padding
    assert max(frames_of(fig)) == 19
    fig = plot.plot_strip(waving.data[1][:, :3], NTU25, num_panels=8)
    assert frames_of(fig) == [0, 1, 2]


def test_absent_body_skipped_and_second_body_drawn(waving: SkeletonSet) -> None:
    seq = waving.data[0].copy()
    fig = plot.plot_strip(seq, NTU25, num_frames=30, num_panels=4)
    for ax in fig.axes:
        assert joints_line(ax, body=1) is None  # body 1 is all zero
    # put a second person 1 m to the sensor's left in frames 0..9 only
    seq[:, :10, :, 1] = seq[:, :10, :, 0] + np.array([1.0, 0.0, 0.0], np.float32)[:, None, None]
    fig = plot.plot_strip(seq, NTU25, num_frames=30, frames=[0, 5, 20])
    drawn = [joints_line(ax, body=1) is not None for ax in fig.axes]
    assert drawn == [True, True, False]
    x0 = joints_line(fig.axes[0], body=0).get_xydata()[:, 0]
    x1 = joints_line(fig.axes[0], body=1).get_xydata()[:, 0]
    np.testing.assert_allclose(x1, x0 - 1.0, atol=1e-5)  # +1 m in X is 1 m to the image left


def test_openpose_y_flipped_and_zero_score_ignored() -> None:
    v = OPENPOSE18.num_joints
    seq = np.zeros((3, 5, v, 1), np.float32)
    ys = {"nose": 0.1, "neck": 0.2, "ankle_left": 0.9, "ankle_right": 0.9}
    for t in range(5):
        for j, n in enumerate(OPENPOSE18.joint_names):
            seq[0, t, j, 0] = 0.5 + (0.05 if "left" in n else -0.05 if "right" in n else 0.0) - 0.5
            seq[1, t, j, 0] = ys.get(n, 0.5) - 0.5
            seq[2, t, j, 0] = 0.9
    wl = OPENPOSE18.index("wrist_left")
    seq[2, :, wl, 0] = 0.0  # not detected
    fig = plot.plot_strip(
        seq, OPENPOSE18, coordinate_frame="image_normalized_centered", num_panels=2
    )
    xy = joints_line(fig.axes[0]).get_xydata()
    nose, ankle = OPENPOSE18.index("nose"), OPENPOSE18.index("ankle_left")
    assert xy[nose, 1] > xy[ankle, 1]  # image y points down: the nose is drawn above
    np.testing.assert_allclose(xy[nose], [0.0, 0.4], atol=1e-6)
    assert np.isnan(xy[wl]).all()
    bones = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "original:body0:bones_left"][0]
    n_left = sum(1 for _, c in OPENPOSE18.bones if "left" in OPENPOSE18.joint_names[c])
    n_drawn = int(np.isnan(np.asarray(bones.get_xdata(), float)).sum())  # one NaN per segment
    assert n_drawn == n_left - 1  # the elbow -> wrist bone is not drawn
    with pytest.raises(ValidationError):
        plot.plot_strip(seq, OPENPOSE18, coordinate_frame="image_normalized_centered", view="side")
