"""The restricted unpickler: dataset pickles load, anything else is refused unexecuted."""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

from pipeline.errors import FormatError, MissingInputError, UnsafePickleError
from pipeline.safe_pickle import safe_load, safe_loads


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_dataset_pickles_load(protocol):
    obj = {
        "names": ["a", "b"], "labels": [np.int64(3), 4], "t": (1.5, None, True), "s": {1, 2},
        "arr": np.arange(12, dtype=np.float32).reshape(3, 4), "od": OrderedDict(x=1),
        "str_arr": np.array(["x", "yy"]),
    }  # fmt: skip
    back = safe_loads(pickle.dumps(obj, protocol=protocol))
    np.testing.assert_array_equal(back["arr"], obj["arr"])
    assert back["labels"] == [3, 4] and back["s"] == {1, 2} and back["od"] == OrderedDict(x=1)
    assert back["str_arr"].tolist() == ["x", "yy"]


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_malicious_pickle_refused_without_side_effect(tmp_path):
    marker = tmp_path / "executed"
    path = tmp_path / "labels.pkl"
    path.write_bytes(pickle.dumps((["a"], [_Evil(str(marker))])))
    with pytest.raises(UnsafePickleError) as err:
        safe_load(path)
    assert "labels.pkl" in str(err.value) and "posix.mkdir" in str(err.value)
    assert not marker.exists()


def test_object_array_cannot_smuggle_globals(tmp_path):
    arr = np.empty(1, dtype=object)
    arr[0] = _Evil(str(tmp_path / "executed"))
    with pytest.raises(UnsafePickleError):
        safe_loads(pickle.dumps(arr))
    assert not (tmp_path / "executed").exists()


def test_garbage_and_missing(tmp_path):
    with pytest.raises(FormatError):
        safe_loads(b"not a pickle at all")
    with pytest.raises(FormatError):
        safe_loads(pickle.dumps([1, 2, 3])[:-3])
    with pytest.raises(MissingInputError):
        safe_load(tmp_path / "none.pkl")
