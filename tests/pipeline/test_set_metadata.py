"""check_metadata: the one checker of set metadata read from a file (manifest, st-gcn
sidecar, pyskl entry): values normalised, every problem named with its file and field."""

from __future__ import annotations

import math

import pytest

from pipeline.errors import FormatError
from pipeline.set_metadata import (
    COORDINATE_FRAMES,
    check_metadata,
    fps_problem,
    frame_problem,
)

GOOD = {
    "layout": "kinect", "fps": 30, "coordinate_frame": "kinect_camera",
    "class_names": ["a", "b"], "splits": {"train": ["x"]}, "provenance": {"seed": 0},
    "num_frames": [3, 4], "sample_meta": {"anything": 1},
}


def test_good_metadata_is_normalised():
    out = check_metadata(GOOD, path="m.json")
    assert out["layout"] == "ntu25" and out["fps"] == 30.0 and isinstance(out["fps"], float)
    assert out["class_names"] == ["a", "b"] and out["splits"] == {"train": ["x"]}
    assert out["num_frames"] == [3, 4] and out["provenance"] == {"seed": 0}
    assert "sample_meta" not in out  # the caller's business


def test_null_counts_as_absent_unless_required():
    assert check_metadata({"fps": None}, path=None) == {}
    with pytest.raises(FormatError) as exc:
        check_metadata({"fps": None}, path="m.json", required=("fps",))
    assert exc.value.field == "fps" and "m.json" in str(exc.value) and "missing" in str(exc.value)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("layout", 3, "must be a str"),
    ("layout", "no-such-layout", "no-such-layout"),
    ("fps", 0, "fps"),
    ("fps", math.inf, "fps"),
    ("coordinate_frame", "mars", "unknown coordinate frame"),
    ("class_names", ["a", 2], "class_names"),
    ("splits", {"train": "x"}, "split"),
    ("provenance", [1], "provenance must be an object"),
    ("num_frames", [1, 2.5], "entry 1"),
])
def test_each_bad_field_is_named(field, value, words):
    with pytest.raises(FormatError, match=words) as exc:
        check_metadata({**GOOD, field: value}, path="data/set.json", field_prefix="ciasa.")
    assert exc.value.field == f"ciasa.{field}" and "data/set.json" in str(exc.value)


def test_not_an_object():
    with pytest.raises(FormatError, match="must be an object, got list") as exc:
        check_metadata([1], path="p.pkl", field_prefix="ciasa.")
    assert exc.value.field == "ciasa"


def test_problem_predicates():
    assert fps_problem(25.0) is None and fps_problem(-1) and fps_problem("30")
    assert frame_problem("kinect_camera") is None and frame_problem("x")
    assert set(COORDINATE_FRAMES) >= {"kinect_camera", "image_pixels", "unknown"}
