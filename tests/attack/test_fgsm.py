"""FGSM (paper Eq. 10) against an independent computation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import attack
from pipeline.tensor import valid_mask


def _grad(model, x, classes):
    probe = x.clone().requires_grad_(True)
    F.cross_entropy(model(probe), classes).backward()
    return probe.grad


@pytest.mark.parametrize("targeted", [False, True])
def test_fgsm_equals_sign_step(tiny_model, batch, targeted, untouched):
    x, y, nf = batch
    eps = 0.02
    res = attack.FGSM(tiny_model, eps=eps, targeted=targeted)(x, y, nf)
    tiny_model.requires_grad_(False)
    try:
        with torch.no_grad():
            clean = tiny_model(x)
        classes = clean.argmin(dim=1) if targeted else y
        g = _grad(tiny_model, x, classes)
    finally:
        tiny_model.requires_grad_(True)
    keep = untouched(x, nf)
    assert float(g[keep].abs().sum()) > 0  # ST-GCN's gradient reaches padding: masking matters
    expected = x - eps * g.sign() if targeted else x + eps * g.sign()
    expected = torch.where(keep, x, expected)
    assert torch.allclose(res.adversarial, expected, atol=1e-6, rtol=0)
    assert torch.equal(res.adversarial[keep], x[keep])
    assert (res.targets is not None) == targeted
    if targeted:
        assert torch.equal(res.targets, classes)
    assert res.metrics["linf"] == pytest.approx(eps, rel=1e-4)


def test_fgsm_region_only_moves_region(tiny_model, batch):
    x, y, nf = batch
    res = attack.FGSM(tiny_model, eps=0.05, region="left_arm")(x, y, nf)
    arm = list(tiny_model.layout.region("left_arm"))
    others = [j for j in range(25) if j not in arm]
    assert torch.equal(res.adversarial[:, :, :, others], x[:, :, :, others])
    assert not torch.equal(res.adversarial[:, :, :, arm], x[:, :, :, arm])
    valid = valid_mask(x, nf)
    assert bool(valid.any())
