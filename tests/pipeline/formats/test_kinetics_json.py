"""Tests of the Kinetics-skeleton JSON format (st-gcn feeder semantics)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    ValidationError,
)
from pipeline.formats import kinetics_json, read_set, write_set
from pipeline.formats.kinetics_json import read_kinetics_json, write_kinetics_json
from pipeline.skeleton_set import SkeletonSet

NAMES = ["vid_a", "vid_b", "vid_c"]
NUM_FRAMES = [10, 6, 3]
CLASSES = ["abseiling", "air drumming", "answering questions"]


@pytest.fixture
def sset() -> SkeletonSet:
    """openpose18, T=10, M=2; body 0 always scores higher than body 1 (already sorted);
    body 1 absent in frames 0-2 of sample 0 and in all of sample 2; joint 4 of body 0
    undetected (score 0, x = y = 0) in frame 1 of sample 1."""
    rng = np.random.default_rng(2024)
    n, t, v, m = 3, 10, 18, 2
    data = np.zeros((n, 3, t, v, m), dtype=np.float32)
    data[:, 0:2] = rng.uniform(-0.5, 0.5, size=(n, 2, t, v, m))
    data[:, 2, :, :, 0] = rng.uniform(0.6, 1.0, size=(n, t, v))
    data[:, 2, :, :, 1] = rng.uniform(0.05, 0.5, size=(n, t, v))
    for i, nf in enumerate(NUM_FRAMES):
        data[i, :, nf:] = 0
    data[0, :, :3, :, 1] = 0
    data[2, :, :, :, 1] = 0
    data[1, :, 1, 4, 0] = 0
    return SkeletonSet(
        data=data, label=[2, 0, 1], name=NAMES, num_frames=NUM_FRAMES, layout="openpose18",
        fps=30.0, coordinate_frame="image_normalized_centered", class_names=CLASSES,
    ).validate()


def person(xy: list[tuple[float, float]], score: list[float]) -> dict[str, Any]:
    return {"pose": [c for p in xy for c in p], "score": score}


def write_video(folder: Path, vid: str, frames: list[dict[str, Any]], label_index: int = 0,
                label: str = "abseiling") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{vid}.json"
    path.write_text(json.dumps({"data": frames, "label": label, "label_index": label_index}))
    return path


def write_labels(folder: Path, entries: dict[str, tuple[bool, str, int]]) -> Path:
    path = folder.parent / f"{folder.name}_label.json"
    path.write_text(json.dumps({k: {"has_skeleton": h, "label": lab, "label_index": i}
                                for k, (h, lab, i) in entries.items()}))
    return path


def simple_frames(num: int = 2) -> list[dict[str, Any]]:
    return [{"frame_index": t, "skeleton": [person([(0.5, 0.5)] * 18, [0.9] * 18)]}
            for t in range(num)]


@pytest.fixture
def one_video(tmp_path: Path) -> Path:
    folder = tmp_path / "kinetics_val"
    write_video(folder, "good", simple_frames())
    write_labels(folder, {"good": (True, "abseiling", 0)})
    return folder


# --------------------------------------------------------------------------- feeder semantics


def test_feeder_semantics_value_by_value(tmp_path: Path) -> None:
    folder = tmp_path / "kinetics_val"
    low, high, mid = 0.2, 0.9, 0.5
    xy_a = [(0.10 + 0.01 * j, 0.20) for j in range(18)]
    xy_b = [(0.70, 0.30 + 0.01 * j) for j in range(18)]
    xy_c = [(0.40, 0.60)] * 18
    score_c = [mid] * 18
    score_c[3] = 0.0  # joint 3 of person C undetected
    frames = [
        {"frame_index": 0, "skeleton": [person(xy_a, [low] * 18), person(xy_b, [high] * 18),
                                        person(xy_c, score_c)]},
        {"frame_index": 1, "skeleton": [person(xy_c, score_c)]},
    ]
    write_video(folder, "v1", frames, label_index=1, label="air drumming")
    write_labels(folder, {"v1": (True, "air drumming", 1)})

    s = read_kinetics_json(folder, max_frames=4)
    assert s.shape == (1, 3, 4, 18, 2)
    assert s.num_frames.tolist() == [2]
    assert s.layout == "openpose18" and s.coordinate_frame == "image_normalized_centered"
    assert s.fps == 30.0
    assert s.class_names == ["class_0", "air drumming"]
    d = s.data[0]
    f32 = np.float32
    # frame 0: B (0.9) first, then C (0.5); A (0.2) dropped
    np.testing.assert_array_equal(d[0, 0, :, 0], f32(0.70 - 0.5))
    np.testing.assert_array_equal(d[1, 0, :, 0], [f32(0.30 + 0.01 * j - 0.5) for j in range(18)])
    np.testing.assert_array_equal(d[2, 0, :, 0], f32(high))
    exp_x_c = np.full(18, f32(0.40 - 0.5))
    exp_y_c = np.full(18, f32(0.60 - 0.5))
    exp_x_c[3] = exp_y_c[3] = 0.0  # zeroed where score == 0
    np.testing.assert_array_equal(d[0, 0, :, 1], exp_x_c)
    np.testing.assert_array_equal(d[1, 0, :, 1], exp_y_c)
    np.testing.assert_array_equal(d[2, 0, :, 1], np.float32(score_c))
    # frame 1: C alone in slot 0, slot 1 empty
    np.testing.assert_array_equal(d[0, 1, :, 0], exp_x_c)
    np.testing.assert_array_equal(d[2, 1, :, 0], np.float32(score_c))
    assert not d[:, 1, :, 1].any()
    # frames 2, 3 are padding
    assert not d[:, 2:].any()
    # A never appears
    assert not np.isclose(d[0], f32(0.10 - 0.5)).any()


def test_ties_keep_file_order_and_person_limit(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    people = [person([(0.1 * (k + 1), 0.5)] * 18, [0.5] * 18) for k in range(6)]
    write_video(folder, "v", [{"frame_index": 0, "skeleton": people}])
    write_labels(folder, {"v": (True, "abseiling", 0)})
    s = read_kinetics_json(folder, max_frames=2, num_person_in=5, num_person_out=3)
    assert s.shape[-1] == 3
    np.testing.assert_allclose(s.data[0, 0, 0, 0, :], np.float32([0.1, 0.2, 0.3]) - 0.5,
                               rtol=0, atol=1e-7)


def test_empty_videos_are_skipped_and_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "kinetics_train"
    write_video(folder, "a", simple_frames())
    write_video(folder, "b", [])
    write_labels(folder, {"a": (True, "abseiling", 0), "b": (False, "air drumming", 1)})
    s = read_kinetics_json(folder)
    assert s.name.tolist() == ["a"]
    assert s.provenance["skipped"] == ["b"]
    assert s.class_names == ["abseiling", "air drumming"]
    assert s.shape == (1, 3, 300, 18, 2)


def test_labels_argument_overrides_default(tmp_path: Path) -> None:
    folder = tmp_path / "videos"
    write_video(folder, "a", simple_frames())
    other = tmp_path / "elsewhere.json"
    other.write_text(json.dumps({"a": {"has_skeleton": True, "label": "x", "label_index": 0}}))
    s = read_kinetics_json(folder, labels=other)
    assert s.class_names == ["x"] and s.provenance["labels"] == str(other)


# --------------------------------------------------------------------------- round trips


def assert_same(a: SkeletonSet, b: SkeletonSet) -> None:
    np.testing.assert_array_equal(a.data, b.data)
    assert a.name.tolist() == b.name.tolist()
    assert a.label.tolist() == b.label.tolist()
    assert a.num_frames.tolist() == b.num_frames.tolist()
    assert a.class_names == b.class_names
    assert (a.layout, a.coordinate_frame) == (b.layout, b.coordinate_frame)


def test_round_trip(sset: SkeletonSet, tmp_path: Path) -> None:
    paths = write_kinetics_json(sset, tmp_path, part="kinetics_val")
    assert paths[-1] == tmp_path / "kinetics_val_label.json"
    assert [p.name for p in paths[:-1]] == [f"{n}.json" for n in NAMES]
    back = read_kinetics_json(tmp_path / "kinetics_val", max_frames=10)
    assert_same(sset, back)


def test_written_json_is_official_layout(sset: SkeletonSet, tmp_path: Path) -> None:
    write_kinetics_json(sset, tmp_path)
    video = json.loads((tmp_path / "all" / "vid_c.json").read_text())
    assert video["label"] == "air drumming" and video["label_index"] == 1
    assert [f["frame_index"] for f in video["data"]] == [0, 1, 2]
    frame = video["data"][0]
    assert len(frame["skeleton"]) == 1  # body 1 absent in sample 2
    pose = frame["skeleton"][0]["pose"]
    assert len(pose) == 36 and len(frame["skeleton"][0]["score"]) == 18
    assert pose[0] == float(np.float64(sset.data[2, 0, 0, 0, 0]) + 0.5)
    assert all(0.0 <= c <= 1.0 for c in pose)
    labels = json.loads((tmp_path / "all_label.json").read_text())
    assert labels["vid_a"] == {"has_skeleton": True, "label": "answering questions",
                               "label_index": 2}


def test_registry_round_trip(sset: SkeletonSet, tmp_path: Path) -> None:
    write_set("kinetics-json", sset, tmp_path, part="train")
    assert_same(sset, read_set("kinetics-json", tmp_path / "train", max_frames=10))


def test_writer_refuses_other_layouts(sset: SkeletonSet, tmp_path: Path) -> None:
    ntu = SkeletonSet(data=np.ones((1, 3, 2, 25, 1), np.float32), label=[0], name=["x"],
                      num_frames=[2], layout="ntu25", class_names=["a"])
    with pytest.raises(ValidationError, match="openpose18"):
        write_kinetics_json(ntu, tmp_path)
    assert not any(tmp_path.iterdir())


def test_writer_refuses_folder_with_foreign_videos(sset: SkeletonSet, tmp_path: Path) -> None:
    write_video(tmp_path / "all", "stranger", simple_frames())
    with pytest.raises(ValidationError, match="stranger.json"):
        write_kinetics_json(sset, tmp_path)


# --------------------------------------------------------------------------- bad input


def test_missing_label_json(tmp_path: Path) -> None:
    folder = tmp_path / "kinetics_val"
    write_video(folder, "a", simple_frames())
    with pytest.raises(MissingInputError) as err:
        read_kinetics_json(folder)
    assert str(tmp_path / "kinetics_val_label.json") in str(err.value)


def test_invalid_json(one_video: Path) -> None:
    (one_video / "good.json").write_text('{"data": [')
    with pytest.raises(FormatError, match="not valid JSON") as err:
        read_kinetics_json(one_video)
    assert "good.json" in str(err.value)


def test_invalid_label_json(one_video: Path) -> None:
    label_path = one_video.parent / "kinetics_val_label.json"
    label_path.write_text("{nope")
    with pytest.raises(FormatError, match="not valid JSON") as err:
        read_kinetics_json(one_video)
    assert "kinetics_val_label.json" in str(err.value)


def test_label_entry_missing_key(one_video: Path) -> None:
    label_path = one_video.parent / "kinetics_val_label.json"
    label_path.write_text(json.dumps({"good": {"has_skeleton": True, "label": "x"}}))
    with pytest.raises(FormatError) as err:
        read_kinetics_json(one_video)
    assert "kinetics_val_label.json" in str(err.value) and "label_index" in str(err.value)


def test_video_missing_data_key(one_video: Path) -> None:
    (one_video / "good.json").write_text(json.dumps({"label_index": 0}))
    with pytest.raises(FormatError) as err:
        read_kinetics_json(one_video)
    assert "good.json" in str(err.value) and "field data" in str(err.value)


@pytest.mark.parametrize("field,length", [("pose", 34), ("score", 17)])
def test_wrong_joint_count(tmp_path: Path, field: str, length: int) -> None:
    folder = tmp_path / "k"
    frames = simple_frames(3)
    frames[2]["skeleton"][0][field] = [0.5] * length
    write_video(folder, "bad", frames)
    write_labels(folder, {"bad": (True, "abseiling", 0)})
    with pytest.raises(FormatError, match="wrong joint count") as err:
        read_kinetics_json(folder)
    msg = str(err.value)
    assert "bad.json" in msg and "frame_index 2" in msg and field in msg


def test_nan_coordinates(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    frames = simple_frames(2)
    frames[1]["skeleton"][0]["pose"][5] = float("nan")  # json.dumps writes NaN
    write_video(folder, "nan", frames)
    write_labels(folder, {"nan": (True, "abseiling", 0)})
    with pytest.raises(ValidationError, match="non-finite") as err:
        read_kinetics_json(folder)
    assert "nan.json" in str(err.value) and "frame_index 1" in str(err.value)


def test_non_numeric_values(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    frames = simple_frames(1)
    frames[0]["skeleton"][0]["score"][0] = "0.9"
    write_video(folder, "str", frames)
    write_labels(folder, {"str": (True, "abseiling", 0)})
    with pytest.raises(FormatError, match="numbers") as err:
        read_kinetics_json(folder)
    assert "str.json" in str(err.value)


@pytest.mark.parametrize("index", [5, -1])
def test_frame_index_out_of_range(tmp_path: Path, index: int) -> None:
    folder = tmp_path / "k"
    frames = simple_frames(2)
    frames[1]["frame_index"] = index
    write_video(folder, "long", frames)
    write_labels(folder, {"long": (True, "abseiling", 0)})
    with pytest.raises(FormatError, match=f"frame_index {index} outside") as err:
        read_kinetics_json(folder, max_frames=5)
    assert "long.json" in str(err.value)


def test_zero_frame_video_not_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    write_video(folder, "a", simple_frames())
    write_video(folder, "empty", [{"frame_index": 0, "skeleton": []}])
    write_labels(folder, {"a": (True, "abseiling", 0), "empty": (False, "abseiling", 0)})
    with pytest.raises(ValidationError, match="zero-frame") as err:
        read_kinetics_json(folder, ignore_empty=False)
    assert "empty.json" in str(err.value)


def test_label_index_disagrees(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    write_video(folder, "a", simple_frames(), label_index=3)
    write_labels(folder, {"a": (True, "abseiling", 0)})
    with pytest.raises(LabelMismatchError) as err:
        read_kinetics_json(folder)
    assert "a.json" in str(err.value) and "3" in str(err.value)


def test_video_without_label_entry(one_video: Path) -> None:
    write_video(one_video, "orphan", simple_frames())
    with pytest.raises(LabelMismatchError) as err:
        read_kinetics_json(one_video)
    assert "orphan.json" in str(err.value)


# --------------------------------------------------------------------------- atomic writes


def test_failed_write_leaves_nothing(sset: SkeletonSet, tmp_path: Path, monkeypatch) -> None:
    real = kinetics_json._video_dict
    calls = []

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(kinetics_json, "_video_dict", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        write_kinetics_json(sset, tmp_path)
    assert len(calls) == 2
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("field, index, value", [
    ("pose", 1, [0.2, 0.3]),  # a ragged pose: np.asarray cannot make an array of it
    ("pose", 0, True),
    ("pose", 3, None),
    ("score", 2, {"s": 1}),
    ("score", 0, False),
])
def test_ragged_or_non_number_values(tmp_path: Path, field: str, index: int, value) -> None:
    folder = tmp_path / "k"
    frames = simple_frames(3)
    frames[2]["skeleton"][0][field][index] = value
    write_video(folder, "ragged", frames)
    write_labels(folder, {"ragged": (True, "abseiling", 0)})
    with pytest.raises(FormatError, match="flat list of numbers") as err:
        read_kinetics_json(folder)
    msg = str(err.value)
    assert "ragged.json" in msg and "frame_index 2" in msg and f"field {field}" in msg
    assert f"value {index}" in msg


def test_pose_that_is_not_a_list(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    frames = simple_frames(1)
    frames[0]["skeleton"][0]["pose"] = "0.5 0.5"
    write_video(folder, "s", frames)
    write_labels(folder, {"s": (True, "abseiling", 0)})
    with pytest.raises(FormatError, match="got str") as err:
        read_kinetics_json(folder)
    assert "s.json" in str(err.value) and "field pose" in str(err.value)


def test_number_beyond_float_range(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    folder.mkdir()
    text = json.dumps({"data": simple_frames(1), "label": "abseiling", "label_index": 0})
    (folder / "big.json").write_text(text.replace("0.5", "1" + "0" * 400, 1))
    write_labels(folder, {"big": (True, "abseiling", 0)})
    with pytest.raises(FormatError, match="out of range") as err:
        read_kinetics_json(folder)
    assert "big.json" in str(err.value)


@pytest.mark.parametrize("label_index", [10**12, -2])
def test_label_index_out_of_range(tmp_path: Path, label_index: int) -> None:
    folder = tmp_path / "k"
    write_video(folder, "v", simple_frames(), label_index=label_index)
    label_path = write_labels(folder, {"v": (True, "abseiling", label_index)})
    with pytest.raises(FormatError, match="bad value") as err:
        read_kinetics_json(folder)
    assert "k_label.json" in str(err.value) and err.value.field == "label_index"
    assert label_path.is_file()


@pytest.mark.parametrize("part", ["", "a/b", "..", "x\x00y"])
def test_writer_invalid_part_name(sset: SkeletonSet, tmp_path: Path, part: str) -> None:
    with pytest.raises(ValidationError, match="invalid part name"):
        write_kinetics_json(sset, tmp_path, part=part)
    assert not any(tmp_path.iterdir())


def test_writer_accepts_layout_alias(sset: SkeletonSet, tmp_path: Path) -> None:
    alias = SkeletonSet(data=sset.data, label=sset.label, name=sset.name,
                        num_frames=sset.num_frames, layout="kinetics",
                        coordinate_frame=sset.coordinate_frame, class_names=CLASSES)
    write_kinetics_json(alias, tmp_path)
    assert read_kinetics_json(tmp_path / "all", max_frames=10).layout == "openpose18"
