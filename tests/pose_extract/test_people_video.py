"""Two people in one real video: both tracked in every frame with their identities kept,
the set holds both bodies; a single-person video still gives one person.

The two-person clip is made from the session's render (hand waving, 320x180, 16 frames):
each frame becomes the person's own 160-pixel-wide neighbourhood on the left and the
mirror image of it on the right, so both people keep the size and detail of the measured
detection margin (tests/pose_extract/conftest.py) and only the second person is new.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pose_extract.config import ExtractConfig
from pose_extract.people import hip_positions, run_people

HALF = 160


def _person_column(bundle: Path) -> int:
    """Image column of the person's mean spine-base position in the render (ground truth)."""
    with np.load(bundle / "ground_truth.npz") as z:
        u = z["body_pixels"][:, 0, 0, 0]
    return int(round(float(np.mean(u))))


@pytest.fixture(scope="module")
def two_people_video(rendered_bundle, tmp_path_factory) -> Path:
    import cv2

    centre = _person_column(rendered_bundle)
    cap = cv2.VideoCapture(str(rendered_bundle / "video.mp4"))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    h, w = frames[0].shape[:2]
    lo = int(np.clip(centre - HALF // 2, 0, w - HALF))
    path = tmp_path_factory.mktemp("two") / "two.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (2 * HALF, h))
    for f in frames:
        crop = f[:, lo:lo + HALF]
        writer.write(np.ascontiguousarray(np.concatenate([crop, crop[:, ::-1]], axis=1)))
    writer.release()
    return path


def test_both_people_are_tracked_and_keep_their_identity(two_people_video):
    people = run_people(two_people_video, max_people=2)
    assert len(people) == 2
    frames = people[0].num_frames
    sides = []
    for p in people:
        assert p.detected.sum() >= frames - 1, p.detected
        u = hip_positions(p.image)[p.detected, 0]
        left = u < HALF
        assert left.all() or not left.any(), u  # one side of the frame: no identity swap
        sides.append(bool(left[0]))
    assert sides[0] != sides[1]


def test_one_tracker_gives_one_person(two_people_video):
    people = run_people(two_people_video, max_people=1)
    assert len(people) == 1 and people[0].detected.sum() >= people[0].num_frames - 1


def test_a_single_person_render_gives_one_person(rendered_bundle):
    people = run_people(rendered_bundle / "video.mp4", max_people=2)
    assert len(people) == 1 and people[0].detected.all()


def test_the_video_set_holds_both_bodies(two_people_video):
    from pose_extract.extracted_set import video_set

    sset, ext = video_set(two_people_video, config=ExtractConfig(max_people=2))
    assert sset.data.shape[4] == 2
    valid = sset.sample_meta["body_frame_valid"][0]
    assert valid.shape == (sset.data.shape[2], 2) and valid.mean(axis=0).min() >= 0.9
    assert np.abs(sset.data[0, :, :, :, 1]).sum() > 0
    # the two people stand apart in the camera frame (x), each on their own side
    x = sset.data[0, 0, valid.all(axis=1), 0, :]  # spine-base x of both, in the valid frames
    assert np.all(np.sign(x[:, 0]) != np.sign(x[:, 1]))
    assert ext.parameters["max_people"] == 2


def test_the_cli_takes_max_people(two_people_video, tmp_path, capsys):
    from flows.cli.main import main
    from pipeline.skeleton_set import load_skeleton_set

    out = tmp_path / "two.npz"
    assert main(["extract", "--video", str(two_people_video), "--max-people", "2", "--out", str(out)]) == 0
    assert "2 people" in capsys.readouterr().out
    assert load_skeleton_set(out).data.shape[4] == 2
    assert main(["extract", "--video", str(two_people_video), "--max-people", "5", "--out", str(out)]) != 0
