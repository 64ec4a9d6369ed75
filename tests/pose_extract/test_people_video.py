"""Two people in one real video: both tracked in every frame with their identities kept,
the set holds both bodies; a single-person video still gives one person; a third person is
one error.

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


def _side_by_side(bundle: Path, out: Path, copies: int) -> Path:
    """The render's person-centred ``HALF``-pixel column, ``copies`` times side by side,
    every other copy mirrored (so neighbours face each other)."""
    import cv2

    centre = _person_column(bundle)
    cap = cv2.VideoCapture(str(bundle / "video.mp4"))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    h, w = frames[0].shape[:2]
    lo = int(np.clip(centre - HALF // 2, 0, w - HALF))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (copies * HALF, h))
    for f in frames:
        crop = f[:, lo:lo + HALF]
        tiles = [crop if k % 2 == 0 else crop[:, ::-1] for k in range(copies)]
        writer.write(np.ascontiguousarray(np.concatenate(tiles, axis=1)))
    writer.release()
    return out


@pytest.fixture(scope="module")
def two_people_video(rendered_bundle, tmp_path_factory) -> Path:
    return _side_by_side(rendered_bundle, tmp_path_factory.mktemp("two") / "two.mp4", 2)


@pytest.fixture(scope="module")
def three_people_video(rendered_bundle, tmp_path_factory) -> Path:
    return _side_by_side(rendered_bundle, tmp_path_factory.mktemp("three") / "three.mp4", 3)


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


def test_a_third_person_is_one_error_not_a_silent_drop(three_people_video, two_people_video, tmp_path, capsys):
    """With the sentinel tracker, a video with more people than ``max_people`` is bad input
    (one line naming the file and the option); on two people it changes nothing."""
    from flows.cli.main import main
    from pipeline.errors import ValidationError

    with pytest.raises(ValidationError, match="more than 2 people") as info:
        run_people(three_people_video, max_people=2, check_more=True)
    assert "three.mp4" in str(info.value) and "\n" not in str(info.value)
    plain = run_people(two_people_video, max_people=2)
    checked = run_people(two_people_video, max_people=2, check_more=True)
    assert len(checked) == len(plain) == 2
    for a, b in zip(plain, checked):
        np.testing.assert_array_equal(a.detected, b.detected)
        np.testing.assert_array_equal(a.image, b.image)
    out = tmp_path / "three.npz"
    assert main(["extract", "--video", str(three_people_video), "--max-people", "2", "--out", str(out)]) != 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "more than 2 people" in err[0] and "--max-people" in err[0]
    assert not out.exists()


def test_where_the_number_of_people_is_known_a_further_one_is_not_an_error(three_people_video):
    """``check_more=False`` (render bundles: the renderer drew exactly ``max_people``): the
    cascade keeps ``max_people`` people of a video that shows more; the default still
    makes the third person one error."""
    from pipeline.errors import ValidationError
    from pose_extract.api import extract_people

    people = extract_people(three_people_video, config=ExtractConfig(max_people=2, flip=False), check_more=False)
    assert len(people) == 2
    for p in people:
        assert p.video_valid.sum() >= p.landmarks.num_frames - 1
    with pytest.raises(ValidationError, match="more than 2 people"):
        extract_people(three_people_video, config=ExtractConfig(max_people=2, flip=False))
