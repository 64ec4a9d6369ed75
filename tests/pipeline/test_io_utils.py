"""Atomic outputs: all-or-nothing (and nested) groups, normal file permissions, hashing."""

from __future__ import annotations

import hashlib
import os
import stat

import numpy as np
import pytest

from pipeline import io_utils
from pipeline.errors import ValidationError
from pipeline.io_utils import atomic_outputs, atomic_write_text, hash_arrays


def test_group_commits_all_or_nothing(tmp_path):
    with atomic_outputs() as out:
        out.path(tmp_path / "a.txt").write_text("a")
        out.path(tmp_path / "b.txt").write_text("b")
        assert not (tmp_path / "a.txt").exists()  # nothing visible before the commit
    assert (tmp_path / "a.txt").read_text() == "a" and (tmp_path / "b.txt").read_text() == "b"
    with pytest.raises(RuntimeError):
        with atomic_outputs() as out:
            out.path(tmp_path / "c.txt").write_text("c")
            raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_outputs_have_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "x.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o644


def test_hash_arrays_sensitive_to_values_names_and_dtype():
    a = {"data": np.arange(6, dtype=np.float32).reshape(2, 3), "name": np.array(["x", "y"])}
    h = hash_arrays(a)
    assert h == hash_arrays({k: v.copy() for k, v in a.items()})
    b = dict(a, data=a["data"].copy())
    b["data"][1, 2] += 1e-6
    assert hash_arrays(b) != h
    assert hash_arrays(dict(a, name=np.array(["x", "z"]))) != h
    assert hash_arrays(dict(a, data=a["data"].astype(np.float64))) != h


def _parts(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.part"))


def test_path_refuses_an_existing_directory_and_discards_the_group(tmp_path):
    (tmp_path / "b.txt").mkdir()
    with pytest.raises(ValidationError) as err:
        with atomic_outputs() as out:
            out.path(tmp_path / "a.txt").write_text("a")
            out.path(tmp_path / "b.txt").write_text("b")
    assert "b.txt" in str(err.value) and "directory" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.txt"]  # no a.txt, no .part
    assert (tmp_path / "b.txt").is_dir()


def test_directory_appearing_before_commit_commits_nothing(tmp_path):
    with pytest.raises(ValidationError, match="c.txt"):
        with atomic_outputs() as out:
            out.path(tmp_path / "a.txt").write_text("a")
            out.path(tmp_path / "c.txt").write_text("c")
            (tmp_path / "c.txt").mkdir()  # another process got there first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]


def test_failing_rename_discards_every_remaining_temporary(tmp_path, monkeypatch):
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(io_utils.os, "replace", flaky)
    with pytest.raises(OSError, match="No space"):
        with atomic_outputs() as out:
            for name in ("a", "b", "c"):
                out.path(tmp_path / f"{name}.txt").write_text(name)
    assert _parts(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # renamed before the failure


def test_nested_groups_commit_only_at_the_outermost(tmp_path):
    with atomic_outputs() as outer:
        atomic_write_text(tmp_path / "a.txt", "a")  # a writer with its own group
        with atomic_outputs() as inner:
            assert inner is outer
            inner.path(tmp_path / "b.txt").write_text("b")
        assert not (tmp_path / "a.txt").exists() and not (tmp_path / "b.txt").exists()
    assert (tmp_path / "a.txt").read_text() == "a" and (tmp_path / "b.txt").read_text() == "b"
    assert _parts(tmp_path) == []


def test_nested_groups_all_or_nothing(tmp_path):
    (tmp_path / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_outputs():
            atomic_write_text(tmp_path / "a.txt", "a")  # completed writer
            atomic_write_text(tmp_path / "old.txt", "new")
            raise RuntimeError("the second writer failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]
    assert (tmp_path / "old.txt").read_text() == "old"
    # a group opened after the failure is a fresh outermost group again
    atomic_write_text(tmp_path / "c.txt", "c")
    assert (tmp_path / "c.txt").read_text() == "c"


def test_failed_nested_writer_caught_inside_the_outer_group_is_not_committed(tmp_path):
    with atomic_outputs():
        atomic_write_text(tmp_path / "a.txt", "a")
        with pytest.raises(RuntimeError):
            with atomic_outputs() as out:
                out.path(tmp_path / "half.txt").write_text("half")
                raise RuntimeError("writer failed")
        assert len(_parts(tmp_path)) == 1  # a.txt's temporary only; half.txt's is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_group_in_another_thread_is_independent(tmp_path):
    import threading

    with atomic_outputs():
        t = threading.Thread(target=atomic_write_text, args=(tmp_path / "t.txt", "t"))
        t.start()
        t.join()
        assert (tmp_path / "t.txt").read_text() == "t"  # committed by its own group


def test_discard_removes_folders_it_made(tmp_path):
    (tmp_path / "keep").mkdir()
    with pytest.raises(RuntimeError):
        with atomic_outputs() as out:
            out.path(tmp_path / "new" / "deeper" / "x.txt").write_text("x")
            out.path(tmp_path / "keep" / "y.txt").write_text("y")
            raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]
    assert not any((tmp_path / "keep").iterdir())


def test_unused_helpers_removed():
    assert not hasattr(io_utils, "atomic_write_bytes")


def test_file_sha256_is_the_hash_of_the_bytes_whatever_the_chunk(tmp_path):
    f = tmp_path / "x.bin"
    payload = bytes(range(256)) * 1000
    f.write_bytes(payload)
    assert io_utils.file_sha256(f) == hashlib.sha256(payload).hexdigest() == io_utils.file_sha256(f, chunk=7)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert io_utils.file_sha256(empty) == hashlib.sha256(b"").hexdigest()


def _one_shot_hash(arrays):
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = arrays[key]
        h.update(key.encode())
        h.update(a.dtype.str.encode())
        h.update(str(tuple(a.shape)).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def test_hash_arrays_of_empty_and_chunked_arrays():
    empty = {"data": np.zeros((0, 3, 5, 25, 2), np.float32), "label": np.zeros(0, np.int64)}
    h = hash_arrays(empty)
    assert h == _one_shot_hash(empty)
    assert h != hash_arrays({"data": np.zeros((0, 3, 6, 25, 2), np.float32), "label": empty["label"]})
    # more than one 16 MiB chunk: same digest as hashing the bytes in one go
    big = {"data": np.arange(6 * 2**20, dtype=np.float32).reshape(-1, 3, 1, 2, 1)[:, :, :, ::-1]}
    assert hash_arrays(big) == _one_shot_hash(big)
    scalar = {"x": np.float64(2.5) * np.ones(())}
    assert hash_arrays(scalar) == _one_shot_hash(scalar)
