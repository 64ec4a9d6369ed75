"""Pair folders (pose_extract.adapter_data): a file that is not a pair file is one error
naming it, not a silent skip or a crash in training."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import FormatError
from pose_extract.adapter_data import load_pairs


def test_garbage_and_wrong_features_name_the_file(tmp_path):
    bad = tmp_path / "garbage"
    bad.mkdir()
    (bad / "S001.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(FormatError, match="S001.npz") as info:
        load_pairs(bad)
    assert "\n" not in str(info.value)

    wrong = tmp_path / "wrong"
    wrong.mkdir()
    np.savez(wrong / "S002.npz", features=np.zeros((1, 4, 7), np.float32))
    with pytest.raises(FormatError, match="S002.npz.*features"):
        load_pairs(wrong)


def test_an_empty_folder_has_no_rows(tmp_path):
    assert load_pairs(tmp_path) == []
