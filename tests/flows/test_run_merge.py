"""What ``ciasa merge-runs`` checks and averages, on run records made by hand (the real
runs and the pooled evaluation: tests/flows/test_cross_modal.py and
tests/pipeline/test_crossmodal_pool.py)."""

from __future__ import annotations

import json

import pytest

from flows.run_merge import RunRecord, check_shards, read_run
from pipeline.crossmodal_pool import pooled_extraction, weighted_means
from pipeline.errors import FormatError, ValidationError


def _record(folder: str, shard: str | None, threads: int = 0, **source) -> RunRecord:
    config = {"model": "stgcn-ntu60", "source": {"samples": 240, "seed": 0, "shard": shard, **source},
              "attack": {"eps": 0.01}, "render": {"quality": "cropped", "threads": threads}}
    return RunRecord(folder=folder, manifest={"config": config}, summary={}, crossmodal={"num_samples": 60},
                     transfer_samples=None, control_crossmodal=None)


def test_shards_of_one_run_are_recognised_and_partial_sets_said_so():
    assert check_shards([_record(f"s{k}", f"{k}/4") for k in (1, 2, 3, 4)]) == "all 4 shards"
    assert check_shards([_record("s3", "3/4"), _record("s1", "1/4")]) == "shards 1, 3 of 4"
    assert check_shards([_record("a", None), _record("b", None)]) == "2 runs"
    # how a run ran (threads, devices, batch sizes, retries) is not what it computed
    assert check_shards([_record("a", "1/2", threads=1), _record("b", "2/2", threads=0)]) == "all 2 shards"


def test_runs_that_are_not_shards_of_one_run_are_named():
    cases = [
        ([_record("a", "1/4"), _record("b", "2/4", seed=1)], "b", "config.source.seed"),
        ([_record("a", "1/4"), _record("b", "1/4")], "b", "config.source.shard"),
        ([_record("a", "1/4"), _record("b", "2/2")], "b", "config.source.shard"),
        ([_record("a", "1/4"), _record("b", None)], "b", "config.source.shard"),
    ]
    for records, bad, field in cases:
        with pytest.raises(ValidationError) as info:
            check_shards(records)
        assert str(info.value.path).startswith(bad) and info.value.field == field, (records, info.value)


def test_means_are_weighted_by_their_counts():
    got = weighted_means([(3, {"a": 1.0, "b": None}), (1, {"a": 5.0, "b": 2.0}), (0, {"a": 100.0})], ["a", "b", "c"])
    assert got == {"a": pytest.approx(2.0), "b": pytest.approx(2.0), "c": None}
    pooled = pooled_extraction([
        {"samples": 4, "ok": 4, "failed": 0, "mean_detection_rate": 1.0,
         "mean_vs_source_joints": {"samples": 4, "root_relative_mpjpe_mm": 100.0, "pa_mpjpe_mm": None}},
        {"samples": 2, "ok": 1, "failed": 1, "mean_detection_rate": 0.5,
         "mean_vs_source_joints": {"samples": 1, "root_relative_mpjpe_mm": 150.0, "pa_mpjpe_mm": 70.0}},
        None])
    assert (pooled["samples"], pooled["ok"], pooled["failed"]) == (6, 5, 1)
    assert pooled["mean_detection_rate"] == pytest.approx(0.9)
    assert pooled["mean_vs_source_joints"] == {"samples": 5, "root_relative_mpjpe_mm": pytest.approx(110.0),
                                               "pa_mpjpe_mm": pytest.approx(70.0)}
    assert pooled_extraction([None]) is None


def test_an_unfinished_or_foreign_folder_is_named(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"format": "ciasa.run", "version": 1, "status": "running"}))
    with pytest.raises(ValidationError) as info:
        read_run(tmp_path)
    assert info.value.field == "status" and "running" in str(info.value)
    (tmp_path / "run.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(FormatError):
        read_run(tmp_path)
