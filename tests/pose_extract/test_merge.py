"""merge_extractions: one-bundle extractions joined into one set and one report (no video:
the parts are built as extract_bundle builds them), and ExtractReport's JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest

from pose_extract.extracted_set import merge_extractions
from pose_extract.report import ExtractionError, ExtractReport, SampleOutcome

CLASSES = ["drink water", "eat meal"]


def _part(name: str, frames: int, label: int = 0, *, fps: float = 30.0, classes=CLASSES, rng=None):
    from pipeline.skeleton_set import SkeletonSet

    rng = rng or np.random.default_rng(len(name) + frames)
    data = np.zeros((1, 3, frames, 25, 1), np.float32)
    data[0, :, :, :, 0] = rng.normal(size=(3, frames, 25))
    valid = np.ones((1, frames), bool)
    valid[0, -1] = False
    sset = SkeletonSet(data=data, label=[label], name=[name], num_frames=[frames], layout="ntu25", fps=fps,
                       class_names=list(classes),
                       provenance={"stage": "pose_extract", "config": {"max_gap": 5}, "renders": [f"r/{name}"],
                                   "bundles": [{"name": name, "path": f"r/{name}"}]},
                       sample_meta={"frame_valid": valid, "detection_rate": np.array([0.9]),
                                    "source_index": np.array([3])})
    outcome = SampleOutcome(bundle=f"r/{name}", name=name, counts={"detection_rate": 0.9, "video_frames": frames})
    return sset, ExtractReport(samples=[outcome], settings={"config": {"max_gap": 5}, "renders": [f"r/{name}"]})


def test_merge_pads_and_keeps_order_and_report():
    a, b = _part("A", 10), _part("B", 14, label=1)
    failed = (None, ExtractReport(samples=[SampleOutcome(bundle="r/C", name="C", status="failed",
                                                         reason="no person detected")], settings={"renders": ["r/C"]}))
    sset, report = merge_extractions([a, failed, b])
    assert sset.name.tolist() == ["A", "B"] and sset.data.shape == (2, 3, 14, 25, 1)
    assert sset.num_frames.tolist() == [10, 14] and sset.label.tolist() == [0, 1]
    np.testing.assert_array_equal(sset.data[0, :, :10], a[0].data[0])
    assert not sset.data[0, :, 10:].any() and not sset.sample_meta["frame_valid"][0, 10:].any()
    assert sset.sample_meta["frame_valid"][1].sum() == 13
    assert [s.name for s in report.samples] == ["A", "C", "B"] and [s.ok for s in report.samples] == [1, 0, 1]
    assert report.settings["renders"] == ["r/A", "r/C", "r/B"]
    assert [b["name"] for b in sset.provenance["bundles"]] == ["A", "B"]
    sset.validate()


def test_merge_marks_duplicates_and_disagreeing_parts_failed():
    sset, report = merge_extractions([_part("A", 8), _part("A", 9), _part("B", 8, fps=15.0),
                                      _part("D", 8, classes=["x", "y"])])
    assert sset.name.tolist() == ["A"]
    reasons = {(s.name, s.bundle): s.reason for s in report.samples if not s.ok}
    assert "duplicate" in reasons[("A", "r/A")] and "15 fps" in reasons[("B", "r/B")]
    assert "class names" in reasons[("D", "r/D")]


def test_merge_of_nothing_raises_with_the_report():
    with pytest.raises(ExtractionError) as info:
        merge_extractions([(None, ExtractReport(samples=[SampleOutcome(bundle="r/C", name="C", status="failed",
                                                                       reason="x")], settings={}))])
    assert info.value.report.samples[0].reason == "x"


def test_report_round_trip_and_bad_document():
    from pipeline.errors import FormatError

    _, report = _part("A", 8)
    back = ExtractReport.from_dict(report.to_dict())
    assert back.to_dict() == report.to_dict()
    with pytest.raises(FormatError):
        ExtractReport.from_dict({"format": "something else"}, path="x.json")
