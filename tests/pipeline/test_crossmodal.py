"""Cross-modal evaluation: metrics against hand counts, matching by name, bad input, the CLI.

The recogniser here reads a marker: it predicts class ``round(x[n, 0, 0, 0, 0])`` (the
first coordinate of the first joint in the first frame), so every prediction is known.
The clean source set carries its label as marker; "recovered" sets are built from source
samples, some of another class kept under the original names.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from pipeline.crossmodal import (
    TARGET_META_KEY,
    evaluate_crossmodal,
    read_attack_targets,
    write_crossmodal,
)
from pipeline.errors import FormatError, LabelMismatchError, ValidationError
from pipeline.skeleton_set import save_skeleton_set

from tests.pipeline.stand_ins import TARGETS, Marker, N, marker_confidence


@pytest.fixture
def model(clean):
    return Marker(list(clean.class_names))


@pytest.fixture
def four(clean, adversarial, clean_recovered, adversarial_recovered):
    return clean, adversarial, clean_recovered, adversarial_recovered


def _rate(rate) -> tuple[int, int]:
    return rate.count, rate.total


def test_metrics_against_hand_counts(model, four):
    report = evaluate_crossmodal(model, *four, batch_size=5)
    assert report.num_samples == N and report.num_recovered == 11 and report.num_unlabelled == 0
    assert report.targets_source == f"adversarial sample_meta {TARGET_META_KEY!r}"
    assert report.missing_clean_recovered == [] and report.missing_adversarial_recovered == [str(four[0].name[11])]

    src = report.source
    assert _rate(src.clean_accuracy) == (12, 12) and _rate(src.adversarial_accuracy) == (3, 12)
    assert src.accuracy_drop == pytest.approx(9 / 12) == report.source_accuracy_drop
    assert _rate(src.untargeted_fooling_rate_over_correct) == (9, 12)
    assert _rate(src.targeted_fooling_rate_over_all) == (9, 12)

    same = report.source_on_recovered
    assert _rate(same.clean_accuracy) == (11, 11) and _rate(same.adversarial_accuracy) == (2, 11)
    assert _rate(same.targeted_fooling_rate_over_all) == (9, 11)

    rec = report.recovered
    assert rec.num_samples == 11
    assert _rate(rec.clean_accuracy) == (9, 11) and _rate(rec.adversarial_accuracy) == (4, 11)
    assert rec.accuracy_drop == pytest.approx(5 / 11) == report.recovered_accuracy_drop
    assert _rate(rec.untargeted_fooling_rate_over_correct) == (5, 9)  # 2, 3 (target) and 8, 9, 10
    assert _rate(rec.untargeted_fooling_rate_over_labelled) == (7, 11)
    assert _rate(rec.prediction_change_rate) == (7, 11)
    assert _rate(rec.targeted_fooling_rate_over_all) == (4, 11)
    assert _rate(rec.targeted_fooling_rate_over_correct) == (2, 9)  # 0 and 1 were wrong when clean
    assert _rate(report.clean_agreement) == (9, 11) and _rate(report.adversarial_agreement) == (4, 11)
    assert report.headline() == "marker accuracy on 11 recovered samples: 81.8 % clean, 36.4 % adversarial"


def test_per_class_and_per_sample(model, four):
    report = evaluate_crossmodal(model, *four)
    assert [c.index for c in report.per_class] == list(range(N))
    c0, c5, c11 = report.per_class[0], report.per_class[5], report.per_class[11]
    assert (c0.support, c0.clean_source, c0.adversarial_source) == (1, 1.0, 0.0)
    assert (c0.recovered_support, c0.clean_recovered, c0.adversarial_recovered) == (1, 0.0, 0.0)
    assert (c5.clean_source, c5.adversarial_source, c5.clean_recovered, c5.adversarial_recovered) == (1, 0, 1, 1)
    assert (c11.support, c11.adversarial_source, c11.recovered_support) == (1, 1.0, 0)
    assert c11.clean_recovered is None and c11.adversarial_recovered is None

    by_name = {s.name: s for s in report.samples}
    assert [s.name for s in report.samples] == [str(s) for s in four[0].name]  # clean source order
    s0 = by_name[str(four[0].name[0])]
    assert (s0.label, s0.target, s0.clean_source_pred, s0.adversarial_source_pred) == (0, 1, 0, 1)
    assert (s0.clean_recovered_pred, s0.adversarial_recovered_pred) == (5, 1) and s0.recovered
    assert s0.clean_source_conf == pytest.approx(marker_confidence(N, at=0)) and s0.adversarial_recovered_conf == pytest.approx(
        marker_confidence(N, at=1))
    s11 = by_name[str(four[0].name[11])]
    assert s11.clean_recovered_present and not s11.adversarial_recovered_present and not s11.recovered
    assert s11.adversarial_recovered_pred is None and s11.adversarial_recovered_conf is None
    assert s11.clean_recovered_pred == 11

    doc = json.loads(report.to_json())
    assert doc["format"] == "ciasa.crossmodal" and doc["num_recovered"] == 11
    assert doc["recovered"]["clean_accuracy"] == {"value": pytest.approx(9 / 11), "count": 9, "total": 11}
    assert doc["recovered_accuracy_drop"] == pytest.approx(5 / 11)
    assert doc["samples"]["adversarial_recovered_present"].count(False) == 1
    assert doc["samples"]["adversarial_recovered_pred"][11] is None
    assert doc["inputs"]["clean_recovered"]["frames"] == 12 and doc["inputs"]["clean"]["frames"] == 16
    assert doc["per_class"][11]["clean_recovered"] is None


def test_matching_ignores_order(model, four):
    clean, adversarial, cr, ar = four
    shuffled = adversarial.subset(np.random.default_rng(2).permutation(N))  # meta targets follow the rows
    a = evaluate_crossmodal(model, clean, adversarial, cr, ar).to_dict()
    b = evaluate_crossmodal(model, clean, shuffled, cr.subset(np.arange(N)[::-1]), ar).to_dict()
    for key in ("source", "source_on_recovered", "recovered", "clean_agreement", "adversarial_agreement",
                "per_class", "samples"):
        assert a[key] == b[key], key


def test_identity_recovery_equals_source(model, clean, adversarial):
    report = evaluate_crossmodal(model, clean, adversarial, clean, adversarial)
    assert report.recovered == report.source == report.source_on_recovered
    assert _rate(report.clean_agreement) == (12, 12) and _rate(report.adversarial_agreement) == (12, 12)


def test_targets_given_mapping_array_none_and_other_class_order(model, four):
    clean, adversarial, cr, ar = four
    plain = replace(adversarial, sample_meta={})
    none = evaluate_crossmodal(model, clean, plain, cr, ar)
    assert none.targets_source is None and none.recovered.targeted_fooling_rate_over_all is None
    assert all(s.target is None for s in none.samples)
    assert "n/a" in none.to_markdown() and "No attack targets" in none.to_markdown()

    mapping = {str(s): int(t) for s, t in zip(adversarial.name, TARGETS)}
    given = evaluate_crossmodal(model, clean, plain, cr, ar, targets=mapping)
    assert given.targets_source == "given" and _rate(given.recovered.targeted_fooling_rate_over_all) == (4, 11)
    as_array = evaluate_crossmodal(model, clean, plain, cr, ar, targets=TARGETS)
    assert as_array.recovered == given.recovered

    # targets indexing another class list (the attacked model's, reversed) are realigned by name
    reversed_classes = list(clean.class_names)[::-1]
    other = {name: N - 1 - t for name, t in mapping.items()}
    aligned = evaluate_crossmodal(model, clean, plain, cr, ar, targets=other, target_classes=reversed_classes)
    assert [s.target for s in aligned.samples] == TARGETS.tolist()
    with pytest.raises(LabelMismatchError, match="unknown to the model") as info:
        evaluate_crossmodal(model, clean, plain, cr, ar, targets=other, target_classes=["x"] * N)
    assert info.value.field == "targets"

    # a target set marked -1 counts nowhere
    partial = TARGETS.copy()
    partial[:2] = -1
    report = evaluate_crossmodal(model, clean, plain, cr, ar, targets=partial)
    assert _rate(report.recovered.targeted_fooling_rate_over_all) == (2, 9)


def test_bad_targets(model, four):
    clean, adversarial, cr, ar = four
    with pytest.raises(ValidationError, match="for 12 adversarial samples"):
        evaluate_crossmodal(model, *four, targets=np.zeros(3, dtype=int), paths={"adversarial": "adv.npz"})
    with pytest.raises(ValidationError, match="outside 0..11") as info:
        evaluate_crossmodal(model, *four, targets=np.full(N, 12))
    assert info.value.field == "targets"
    with pytest.raises(ValidationError, match="integer class indices"):
        evaluate_crossmodal(model, *four, targets=np.full(N, 1.5))
    some = {str(s): 0 for s in adversarial.name[:10]}
    with pytest.raises(LabelMismatchError, match="no target for 2 sample") as info:
        evaluate_crossmodal(model, *four, targets=some)
    assert str(adversarial.name[10]) in str(info.value)


def test_unknown_recovered_name_is_named(model, four):
    clean, adversarial, cr, ar = four
    names = ar.name.copy()
    names[3] = "S999C001P001R001A001"
    stray = replace(ar, name=names)
    with pytest.raises(LabelMismatchError) as info:
        evaluate_crossmodal(model, clean, adversarial, cr, stray, paths={"adversarial_recovered": "rec/adv.npz"})
    text = str(info.value)
    assert "S999C001P001R001A001" in text and "no source sample" in text and "rec/adv.npz" in text
    assert info.value.field == "name" and model.calls == 0  # refused before any compute

    many = replace(cr, name=np.array([f"ghost{i}" for i in range(N)]))
    with pytest.raises(LabelMismatchError, match="12 recovered sample.*'ghost4' and 7 more"):
        evaluate_crossmodal(model, clean, adversarial, many, ar)


def test_source_sets_must_hold_the_same_names(model, four):
    clean, adversarial, cr, ar = four
    names = adversarial.name.copy()
    names[0] = "elsewhere"
    with pytest.raises(LabelMismatchError) as info:
        evaluate_crossmodal(model, clean, replace(adversarial, name=names), cr, ar,
                            paths={"adversarial": "attack/adversarial.npz"})
    text = str(info.value)
    assert "only in the adversarial set ('elsewhere')" in text and repr(str(clean.name[0])) in text
    assert "attack/adversarial.npz" in text
    with pytest.raises(LabelMismatchError, match="only in the clean set"):
        evaluate_crossmodal(model, clean, adversarial.subset(np.arange(10)), cr, ar)


def test_duplicate_names(model, four):
    clean, adversarial, cr, ar = four
    names = cr.name.copy()
    names[1] = names[0]
    with pytest.raises(ValidationError, match="1 duplicate sample name") as info:
        evaluate_crossmodal(model, clean, adversarial, replace(cr, name=names), ar,
                            paths={"clean_recovered": "cr.npz"})
    assert str(names[0]) in str(info.value) and info.value.path == "cr.npz"


def test_labels_must_agree(model, four):
    clean, adversarial, cr, ar = four
    labels = ar.label.copy()
    labels[0] = (labels[0] + 1) % N
    with pytest.raises(LabelMismatchError, match="labelled differently") as info:
        evaluate_crossmodal(model, clean, adversarial, cr, replace(ar, label=labels))
    assert info.value.field == "label" and str(ar.name[0]) in str(info.value)
    # an unknown label (-1) in a recovered set is accepted: the clean source label counts
    unknown = replace(ar, label=np.full(len(ar), -1))
    assert evaluate_crossmodal(model, clean, adversarial, cr, unknown).recovered.clean_accuracy.total == 11


def test_unlabelled_source_samples(model, four):
    clean, adversarial, cr, ar = four
    gone = {str(s) for s in clean.name[2:4]}

    def unlabel(sset):
        return replace(sset, label=np.where(np.isin(sset.name, list(gone)), -1, sset.label))

    report = evaluate_crossmodal(model, *(unlabel(s) for s in four))
    assert report.num_unlabelled == 2 and _rate(report.source.clean_accuracy) == (10, 10)
    assert _rate(report.recovered.clean_accuracy) == (7, 9)
    assert report.recovered.prediction_change_rate.total == 11  # every recovered sample
    assert "2 sample(s) have no label" in report.to_markdown()
    with pytest.raises(ValidationError, match="nothing to score"):
        evaluate_crossmodal(model, *(replace(s, label=np.full(len(s), -1)) for s in four))
    with pytest.raises(LabelMismatchError, match="12 sample.*clean recovered set are labelled differently"):
        evaluate_crossmodal(model, *(replace(s, label=np.full(len(s), -1)) for s in four[:2]), cr, ar)


def test_incompatible_set_refused_before_compute(model, four):
    clean, adversarial, cr, ar = four
    two_channels = replace(ar, data=np.ascontiguousarray(ar.data[:, :2]))
    with pytest.raises(ValidationError) as info:
        evaluate_crossmodal(model, clean, adversarial, cr, two_channels, paths={"adversarial_recovered": "x.npz"})
    assert info.value.field == "C" and info.value.path == "x.npz" and model.calls == 0
    with pytest.raises(ValidationError, match="batch_size"):
        evaluate_crossmodal(model, *four, batch_size=0)


def test_progress_covers_the_four_sets(model, four):
    calls = []
    evaluate_crossmodal(model, *four, batch_size=8, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (12 + 12 + 12 + 11, 47) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(model.modes) == 2 + 2 + 2 + 2 and not any(model.modes)  # eval mode in every forward
    assert model.training  # the train flag is restored after the run


def test_markdown(model, four):
    md = evaluate_crossmodal(model, *four).to_markdown()
    assert "**marker accuracy on 11 recovered samples: 81.8 % clean, 36.4 % adversarial**" in md
    assert "| recovered from video | 11 | 81.8 % (9/11) | 36.4 % (4/11) | 45.5 pp | 55.6 % (5/9) |" in md
    assert "| source (all samples) | 12 | 100.0 % (12/12) | 25.0 % (3/12) | 75.0 pp |" in md
    assert "Missing recovery: 1 of 12 samples" in md and "## Per class" in md
    assert "| drink water | 1 | 100.0 % | 0.0 % | 1 | 0.0 % | 0.0 % |" in md
    assert "| punching/slapping other person | 1 | 100.0 % | 100.0 % | 0 | n/a | n/a |" in md


def test_read_attack_targets(tmp_path):
    path = tmp_path / "attack.json"
    path.write_text(json.dumps({"per_sample": {"name": ["a", "b"], "target": [3, 0]},
                                "model_class_names": ["x", "y", "z", "w"]}))
    assert read_attack_targets(path) == ({"a": 3, "b": 0}, ["x", "y", "z", "w"])
    path.write_text(json.dumps({"per_sample": {"name": ["a"], "target": None}}))
    assert read_attack_targets(path) == (None, None)
    for doc, field in (({"per_sample": {"name": ["a", "b"], "target": [1]}}, "per_sample.target"),
                       ({"per_sample": {"name": ["a"], "target": [True]}}, "per_sample.target"),
                       ({"per_sample": {"name": [1], "target": [1]}}, "per_sample.name"),
                       ({"metrics": {}}, "per_sample")):
        path.write_text(json.dumps(doc))
        with pytest.raises(FormatError) as info:
            read_attack_targets(path)
        assert info.value.field == field and info.value.path == str(path)
    path.write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        read_attack_targets(path)


def test_write_crossmodal(tmp_path, model, four):
    report = evaluate_crossmodal(model, *four)
    paths = write_crossmodal(report, tmp_path / "out")
    assert [p.name for p in paths] == ["crossmodal.json", "crossmodal.md"]
    assert not list((tmp_path / "out").glob("*.part"))
    assert json.loads(paths[0].read_text())["num_samples"] == N
    assert paths[1].read_text() == report.to_markdown()


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def saved(tmp_path, four):
    clean, adversarial, cr, ar = four
    files = {"clean": save_skeleton_set(clean, tmp_path / "clean.npz"),
             "adversarial": save_skeleton_set(replace(adversarial, sample_meta={}),
                                              tmp_path / "attack" / "adversarial.npz"),
             "clean_recovered": save_skeleton_set(cr, tmp_path / "rec_clean.npz"),
             "adversarial_recovered": save_skeleton_set(ar, tmp_path / "rec_adv.npz")}
    attack_json = tmp_path / "attack" / "attack.json"
    attack_json.write_text(json.dumps({"per_sample": {"name": [str(s) for s in adversarial.name],
                                                      "target": TARGETS.tolist()},
                                       "model_class_names": list(clean.class_names)}))
    files["targets"] = attack_json
    return files


def _args(files, *extra) -> list[str]:
    args = ["evaluate-crossmodal"]
    for role in ("clean", "adversarial", "clean_recovered", "adversarial_recovered"):
        args += ["--" + role.replace("_", "-"), str(files[role])]
    return args + list(extra)


def test_cli_end_to_end(tmp_path, saved, clean, monkeypatch, capsys):
    import flows.cli.main as cli_main
    import pipeline.models

    monkeypatch.setattr(pipeline.models, "load_recognizer", lambda spec, **kw: Marker(list(clean.class_names)))
    out = tmp_path / "report"
    rc = cli_main.main(_args(saved, "--model", "marker", "--targets", str(saved["targets"]), "--out", str(out),
                             "--batch-size", "5"))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert {p.name for p in out.iterdir()} == {"crossmodal.json", "crossmodal.md"}
    doc = json.loads((out / "crossmodal.json").read_text())
    assert doc["targets_source"] == "given" and doc["num_recovered"] == 11
    assert doc["recovered"]["targeted_fooling_rate_over_all"]["count"] == 4
    assert doc["inputs"]["adversarial_recovered"]["path"] == str(saved["adversarial_recovered"])
    assert "81.8 % clean, 36.4 % adversarial" in (out / "crossmodal.md").read_text()
    assert "marker accuracy on 11 recovered samples" in captured.out and "crossmodal.json" in captured.out
    assert "missing recovery: 1 of 12" in captured.out

    monkeypatch.chdir(tmp_path)  # default --out: crossmodal/<model>-<attack folder>
    assert cli_main.main(_args(saved, "--model", "marker")) == 0
    assert json.loads((tmp_path / "crossmodal" / "marker-attack" / "crossmodal.json").read_text())[
        "targets_source"] is None


def test_cli_transfer_models(tmp_path, saved, clean, monkeypatch, capsys):
    """``--transfer-models``: the same four sets scored by other recognisers, the given
    targets applied to each (transfer.json / transfer.md beside crossmodal.json, and the
    other recognisers' per-sample predictions in transfer_samples.json)."""
    import flows.cli.main as cli_main
    import pipeline.models

    monkeypatch.setattr(pipeline.models, "load_recognizer", lambda spec, **kw: Marker(list(clean.class_names)))
    out = tmp_path / "report"
    rc = cli_main.main(_args(saved, "--model", "marker", "--targets", str(saved["targets"]), "--out", str(out),
                             "--transfer-models", "twin, other"))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert {p.name for p in out.iterdir()} == {"crossmodal.json", "crossmodal.md", "transfer.json", "transfer.md",
                                               "transfer_samples.json"}
    doc = json.loads((out / "transfer.json").read_text())
    assert list(json.loads((out / "transfer_samples.json").read_text())["reports"]) == ["twin", "other"]
    assert [r["model"] for r in doc["rows"]] == ["marker", "twin", "other"]
    assert all(r["recovered"]["targeted_fooling_rate_over_all"]["count"] == 4 for r in doc["rows"])
    assert doc["rows"][2]["recovered_drop"]["value"] == pytest.approx(5 / 11)
    assert "transfer" in captured.out and "45.5 pp" in captured.out


def test_cli_bundled_model_identity_recovery(tmp_path, saved, capsys):
    """The real bundled ST-GCN: recovering exactly the source gives the source numbers."""
    import flows.cli.main as cli_main

    files = dict(saved, clean_recovered=saved["clean"], adversarial_recovered=saved["adversarial"])
    rc = cli_main.main(_args(files, "--model", "stgcn-synth", "--out", str(tmp_path / "o")))
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "o" / "crossmodal.json").read_text())
    assert doc["model"] == "stgcn-synth" and doc["recovered"] == doc["source"]
    assert doc["clean_agreement"]["value"] == 1.0 and doc["adversarial_agreement"]["value"] == 1.0


def test_cli_bad_input_one_line(tmp_path, saved, clean, capsys):
    import flows.cli.main as cli_main

    stray = replace(clean.subset([0, 1]), name=np.array(["ghost-a", "ghost-b"]))
    files = dict(saved, clean_recovered=save_skeleton_set(stray, tmp_path / "stray.npz"))
    rc = cli_main.main(_args(files, "--model", "stgcn-synth", "--out", str(tmp_path / "never")))
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1
    assert "stray.npz" in err and "'ghost-a', 'ghost-b'" in err and "no source sample" in err
    assert not (tmp_path / "never").exists()
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("[]")
    rc = cli_main.main(_args(saved, "--model", "stgcn-synth", "--targets", str(bad_json)))
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "bad.json" in err and "per_sample" in err
