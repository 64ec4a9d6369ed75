"""attack.runner over a whole set: batches attacked piecewise and joined are the one-call
result, and a result survives its plain-state round trip exactly."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from attack.ciasa import CIASA
from attack.result import AttackResult
from attack.runner import attack_batches, attack_set, join_batches
from pipeline.errors import ValidationError


@pytest.fixture(scope="module")
def six(synth_set):
    return synth_set.subset(list(range(6)))


def _ciasa(model) -> CIASA:
    return CIASA(model, eps=0.01, iterations=3, layout="ntu25", seed=0)


def test_pieces_on_batch_boundaries_join_to_the_one_call_result(tiny_model, six):
    atk = _ciasa(tiny_model)
    whole = attack_set(atk, six, batch_size=2)
    parts = attack_batches(atk, six.subset([0, 1, 2, 3]), batch_size=2) \
        + attack_batches(atk, six.subset([4, 5]), batch_size=2)
    joined = join_batches(atk, parts, six)
    assert torch.equal(joined.adversarial, whole.adversarial) and torch.equal(joined.targets, whole.targets)
    assert joined.history == whole.history and joined.metrics == whole.metrics
    # a piece that cuts a batch in two is another attack (the discriminator sees the batch)
    with pytest.raises(ValidationError, match="cover 4 samples, the set has 6") as err:
        join_batches(atk, parts[:2], six)
    assert err.value.field == "samples"


def test_bad_labels_and_batch_size_are_refused_before_compute(tiny_model, six):
    atk = _ciasa(tiny_model)
    with pytest.raises(ValidationError, match="5 labels for 6 samples"):
        attack_batches(atk, six, labels=np.zeros(5, dtype=np.int64))
    with pytest.raises(ValidationError, match="batch_size must be >= 1"):
        attack_batches(atk, six, batch_size=0)


def test_a_result_round_trips_through_its_state(tiny_model, six):
    result = attack_set(_ciasa(tiny_model), six, batch_size=3)
    buf = io.BytesIO()
    torch.save(result.to_state(), buf)
    buf.seek(0)
    back = AttackResult.from_state(torch.load(buf, weights_only=True))
    for name in ("adversarial", "labels", "targets", "original_pred", "final_pred", "final_conf", "target_conf",
                 "success", "iterations"):
        assert torch.equal(getattr(back, name), getattr(result, name)), name
    assert back.history == result.history and back.config == result.config and back.metrics == result.metrics
    state = result.to_state()
    state["success"] = state["success"][:2]
    with pytest.raises(ValueError, match="success has 2 rows for 6 samples"):
        AttackResult.from_state(state)
    del state["history"]
    with pytest.raises(ValueError, match="lacks history"):
        AttackResult.from_state(state)
