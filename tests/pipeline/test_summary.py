"""``summarize`` counts only valid (frame, body) slots."""

from __future__ import annotations

import numpy as np

from pipeline.skeleton_set import SkeletonSet
from pipeline.summary import summarize


def test_summary_ignores_padding_and_absent_bodies():
    data = np.zeros((2, 3, 5, 25, 2), np.float32)
    data[0, :, :3, :, 0] = 1.0
    data[1, :, :, :, 0] = 2.0
    data[1, 2, :, :, 0] = 4.0
    data[1, :, 1, :, 1] = -1.0  # second body in one frame
    s = SkeletonSet(data, [0, 2], ["a", "b"], [3, 5], "ntu25", class_names=["x", "y", "z"],
                    splits={"train": ["a"]})  # fmt: skip
    out = summarize(s)
    assert out["samples"] == 2 and out["frames"] == {"min": 3, "mean": 4.0, "max": 5}
    assert out["bodies"] == {"1 bodies": 1, "2 bodies": 1}
    assert out["value_ranges"]["x"]["min"] == -1.0 and out["value_ranges"]["x"]["max"] == 2.0
    assert out["value_ranges"]["z"]["max"] == 4.0
    # mean over 3 + 5 + 1 valid (frame, body) slots of 25 joints each
    assert abs(out["value_ranges"]["x"]["mean"] - (3 * 1 + 5 * 2 - 1) / 9) < 1e-9
    assert [c["name"] for c in out["classes"]] == ["x", "z"] and out["splits"] == {"train": 1}
