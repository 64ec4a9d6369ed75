"""Tests for pipeline.plot: skeleton strip figures and animated GIFs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline import plot
from pipeline.errors import ValidationError
from pipeline.layouts import NTU25, OPENPOSE18
from pipeline.skeleton_set import SkeletonSet

# A standing T-pose in Kinect camera space (metres): spine base at (0, 0, 3), head 0.65 m
# above it, the subject facing the camera, so their left side is at smaller x.
_LEFT_HALF = {
    "spine_base": (0.0, 0.0, 3.0),
    "spine_mid": (0.0, 0.25, 3.0),
    "spine_shoulder": (0.0, 0.48, 3.0),
    "neck": (0.0, 0.55, 3.0),
    "head": (0.0, 0.65, 3.0),
    "shoulder_left": (-0.18, 0.45, 3.0),
    "elbow_left": (-0.45, 0.45, 3.0),
    "wrist_left": (-0.70, 0.45, 3.0),
    "hand_left": (-0.78, 0.45, 3.0),
    "hand_tip_left": (-0.86, 0.45, 3.0),
    "thumb_left": (-0.76, 0.49, 3.0),
    "hip_left": (-0.09, -0.02, 3.0),
    "knee_left": (-0.10, -0.45, 3.0),
    "ankle_left": (-0.10, -0.85, 3.0),
    "foot_left": (-0.10, -0.90, 2.88),
}
LEFT_ARM = ("elbow_left", "wrist_left", "hand_left", "hand_tip_left", "thumb_left")


def tpose() -> np.ndarray:
    """``(3, 25)`` joint positions of the T-pose."""
    joints = dict(_LEFT_HALF)
    for k, (x, y, z) in _LEFT_HALF.items():
        if "left" in k:
            joints[k.replace("left", "right")] = (-x, y, z)
    return np.array([joints[n] for n in NTU25.joint_names], dtype=np.float64).T


def waving_sequence(num_frames: int, total: int, bodies: int = 2) -> np.ndarray:
    """``(3, T, 25, M)``: the left arm rises and falls; zero padding after ``num_frames``."""
    seq = np.zeros((3, total, 25, bodies), dtype=np.float32)
    sh = NTU25.index("shoulder_left")
    arm = list(NTU25.indices(LEFT_ARM))
    base = tpose()
    for t in range(num_frames):
        p = base.copy()
        a = np.deg2rad(80.0 * np.sin(np.pi * t / max(1, num_frames - 1)))
        rel = p[0, arm] - p[0, sh]  # negative: the arm points to -x
        p[0, arm] = p[0, sh] + np.cos(a) * rel
        p[1, arm] = p[1, sh] - np.sin(a) * rel  # upwards
        seq[:, t, :, 0] = p
    return seq


@pytest.fixture()
def sset() -> SkeletonSet:
    total = 40
    nfs = np.array([30, 20])
    data = np.stack([waving_sequence(int(nf), total) for nf in nfs])
    return SkeletonSet(
        data=data, label=[0, 1], name=["S001A023", "S002A023"], num_frames=nfs,
        layout="ntu25", class_names=["hand waving", "standing"],
    )


@pytest.fixture()
def adv(sset: SkeletonSet) -> SkeletonSet:
    data = sset.data.copy()
    arms = list(NTU25.region("left_arm")) + list(NTU25.region("right_arm"))
    rng = np.random.default_rng(0)
    for n, nf in enumerate(sset.num_frames):
        noise = rng.normal(0.0, 0.03, (3, int(nf), len(arms), 1)).astype(np.float32)
        block = data[n, :, :nf][:, :, arms, :1] + noise
        sub = data[n, :, :nf]
        sub[:, :, arms, :1] = block
        data[n, :, :nf] = sub
    return SkeletonSet(
        data=data, label=sset.label, name=sset.name, num_frames=sset.num_frames,
        layout="ntu25", class_names=sset.class_names,
    )


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def _greenish(a: np.ndarray) -> int:
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((g > 100) & (g - r > 60) & (g - b > 60)).sum())


def _reddish(a: np.ndarray) -> int:
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((r > 120) & (r - g > 80) & (r - b > 80)).sum())


def _joints(ax, role: str = "original", body: int = 0):
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == f"{role}:body{body}:joints"]
    return lines[0] if lines else None


def _frames_of(fig) -> list[int]:
    gids = [ax.get_gid() or "" for ax in fig.axes]
    return [int(g.split("=")[1]) for g in gids if g.startswith("frame=")]


# --------------------------------------------------------------------------- png


def test_png_written_with_size_and_green_only(sset: SkeletonSet, tmp_path: Path) -> None:
    out = tmp_path / "strip.png"
    paths = plot.plot_sample(sset, 0, out=out)
    assert paths == [out]
    assert out.is_file()
    with Image.open(out) as im:
        assert im.format == "PNG"
        w, h = plot.DEFAULT_PANEL_SIZE
        assert im.size == (round(8 * w * plot.DEFAULT_DPI), round(h * plot.DEFAULT_DPI))
    a = _rgb(out)
    assert _greenish(a) > 500
    assert _reddish(a) == 0
    assert not list(tmp_path.glob("*.part"))


def test_png_with_compare_has_green_and_red(
    sset: SkeletonSet, adv: SkeletonSet, tmp_path: Path
) -> None:
    out = tmp_path / "cmp.png"
    plot.plot_sample(sset, 0, compare=adv, out=out, num_panels=6, dpi=80)
    a = _rgb(out)
    with Image.open(out) as im:
        w, h = plot.DEFAULT_PANEL_SIZE
        assert im.size == (round(6 * w * 80), round(h * 80))
    assert _greenish(a) > 200
    assert _reddish(a) > 200


def test_compare_matched_by_name(
    sset: SkeletonSet, adv: SkeletonSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev = adv.subset([1, 0])  # reversed order: sample 1 must still meet its namesake
    seen = {}
    real = plot.plot_strip

    def spy(sequence, layout, **kw):
        seen["compare"] = kw["compare"]
        seen["num_frames"] = kw["num_frames"]
        seen["title"] = kw["title"]
        return real(sequence, layout, **kw)

    monkeypatch.setattr(plot, "plot_strip", spy)
    plot.plot_sample(sset, 1, compare=rev, out=tmp_path / "a.png")
    np.testing.assert_array_equal(seen["compare"], adv.data[1])
    assert seen["num_frames"] == 20
    assert "S002A023" in seen["title"] and "standing" in seen["title"]
    # a compare set without the name falls back to the index
    renamed = SkeletonSet(
        data=adv.data, label=adv.label, name=["x0", "x1"], num_frames=adv.num_frames,
        layout="ntu25",
    )
    plot.plot_sample(sset, 0, compare=renamed, out=tmp_path / "b.png")
    np.testing.assert_array_equal(seen["compare"], adv.data[0])


def test_compare_mismatch_raises(sset: SkeletonSet, tmp_path: Path) -> None:
    other = SkeletonSet(
        data=np.zeros((1, 3, 40, 18, 2), np.float32) + 0.1, label=[0], name=["S001A023"],
        num_frames=[40], layout="openpose18", coordinate_frame="image_normalized_centered",
    )
    with pytest.raises(ValidationError) as ei:
        plot.plot_sample(sset, 0, compare=other, out=tmp_path / "x.png")
    assert ei.value.sample == "S001A023"
    assert ei.value.field in {"layout", "coordinate_frame", "data"}
    short = SkeletonSet(
        data=sset.data[:, :, :10].copy(), label=sset.label, name=sset.name,
        num_frames=[10, 10], layout="ntu25",
    )
    with pytest.raises(ValidationError) as ei:
        plot.plot_sample(sset, 0, compare=short, out=tmp_path / "x.png")
    assert ei.value.field == "data" and "S001A023" in str(ei.value)
    assert not (tmp_path / "x.png").exists()


# --------------------------------------------------------------------------- geometry


def test_left_shoulder_drawn_on_image_right_and_head_up(sset: SkeletonSet) -> None:
    fig = plot.plot_strip(sset.data[0], NTU25, num_frames=30)
    fig.canvas.draw()
    ax = fig.axes[0]
    xy = _joints(ax).get_xydata()
    px = ax.transData.transform(xy)  # display pixels, origin bottom-left
    sl, sr = NTU25.index("shoulder_left"), NTU25.index("shoulder_right")
    head, base = NTU25.index("head"), NTU25.index("spine_base")
    assert px[sl, 0] > px[sr, 0] + 5  # subject's left on the image right, as in a video
    assert px[head, 1] > px[base, 1] + 20  # head up
    # the data coordinates are (-X, Y)
    np.testing.assert_allclose(xy[sl], [0.18, 0.45], atol=1e-6)


def test_side_view_uses_depth(sset: SkeletonSet) -> None:
    fig = plot.plot_strip(sset.data[0], NTU25, num_frames=30, view="side", frames=[0])
    xy = _joints(fig.axes[0]).get_xydata()
    assert xy[NTU25.index("head"), 0] == pytest.approx(3.0)
    assert xy[NTU25.index("foot_left"), 0] == pytest.approx(2.88)


def test_same_scale_across_panels(sset: SkeletonSet, adv: SkeletonSet) -> None:
    fig = plot.plot_strip(sset.data[0], NTU25, compare=adv.data[0], num_frames=30)
    lims = {(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes}
    assert len(lims) == 1
    # both sequences drawn in every panel
    for ax in fig.axes:
        assert _joints(ax, "original") is not None and _joints(ax, "compare") is not None


def test_padded_frames_not_drawn(sset: SkeletonSet) -> None:
    seq = sset.data[1].copy()  # 20 valid frames of 40
    seq[:, 20:, :, 0] = 50.0  # garbage in the padding must be ignored via num_frames
    fig = plot.plot_strip(seq, NTU25, num_frames=20, num_panels=10)
    ts = _frames_of(fig)
    assert len(ts) == 10 and all(0 <= t < 20 for t in ts)
    assert ts[0] == 0 and ts[-1] == 19
    xlim = fig.axes[0].get_xlim()
    assert xlim[1] < 5  # garbage at x=50 did not enter the limits
    with pytest.raises(ValidationError) as ei:
        plot.plot_strip(seq, NTU25, num_frames=20, frames=[3, 25])
    assert ei.value.field == "frames"


def test_inferred_num_frames_and_short_sequence(sset: SkeletonSet) -> None:
    fig = plot.plot_strip(sset.data[1], NTU25)  # trailing zeros inferred as padding
    assert max(_frames_of(fig)) == 19
    fig = plot.plot_strip(sset.data[1][:, :3], NTU25, num_panels=8)
    assert _frames_of(fig) == [0, 1, 2]


def test_absent_body_skipped_and_second_body_drawn(sset: SkeletonSet) -> None:
    seq = sset.data[0].copy()
    fig = plot.plot_strip(seq, NTU25, num_frames=30, num_panels=4)
    for ax in fig.axes:
        assert _joints(ax, body=1) is None  # body 1 is all zero
    # put a second person 1 m to the sensor's left in frames 0..9 only
    seq[:, :10, :, 1] = seq[:, :10, :, 0] + np.array([1.0, 0.0, 0.0], np.float32)[:, None, None]
    fig = plot.plot_strip(seq, NTU25, num_frames=30, frames=[0, 5, 20])
    drawn = [_joints(ax, body=1) is not None for ax in fig.axes]
    assert drawn == [True, True, False]
    x0 = _joints(fig.axes[0], body=0).get_xydata()[:, 0]
    x1 = _joints(fig.axes[0], body=1).get_xydata()[:, 0]
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
    xy = _joints(fig.axes[0]).get_xydata()
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


# --------------------------------------------------------------------------- gif


def test_gif_frame_count_and_duration(sset: SkeletonSet, adv: SkeletonSet, tmp_path: Path) -> None:
    png, gif = tmp_path / "s.png", tmp_path / "s.gif"
    paths = plot.plot_sample(sset, 1, compare=adv, out=png, gif=gif)
    assert paths == [png, gif]
    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert im.n_frames == 20
        assert im.size == (plot.DEFAULT_GIF_SIZE_PX, plot.DEFAULT_GIF_SIZE_PX)
        assert im.info.get("loop") == 0
        assert abs(im.info["duration"] - 1000 / 30) <= 10
        im.seek(10)
        a = np.asarray(im.convert("RGB")).astype(int)
    assert _greenish(a) > 50 and _reddish(a) > 50


def test_gif_64_frames(tmp_path: Path) -> None:
    seq = waving_sequence(64, 64, bodies=1)
    images = plot.animation_frames(seq, NTU25, compare=seq + 0.02 * (seq != 0), size_px=320)
    assert len(images) == 64
    path = plot.write_gif(images, tmp_path / "w.gif", fps=30)
    assert path == tmp_path / "w.gif"
    with Image.open(path) as im:
        assert im.n_frames == 64
        assert im.size == (320, 320)
    assert not list(tmp_path.glob("*.part"))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("index", [2, -1, 99])
def test_bad_index_raises(sset: SkeletonSet, tmp_path: Path, index: int) -> None:
    with pytest.raises(ValidationError) as ei:
        plot.plot_sample(sset, index, out=tmp_path / "x.png")
    assert str(index) in str(ei.value)
    assert ei.value.sample == index
    assert not list(tmp_path.iterdir())


def test_bad_shapes_raise() -> None:
    with pytest.raises(ValidationError):
        plot.plot_strip(np.zeros((3, 5, 18, 1)), NTU25)
    with pytest.raises(ValidationError):
        plot.plot_strip(np.zeros((5, 25, 1)), NTU25)
    seq = waving_sequence(5, 5, 1)
    with pytest.raises(ValidationError):
        plot.plot_strip(seq, NTU25, compare=seq[:, :4])
    bad = seq.copy()
    bad[0, 1, 3, 0] = np.nan
    with pytest.raises(ValidationError):
        plot.plot_strip(bad, NTU25)
    with pytest.raises(ValidationError):
        plot.plot_strip(np.zeros((3, 5, 25, 1)), NTU25)  # nothing to draw
    with pytest.raises(ValidationError):
        plot.plot_strip(seq, NTU25, view="top")


def test_no_partial_file_when_savefig_fails(
    sset: SkeletonSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    def boom(self, *args, **kwargs):  # writes a little, then fails
        Path(args[0]).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", boom)
    out, gif = tmp_path / "fail.png", tmp_path / "fail.gif"
    with pytest.raises(OSError):
        plot.plot_sample(sset, 0, out=out, gif=gif)
    assert list(tmp_path.iterdir()) == []


def test_existing_png_kept_on_failure(
    sset: SkeletonSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "keep.png"
    plot.plot_sample(sset, 0, out=out)
    before = out.read_bytes()
    from matplotlib.figure import Figure

    def fail(self, *args, **kwargs):
        raise RuntimeError("x")

    monkeypatch.setattr(Figure, "savefig", fail)
    with pytest.raises(RuntimeError):
        plot.plot_sample(sset, 1, out=out)
    assert out.read_bytes() == before
    assert not list(tmp_path.glob("*.part"))


# --------------------------------------------------------------------------- single frames


def _axes(n: int = 2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2 * n, 3))
    FigureCanvasAgg(fig)
    return fig.subplots(1, n)


def test_draw_frame_draws_one_frame_in_given_axes() -> None:
    seq = waving_sequence(20, 24, bodies=1)
    ax, other = _axes()
    limits = plot.draw_frame(ax, seq, NTU25, 10, role="compare")
    xy = _joints(ax, "compare").get_xydata()
    np.testing.assert_allclose(xy[:, 0], -seq[0, 10, :, 0], atol=1e-6)  # front view: (-X, Y)
    np.testing.assert_allclose(xy[:, 1], seq[1, 10, :, 0], atol=1e-6)
    assert _joints(ax, "original") is None and ax.get_xlim() == pytest.approx(limits[0])
    assert plot.draw_frame(other, seq, NTU25, 20) is not None  # padding: nothing drawn
    assert _joints(other) is None


def test_frame_limits_share_one_scale() -> None:
    seq = waving_sequence(20, 24, bodies=1)
    far = seq.copy()
    far[0, :20] += 1.0  # the same pose 1 m to the side
    ax, other = _axes()
    limits = plot.frame_limits(ax, [(seq, 0), (far, 5)], NTU25)
    plot.draw_frame(ax, seq, NTU25, 0, limits=limits)
    plot.draw_frame(other, far, NTU25, 5, limits=limits)
    assert ax.get_xlim() == other.get_xlim() == pytest.approx(limits[0])
    width = limits[0][1] - limits[0][0]
    assert width > 1.0 + 2 * 0.70  # both poses (arms 0.86 m out) fit side by side


def test_draw_frame_bad_input() -> None:
    seq = waving_sequence(20, 24, bodies=1)
    ax, _ = _axes()
    with pytest.raises(ValidationError, match="frame 24 outside"):
        plot.draw_frame(ax, seq, NTU25, 24)
    with pytest.raises(ValidationError, match="unknown role"):
        plot.draw_frame(ax, seq, NTU25, 0, role="blue")
    with pytest.raises(ValidationError, match="expected V=25"):
        plot.draw_frame(ax, seq[:, :, :20], NTU25, 0)
    with pytest.raises(ValidationError, match="frame -1 outside"):
        plot.frame_limits(ax, [(seq, -1)], NTU25)


def test_import_is_cheap() -> None:
    code = (
        "import sys, pipeline.plot; "
        "assert 'matplotlib' not in sys.modules; assert 'PIL' not in sys.modules"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
