"""The attack against its control: shares counted by hand, the verdict's three cases,
samples missing from one video left out, and mismatched evaluations named."""

from __future__ import annotations

import json

import pytest

from pipeline.crossmodal_control import compare_control, write_control
from pipeline.errors import ValidationError
from pipeline.stats import paired_difference_interval


def evaluation(adv_source: list[int], adv_recovered: list[int | None], *, model: str = "m",
               clean_hash: str = "c" * 64, recovered_hash: str = "r" * 64, labels: list[int] | None = None,
               names: list[str] | None = None) -> dict:
    """A crossmodal.json document of 10 samples: labels 0..9 (or ``labels``), clean source
    predictions all right, clean recovered right for the first 8, wrong for the last 2."""
    n = len(adv_source)
    labels = list(range(n)) if labels is None else labels
    clean_recovered = [lab if i < 8 else (lab + 1) % 10 for i, lab in enumerate(labels)]
    return {"format": "ciasa.crossmodal", "model": model,
            "inputs": {"clean": {"content_hash": clean_hash}, "clean_recovered": {"content_hash": recovered_hash}},
            "samples": {"name": names or [f"s{i}" for i in range(n)], "label": labels,
                        "clean_source_pred": list(labels), "adversarial_source_pred": adv_source,
                        "clean_recovered_pred": clean_recovered, "adversarial_recovered_pred": adv_recovered}}


WRONG = 99  # a prediction that is no sample's label


def test_drops_and_the_attacks_share_by_hand():
    # source: the attack fools samples 0-3, the control sample 0 only
    attack = evaluation([WRONG] * 4 + list(range(4, 10)), [WRONG] * 6 + [6, 7, 8, WRONG])
    control = evaluation([WRONG] + list(range(1, 10)), [WRONG] * 2 + [2, 3, 4, 5, 6, 7, WRONG, WRONG])
    got = compare_control(attack, control)
    assert got.num_samples == 10 and got.missing_recovered == []
    src = got.source
    assert (src.clean_accuracy, src.adversarial_accuracy, src.control_accuracy) == (1.0, 0.6, 0.9)
    assert src.attack_drop.value == pytest.approx(0.4) and src.control_drop.value == pytest.approx(0.1)
    assert src.attack_share.value == pytest.approx(0.3)  # = 0.4 - 0.1
    rec = got.recovered
    # recovered: clean right on 0-7, adversarial on 6-8, control on 2-7
    assert rec.clean_accuracy == pytest.approx(0.8)
    assert rec.adversarial_accuracy == pytest.approx(0.3)  # 6, 7, 8
    assert rec.control_accuracy == pytest.approx(0.6)  # 2-7
    assert rec.attack_share.value == pytest.approx(rec.attack_drop.value - rec.control_drop.value)
    expected = paired_difference_interval(
        [i in range(2, 8) for i in range(10)], [i in (6, 7, 8) for i in range(10)])
    assert (rec.attack_share.value, rec.attack_share.low, rec.attack_share.high) == pytest.approx(expected)
    assert rec.attack_share.num_samples == 10


def test_the_verdict_tells_attack_control_and_neither_apart():
    n = 40
    labels = [i % 10 for i in range(n)]
    right = list(labels)
    wrong = [WRONG] * n

    def ev(adv_recovered: list[int]) -> dict:
        return evaluation(right, adv_recovered, labels=labels, names=[f"s{i}" for i in range(n)])

    attack_wins = compare_control(ev(wrong), ev(right))
    assert attack_wins.recovered.attack_share.low > 0
    assert attack_wins.verdict().startswith("the attack lowers the recovered accuracy more than the control")
    control_wins = compare_control(ev(right), ev(wrong))
    assert control_wins.recovered.attack_share.high < 0
    assert control_wins.verdict().startswith("the control lowers")
    half = [lab if i % 2 else WRONG for i, lab in enumerate(labels)]
    other_half = [WRONG if i % 2 else lab for i, lab in enumerate(labels)]
    tie = compare_control(ev(half), ev(other_half))
    share = tie.recovered.attack_share
    assert share.value == 0 and share.low < 0 < share.high
    assert "cannot be told from the control" in tie.verdict() and "holds 0" in tie.verdict()


def test_a_sample_missing_from_any_video_leaves_the_recovered_row():
    attack = evaluation(list(range(10)), [0, 1, None] + list(range(3, 10)))
    control = evaluation(list(range(10)), [0, 1, 2, None] + list(range(4, 10)))
    got = compare_control(attack, control)
    assert got.missing_recovered == ["s2", "s3"]
    assert got.recovered.num_samples == 8 and got.source.num_samples == 10
    assert "2 sample(s) not recovered from all three videos" in got.to_markdown()
    none = compare_control(evaluation(list(range(10)), [None] * 10), evaluation(list(range(10)), [None] * 10))
    assert none.recovered.attack_share is None and none.recovered.num_samples == 0
    assert none.verdict().startswith("no sample was recovered")


def test_evaluations_that_do_not_pair_are_named():
    attack = evaluation(list(range(10)), list(range(10)))
    with pytest.raises(ValidationError, match="control evaluation, field model: 'other'"):
        compare_control(attack, evaluation(list(range(10)), list(range(10)), model="other"))
    with pytest.raises(ValidationError, match="field inputs.clean.content_hash: .*same clean samples"):
        compare_control(attack, evaluation(list(range(10)), list(range(10)), clean_hash="x" * 64))
    with pytest.raises(ValidationError, match="field inputs.clean_recovered.content_hash"):
        compare_control(attack, evaluation(list(range(10)), list(range(10)), recovered_hash="x" * 64))
    renamed = evaluation(list(range(10)), list(range(10)), names=[f"t{i}" for i in range(10)])
    with pytest.raises(ValidationError, match="field samples.name: not the attacked evaluation's samples"):
        compare_control(attack, renamed)
    relabelled = evaluation(list(range(10)), list(range(10)), labels=[1] + list(range(1, 10)))
    with pytest.raises(ValidationError, match="sample s0, field samples.label"):
        compare_control(attack, relabelled)
    short = evaluation(list(range(10)), list(range(10)))
    short["samples"]["adversarial_recovered_pred"] = [0]
    with pytest.raises(ValidationError, match="b.json, field samples.adversarial_recovered_pred: 1 values"):
        compare_control(attack, short, names=("a.json", "b.json"))
    del short["samples"]["label"]
    with pytest.raises(ValidationError, match="field samples.label: not a list"):
        compare_control(attack, short)


def test_written_as_json_and_markdown(tmp_path):
    got = compare_control(evaluation([WRONG] * 10, [WRONG] * 10), evaluation(list(range(10)), list(range(10))),
                          displacement_mm={"adversarial": 61.04, "control": 58.3})
    paths = write_control(got, tmp_path / "out")
    doc = json.loads(paths[0].read_text())
    assert doc["format"] == "ciasa.crossmodal_control" and doc["verdict"] == got.verdict()
    assert doc["recovered"]["attack_share"]["value"] == pytest.approx(1.0)
    assert doc["source"]["attack_share"]["num_samples"] == 10
    md = paths[1].read_text()
    assert "| recovered | 10 | 80.0 % | 0.0 % | 100.0 % | 80.0 pp" in md
    assert "adversarial 61.0 mm, control 58.3 mm" in md
