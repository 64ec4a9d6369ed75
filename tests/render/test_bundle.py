import json

import pytest

from pipeline.errors import FormatError, MissingInputError
from render.bundle import GROUND_TRUTH, MANIFEST, VIDEO, is_complete, load_bundle, write_bundle


def _build(tmp):
    (tmp / VIDEO).write_bytes(b"video")
    (tmp / GROUND_TRUTH).write_bytes(b"gt")
    return {"sample": {"name": "x"}}


def test_written_bundle_is_complete(tmp_path):
    b = write_bundle(tmp_path / "x", _build)
    assert b.manifest["files"] == {VIDEO: 5, GROUND_TRUTH: 2} and b.manifest["format"] == "ciasa.render_bundle"
    assert is_complete(b.path) and load_bundle(b.path).manifest == b.manifest
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_failed_build_leaves_nothing(tmp_path):
    def boom(tmp):
        _build(tmp)
        raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        write_bundle(tmp_path / "x", boom)
    assert list(tmp_path.iterdir()) == []


def test_failed_rebuild_keeps_the_old_bundle(tmp_path):
    write_bundle(tmp_path / "x", _build)
    with pytest.raises(RuntimeError):
        write_bundle(tmp_path / "x", lambda tmp: (_ for _ in ()).throw(RuntimeError("no")))
    assert is_complete(tmp_path / "x") and len(list(tmp_path.iterdir())) == 1


def test_replacing_a_bundle(tmp_path):
    write_bundle(tmp_path / "x", _build)

    def other(tmp):
        (tmp / VIDEO).write_bytes(b"new video")
        (tmp / GROUND_TRUTH).write_bytes(b"gt")
        return {"v": 2}

    b = write_bundle(tmp_path / "x", other)
    assert b.manifest["v"] == 2 and (b.path / VIDEO).read_bytes() == b"new video"
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_incomplete_bundles_are_refused(tmp_path):
    b = write_bundle(tmp_path / "x", _build)
    (b.path / VIDEO).write_bytes(b"truncated-or-changed")
    with pytest.raises(FormatError, match="bytes"):
        load_bundle(b.path)
    (b.path / VIDEO).unlink()
    with pytest.raises(MissingInputError, match="video.mp4"):
        load_bundle(b.path)
    (b.path / MANIFEST).unlink()
    with pytest.raises(MissingInputError, match="manifest"):
        load_bundle(b.path)
    (b.path / MANIFEST).write_text(json.dumps({"format": "other"}))
    with pytest.raises(FormatError):
        load_bundle(b.path)
    assert not is_complete(b.path)
