"""Flip averaging (pose_extract.flip): the landmark mirror map, mirroring back, averaging,
and the extraction of a rendered clip with it."""

from __future__ import annotations

import numpy as np
import pytest

from pose_extract.flip import MIRROR_LANDMARKS, average_poses, unmirror


def test_the_mirror_map_exchanges_left_and_right_by_name():
    import mediapipe as mp

    names = [lm.name.lower() for lm in mp.solutions.pose.PoseLandmark]
    assert len(names) == len(MIRROR_LANDMARKS) == 33
    for i, j in enumerate(MIRROR_LANDMARKS):
        assert MIRROR_LANDMARKS[j] == i  # an involution
        expected = names[i].replace("left", "#").replace("right", "left").replace("#", "right")
        assert names[j] == expected, (names[i], names[j])


def _pose(seed: int):
    g = np.random.default_rng(seed)
    return g.uniform(0, 320, (33, 2)), g.uniform(0, 1, 33), g.normal(0, 0.3, (33, 3))


def test_unmirror_mirrors_the_coordinates_and_exchanges_the_sides():
    px, vis, world = _pose(0)
    upx, uvis, uworld = unmirror((px, vis, world), 320)
    left, right = 11, 12  # shoulders
    assert upx[left, 0] == pytest.approx(320 - px[right, 0]) and upx[left, 1] == px[right, 1]
    assert uworld[left, 0] == pytest.approx(-world[right, 0]) and uworld[left, 2] == world[right, 2]
    assert uvis[left] == vis[right]
    back = unmirror((upx, uvis, uworld), 320)
    for a, b in zip(back, (px, vis, world)):
        assert np.allclose(a, b)


def test_average_keeps_the_one_that_exists():
    a, b = _pose(1), _pose(2)
    assert average_poses(None, None) is None
    assert average_poses(a, None) is a and average_poses(None, b) is b
    mean = average_poses(a, b)
    for m, x, y in zip(mean, a, b):
        assert np.allclose(m, (x + y) / 2)


def test_flip_averaging_extracts_the_rendered_clip(rendered_bundle):
    """Both trackers find the person; the averaged skeleton stays as close to the truth
    as the plain one (within 15 %: a second estimate, not a different method)."""
    from pose_extract.bundles import extract_bundles
    from pose_extract.config import ExtractConfig

    plain_set, plain = extract_bundles([rendered_bundle], config=ExtractConfig(flip=False))
    sset, report = extract_bundles([rendered_bundle], config=ExtractConfig(flip=True))
    assert report.samples[0].counts["detection_rate"] >= 0.9
    assert sset.provenance["extractor"]["flip_averaging"] is True
    assert plain_set.provenance["extractor"]["flip_averaging"] is False
    got = report.samples[0].metrics["source_joints"]["root_relative_mpjpe_mm"]
    ref = plain.samples[0].metrics["source_joints"]["root_relative_mpjpe_mm"]
    assert got < 1.15 * ref, (got, ref)
    assert not np.array_equal(sset.data, plain_set.data)
