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
    with pytest.raises(FormatError):  # object dtype refused before its items are read
        safe_loads(pickle.dumps(arr))
    assert not (tmp_path / "executed").exists()
    with pytest.raises(UnsafePickleError):  # and the item's global is refused on its own
        safe_loads(pickle.dumps([_Evil(str(tmp_path / "executed"))]))
    assert not (tmp_path / "executed").exists()


def test_garbage_and_missing(tmp_path):
    with pytest.raises(FormatError):
        safe_loads(b"not a pickle at all")
    with pytest.raises(FormatError):
        safe_loads(pickle.dumps([1, 2, 3])[:-3])
    with pytest.raises(MissingInputError):
        safe_load(tmp_path / "none.pkl")


def test_malformed_dtype_state_is_an_error_not_a_crash(tmp_path):
    """This 50-byte pickle segfaulted the interpreter when numpy.dtype was allowed."""
    bad = b"cnumpy\ndtype\n(Vf2\nI00\nI01\ntR(I3\nV<\nNI-1\nI-1\nI0\ntb."
    with pytest.raises(FormatError):
        safe_loads(bad)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize(
    "arr",
    [np.arange(6, dtype=">i2").reshape(2, 3), np.asfortranarray(np.ones((2, 3), np.float64)),
     np.array([True, False]), np.array([b"ab", b"c"]), np.zeros((0, 3), np.float32),
     np.array(["ünï", "x"])],  # fmt: skip
    ids=["big-endian", "fortran", "bool", "bytes", "empty", "unicode"],
)
def test_numpy_arrays_round_trip(arr, protocol):
    back = safe_loads(pickle.dumps({"a": arr, "s": arr.reshape(-1)[:1].copy()[0] if arr.size else 0}, protocol=protocol))
    np.testing.assert_array_equal(back["a"], arr)
    assert back["a"].dtype == arr.dtype and back["a"].shape == arr.shape


@pytest.mark.parametrize(
    "obj",
    [np.array([1, "x"], dtype=object), np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]),
     np.array(["2020-01-01"], dtype="datetime64[D]")],  # fmt: skip
    ids=["object", "structured", "datetime"],
)
def test_unsupported_numpy_dtypes_refused(obj):
    with pytest.raises(FormatError):
        safe_loads(pickle.dumps(obj, protocol=4))


def test_buffer_size_mismatch_refused():
    raw = np.arange(4, dtype=np.int32)
    state = pickle.dumps(raw, protocol=4)
    tampered = state.replace(raw.tobytes(), raw.tobytes()[:-4])
    tampered = tampered.replace(b"C\x10", b"C\x0c")  # shorter SHORT_BINBYTES length prefix
    with pytest.raises(FormatError):
        safe_loads(tampered)


_FUZZ = r"""
import pickle, random, sys
import numpy as np
from pipeline.errors import FormatError, UnsafePickleError
from pipeline.safe_pickle import safe_loads
seeds = [pickle.dumps(o, protocol=p) for p in (2, 4, 5) for o in (
    (["S001C001P001R001A001", "b"], [np.int64(3), 4]),
    {"split": {"x": ["a"]}, "annotations": [{"keypoint": np.ones((1, 2, 25, 3), np.float32), "label": 1}]},
)]
rng = random.Random(0)
for i in range(3000):
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    try:
        safe_loads(bytes(data))
    except (FormatError, UnsafePickleError):
        pass
print("survived")
"""


def test_fuzzed_pickles_never_crash_or_escape():
    """Byte-flipped dataset pickles give a result or a typed error: no other exception
    and no interpreter crash (run in a subprocess so a crash fails the test)."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _FUZZ], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "survived" in res.stdout, res.stderr[-2000:]
