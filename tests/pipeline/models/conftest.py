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
