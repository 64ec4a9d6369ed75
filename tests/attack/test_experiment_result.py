"""An experiment's result renders as markdown (rates in %, missing values as a dash) and as
JSON (rates as fractions, numpy values as plain numbers), with no model involved."""

from __future__ import annotations

import json
import math

import numpy as np

from attack.experiment_result import BasicRow, ExperimentResult


def _result(rows: list[BasicRow]) -> ExperimentResult:
    return ExperimentResult(name="table1", title="basic mode", rows=rows, paper={"ntu_xv": [0.989]},
                            settings={"model": "m", "num_samples": 3, "iterations": 5, "indices": np.arange(3),
                                      "samples": {"per_class": 1, "seed": 0, "correct_only": True}},
                            seconds=1.25, notes=["a caveat"])


def test_markdown_shows_rates_in_percent_and_missing_as_dash():
    row = BasicRow(eps=0.01, eps_x1e3=10.0, targeted_fooling_rate_over_correct=0.5,
                   targeted_fooling_rate_over_all=None, untargeted_fooling_rate_over_correct=math.nan,
                   mean_joint_displacement_mm=12.3456, bone_length_error_mean=3e-7, seconds=2.0,
                   paper_ntu_xs=0.992, paper_ntu_xv=0.989, paper_kinetics=None)
    md = _result([row]).to_markdown()
    assert md.startswith("## table1: basic mode\n")
    assert "targeted_fooling_rate_over_correct (%)" in md and "eps_x1e3 |" in md
    assert "| 0.01 | 10 | 50.0 | – | – | 12.35 | 3e-07 | 2 | 99.2 | 98.9 | – |" in md
    assert "3 samples (1 per class, seed 0, correctly classified only), 5 iterations; 1.2 s." in md
    assert md.rstrip().endswith("- a caveat")


def test_json_keeps_fractions_and_plain_numbers():
    row = BasicRow(eps=0.01, eps_x1e3=10.0, targeted_fooling_rate_over_correct=np.float64(0.25),
                   targeted_fooling_rate_over_all=0.2, untargeted_fooling_rate_over_correct=1.0,
                   mean_joint_displacement_mm=1.0, bone_length_error_mean=0.0, seconds=np.int64(3),
                   paper_ntu_xs=None, paper_ntu_xv=None, paper_kinetics=None)
    doc = json.loads(_result([row]).to_json())
    assert doc["rows"][0]["targeted_fooling_rate_over_correct"] == 0.25 and doc["rows"][0]["seconds"] == 3
    assert doc["settings"]["indices"] == [0, 1, 2] and doc["paper"] == {"ntu_xv": [0.989]}
    assert _result([]).columns == []
