"""Sample selection for the experiments: class-balanced, seeded, correct-only draws and
the round-robin total."""

from __future__ import annotations

import numpy as np
import pytest

from attack.sample_selection import SampleSpec, predict, select_samples, select_total
from pipeline.errors import ValidationError


def test_select_samples_balanced_and_seeded(tiny_model, synth_set):
    a = select_samples(tiny_model, synth_set, SampleSpec(per_class=2, seed=1, correct_only=False))
    b = select_samples(tiny_model, synth_set, SampleSpec(per_class=2, seed=1, correct_only=False))
    c = select_samples(tiny_model, synth_set, SampleSpec(per_class=2, seed=2, correct_only=False))
    assert np.array_equal(a.indices, b.indices) and not np.array_equal(a.indices, c.indices)
    counts = np.bincount(synth_set.label[a.indices], minlength=12)
    assert counts.tolist() == [2] * 12 and np.array_equal(a.labels, synth_set.label[a.indices])
    assert a.candidates_scored == 0 and np.all(np.diff(a.indices) > 0)
    with pytest.raises(ValidationError, match="per_class"):
        SampleSpec(per_class=0)


def test_select_samples_correct_only(trained_model, synth_set):
    sub = select_samples(trained_model, synth_set, SampleSpec(per_class=2, seed=0))
    pred = predict(trained_model, synth_set.data[sub.indices])
    assert len(sub) > 0 and np.array_equal(pred, synth_set.label[sub.indices])
    assert np.bincount(sub.labels, minlength=12).max() <= 2 and sub.candidates_scored >= len(sub)


def test_select_total_round_robin_over_classes(tiny_model, synth_set):
    a = select_total(tiny_model, synth_set, 17, seed=4, correct_only=False)
    assert len(a) == 17 and np.all(np.diff(a.indices) > 0)
    assert sorted(np.bincount(a.labels, minlength=12).tolist()) == [1] * 7 + [2] * 5
    assert np.array_equal(a.indices, select_total(tiny_model, synth_set, 17, seed=4, correct_only=False).indices)
    assert len(select_total(tiny_model, synth_set, 3, seed=0, correct_only=False).labels) == 3
    with pytest.raises(ValidationError, match="total"):
        select_total(tiny_model, synth_set, 0)


def test_shards_partition_the_draw_and_each_is_class_balanced(tiny_model, synth_set):
    whole = select_total(tiny_model, synth_set, 24, seed=3, correct_only=False)
    shards = [select_total(tiny_model, synth_set, 24, seed=3, correct_only=False, shard=(k, 2)) for k in (1, 2)]
    joined = np.concatenate([s.indices for s in shards])
    assert sorted(joined.tolist()) == whole.indices.tolist() and len(set(joined.tolist())) == 24
    for s in shards:  # 24 of 12 classes in 2 shards: one round of the classes each
        assert np.bincount(s.labels, minlength=12).tolist() == [1] * 12
    thirds = [len(select_total(tiny_model, synth_set, 17, seed=4, correct_only=False, shard=(k, 3))) for k in (1, 2, 3)]
    assert sorted(thirds) == [5, 6, 6]
    for bad in ((0, 2), (3, 2)):
        with pytest.raises(ValidationError, match="shard"):
            select_total(tiny_model, synth_set, 24, shard=bad)
