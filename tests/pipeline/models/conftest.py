"""Shared fixtures of the recogniser tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch


def _randomize(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Random values in every tensor of ``model``'s state dict (weights, BN statistics with
    positive variances, edge importance), so two models agree only if every tensor was
    loaded; the graph ``A`` (ST-GCN's buffer; 2s-AGCN keeps it outside the state dict) and
    ``num_batches_tracked`` stay. Returns the model in eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key == "A" or key.endswith(".A") or key.endswith("num_batches_tracked"):
                continue
            if key.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            else:
                t.copy_(0.3 * torch.randn(t.shape, generator=g))
    return model.eval()


@pytest.fixture
def randomize() -> Callable[..., torch.nn.Module]:
    """``randomize(model, seed=0)``: see :func:`_randomize`."""
    return _randomize


def _scaled_random(model: torch.nn.Module, seed: int, *,
                   special: dict[str, Callable[[torch.Tensor], torch.Tensor]] | None = None,
                   skip: tuple[str, ...] = (), batch: int = 2) -> torch.nn.Module:
    """Every floating tensor of the state dict random, at a scale that keeps activations of
    order one through a deep network (so that an absolute 1e-4 parity bound means
    something): weights ``N(0, 1/fan_in)``, biases and BN shifts ``N(0, 0.1^2)``, BN scales
    ``1 + N(0, 0.2^2)``; a key ending in one of ``special``'s suffixes gets
    ``special[suffix](noise)`` instead (its own draw, in state-dict order); keys ending in
    ``skip`` and BN running statistics are not drawn. BN running statistics are then
    measured on one random batch of ``batch`` samples and perturbed (means shifted by
    ``N(0, 0.2^2)`` standard deviations, variances scaled by ``U(0.7, 1.3)``). Eval mode."""
    special = special or {}
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if not t.is_floating_point() or "running_" in key or key.endswith(skip):
                continue
            noise = torch.randn(t.shape, generator=g)
            rule = next((f for suffix, f in special.items() if key.endswith(suffix)), None)
            if rule is not None:
                t.copy_(rule(noise))
            elif key.endswith("weight") and t.dim() > 1:
                t.copy_(noise / t[0].numel() ** 0.5)
            elif key.endswith("weight"):
                t.copy_(1.0 + 0.2 * noise)
            else:
                t.copy_(0.1 * noise)
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average: one batch gives its own statistics
        model.train()(torch.randn(batch, model.in_channels, 16, model.num_point, model.num_person, generator=g))
        for bn in bns:
            bn.momentum = 0.1
            bn.running_mean += 0.2 * bn.running_var.sqrt() * torch.randn(bn.running_mean.shape, generator=g)
            bn.running_var *= 0.7 + 0.6 * torch.rand(bn.running_var.shape, generator=g)
    return model.eval()


@pytest.fixture(scope="session")
def scaled_random() -> Callable[..., torch.nn.Module]:
    """``scaled_random(model, seed, special=..., skip=..., batch=2)``: see :func:`_scaled_random`."""
    return _scaled_random

