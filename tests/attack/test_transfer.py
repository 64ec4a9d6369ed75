"""Transfer evaluation on a second model."""

from __future__ import annotations

import pytest
import torch

import attack
from pipeline.errors import ValidationError
from pipeline.models import build_recognizer


def test_transfer_report(tiny_model, batch):
    x, y, nf = batch
    torch.manual_seed(2)
    other = build_recognizer("stgcn", 12, width=8, name="other").eval()
    with torch.no_grad():
        labels = other(x).argmax(dim=1)  # B is right on every clean sample
    same = attack.evaluate_transfer(other, x, x.clone(), labels)
    assert same.clean_accuracy == 1.0 and same.attacked_accuracy == 1.0
    assert same.fooling_rate_over_correct == 0.0 and same.model == "other"
    res = attack.FGSM(tiny_model, eps=0.5)(x, y, nf)
    rows = attack.transfer_table({"b": other}, x, res.adversarial, labels, batch_size=3)
    assert rows[0].model == "b" and rows[0].num_samples == 4
    assert rows[0].fooling_rate_over_correct == pytest.approx(1 - rows[0].attacked_accuracy)
    with pytest.raises(ValidationError):
        attack.evaluate_transfer(other, x, x[:2], labels)
