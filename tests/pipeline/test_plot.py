"""Skeleton strips and single frames: PNGs with the right colours, compare sets matched by name, bad input, cheap import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline import plot
from pipeline.errors import ValidationError
from pipeline.layouts import NTU25
from pipeline.skeleton_set import SkeletonSet
from tests.pipeline.plot_sequences import (
    greenish,
    joints_line,
    reddish,
    rgb,
    waving_sequence,
)


# --------------------------------------------------------------------------- png


def test_png_written_with_size_and_green_only(waving: SkeletonSet, tmp_path: Path) -> None:
    out = tmp_path / "strip.png"
    paths = plot.plot_sample(waving, 0, out=out)
    assert paths == [out]
    assert out.is_file()
    with Image.open(out) as im:
        assert im.format == "PNG"
        w, h = plot.DEFAULT_PANEL_SIZE
        assert im.size == (round(8 * w * plot.DEFAULT_DPI), round(h * plot.DEFAULT_DPI))
    a = rgb(out)
    assert greenish(a) > 500
    assert reddish(a) == 0
    assert not list(tmp_path.glob("*.part"))


def test_png_with_compare_has_green_and_red(
    waving: SkeletonSet, waving_adv: SkeletonSet, tmp_path: Path
) -> None:
    out = tmp_path / "cmp.png"
    plot.plot_sample(waving, 0, compare=waving_adv, out=out, num_panels=6, dpi=80)
    a = rgb(out)
    with Image.open(out) as im:
        w, h = plot.DEFAULT_PANEL_SIZE
        assert im.size == (round(6 * w * 80), round(h * 80))
    assert greenish(a) > 200
    assert reddish(a) > 200


def test_compare_matched_by_name(
    waving: SkeletonSet, waving_adv: SkeletonSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev = waving_adv.subset([1, 0])  # reversed order: sample 1 must still meet its namesake
    seen = {}
    real = plot.plot_strip

    def spy(sequence, layout, **kw):
        seen["compare"] = kw["compare"]
        seen["num_frames"] = kw["num_frames"]
        seen["title"] = kw["title"]
        return real(sequence, layout, **kw)

    monkeypatch.setattr(plot, "plot_strip", spy)
    plot.plot_sample(waving, 1, compare=rev, out=tmp_path / "a.png")
    np.testing.assert_array_equal(seen["compare"], waving_adv.data[1])
    assert seen["num_frames"] == 20
    assert "S002A023" in seen["title"] and "standing" in seen["title"]
    # a compare set without the name falls back to the index
    renamed = SkeletonSet(
        data=waving_adv.data, label=waving_adv.label, name=["x0", "x1"], num_frames=waving_adv.num_frames,
        layout="ntu25",
    )
    plot.plot_sample(waving, 0, compare=renamed, out=tmp_path / "b.png")
    np.testing.assert_array_equal(seen["compare"], waving_adv.data[0])


def test_compare_mismatch_raises(waving: SkeletonSet, tmp_path: Path) -> None:
    other = SkeletonSet(
        data=np.zeros((1, 3, 40, 18, 2), np.float32) + 0.1, label=[0], name=["S001A023"],
        num_frames=[40], layout="openpose18", coordinate_frame="image_normalized_centered",
    )
    with pytest.raises(ValidationError) as ei:
        plot.plot_sample(waving, 0, compare=other, out=tmp_path / "x.png")
    assert ei.value.sample == "S001A023"
    assert ei.value.field in {"layout", "coordinate_frame", "data"}
    short = SkeletonSet(
        data=waving.data[:, :, :10].copy(), label=waving.label, name=waving.name,
        num_frames=[10, 10], layout="ntu25",
    )
    with pytest.raises(ValidationError) as ei:
        plot.plot_sample(waving, 0, compare=short, out=tmp_path / "x.png")
    assert ei.value.field == "data" and "S001A023" in str(ei.value)
    assert not (tmp_path / "x.png").exists()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("index", [2, -1, 99])
def test_bad_index_raises(waving: SkeletonSet, tmp_path: Path, index: int) -> None:
    with pytest.raises(ValidationError) as ei:
        plot.plot_sample(waving, index, out=tmp_path / "x.png")
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
    waving: SkeletonSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    def boom(self, *args, **kwargs):  # writes a little, then fails
        Path(args[0]).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", boom)
    out, gif = tmp_path / "fail.png", tmp_path / "fail.gif"
    with pytest.raises(OSError):
        plot.plot_sample(waving, 0, out=out, gif=gif)
    assert list(tmp_path.iterdir()) == []


def test_existing_png_kept_on_failure(
    waving: SkeletonSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "keep.png"
    plot.plot_sample(waving, 0, out=out)
    before = out.read_bytes()
    from matplotlib.figure import Figure

    def fail(self, *args, **kwargs):
        raise RuntimeError("x")

    monkeypatch.setattr(Figure, "savefig", fail)
    with pytest.raises(RuntimeError):
        plot.plot_sample(waving, 1, out=out)
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
    xy = joints_line(ax, "compare").get_xydata()
    np.testing.assert_allclose(xy[:, 0], -seq[0, 10, :, 0], atol=1e-6)  # front view: (-X, Y)
    np.testing.assert_allclose(xy[:, 1], seq[1, 10, :, 0], atol=1e-6)
    assert joints_line(ax, "original") is None and ax.get_xlim() == pytest.approx(limits[0])
    assert plot.draw_frame(other, seq, NTU25, 20) is not None  # padding: nothing drawn
    assert joints_line(other) is None


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
