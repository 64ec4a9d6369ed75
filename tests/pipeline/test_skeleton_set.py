"""SkeletonSet: validation errors name the sample and field, npz + json round trip,
manifest fields checked, content hash (arrays and meaningful metadata) checked on load,
zero padding, subsets and splits."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    UnknownFormatError,
    ValidationError,
)
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


# --------------------------------------------------------------------------- manifest fields


def _edit_manifest(path, **changes):
    m = json.loads(manifest_path(path).read_text())
    m.update(changes)
    manifest_path(path).write_text(json.dumps(m))


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("fps", "abc", "fps must be a number"),
        ("fps", -5, "fps must be finite and > 0"),
        ("fps", 0, "fps must be finite and > 0"),
        ("fps", True, "fps must be a number"),
        ("layout", ["ntu25"], "layout name must be a str"),
        ("layout", "martian", "unknown layout 'martian'"),
        ("coordinate_frame", "world", "unknown coordinate frame"),
        ("coordinate_frame", 3, "unknown coordinate frame"),
        ("class_names", "abc", "class_names must be a list of str"),
        ("class_names", ["a", 2], "entry 1"),
        ("splits", ["train"], "splits must map names"),
        ("splits", {"train": "s0"}, "split 'train'"),
        ("provenance", [1], "provenance must be an object"),
    ],
)
def test_manifest_field_of_wrong_type(tmp_path, sset, field, value, words):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    _edit_manifest(path, **{field: value})
    for verify in (True, False):
        with pytest.raises(FormatError, match=words) as err:
            load_skeleton_set(path, verify_hash=verify)
        assert err.value.path == str(manifest_path(path)) and err.value.field == field


def test_manifest_required_field_null(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    _edit_manifest(path, fps=None)
    with pytest.raises(FormatError, match="field missing") as err:
        load_skeleton_set(path)
    assert err.value.field == "fps" and "x.json" in str(err.value)


def test_manifest_layout_alias_is_canonicalised(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    _edit_manifest(path, layout="kinect")
    back = load_skeleton_set(path)  # same meaning, so the hash still matches
    assert back.layout == "ntu25"


def test_layout_alias_canonical_in_the_set(sset):
    s = SkeletonSet(data=sset.data, label=sset.label, name=sset.name,
                    num_frames=sset.num_frames, layout="kinect")
    assert s.layout == "ntu25"
    assert SkeletonSet(data=np.zeros((1, 3, 2, 18, 1)), label=[0], name=["a"], num_frames=[1],
                       layout="openpose").layout == "openpose18"


def test_unknown_layout_in_validate_names_the_file(tmp_path, sset):
    sset.layout = "martian"
    with pytest.raises(UnknownFormatError, match="martian") as err:
        sset.validate(path=tmp_path / "y.npz")
    assert "y.npz" in str(err.value) and err.value.field == "layout"


@pytest.mark.parametrize("fps", [0.0, -5.0, float("nan"), float("inf"), "30"])
def test_validate_requires_positive_finite_fps(sset, fps):
    sset.fps = fps
    with pytest.raises(ValidationError, match="fps") as err:
        sset.validate()
    assert err.value.field == "fps"


def test_unsupported_manifest_version(tmp_path, sset):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    _edit_manifest(path, version=99)
    with pytest.raises(FormatError, match="version 99") as err:
        load_skeleton_set(path)
    assert "x.json" in str(err.value)


# --------------------------------------------------------------------------- content hash


@pytest.mark.parametrize(
    "field, value",
    [
        ("coordinate_frame", "image_pixels"),
        ("fps", 15.0),
        ("class_names", ["a", "b", "z"]),
        ("splits", {"train": ["s0"], "val": ["s2", "s3"]}),
    ],
)
def test_hash_covers_meaningful_metadata(tmp_path, sset, field, value):
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    _edit_manifest(path, **{field: value})
    with pytest.raises(FormatError, match="content hash") as err:
        load_skeleton_set(path)
    assert err.value.field == "content_hash"
    back = load_skeleton_set(path, verify_hash=False)
    assert getattr(back, field) == value


def test_hash_ignores_provenance_and_matches_manifest(tmp_path, sset):
    h = sset.content_hash()
    sset.provenance = {"source": "elsewhere"}
    assert sset.content_hash() == h
    sset.fps = 25.0
    assert sset.content_hash() != h
    path = save_skeleton_set(sset, tmp_path / "x.npz")
    assert json.loads(manifest_path(path).read_text())["content_hash"] == sset.content_hash()
    _edit_manifest(path, provenance={"edited": True})
    assert load_skeleton_set(path).provenance == {"edited": True}


# --------------------------------------------------------------------------- padding, empty, meta


def test_non_zero_padding_is_refused(tmp_path, sset):
    sset.data[2, 1, 10, 4, 0] = 0.5  # num_frames[2] = 9: frames 9.. must be zero
    with pytest.raises(ValidationError, match="padding frame 10") as err:
        save_skeleton_set(sset, tmp_path / "x.npz")
    assert err.value.sample == "s2" and err.value.field == "data"
    assert not list(tmp_path.iterdir())
    sset.validate(check_values=False)  # the scan is part of the value check


def test_first_non_zero_padding_frame_is_named(sset):
    sset.data[2, 0, 11, 0, 0] = 1.0
    sset.data[2, 2, 9, 24, 1] = -1e-30
    with pytest.raises(ValidationError, match="padding frame 9"):
        sset.validate()


def test_padding_check_is_chunked_on_memmaps(tmp_path, sset, monkeypatch):
    import pipeline.skeleton_set as ss

    data = np.array(sset.data)
    data[2, 0, 9, 0, 0] = 2.0  # s2 has num_frames 9: its padding is not zero
    np.save(tmp_path / "d.npy", data)
    mm = np.load(tmp_path / "d.npy", mmap_mode="r")
    monkeypatch.setattr(ss, "_CHUNK_BYTES", mm[0].nbytes)  # one sample per chunk
    seen = []
    real = ss.row_chunks

    def spy(arr, budget):
        for rows in real(arr, budget):
            seen.append(rows)
            yield rows

    monkeypatch.setattr(ss, "row_chunks", spy)
    s = replace(sset, data=mm)
    assert isinstance(s.data, np.memmap)
    with pytest.raises(ValidationError, match="padding frame 9") as err:
        s.validate()
    assert err.value.sample == "s2"
    assert len(seen) == 3 and all(r.stop - r.start == 1 for r in seen)  # stopped at s2


def test_empty_set_is_refused(tmp_path, sset):
    empty = sset.subset(np.array([], dtype=np.int64))
    assert len(empty) == 0
    with pytest.raises(ValidationError, match="no samples"):
        empty.validate()
    with pytest.raises(ValidationError, match="no samples"):
        save_skeleton_set(empty, tmp_path / "x.npz")
    assert not list(tmp_path.iterdir())


def test_object_sample_meta_is_refused(tmp_path, sset):
    sset.sample_meta["tags"] = np.array([{"a": 1}, None, "x", 3], dtype=object)
    with pytest.raises(ValidationError, match="pickling") as err:
        save_skeleton_set(sset, tmp_path / "x.npz")
    assert err.value.field == "meta__tags"
    assert not list(tmp_path.iterdir())


def test_str_and_bool_sample_meta_round_trip(tmp_path, sset):
    sset.sample_meta["who"] = np.array(["ann", "bo", "cy", "di"])
    sset.sample_meta["ok"] = np.array([True, False, True, True])
    back = load_skeleton_set(save_skeleton_set(sset, tmp_path / "x.npz"))
    assert back.sample_meta["who"].tolist() == ["ann", "bo", "cy", "di"]
    assert back.sample_meta["ok"].dtype == np.bool_
