"""The cross-modal transfer table: one run's four sets scored by the attacked recogniser and
by others; drops counted by hand, targets realigned by name or dropped, a recogniser of
other classes named, the table written."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from pipeline.crossmodal import TARGET_META_KEY, evaluate_crossmodal
from pipeline.crossmodal_transfer import evaluate_transfer, paired_drop, write_transfer
from pipeline.errors import LabelMismatchError

from tests.pipeline.stand_ins import Marker, N


def test_rows_and_paired_drops_by_hand(four):
    classes = list(four[0].class_names)
    attacked = evaluate_crossmodal(Marker(classes), *four)
    table = evaluate_transfer(attacked, {"twin": Marker(classes, name="twin")}, *four)
    assert [r.model for r in table.rows] == ["marker", "twin"] and [r.attacked for r in table.rows] == [True, False]
    for row in table.rows:
        assert (row.source.clean_accuracy.count, row.source.adversarial_accuracy.count) == (12, 3)
        assert row.source_drop.value == pytest.approx(9 / 12) and row.source_drop.num_samples == 12
        assert row.source_drop.low < 9 / 12 < row.source_drop.high
        assert row.num_recovered == 11 and row.recovered_drop.num_samples == 11
        assert (row.recovered.clean_accuracy.count, row.recovered.adversarial_accuracy.count) == (9, 4)
        assert row.recovered_drop.value == pytest.approx(5 / 11)
        assert row.targets and row.recovered.targeted_fooling_rate_over_all.count == 4
    assert paired_drop(attacked, "source").value == pytest.approx(0.75)
    with pytest.raises(ValueError, match="which"):
        paired_drop(attacked, "render")


def test_a_recogniser_without_the_target_classes_is_scored_untargeted(four):
    """The attacked model knows a 13th class that a target points at; the other does not."""
    clean, adversarial, clean_rec, adv_rec = four
    classes = list(clean.class_names)
    targets = np.array(adversarial.sample_meta[TARGET_META_KEY])
    targets[9] = N  # "extra", a class only the attacked model has
    adv = replace(adversarial, sample_meta={TARGET_META_KEY: targets})
    big = Marker(classes + ["extra"], name="big")
    attacked = evaluate_crossmodal(big, clean, adv, clean_rec, adv_rec)
    table = evaluate_transfer(attacked, {"small": Marker(classes, name="small")}, clean, adv, clean_rec, adv_rec,
                              target_classes=classes + ["extra"])
    big_row, small_row = table.rows
    assert big_row.targets and big_row.source.targeted_fooling_rate_over_all.total == 12
    assert not small_row.targets and small_row.recovered.targeted_fooling_rate_over_all.total == 0
    assert small_row.source.adversarial_accuracy.count == 3  # untargeted transfer still measured
    assert "| small (stgcn) | no |" in table.to_markdown() and "n/a |" in table.to_markdown()


def test_a_recogniser_of_other_classes_is_named(four):
    attacked = evaluate_crossmodal(Marker(list(four[0].class_names)), *four)
    alien = Marker([f"other {k}" for k in range(N)], name="alien")
    with pytest.raises(LabelMismatchError, match="recogniser 'alien' cannot score this run"):
        evaluate_transfer(attacked, {"alien": alien}, *four)


def test_written_table(tmp_path, four):
    classes = list(four[0].class_names)
    attacked = evaluate_crossmodal(Marker(classes), *four)
    table = evaluate_transfer(attacked, {"twin": Marker(classes, name="twin")}, *four)
    json_path, md_path, samples_path = write_transfer(table, tmp_path / "t")
    doc = json.loads(json_path.read_text())
    per_sample = json.loads(samples_path.read_text())
    assert per_sample["format"] == "ciasa.crossmodal_transfer_samples" and list(per_sample["reports"]) == ["twin"]
    assert per_sample["reports"]["twin"] == table.reports["twin"].to_dict()
    assert per_sample["reports"]["twin"]["samples"]["name"] == [s.name for s in attacked.samples]
    assert doc["format"] == "ciasa.crossmodal_transfer" and doc["attacked_model"] == "marker"
    assert doc["rows"][1]["recovered_drop"]["value"] == pytest.approx(5 / 11)
    assert doc["rows"][0]["source"]["adversarial_accuracy"] == {"value": 0.25, "count": 3, "total": 12}
    md = md_path.read_text()
    assert md.startswith("## Transfer") and "75.0 pp [" in md and "(n=11)" in md
