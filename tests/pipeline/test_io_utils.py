"""Atomic outputs: all-or-nothing groups, normal file permissions, hashing."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

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
