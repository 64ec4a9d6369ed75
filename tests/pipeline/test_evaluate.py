"""Evaluation: metrics against hand counts, label alignment by name, reports on disk."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from pipeline.classes import NTU60_CLASSES
from pipeline.errors import LabelMismatchError, MissingInputError, ValidationError
from pipeline.evaluate import (
    align_labels,
    evaluate_recognizer,
    load_evaluation_set,
    write_evaluation,
)
from pipeline.models import build_recognizer
from pipeline.skeleton_set import save_skeleton_set
from tests.pipeline.stand_ins import FixedLogits


@pytest.fixture(scope="module")
def tiny_set(small_synth):
    """12 samples of the synthetic set (classes 0..11 once each), 24 frames."""
    idx = [int(np.flatnonzero(small_synth.label == k)[0]) for k in range(12)]
    sub = small_synth.subset(idx)
    return replace(sub, data=np.ascontiguousarray(sub.data[:, :, :24]),
                   num_frames=np.minimum(sub.num_frames, 24))


def _fixed(tiny_set, preds: list[int], *, num_class: int = 12, class_names=None):
    """A recogniser whose logits rank, for sample i, ``preds[i]``, ``preds[i] + 1``, ...
    (mod K) first: logit of class j = -((j - preds[i]) mod K). Top-5 therefore hits iff
    ``(label - pred) mod K <= 4``; the max probability is ``1 / sum_k exp(-k)``."""
    rec = build_recognizer("stgcn", num_class, class_names=class_names or list(tiny_set.class_names), width=8)
    j = torch.arange(num_class)
    logits = torch.stack([-((j - p) % num_class).float() for p in preds])
    return FixedLogits(rec, logits)


def _max_prob(num_class: int = 12) -> float:
    return float(1.0 / np.exp(-np.arange(num_class)).sum())


def test_metrics_against_hand_counts(tiny_set):
    preds = list(range(12))
    preds[3], preds[7], preds[8] = 2, 6, 2  # three mistakes; 3 and 7 within top-5, 8 not
    report = evaluate_recognizer(_fixed(tiny_set, preds), tiny_set, batch_size=5)
    assert report.num_samples == 12 and report.num_unlabelled == 0
    assert report.top1 == pytest.approx(9 / 12)
    assert report.top5 == pytest.approx(11 / 12) and report.top_k == 5
    assert report.confusion.shape == (12, 12) and report.confusion.dtype == np.int64
    assert report.confusion.sum() == 12 and np.trace(report.confusion) == 9
    assert report.confusion[3, 2] == 1 and report.confusion[7, 6] == 1 and report.confusion[8, 2] == 1
    stats = {c.index: c for c in report.per_class}
    assert stats[3].support == 1 and stats[3].correct == 0 and stats[3].accuracy == 0.0
    assert stats[0].accuracy == 1.0 and stats[2].support == 1
    assert report.confidence == pytest.approx(_max_prob())
    np.testing.assert_allclose(report.max_prob, _max_prob())
    np.testing.assert_array_equal(report.predictions, preds)
    np.testing.assert_array_equal(report.labels, tiny_set.label)
    assert report.sample_names == [str(s) for s in tiny_set.name]
    assert report.data_hash == tiny_set.content_hash() and report.label_map == {}


def test_top5_exact(tiny_set):
    # every prediction wrong: even samples one class above the label (a top-5 miss: the
    # label ranks last), odd samples two below (a hit)
    preds = [(k + 1) % 12 if k % 2 == 0 else (k - 2) % 12 for k in range(12)]
    report = evaluate_recognizer(_fixed(tiny_set, preds), tiny_set)
    assert report.top1 == 0.0 and report.confidence is None
    assert report.top5 == pytest.approx(0.5)


def test_top_k_capped_by_the_class_count(tiny_set):
    sub = replace(tiny_set.subset(list(range(3))), class_names=list(tiny_set.class_names[:3]))
    report = evaluate_recognizer(_fixed(sub, [1, 2, 0], num_class=3), sub)
    assert report.top_k == 3 and report.top5 == 1.0 and report.top1 == 0.0


def test_unlabelled_samples_are_counted_not_scored(tiny_set):
    sset = replace(tiny_set, label=np.where(np.arange(12) < 4, -1, tiny_set.label))
    report = evaluate_recognizer(_fixed(tiny_set, list(range(12))), sset)
    assert report.num_unlabelled == 4 and report.num_evaluated == 8
    assert report.top1 == 1.0 and report.confusion.sum() == 8
    assert (report.labels[:4] == -1).all() and len(report.predictions) == 12
    with pytest.raises(ValidationError, match="nothing to score"):
        evaluate_recognizer(_fixed(tiny_set, list(range(12))), replace(tiny_set, label=-np.ones(12, dtype=int)))


def test_labels_aligned_by_name_for_an_ntu60_model(tiny_set):
    """The 12-class synthetic set scored by an NTU-60 model: set label k -> NTU index."""
    ntu_index = [NTU60_CLASSES.index(n) for n in tiny_set.class_names]
    rec = _fixed(tiny_set, ntu_index, num_class=60, class_names=list(NTU60_CLASSES))
    report = evaluate_recognizer(rec, tiny_set)
    assert report.top1 == 1.0
    np.testing.assert_array_equal(report.labels, np.array(ntu_index)[tiny_set.label])
    assert report.label_map["cheer up"] == NTU60_CLASSES.index("cheer up") == 21
    assert report.confusion.shape == (60, 60)
    assert [c.index for c in report.per_class if c.support] == sorted(ntu_index)
    assert report.per_class[1].accuracy is None  # "eat meal/snack": no sample


def test_unknown_class_is_a_label_mismatch(tiny_set):
    rec = build_recognizer("stgcn", 3, class_names=["drink water", "throw", "jump"], width=8)
    with pytest.raises(LabelMismatchError) as info:
        evaluate_recognizer(rec, tiny_set)
    assert "unknown to the model" in str(info.value) and "'sitting down'" in str(info.value)
    assert info.value.field == "class_names"


def test_align_labels_cases():
    out, mapping = align_labels(np.array([0, 1, -1]), ["b", "a"], ["a", "b", "c"])
    np.testing.assert_array_equal(out, [1, 0, -1])
    assert mapping == {"b": 1, "a": 0}
    # a declared class without samples may be unknown to the model
    out, _ = align_labels(np.array([0, 0]), ["a", "zzz"], ["a", "b"])
    np.testing.assert_array_equal(out, [0, 0])
    # no class names: labels are model indices
    out, mapping = align_labels(np.array([2, 1]), [], ["a", "b", "c"])
    np.testing.assert_array_equal(out, [2, 1])
    assert mapping == {}
    with pytest.raises(LabelMismatchError, match="outside 0..1"):
        align_labels(np.array([0, 2]), ["a", "b"], ["a", "b"])
    with pytest.raises(LabelMismatchError):
        align_labels(np.array([-2]), ["a"], ["a"])


def test_incompatible_set_is_refused_before_compute(tiny_set):
    rec = _fixed(tiny_set, list(range(12)))
    kin = build_recognizer("stgcn", 12, layout="openpose18", class_names=list(tiny_set.class_names), width=8)
    with pytest.raises(ValidationError) as info:
        evaluate_recognizer(kin, tiny_set)
    assert info.value.field == "layout"
    agcn = build_recognizer("agcn-joint", 12, class_names=list(tiny_set.class_names), width=8, num_person=1)
    three = replace(tiny_set, data=np.concatenate([tiny_set.data] * 2, axis=4))
    with pytest.raises(ValidationError) as info:
        evaluate_recognizer(agcn, three)
    assert info.value.field == "M"
    with pytest.raises(ValidationError, match="batch_size"):
        evaluate_recognizer(rec, tiny_set, batch_size=0)
    assert rec.seen == 0


def test_real_forward_progress_and_training_flag(tiny_set):
    rec = build_recognizer("agcn-joint", 12, class_names=list(tiny_set.class_names), width=8)
    rec.train()
    calls = []
    report = evaluate_recognizer(rec, tiny_set, batch_size=5, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(5, 12), (10, 12), (12, 12)]
    assert rec.training  # restored
    assert report.arch == "agcn-joint" and 0.0 <= report.top1 <= 1.0
    assert np.isfinite(report.max_prob).all() and (report.max_prob >= 1 / 12 - 1e-9).all()


def test_write_evaluation(tmp_path, tiny_set):
    preds = list(range(12))
    preds[5] = 6
    report = evaluate_recognizer(_fixed(tiny_set, preds), tiny_set, data_path="somewhere/val.npz")
    paths = write_evaluation(report, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "confusion.png"]
    assert not list((tmp_path / "out").glob("*.part"))
    doc = json.loads(paths[0].read_text())
    assert doc["format"] == "ciasa.evaluation" and doc["top1"] == pytest.approx(11 / 12)
    assert doc["data_path"] == "somewhere/val.npz" and doc["num_evaluated"] == 12
    assert np.array(doc["confusion"]).shape == (12, 12) and doc["confusion"][5][6] == 1
    assert doc["samples"]["prediction"] == preds
    assert doc["per_class"][5] == {"index": 5, "name": tiny_set.class_names[5], "support": 1, "correct": 0,
                                   "accuracy": 0.0}
    from PIL import Image

    with Image.open(paths[1]) as im:
        assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 300


def test_write_evaluation_is_all_or_nothing(tmp_path, tiny_set):
    report = evaluate_recognizer(_fixed(tiny_set, list(range(12))), tiny_set)
    (tmp_path / "out" / "confusion.png").mkdir(parents=True)  # a folder in the way
    with pytest.raises(ValidationError):
        write_evaluation(report, tmp_path / "out")
    assert not (tmp_path / "out" / "report.json").exists()


def test_load_evaluation_set(tmp_path, tiny_set):
    both = replace(tiny_set, splits={"val": [str(s) for s in tiny_set.name[:5]]})
    path = save_skeleton_set(both, tmp_path / "set.npz")
    assert len(load_evaluation_set(path)) == 12
    assert len(load_evaluation_set(path, "val")) == 5
    with pytest.raises(ValidationError, match="no split 'test'") as info:
        load_evaluation_set(path, "test")
    assert info.value.field == "part"
    save_skeleton_set(tiny_set, tmp_path / "folder" / "val.npz")
    assert len(load_evaluation_set(tmp_path / "folder", "val")) == 12
    from pipeline.formats import write_set

    write_set("stgcn", tiny_set, tmp_path / "st", part="val")
    st = load_evaluation_set(tmp_path / "st", "val")
    assert st.class_names == tiny_set.class_names and len(st) == 12
    with pytest.raises(MissingInputError):
        load_evaluation_set(tmp_path / "missing.npz")


def test_most_confused_pairs_counts_both_directions():
    import numpy as np

    from pipeline.evaluate import most_confused_pairs

    c = np.array([[9, 2, 0, 1],
                  [3, 7, 0, 0],
                  [0, 0, 5, 4],
                  [1, 0, 0, 8]])
    assert most_confused_pairs(c, 2) == [(0, 1, 5), (2, 3, 4)]
    assert most_confused_pairs(c) == [(0, 1, 5), (2, 3, 4), (0, 3, 2)]  # zero pairs left out
    import pytest

    with pytest.raises(ValueError, match="square"):
        most_confused_pairs(np.zeros((2, 3)))
