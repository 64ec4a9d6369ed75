"""Bad input: typed errors before any compute."""

from __future__ import annotations

import math

import pytest
import torch

import attack
from pipeline.errors import UnknownFormatError, ValidationError


class Counting(torch.nn.Module):
    """Wraps a model and counts forward calls."""

    def __init__(self, inner, out_shape=None, num_classes=True):
        super().__init__()
        self.inner, self.calls, self.out_shape = inner, 0, out_shape
        self.layout = inner.layout
        if num_classes:
            self.num_classes = inner.num_classes

    def forward(self, x):
        self.calls += 1
        out = self.inner(x)
        return out if self.out_shape is None else out.reshape(*self.out_shape(out))


@pytest.fixture
def counting(tiny_model):
    return Counting(tiny_model)


@pytest.mark.parametrize("kwargs,error,needle", [
    (dict(eps=-0.01), ValidationError, "finite and >= 0"),
    (dict(eps=math.nan), ValidationError, "finite"),
    (dict(eps=math.inf), ValidationError, "finite"),
    (dict(mode="localized", region="knee_left,kneee_right"), UnknownFormatError, "kneee_right"),
    (dict(mode="advanced", eps=[0.01, 0.05]), ValidationError, "expected 8"),
    (dict(mode="basic", eps=[0.01] * 25), ValidationError, "scalar eps"),
    (dict(mode="basic", region="legs"), ValidationError, "every joint"),
    (dict(mode="localized"), ValidationError, "needs a region"),
    (dict(mode="sideways"), ValidationError, "no mode"),
    (dict(target="most_likely"), UnknownFormatError, "unknown target"),
    (dict(layout="openpose18"), ValidationError, "model takes ntu25"),
    (dict(iterations=0), ValidationError, "iterations"),
    (dict(lr=-1.0), ValidationError, "lr"),
    (dict(early_stop=1.5), ValidationError, "early_stop"),
])
def test_bad_settings(counting, kwargs, error, needle):
    with pytest.raises(error, match=needle):
        attack.CIASA(counting, **kwargs)
    assert counting.calls == 0


def test_fgsm_bad_eps(counting):
    with pytest.raises(ValidationError, match="finite"):
        attack.FGSM(counting, eps=-1.0)


@pytest.mark.parametrize("case", ["target_high", "target_negative", "label_high", "layout_v", "layout_c",
                                  "nan", "rank", "labels_len", "num_frames"])
def test_bad_input_before_compute(counting, batch, case):
    x, y, nf = batch
    atk = attack.CIASA(counting, iterations=1, target="given")
    targets, labels, frames = [0, 1, 2, 3], y, nf
    needle = {"target_high": "outside the model's classes", "target_negative": "outside",
              "label_high": "outside", "layout_v": "V=18", "layout_c": "C=2", "nan": "non-finite",
              "rank": "(N, C, T, V, M)", "labels_len": "labels for", "num_frames": "num_frames"}[case]
    if case == "target_high":
        targets = [0, 1, 2, 12]
    elif case == "target_negative":
        targets = [0, 1, -1, 2]
    elif case == "label_high":
        labels = torch.tensor([0, 1, 99, 2])
    elif case == "layout_v":
        x = x[:, :, :, :18]
    elif case == "layout_c":
        x = x[:, :2]
    elif case == "nan":
        x = x.clone()
        x[2, 0, 0, 0, 0] = float("nan")
    elif case == "rank":
        x = x[0]
    elif case == "labels_len":
        labels = y[:3]
    elif case == "num_frames":
        frames = torch.tensor([5, 5, 5, 99])
    with pytest.raises(ValidationError, match=needle):
        atk(x, labels, frames, targets=targets)
    assert counting.calls == 0


def test_model_output_not_n_by_k(tiny_model, batch):
    x, y, nf = batch
    bad = Counting(tiny_model, out_shape=lambda out: (out.shape[0], out.shape[1], 1))
    with pytest.raises(ValidationError, match=r"logits \(N, K\)"):
        attack.CIASA(bad, iterations=1)(x, y, nf)
    assert bad.calls == 1  # the probe forward only; no attack step
    flat = Counting(tiny_model, out_shape=lambda out: (-1,))
    with pytest.raises(ValidationError, match="logits"):
        attack.FGSM(flat)(x, y, nf)


def test_given_target_needs_targets(tiny_model, batch):
    x, y, nf = batch
    with pytest.raises(ValidationError, match="needs targets"):
        attack.CIASA(tiny_model, iterations=1, target="given")(x, y, nf)
    with pytest.raises(ValidationError, match="target='given'"):
        attack.CIASA(tiny_model, iterations=1)(x, y, nf, targets=[0, 0, 0, 0])


def test_target_range_of_a_foreign_model_checked_after_the_probe(tiny_model, batch):
    x, y, nf = batch
    foreign = Counting(tiny_model, num_classes=False)
    with pytest.raises(ValidationError, match="outside the model's classes"):
        attack.CIASA(foreign, iterations=1, target="given")(x, y, nf, targets=[0, 1, 2, 12])
    assert foreign.calls == 1
