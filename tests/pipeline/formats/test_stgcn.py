"""Tests of the st-gcn interchange format (``{part}_data.npy`` + ``{part}_label.pkl``)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from pipeline.classes import default_class_names
from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    UnsafePickleError,
    ValidationError,
)
from pipeline.formats import read_set, write_set
from pipeline.formats import stgcn
from pipeline.formats.stgcn import read_stgcn, write_stgcn
from pipeline.skeleton_set import SkeletonSet

NUM_FRAMES = [12, 7, 4]
NAMES = ["S001C001P001R001A001", "S001C002P001R001A004", "S002C001P003R002A002"]
LABELS = [0, 3, 1]


def make_array(rng: np.random.Generator, num_joints: int = 25, t: int = 12) -> np.ndarray:
    """``(3, 3, t, V, 2)`` float32: zero padding after ``NUM_FRAMES``, body 1 absent in
    frames 0-1 and 9+ of sample 0 and in all of sample 2."""
    data = rng.normal(0.0, 1.0, size=(3, 3, t, num_joints, 2)).astype(np.float32)
    for n, nf in enumerate(NUM_FRAMES):
        data[n, :, nf:] = 0
    data[0, :, :2, :, 1] = 0
    data[0, :, 9:, :, 1] = 0
    data[2, :, :, :, 1] = 0
    return data


@pytest.fixture
def sset() -> SkeletonSet:
    rng = np.random.default_rng(1234)
    return SkeletonSet(
        data=make_array(rng),
        label=LABELS,
        name=NAMES,
        num_frames=NUM_FRAMES,
        layout="ntu25",
        fps=30.0,
        coordinate_frame="kinect_camera",
        class_names=["drink", "eat", "brush", "wave"],
        provenance={"generator": "test", "seed": 1234},
        splits={"train": NAMES[:2], "val": NAMES[2:]},
        sample_meta={"distance_m": np.array([2.5, 3.0, 3.5])},
    ).validate()


def assert_same(a: SkeletonSet, b: SkeletonSet) -> None:
    assert a.data.dtype == np.float32 and b.data.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(a.data), np.asarray(b.data))
    assert a.name.tolist() == b.name.tolist()
    assert a.label.tolist() == b.label.tolist()
    assert a.num_frames.tolist() == b.num_frames.tolist()
    assert a.layout == b.layout
    assert a.coordinate_frame == b.coordinate_frame
    assert a.fps == b.fps
    assert a.class_names == b.class_names
    assert a.splits == b.splits


def official_pair(folder: Path, data: np.ndarray, names: list[str], labels: list[int],
                  part: str = "train") -> Path:
    """Write a pair the way the official st-gcn tools do (np.save + pickle.dump, no sidecar)."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{part}_data.npy", data)
    with open(folder / f"{part}_label.pkl", "wb") as f:
        pickle.dump((names, list(np.asarray(labels, dtype=np.int64))), f)
    return folder / f"{part}_data.npy"


class _Exploit:
    """Unpickling this runs ``touch <marker>`` (if the unpickler lets it)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: D105
        return (os.system, (f"touch {self.marker}",))


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("mmap", [True, False])
def test_round_trip(sset: SkeletonSet, tmp_path: Path, mmap: bool) -> None:
    paths = write_stgcn(sset, tmp_path, part="xsub_val")
    assert [p.name for p in paths] == ["xsub_val_data.npy", "xsub_val_label.pkl",
                                      "xsub_val_meta.json"]
    assert all(p.is_file() for p in paths)
    back = read_stgcn(paths[0], mmap=mmap)
    assert isinstance(back.data, np.memmap) is mmap
    assert_same(sset, back)
    assert back.provenance["generator"] == "test"
    np.testing.assert_array_equal(back.sample_meta["distance_m"], sset.sample_meta["distance_m"])


def test_memmap_is_not_copied(sset: SkeletonSet, tmp_path: Path) -> None:
    write_stgcn(sset, tmp_path)
    back = read_stgcn(tmp_path)  # a folder with one part
    assert isinstance(back.data, np.memmap)
    assert back.data.filename is not None
    assert Path(back.data.filename).name == "all_data.npy"
    assert not back.data.flags.writeable


def test_written_files_are_what_official_tools_write(sset: SkeletonSet, tmp_path: Path) -> None:
    data_path, label_path, meta_path = write_stgcn(sset, tmp_path, part="train")
    arr = np.load(data_path)
    assert arr.dtype == np.float32 and arr.shape == (3, 3, 12, 25, 2)
    raw = label_path.read_bytes()
    assert raw[:2] == b"\x80\x04"  # protocol 4
    names, labels = pickle.loads(raw)
    assert names == NAMES and labels == LABELS
    assert all(type(x) is int for x in labels) and all(type(s) is str for s in names)
    meta = json.loads(meta_path.read_text())
    assert meta["num_frames"] == NUM_FRAMES and meta["layout"] == "ntu25"


def test_official_pair_without_sidecar_ntu(sset: SkeletonSet, tmp_path: Path) -> None:
    path = official_pair(tmp_path, np.asarray(sset.data), NAMES, LABELS)
    back = read_stgcn(path)
    np.testing.assert_array_equal(np.asarray(back.data), sset.data)
    assert back.layout == "ntu25"
    assert back.coordinate_frame == "kinect_camera"
    assert back.num_frames.tolist() == NUM_FRAMES  # inferred from trailing zero frames
    assert back.label.tolist() == LABELS and back.name.tolist() == NAMES
    assert back.class_names == default_class_names(4, "ntu25")
    assert back.class_names[3] == "brushing hair"
    assert back.fps == 30.0 and back.splits == {}


def test_official_pair_without_sidecar_openpose(tmp_path: Path) -> None:
    data = make_array(np.random.default_rng(7), num_joints=18)
    back = read_stgcn(official_pair(tmp_path, data, NAMES, LABELS), mmap=False,
                      class_names=["a", "b", "c", "d", "e"])
    assert not isinstance(back.data, np.memmap)
    assert back.layout == "openpose18"
    assert back.coordinate_frame == "image_normalized_centered"
    assert back.class_names == ["a", "b", "c", "d", "e"]


def test_official_pair_default_class_names_for_openpose(tmp_path: Path) -> None:
    data = make_array(np.random.default_rng(8), num_joints=18)
    back = read_stgcn(official_pair(tmp_path, data, NAMES, LABELS))
    assert back.class_names == ["class_0", "class_1", "class_2", "class_3"]


def test_label_pickle_with_numpy_label_array(sset: SkeletonSet, tmp_path: Path) -> None:
    np.save(tmp_path / "x_data.npy", sset.data)
    with open(tmp_path / "x_label.pkl", "wb") as f:
        pickle.dump((NAMES, np.asarray(LABELS, dtype=np.int64)), f)
    assert read_stgcn(tmp_path / "x_data.npy").label.tolist() == LABELS


def test_registry_round_trip(sset: SkeletonSet, tmp_path: Path) -> None:
    paths = write_set("stgcn", sset, tmp_path, part="val")
    assert paths[0] == tmp_path / "val_data.npy"
    assert_same(sset, read_set("stgcn", tmp_path, part="val"))
    assert_same(sset, read_set("stgcn", str(paths[0]), mmap=False))


def test_folder_with_several_parts_needs_part(sset: SkeletonSet, tmp_path: Path) -> None:
    write_stgcn(sset, tmp_path, part="train")
    write_stgcn(sset, tmp_path, part="val")
    with pytest.raises(FormatError, match="several parts"):
        read_stgcn(tmp_path)
    assert read_stgcn(tmp_path, part="val").name.tolist() == NAMES


# --------------------------------------------------------------------------- bad input


def test_label_count_disagrees_with_data(sset: SkeletonSet, tmp_path: Path) -> None:
    path = official_pair(tmp_path, np.asarray(sset.data), NAMES[:2], LABELS[:2])
    with pytest.raises(LabelMismatchError) as err:
        read_stgcn(path)
    msg = str(err.value)
    assert "train_label.pkl" in msg and "train_data.npy" in msg
    assert "2 labels" in msg and "3 samples" in msg


def test_label_names_and_labels_differ_in_length(sset: SkeletonSet, tmp_path: Path) -> None:
    path = official_pair(tmp_path, np.asarray(sset.data), NAMES, LABELS)
    with open(tmp_path / "train_label.pkl", "wb") as f:
        pickle.dump((NAMES, LABELS[:2]), f)
    with pytest.raises(LabelMismatchError, match="3 sample names but 2 labels") as err:
        read_stgcn(path)
    assert "train_label.pkl" in str(err.value)


@pytest.mark.parametrize("payload", [{"names": NAMES}, (NAMES,), (NAMES, LABELS, LABELS),
                                     (NAMES, [0.5, 1.0, 2.0]), ([1, 2, 3], LABELS)])
def test_label_pickle_of_wrong_structure(sset: SkeletonSet, tmp_path: Path, payload) -> None:
    path = official_pair(tmp_path, np.asarray(sset.data), NAMES, LABELS)
    (tmp_path / "train_label.pkl").write_bytes(pickle.dumps(payload))
    with pytest.raises(FormatError) as err:
        read_stgcn(path)
    assert "train_label.pkl" in str(err.value)


def test_malicious_label_pickle_is_refused(sset: SkeletonSet, tmp_path: Path) -> None:
    path = official_pair(tmp_path, np.asarray(sset.data), NAMES, LABELS)
    marker = tmp_path / "pwned"
    (tmp_path / "train_label.pkl").write_bytes(pickle.dumps((NAMES, _Exploit(marker))))
    with pytest.raises(UnsafePickleError) as err:
        read_stgcn(path)
    assert "train_label.pkl" in str(err.value)
    assert "system" in str(err.value)
    assert not marker.exists()


def test_missing_label_file(sset: SkeletonSet, tmp_path: Path) -> None:
    np.save(tmp_path / "val_data.npy", sset.data)
    with pytest.raises(MissingInputError) as err:
        read_stgcn(tmp_path / "val_data.npy")
    assert str(tmp_path / "val_label.pkl") in str(err.value)


def test_nan_coordinates(sset: SkeletonSet, tmp_path: Path) -> None:
    data = np.array(sset.data)
    data[1, 2, 3, 4, 0] = np.nan
    path = official_pair(tmp_path, data, NAMES, LABELS)
    with pytest.raises(ValidationError) as err:
        read_stgcn(path)
    msg = str(err.value)
    assert "train_data.npy" in msg and NAMES[1] in msg and "non-finite" in msg
    # opting out of the value scan reads the file
    assert read_stgcn(path, check_values=False).name.tolist() == NAMES


def test_wrong_joint_count_without_layout(tmp_path: Path) -> None:
    data = make_array(np.random.default_rng(3), num_joints=20)
    path = official_pair(tmp_path, data, NAMES, LABELS)
    with pytest.raises(ValidationError, match="wrong joint count") as err:
        read_stgcn(path)
    assert "train_data.npy" in str(err.value)


def test_wrong_joint_count_for_given_layout(tmp_path: Path) -> None:
    data = make_array(np.random.default_rng(3), num_joints=18)
    path = official_pair(tmp_path, data, NAMES, LABELS)
    with pytest.raises(ValidationError, match="wrong joint count") as err:
        read_stgcn(path, layout="ntu25")
    assert "train_data.npy" in str(err.value)


def test_zero_frame_sample(sset: SkeletonSet, tmp_path: Path) -> None:
    data = np.array(sset.data)
    data[2] = 0
    path = official_pair(tmp_path, data, NAMES, LABELS)
    with pytest.raises(ValidationError, match="zero-frame") as err:
        read_stgcn(path)
    assert NAMES[2] in str(err.value) and "train_data.npy" in str(err.value)


def test_not_a_npy_file(sset: SkeletonSet, tmp_path: Path) -> None:
    official_pair(tmp_path, np.asarray(sset.data), NAMES, LABELS)
    (tmp_path / "train_data.npy").write_bytes(b"not an array")
    with pytest.raises(FormatError) as err:
        read_stgcn(tmp_path / "train_data.npy")
    assert "train_data.npy" in str(err.value)


def test_stale_sidecar_is_refused(sset: SkeletonSet, tmp_path: Path) -> None:
    write_stgcn(sset, tmp_path, part="train")
    official_pair(tmp_path, np.asarray(sset.data), ["a", "b", "c"], LABELS)  # overwrite pair
    with pytest.raises(LabelMismatchError, match="stale") as err:
        read_stgcn(tmp_path / "train_data.npy")
    assert "train_meta.json" in str(err.value)


# --------------------------------------------------------------------------- atomic writes


def _left_over(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_failed_write_leaves_nothing(sset: SkeletonSet, tmp_path: Path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(stgcn, "_write_labels", boom)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        write_stgcn(sset, out)
    assert _left_over(out) == []


def test_failed_overwrite_keeps_old_files(sset: SkeletonSet, tmp_path: Path, monkeypatch) -> None:
    paths = write_stgcn(sset, tmp_path)
    before = {p.name: p.read_bytes() for p in paths}

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(stgcn, "_write_meta", boom)
    with pytest.raises(OSError):
        write_stgcn(sset.subset([0, 1]), tmp_path)
    assert {p.name: p.read_bytes() for p in paths} == before
    assert _left_over(tmp_path) == sorted(before)


# --------------------------------------------------------------------------- sidecar fields


def _edit_sidecar(path: Path, **changes) -> None:
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("fps", "abc", "fps must be a number"),
        ("fps", -5, "fps must be finite and > 0"),
        ("layout", ["ntu25"], "layout name must be a str"),
        ("layout", "martian", "unknown layout 'martian'"),
        ("coordinate_frame", "world", "unknown coordinate frame"),
        ("class_names", "abc", "class_names must be a list of str"),
        ("splits", ["train"], "splits must map names"),
        ("provenance", [1], "provenance must be an object"),
        ("num_frames", [12, "7", 4], "entry 1"),
    ],
)
def test_sidecar_field_of_wrong_type(sset: SkeletonSet, tmp_path: Path, field: str, value,
                                     words: str) -> None:
    data_path, _, meta_path = write_stgcn(sset, tmp_path)
    _edit_sidecar(meta_path, **{field: value})
    with pytest.raises(FormatError, match=words) as err:
        read_stgcn(data_path)
    assert err.value.path == str(meta_path) and err.value.field == field


def test_sidecar_num_frames_count(sset: SkeletonSet, tmp_path: Path) -> None:
    data_path, _, meta_path = write_stgcn(sset, tmp_path)
    _edit_sidecar(meta_path, num_frames=[12, 7])
    with pytest.raises(LabelMismatchError, match="2 entries for 3 samples") as err:
        read_stgcn(data_path)
    assert "all_meta.json" in str(err.value)


def test_sidecar_layout_alias(sset: SkeletonSet, tmp_path: Path, caplog) -> None:
    data_path, _, meta_path = write_stgcn(sset, tmp_path)
    _edit_sidecar(meta_path, layout="kinect")
    with caplog.at_level("WARNING", logger="pipeline.formats.stgcn"):
        back = read_stgcn(data_path, layout="ntu-rgb+d")
    assert back.layout == "ntu25"
    assert "overrides" not in caplog.text  # the same layout under two names


@pytest.mark.parametrize("spec, words", [
    ({"dtype": "|O", "data": [1, 2, 3]}, "not allowed"),
    ({"dtype": "<M8[s]", "data": [1, 2, 3]}, "not allowed"),
    ({"dtype": "no-such-type", "data": [1, 2, 3]}, "unknown dtype"),
    ({"dtype": 5, "data": [1, 2, 3]}, "dtype must be a str"),
    ({"data": [1, 2, 3]}, "dtype and data"),
    ([1, 2, 3], "dtype and data"),
    ({"dtype": "<i8", "data": [1, [2], 3]}, "unreadable"),
    ({"dtype": "<i8", "data": [1, 2, 10**30]}, "unreadable"),
])
def test_sidecar_sample_meta_is_checked(sset: SkeletonSet, tmp_path: Path, spec,
                                        words: str) -> None:
    data_path, _, meta_path = write_stgcn(sset, tmp_path)
    _edit_sidecar(meta_path, sample_meta={"tags": spec})
    with pytest.raises(FormatError, match=words) as err:
        read_stgcn(data_path)
    assert err.value.path == str(meta_path) and err.value.field == "sample_meta.tags"


def test_sidecar_num_frames_with_non_zero_padding(sset: SkeletonSet, tmp_path: Path) -> None:
    data_path, _, meta_path = write_stgcn(sset, tmp_path)
    _edit_sidecar(meta_path, num_frames=[12, 5, 4])  # sample 1 really has 7 frames
    with pytest.raises(ValidationError, match="padding frame 5") as err:
        read_stgcn(data_path)
    assert err.value.sample == NAMES[1] and "all_data.npy" in str(err.value)


def test_label_pickle_with_0d_label_array(sset: SkeletonSet, tmp_path: Path) -> None:
    path = official_pair(tmp_path, np.asarray(sset.data), NAMES, LABELS)
    (tmp_path / "train_label.pkl").write_bytes(pickle.dumps((NAMES, np.array(3))))
    with pytest.raises(FormatError, match="1-d") as err:
        read_stgcn(path)
    assert "train_label.pkl" in str(err.value)


@pytest.mark.parametrize("part", ["", "a/b", "..", "x\x00y"])
def test_invalid_part_name(sset: SkeletonSet, tmp_path: Path, part: str) -> None:
    with pytest.raises(ValidationError, match="invalid part name"):
        write_stgcn(sset, tmp_path, part=part)
    assert not any(tmp_path.iterdir())
