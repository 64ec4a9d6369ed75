"""Animated GIFs: frame count, duration, size, both colours, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from pipeline import plot
from pipeline.layouts import NTU25
from pipeline.skeleton_set import SkeletonSet
from tests.pipeline.plot_sequences import (
    greenish,
    reddish,
    waving_sequence,
)


# --------------------------------------------------------------------------- gif


def test_gif_frame_count_and_duration(waving: SkeletonSet, waving_adv: SkeletonSet, tmp_path: Path) -> None:
    png, gif = tmp_path / "s.png", tmp_path / "s.gif"
    paths = plot.plot_sample(waving, 1, compare=waving_adv, out=png, gif=gif)
    assert paths == [png, gif]
    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert im.n_frames == 20
        assert im.size == (plot.DEFAULT_GIF_SIZE_PX, plot.DEFAULT_GIF_SIZE_PX)
        assert im.info.get("loop") == 0
        assert abs(im.info["duration"] - 1000 / 30) <= 10
        im.seek(10)
        a = np.asarray(im.convert("RGB")).astype(int)
    assert greenish(a) > 50 and reddish(a) > 50


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
