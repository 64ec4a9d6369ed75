import json
import os
import time

import pytest

from pipeline.errors import FormatError, MissingInputError
from render.bundle import (GROUND_TRUTH, MANIFEST, VIDEO, is_complete, load_bundle, remove_stale_temporaries,
                           write_bundle)


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


def test_stale_temporaries_of_a_killed_build_are_removed(tmp_path):
    final = tmp_path / "S001C001P001R001A001"
    write_bundle(final, _build)
    old = time.time() - 3 * 3600

    def folder(name, age=None):
        d = tmp_path / name
        (d / ".job").mkdir(parents=True)
        (d / ".job" / "frame.png").write_bytes(b"x")
        if age is not None:
            for p in (d / ".job" / "frame.png", d / ".job", d):
                os.utime(p, (age, age))
        return d

    stale = folder(f".{final.name}.tmp-abc", old)
    stale_old = folder(f".{final.name}.old-def", old)
    live = folder(f".{final.name}.tmp-ghi")  # being written now
    touched = folder(f".{final.name}.tmp-jkl", old)
    (touched / ".job" / "frame.png").write_bytes(b"new frame")  # old folder, fresh file
    other = folder(".S001C001P001R001A0010.tmp-x", old)  # another sample whose name starts alike
    removed = remove_stale_temporaries(final, 2 * 3600)
    assert sorted(removed) == sorted([stale, stale_old])
    assert not stale.exists() and not stale_old.exists()
    assert live.is_dir() and touched.is_dir() and other.is_dir() and is_complete(final)
