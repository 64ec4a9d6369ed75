"""SkeletonSet: validation errors name the sample and field, npz + json round trip,
content hash checked on load, subsets and splits."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.errors import FormatError, LabelMismatchError, MissingInputError, ValidationError
from pipeline.skeleton_set import SkeletonSet, load_skeleton_set, manifest_path, save_skeleton_set


@pytest.fixture
def sset(rng):
    data = rng.normal(size=(4, 3, 12, 25, 2)).astype(np.float32)
    data[:, :, :, :, 1] = 0
    data[2, :, 9:] = 0
    return SkeletonSet(
        data=data, label=[0, 1, 2, 1], name=["s0", "s1", "s2", "s3"], num_frames=[12, 12, 9, 12],
        layout="ntu25", class_names=["a", "b", "c"], provenance={"source": "test"},
        splits={"train": ["s0", "s1"], "val": ["s2", "s3"]}, sample_meta={"height": np.array([1.6, 1.7, 1.8, 1.9])},
    )  # fmt: skip


def test_round_trip(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    assert manifest_path(path).is_file()
    back = load_skeleton_set(path)
    np.testing.assert_array_equal(back.data, sset.data)
    assert back.data.dtype == np.float32
    np.testing.assert_array_equal(back.name, sset.name)
    np.testing.assert_array_equal(back.num_frames, sset.num_frames)
    assert back.splits == sset.splits and back.class_names == sset.class_names
    np.testing.assert_array_equal(back.sample_meta["height"], sset.sample_meta["height"])
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["shape"] == {"N": 4, "C": 3, "T": 12, "V": 25, "M": 2}
    assert manifest["content_hash"] == sset.content_hash() and manifest["fps"] == 30.0
    with np.load(path, allow_pickle=False) as z:  # plain arrays only
        assert set(z.files) == {"data", "label", "name", "num_frames", "meta__height"}


def test_tampered_data_fails_hash(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    m = json.loads(manifest_path(path).read_text())
    m["content_hash"] = "0" * 64
    manifest_path(path).write_text(json.dumps(m))
    with pytest.raises(FormatError, match="content hash"):
        load_skeleton_set(path)
    assert len(load_skeleton_set(path, verify_hash=False)) == 4


def test_missing_manifest_and_bad_json(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    manifest_path(path).write_text("{not json")
    with pytest.raises(FormatError, match="x.json"):
        load_skeleton_set(path)
    manifest_path(path).unlink()
    with pytest.raises(MissingInputError, match="x.json"):
        load_skeleton_set(path)
    with pytest.raises(MissingInputError):
        load_skeleton_set(tmp_path / "absent.npz")


def test_truncated_npz(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(FormatError, match="x.npz"):
        load_skeleton_set(path)


@pytest.mark.parametrize(
    "change, error, words",
    [
        (lambda s: setattr(s, "label", s.label[:3]), LabelMismatchError, "label has 3 entries"),
        (lambda s: s.num_frames.__setitem__(1, 0), ValidationError, "sample s1"),
        (lambda s: s.data.__setitem__((3, 0, 0, 0, 0), np.nan), ValidationError, "sample s3"),
        (lambda s: s.name.__setitem__(1, "s0"), ValidationError, "duplicate"),
        (lambda s: s.label.__setitem__(0, 7), LabelMismatchError, "label 7"),
        (lambda s: setattr(s, "coordinate_frame", "world"), ValidationError, "coordinate frame"),
        (lambda s: s.splits.__setitem__("val", ["nobody"]), LabelMismatchError, "nobody"),
        (lambda s: setattr(s, "data", s.data[:, :, :, :24]), ValidationError, "wrong joint count"),
    ],
)
def test_validation_errors(tmp_path, sset, change, error, words):
    change(sset)
    with pytest.raises(error, match=words):
        save_skeleton_set(sset, tmp_path / "bad.npz")
    assert not list(tmp_path.iterdir())  # nothing written


def test_subset_and_split(sset):
    val = sset.split("val")
    assert val.name.tolist() == ["s2", "s3"] and val.num_frames.tolist() == [9, 12]
    np.testing.assert_array_equal(val.sample_meta["height"], [1.8, 1.9])
    sub = sset.subset([3, 0], keep_splits=True)
    assert sub.splits == {"train": ["s0"], "val": ["s3"]}
    with pytest.raises(KeyError, match="train"):
        sset.split("test")
    vm = sset.valid_mask()
    assert vm[2, :9, 0].all() and not vm[2, 9:].any() and not vm[:, :, 1].any()
