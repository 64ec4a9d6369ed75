"""Fixtures of the pose-extraction tests: one small render bundle made by the project's own
renderer (rendered once per session, about 15-20 s on 2 cores), a blank video, and helpers
to build bad bundles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

#: Frames of the rendered clip.
CLIP_FRAMES = 16


@pytest.fixture(scope="session")
def rendered_bundle(tmp_path_factory) -> Path:
    """A default-quality 320x180 render bundle of 16 frames of a synthetic "hand waving" on the
    Anny body, the performer 2.0 m from the camera (skipped with the reason when Anny's
    set-up cache is missing).

    The clip is "extract-wave" of the detection-margin table in docs/RESULTS.md at 2.0 m:
    MediaPipe finds every frame for every appearance seed measured, at 320x180, at the two
    resolution steps below and one distance step farther (2.5 m), with a root-relative error
    of 85-105 mm there. At its generator distance (2.98 m) it sat nearer the edge (one seed
    missed frames at 192x108 and 256x144)."""
    from pipeline.errors import MissingInputError
    from pipeline.synth import SynthConfig, generate_synthetic
    from render.api import render_sequence
    from render.bodies.anny_body import AnnyBody

    try:
        AnnyBody()
    except MissingInputError as exc:  # set-up step not run on this machine
        pytest.skip(f"Anny cache not built (run `make setup`): {exc}")
    sset = generate_synthetic(SynthConfig(samples=12, frames=CLIP_FRAMES, seed=11, distance_range=(1.95, 2.05)))
    index = int(np.flatnonzero(np.array(sset.class_names)[sset.label] == "hand waving")[0])
    out = tmp_path_factory.mktemp("renders")
    bundle = render_sequence(sset, index, out, quality="classic", resolution=(320, 180), seed=1, threads=2)
    return bundle.path


@pytest.fixture
def renders_dir(rendered_bundle, tmp_path) -> Path:
    """A fresh folder holding a copy of the rendered bundle (tests may add bad ones)."""
    root = tmp_path / "renders"
    shutil.copytree(rendered_bundle, root / rendered_bundle.name)
    return root


def write_blank_video(path: Path, frames: int = 8, size: tuple[int, int] = (64, 48), fps: float = 30.0) -> Path:
    """A small grey video with nobody in it ('mp4v')."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    frame = np.full((size[1], size[0], 3), 128, np.uint8)
    for _ in range(frames):
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def blank_video(tmp_path) -> Path:
    return write_blank_video(tmp_path / "blank" / "video.mp4")


@pytest.fixture
def write_video():
    """``write_video(path, frames=8, size=(64, 48), fps=30.0)``: a blank 'mp4v' video."""
    return write_blank_video


@pytest.fixture
def copy_bundle():
    """``copy_bundle(src, dst, name=None)``: copy a bundle folder, optionally renaming its sample."""
    return _copy_bundle


def _copy_bundle(src: Path, dst: Path, *, name: str | None = None) -> Path:
    """Copy a bundle folder; with ``name``, also rename the sample in its manifest."""
    shutil.copytree(src, dst)
    if name is not None:
        m = json.loads((dst / "manifest.json").read_text())
        m["sample"]["name"] = name
        (dst / "manifest.json").write_text(json.dumps(m))
    return dst
