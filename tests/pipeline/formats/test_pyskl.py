"""Tests of the pyskl / mmaction2 annotation pickle format."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.classes import default_class_names
from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    UnsafePickleError,
    ValidationError,
)
from pipeline.formats import pyskl, read_set, write_set
from pipeline.formats.pyskl import read_pyskl, write_pyskl
from pipeline.skeleton_set import SkeletonSet

NAMES = ["S001C001P001R001A001", "S001C002P002R001A002", "S002C003P003R002A050"]
NUM_FRAMES = [12, 7, 4]


def make_data(rng: np.random.Generator, v: int, two_d: bool) -> np.ndarray:
    """``(3, 3, 12, V, 2)`` float32: T = max num_frames, zero padding; body 1 absent in
    frames 0-1 of sample 0 and in all of sample 2 (a trailing slot, as pyskl stores it)."""
    data = rng.normal(0.0, 1.0, size=(3, 3, 12, v, 2)).astype(np.float32)
    if two_d:
        data[:, 0:2] = rng.uniform(0, 640, size=(3, 2, 12, v, 2))
        data[:, 2] = rng.uniform(0.1, 1.0, size=(3, 12, v, 2))
    for n, nf in enumerate(NUM_FRAMES):
        data[n, :, nf:] = 0
    data[0, :, :2, :, 1] = 0
    data[2, :, :, :, 1] = 0
    return data


@pytest.fixture
def set3d() -> SkeletonSet:
    return SkeletonSet(
        data=make_data(np.random.default_rng(11), 25, False), label=[0, 1, 49], name=NAMES,
        num_frames=NUM_FRAMES, layout="ntu25", coordinate_frame="kinect_camera",
        class_names=default_class_names(60, "ntu25"),
        splits={"xsub_train": NAMES[:2], "xsub_val": NAMES[2:], "xview_train": [NAMES[1]]},
    ).validate()


@pytest.fixture
def set2d() -> SkeletonSet:
    return SkeletonSet(
        data=make_data(np.random.default_rng(12), 17, True), label=[2, 0, 1], name=NAMES,
        num_frames=NUM_FRAMES, layout="coco17", coordinate_frame="image_pixels",
        class_names=["a", "b", "c"], splits={"train": NAMES[:2], "val": NAMES[2:]},
        sample_meta={"img_shape": np.array([[480, 640], [1080, 1920], [480, 640]])},
    ).validate()


def assert_same(a: SkeletonSet, b: SkeletonSet) -> None:
    np.testing.assert_array_equal(a.data, b.data)
    assert a.data.dtype == b.data.dtype == np.float32
    assert a.name.tolist() == b.name.tolist()
    assert a.label.tolist() == b.label.tolist()
    assert a.num_frames.tolist() == b.num_frames.tolist()
    assert a.splits == b.splits
    assert a.class_names == b.class_names
    assert (a.layout, a.coordinate_frame, a.fps) == (b.layout, b.coordinate_frame, b.fps)


def annotation(name: str, t: int, m: int = 1, v: int = 17, c: int = 2, label: int = 0,
               seed: int = 0) -> dict[str, Any]:
    """A pyskl annotation as the official files hold it."""
    rng = np.random.default_rng(seed)
    ann: dict[str, Any] = {"frame_dir": name, "label": label, "total_frames": t,
                           "keypoint": rng.uniform(1, 100, (m, t, v, c)).astype(np.float32)}
    if c == 2:
        ann["keypoint_score"] = rng.uniform(0.1, 1, (m, t, v)).astype(np.float32)
        ann["img_shape"] = ann["original_shape"] = (480, 640)
    return ann


def dump(path: Path, obj: Any) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=4))
    return path


class _Exploit:
    """Unpickling this runs ``touch <marker>`` (if the unpickler lets it)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: D105
        return (os.system, (f"touch {self.marker}",))


# --------------------------------------------------------------------------- round trips


def test_round_trip_3d(set3d: SkeletonSet, tmp_path: Path) -> None:
    out = tmp_path / "ntu60_3danno.pkl"
    assert write_pyskl(set3d, out) == [out]
    back = read_pyskl(out)
    assert_same(set3d, back)
    assert back.sample_meta == {}


def test_round_trip_2d(set2d: SkeletonSet, tmp_path: Path) -> None:
    out = tmp_path / "hrnet.pkl"
    write_pyskl(set2d, out)
    back = read_pyskl(out)
    assert_same(set2d, back)
    np.testing.assert_array_equal(back.sample_meta["img_shape"], set2d.sample_meta["img_shape"])
    assert back.sample_meta["img_shape"].dtype == np.int64


def test_written_annotations_follow_pyskl(set2d: SkeletonSet, set3d: SkeletonSet,
                                          tmp_path: Path) -> None:
    write_pyskl(set3d, tmp_path / "a.pkl")
    obj = pickle.loads((tmp_path / "a.pkl").read_bytes())
    assert obj["split"] == set3d.splits
    anns = obj["annotations"]
    assert [a["frame_dir"] for a in anns] == NAMES
    assert [a["keypoint"].shape for a in anns] == [(2, 12, 25, 3), (2, 7, 25, 3), (1, 4, 25, 3)]
    assert all(a["keypoint"].dtype == np.float32 for a in anns)
    assert all(type(a["label"]) is int and type(a["total_frames"]) is int for a in anns)
    assert "keypoint_score" not in anns[0] and "img_shape" not in anns[0]
    np.testing.assert_array_equal(anns[1]["keypoint"][0, :, :, 2], set3d.data[1, 2, :7, :, 0])

    write_pyskl(set2d, tmp_path / "b.pkl")
    anns = pickle.loads((tmp_path / "b.pkl").read_bytes())["annotations"]
    assert anns[0]["keypoint"].shape == (2, 12, 17, 2)
    assert anns[0]["keypoint_score"].shape == (2, 12, 17)
    assert anns[1]["img_shape"] == (1080, 1920)
    np.testing.assert_array_equal(anns[2]["keypoint_score"][0], set2d.data[2, 2, :4, :, 0])


def test_registry_round_trip(set3d: SkeletonSet, tmp_path: Path) -> None:
    paths = write_set("pyskl", set3d, tmp_path / "x.pkl")
    assert_same(set3d, read_set("pyskl", paths[0]))


def test_official_file_without_ciasa_entry(tmp_path: Path) -> None:
    anns = [annotation("v1", 5, m=3, v=18, label=2, seed=1),
            annotation("v2", 8, m=1, v=18, label=0, seed=2)]
    path = dump(tmp_path / "k.pkl", {"split": {"train": ["v1"], "val": ["v2"]},
                                     "annotations": anns})
    s = read_pyskl(path, max_bodies=2)
    assert s.layout == "openpose18" and s.coordinate_frame == "image_pixels"
    assert s.shape == (2, 3, 8, 18, 2)
    assert s.num_frames.tolist() == [5, 8]
    assert s.class_names == ["class_0", "class_1", "class_2"]
    assert s.splits == {"train": ["v1"], "val": ["v2"]}
    # first two bodies kept in file order; x, y, score channels
    kp, sc = anns[0]["keypoint"], anns[0]["keypoint_score"]
    np.testing.assert_array_equal(s.data[0, 0:2, :5], kp[:2].transpose(3, 1, 2, 0))
    np.testing.assert_array_equal(s.data[0, 2, :5], sc[:2].transpose(1, 2, 0))
    assert not s.data[0, :, 5:].any() and not s.data[1, :, :, :, 1].any()
    np.testing.assert_array_equal(s.sample_meta["original_shape"], [[480, 640], [480, 640]])


def test_official_3d_file_and_class_names_argument(tmp_path: Path) -> None:
    anns = [annotation("a", 4, m=2, v=25, c=3, label=1, seed=3)]
    path = dump(tmp_path / "n.pkl", {"split": {}, "annotations": anns})
    s = read_pyskl(path, class_names=["x", "y"])
    assert s.layout == "ntu25" and s.coordinate_frame == "kinect_camera"
    assert s.class_names == ["x", "y"]
    np.testing.assert_array_equal(s.data[0], anns[0]["keypoint"].transpose(3, 1, 2, 0))


# --------------------------------------------------------------------------- bad input


def test_malicious_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = dump(tmp_path / "evil.pkl", {"split": {}, "annotations": [_Exploit(marker)]})
    with pytest.raises(UnsafePickleError) as err:
        read_pyskl(path)
    assert "evil.pkl" in str(err.value)
    assert not marker.exists()


def test_not_a_dict(tmp_path: Path) -> None:
    path = dump(tmp_path / "list.pkl", [annotation("a", 3)])
    with pytest.raises(FormatError, match="expected a dict") as err:
        read_pyskl(path)
    assert "list.pkl" in str(err.value)


def test_missing_annotations_key(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}}))
    assert "x.pkl" in str(err.value) and "field annotations" in str(err.value)


@pytest.mark.parametrize("key", ["keypoint", "keypoint_score", "total_frames", "label"])
def test_annotation_missing_field(tmp_path: Path, key: str) -> None:
    bad = annotation("clip_7", 3)
    del bad[key]
    path = dump(tmp_path / "x.pkl", {"split": {}, "annotations": [annotation("ok", 3), bad]})
    with pytest.raises(FormatError) as err:
        read_pyskl(path)
    msg = str(err.value)
    assert "x.pkl" in msg and "sample clip_7" in msg and f"field {key}" in msg


def test_keypoint_frames_disagree_with_total_frames(tmp_path: Path) -> None:
    bad = annotation("clip_t", 5)
    bad["total_frames"] = 6
    with pytest.raises(ValidationError, match="total_frames=6") as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": [bad]}))
    assert "clip_t" in str(err.value) and "x.pkl" in str(err.value)


def test_wrong_joint_count(tmp_path: Path) -> None:
    anns = [annotation("a", 3, v=17), annotation("b", 3, v=18)]
    with pytest.raises(ValidationError, match="mixed") as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": anns}))
    assert "sample b" in str(err.value) and "x.pkl" in str(err.value)
    with pytest.raises(ValidationError, match="V=20") as err:
        read_pyskl(dump(tmp_path / "y.pkl",
                        {"split": {}, "annotations": [annotation("c", 3, v=20)]}))
    assert "y.pkl" in str(err.value)


def test_mixed_dimensions(tmp_path: Path) -> None:
    anns = [annotation("a", 3, v=25, c=3), annotation("b", 3, v=25, c=2)]
    with pytest.raises(ValidationError, match="mixed"):
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": anns}))


def test_score_shape_disagrees(tmp_path: Path) -> None:
    bad = annotation("s", 3)
    bad["keypoint_score"] = bad["keypoint_score"][:, :2]
    with pytest.raises(ValidationError, match="keypoint_score") as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": [bad]}))
    assert "sample s" in str(err.value)


def test_nan_coordinates(tmp_path: Path) -> None:
    bad = annotation("clip_nan", 4, v=25, c=3)
    bad["keypoint"][0, 2, 3, 1] = np.nan
    with pytest.raises(ValidationError, match="non-finite") as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": [bad]}))
    assert "clip_nan" in str(err.value) and "x.pkl" in str(err.value)


def test_zero_frame_sample(tmp_path: Path) -> None:
    bad = annotation("clip_0", 0)
    with pytest.raises(ValidationError, match="zero-frame") as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": [bad]}))
    assert "clip_0" in str(err.value)


def test_split_names_unknown_sample(tmp_path: Path) -> None:
    obj = {"split": {"train": ["a", "ghost"]}, "annotations": [annotation("a", 3)]}
    with pytest.raises(LabelMismatchError) as err:
        read_pyskl(dump(tmp_path / "x.pkl", obj))
    assert "ghost" in str(err.value) and "train" in str(err.value)


def test_writer_needs_pkl_path(set3d: SkeletonSet, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"\.pkl"):
        write_pyskl(set3d, tmp_path / "out.npz")


# --------------------------------------------------------------------------- atomic writes


def test_failed_write_leaves_nothing(set3d: SkeletonSet, tmp_path: Path, monkeypatch) -> None:
    def half_then_fail(path: Path, obj: Any) -> None:
        path.write_bytes(pickle.dumps(obj)[:100])  # a partial file...
        raise OSError("disk full")  # ...then the failure

    monkeypatch.setattr(pyskl, "_dump", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_pyskl(set3d, tmp_path / "out.pkl")
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_old_file(set3d: SkeletonSet, tmp_path: Path,
                                         monkeypatch) -> None:
    out = tmp_path / "out.pkl"
    write_pyskl(set3d, out)
    before = out.read_bytes()

    def fail(path: Path, obj: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pyskl, "_dump", fail)
    with pytest.raises(OSError):
        write_pyskl(set3d.subset([0]), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.pkl"]


# --------------------------------------------------------------------------- the ciasa entry


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("fps", "abc", "fps must be a number"),
        ("fps", -5.0, "fps must be finite and > 0"),
        ("fps", float("nan"), "fps must be finite and > 0"),
        ("layout", ["ntu25"], "layout name must be a str"),
        ("layout", "martian", "unknown layout 'martian'"),
        ("coordinate_frame", "world", "unknown coordinate frame"),
        ("class_names", "abc", "class_names must be a list of str"),
    ],
)
def test_ciasa_entry_field_of_wrong_type(set3d: SkeletonSet, tmp_path: Path, field: str,
                                         value: Any, words: str) -> None:
    out = tmp_path / "x.pkl"
    write_pyskl(set3d, out)
    obj = pickle.loads(out.read_bytes())
    obj["ciasa"][field] = value
    dump(out, obj)
    with pytest.raises(FormatError, match=words) as err:
        read_pyskl(out)
    assert err.value.path == str(out) and err.value.field == f"ciasa.{field}"


def test_ciasa_entry_not_a_dict(tmp_path: Path) -> None:
    path = dump(tmp_path / "x.pkl", {"split": {}, "annotations": [annotation("a", 3)],
                                     "ciasa": ["ntu25"]})
    with pytest.raises(FormatError, match="must be an object") as err:
        read_pyskl(path)
    assert err.value.field == "ciasa" and "x.pkl" in str(err.value)


def test_ciasa_entry_layout_alias(set3d: SkeletonSet, tmp_path: Path) -> None:
    out = tmp_path / "x.pkl"
    write_pyskl(set3d, out)
    obj = pickle.loads(out.read_bytes())
    obj["ciasa"]["layout"] = "kinect"
    obj["ciasa"]["fps"] = 25  # an int is a number too
    dump(out, obj)
    back = read_pyskl(out)
    assert back.layout == "ntu25" and back.fps == 25.0


def test_zero_d_arrays_where_lists_belong(tmp_path: Path) -> None:
    bad = annotation("clip_s", 3)
    bad["img_shape"] = np.array(480)
    with pytest.raises(FormatError, match="height, width") as err:
        read_pyskl(dump(tmp_path / "x.pkl", {"split": {}, "annotations": [bad]}))
    assert "x.pkl" in str(err.value) and "sample clip_s" in str(err.value)
    obj = {"split": {"train": np.array("a")}, "annotations": [annotation("a", 3)]}
    with pytest.raises(FormatError, match="must map a name to a list") as err:
        read_pyskl(dump(tmp_path / "y.pkl", obj))
    assert "y.pkl" in str(err.value)
