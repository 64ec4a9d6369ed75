"""Fooling rates and perceptibility metrics."""

from __future__ import annotations

import pytest
import torch

from attack.metrics import fooling_rates, perceptibility
from pipeline.layouts import NTU25
from pipeline.tensor import valid_mask


def test_fooling_rates_over_correct_and_all():
    labels = torch.tensor([0, 1, 2, 3, -1])
    clean = torch.tensor([0, 1, 2, 0, 4])  # 3 correct, 1 wrong, 1 unknown
    adv = torch.tensor([5, 1, 5, 5, 5])
    targets = torch.tensor([5, 5, 5, 5, 6])
    m = fooling_rates(labels, clean, adv, targets)
    assert m["num_correct"] == 3 and m["num_labelled"] == 4
    assert m["clean_accuracy"] == pytest.approx(3 / 4)
    assert m["adversarial_accuracy"] == pytest.approx(1 / 4)
    assert m["targeted_fooling_rate_over_correct"] == pytest.approx(2 / 3)
    assert m["targeted_fooling_rate_over_all"] == pytest.approx(3 / 5)
    assert m["untargeted_fooling_rate_over_correct"] == pytest.approx(2 / 3)
    assert m["untargeted_fooling_rate_over_all"] == pytest.approx(4 / 5)
    assert fooling_rates(None, clean, adv)["clean_accuracy"] is None


def test_perceptibility_known_shift_and_masking(batch):
    x, _, nf = batch
    x = x.double()
    valid = valid_mask(x, nf)
    jv = valid[:, :, None, :] & (x != 0).any(dim=1)
    adv = x.clone()
    head = NTU25.index("head")
    adv[:, 0, :, head] += 0.01  # 1 cm along x, everywhere (padding too)
    adv = torch.where(valid[:, None, :, None, :], adv, x)
    m = perceptibility(adv, x, jv, NTU25)
    assert m["max_joint_displacement_mm"] == pytest.approx(10.0)
    assert m["mean_joint_displacement_mm"] == pytest.approx(10.0 / 25, rel=1e-6)
    assert m["linf"] == pytest.approx(0.01)
    assert m["bone_length_error_mean"] > 0
    # a constant shift of valid frames has no acceleration except where validity ends
    assert m["acceleration_difference"] == pytest.approx(0.0, abs=1e-9)
    garbage = adv.clone()
    garbage[~valid[:, None, :, None, :].expand_as(x)] = 7.0
    assert perceptibility(garbage, x, jv, NTU25)["max_joint_displacement_mm"] == pytest.approx(10.0)
