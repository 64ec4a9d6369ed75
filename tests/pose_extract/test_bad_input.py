"""Bad input: every kind gives a typed error naming the file or field, or masked frames and a
warning; a batch with bad bundles still extracts the good ones."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import FormatError, MissingInputError
from pose_extract.api import extract_video
from pose_extract.bundle_manifest import find_bundles, read_bundle
from pose_extract.bundles import extract_bundles
from pose_extract.lifting import CameraIntrinsics
from pose_extract.report import ExtractionError


def test_missing_video(tmp_path):
    with pytest.raises(MissingInputError, match="no such video") as info:
        extract_video(tmp_path / "none.mp4")
    assert info.value.path == str(tmp_path / "none.mp4")


def test_corrupt_video_names_the_file(tmp_path):
    bad = tmp_path / "video.mp4"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(FormatError, match="not a readable video") as info:
        extract_video(bad)
    assert str(bad) in str(info.value)


def test_video_without_a_person_is_all_masked_with_a_warning(blank_video, caplog):
    with caplog.at_level(logging.WARNING, logger="pose_extract"):
        ext = extract_video(blank_video)
    assert ext.num_frames == 8 and not ext.valid.any() and ext.detection_rate == 0.0
    assert (ext.joints == 0).all() and not ext.landmarks.detected.any()
    assert any("no person detected" in r.getMessage() and str(blank_video) in r.getMessage() for r in caplog.records)
    assert ext.outcome()["masked_frames"] == 8


def test_intrinsics_of_another_size_are_refused(blank_video):
    with pytest.raises(FormatError, match="64x48 but the intrinsics are for 320x180"):
        extract_video(blank_video, intrinsics=CameraIntrinsics.from_fov(320, 180))


def test_bundle_without_manifest_names_the_folder(tmp_path):
    folder = tmp_path / "S001"
    folder.mkdir()
    with pytest.raises(MissingInputError, match="manifest.json is missing") as info:
        read_bundle(folder)
    assert info.value.path == str(folder)


def test_malformed_manifests_name_file_and_field(rendered_bundle, tmp_path, copy_bundle):
    b = copy_bundle(rendered_bundle, tmp_path / "b")
    good = json.loads((b / "manifest.json").read_text())
    (b / "manifest.json").write_text("{not json")
    with pytest.raises(FormatError) as info:
        read_bundle(b)
    assert str(b / "manifest.json") in str(info.value)
    for patch, field in (({"intrinsics": {**good["intrinsics"], "fx": "wide"}}, "intrinsics.fx"),
                         ({"sample": {**good["sample"], "label": "five"}}, "sample.label"),
                         ({"format": "something.else"}, "format")):
        (b / "manifest.json").write_text(json.dumps({**good, **patch}))
        with pytest.raises(FormatError) as info:
            read_bundle(b)
        assert info.value.field == field and info.value.path == str(b / "manifest.json")
    (b / "manifest.json").write_text(json.dumps(good))
    (b / "video.mp4").unlink()
    with pytest.raises(MissingInputError, match="video.mp4 is missing"):
        read_bundle(b)


def test_renders_folder_must_hold_bundles(tmp_path):
    with pytest.raises(MissingInputError, match="no such folder"):
        find_bundles(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingInputError, match="no render bundles"):
        find_bundles(tmp_path / "empty")


def test_batch_with_bad_bundles_finishes_the_good_one(renders_dir, rendered_bundle, copy_bundle, write_video):
    good = rendered_bundle.name
    (renders_dir / "A_no_manifest").mkdir()
    corrupt = copy_bundle(rendered_bundle, renders_dir / "B_corrupt", name="corrupt")
    (corrupt / "video.mp4").write_bytes(b"\x00garbage" * 500)
    blank = copy_bundle(rendered_bundle, renders_dir / "C_blank", name="blank")
    write_video(blank / "video.mp4", frames=6, size=(320, 180))
    copy_bundle(rendered_bundle, renders_dir / "Z_duplicate")  # same sample name as the good one

    sset, report = extract_bundles(renders_dir)

    status = {Path(s.bundle).name: (s.status, s.reason) for s in report.samples}  # by folder
    assert len(report.samples) == 5 and len(report.failed) == 4
    assert status[good] == ("ok", None)
    assert status["A_no_manifest"][0] == "failed" and "manifest.json is missing" in status["A_no_manifest"][1]
    assert status["B_corrupt"][0] == "failed" and "not a readable video" in status["B_corrupt"][1]
    assert status["C_blank"][0] == "failed" and "no person detected" in status["C_blank"][1]
    assert status["Z_duplicate"][0] == "failed" and "duplicate sample name" in status["Z_duplicate"][1]
    assert sset.name.tolist() == [good] and len(sset) == 1
    assert report.summary()["ok"] == 1 and report.summary()["failed"] == 4


def test_batch_where_everything_fails_raises_with_the_report(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    with pytest.raises(ExtractionError, match="none of the 2") as info:
        extract_bundles(tmp_path)
    assert [s.status for s in info.value.report.samples] == ["failed", "failed"]
