"""The report's figures: video frames, frame choice, the Fig. 5-like panels, strips and
the accuracy bars."""

from __future__ import annotations

import numpy as np
import pytest

from flows.report import figures as F
from pipeline.errors import FormatError, MissingInputError, ValidationError
from pipeline.skeleton_set import load_skeleton_set


@pytest.fixture(scope="module")
def sets(run):
    return {"clean": run.clean, "adversarial": run.adversarial,
            **{f"{w}_recovered": load_skeleton_set(p) for w, p in run.recovered.items()}}


def test_read_video_frame(run, tmp_path):
    video = run.bundles["clean"][run.names[0]] / "video.mp4"
    first = F.read_video_frame(video, 0)
    last = F.read_video_frame(video, int(run.clean.num_frames[0]) - 1)
    assert first.shape == (72, 96, 3) and first.dtype == np.uint8
    # the sky is RGB (135, 206, 235) and the floor (200, 120, 60), up to compression
    assert np.abs(first[2, 2].astype(int) - (135, 206, 235)).max() < 25
    assert np.abs(first[-3, 2].astype(int) - (200, 120, 60)).max() < 25
    assert not np.array_equal(first, last)  # the skeleton moves
    with pytest.raises(FormatError, match="no frame 99"):
        F.read_video_frame(video, 99)
    with pytest.raises(MissingInputError):
        F.read_video_frame(tmp_path / "none.mp4", 0)
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    with pytest.raises(FormatError):
        F.read_video_frame(tmp_path / "junk.mp4", 0)


def test_choose_frame_avoids_held_frames(run, sets):
    name = run.names[0]
    t = F.choose_frame(name, sets)
    assert t not in (2, 3, 4) and 0 <= t < int(run.clean.num_frames[0])
    only_source = F.choose_frame(name, {"clean": run.clean})
    assert only_source == int(run.clean.num_frames[0]) // 2


def test_crossmodal_rows(run, sets):
    name = run.names[0]
    bundles = {w: run.bundles[w][name] for w in ("clean", "adversarial")}
    rows = F.crossmodal_rows(name, sets, bundles, t=3)
    assert [r.label for r in rows] == ["clean", "adversarial"] and [r.role for r in rows] == ["original", "compare"]
    for r in rows:
        assert r.missing == {} and r.t == 3 and r.frame_index == 3 and r.recovered_t == 3
        assert r.held  # frames 2-4 are held in the recovered sets
        assert r.frame.shape == (72, 96, 3) and r.source.shape == r.recovered.shape
    failed = run.names[run.FAILED_ADV_RENDER]
    rows = F.crossmodal_rows(failed, sets, {"clean": run.bundles["clean"][failed], "adversarial": None},
                             reasons={"adversarial_bundle": "render failed: <oom>"})
    assert rows[0].missing == {} and rows[1].frame is None and rows[1].recovered is None
    assert rows[1].missing == {"frame": "render failed: <oom>",
                               "recovered": f"{failed} was not recovered from the adversarial video"}


def test_panels_figure(run, sets):
    name = run.names[0]
    bundles = {w: run.bundles[w][name] for w in ("clean", "adversarial")}
    fig = F.crossmodal_sample_figure(name, sets, bundles, title="a <title>")
    gids = [ax.get_gid() for ax in fig.axes]
    assert gids == ["clean:source", "clean:frame", "clean:recovered",
                    "adversarial:source", "adversarial:frame", "adversarial:recovered"]
    assert len(fig.axes[1].images) == 1 and len(fig.axes[4].images) == 1
    src_lines = [ln.get_gid() for ln in fig.axes[0].lines]
    assert "original:body0:joints" in src_lines and "compare:body0:joints" in [ln.get_gid() for ln in fig.axes[3].lines]
    assert fig.axes[0].get_xlim() == fig.axes[2].get_xlim()  # one scale per row
    png = F.png_bytes(fig)
    assert png.startswith(b"\x89PNG")


def test_panels_with_gaps_and_bad_input():
    row = F.PanelRow(label="clean", missing={"source": "no set", "frame": "render failed", "recovered": "none"})
    fig = F.plot_crossmodal_panels([row])
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["not available: no set", "not available: render failed", "not available: none"]
    with pytest.raises(ValidationError, match="no rows"):
        F.plot_crossmodal_panels([])
    with pytest.raises(ValidationError, match="expected \\(H, W, 3\\)"):
        F.plot_crossmodal_panels([F.PanelRow(label="x", frame=np.zeros((4, 4)))])
    with pytest.raises(ValidationError, match="nothing to draw"):
        F.crossmodal_sample_figure("s", {}, {})


def test_strip_and_accuracy(run):
    fig = F.strip_figure(run.clean, run.adversarial, run.EVIL_NAME, num_panels=4)
    assert len(fig.axes) == 4 and run.EVIL_NAME in fig._suptitle.get_text()
    with pytest.raises(ValidationError, match="not in the set"):
        F.strip_figure(run.clean, run.adversarial, "nobody")
    rate = {"value": 0.5, "count": 1, "total": 2}
    none = {"value": None, "count": 0, "total": 0}
    cross = {"model": "m", "rows": [{"key": "source", "clean_accuracy": rate, "adversarial_accuracy": rate},
                                    {"key": "recovered", "clean_accuracy": none, "adversarial_accuracy": rate}]}
    from flows.report import PAPER_CROSSMODAL

    fig = F.accuracy_figure(cross, PAPER_CROSSMODAL)
    heights = [round(p.get_height(), 1) for p in fig.axes[0].patches]
    assert heights[:2] == [50.0, 50.0] and np.isnan(heights[2]) and heights[4:] == [53.3, 38.9]


def test_import_is_cheap():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, flows.report; "
            "heavy = [m for m in ('matplotlib', 'cv2', 'torch', 'prefect', 'pose_extract', 'render') "
            "if m in sys.modules]; assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])
