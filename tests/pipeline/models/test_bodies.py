"""Absent bodies shared per batch (pipeline.models.bodies): the same logits and gradients
as computing every body, on every architecture, and the full path where it must run."""

from __future__ import annotations

import pytest
import torch

from pipeline.models import build_recognizer
from pipeline.models.bodies import absent_bodies, absent_body_gradients_dropped, may_skip_absent, pooled_bodies

# small widths: the shortcut's exactness does not depend on them
ARCH_CONFIGS = {
    "stgcn": {"width": 8},
    "agcn-joint": {"width": 8},
    "ctrgcn": {"width": 8},
    "msg3d": {"width": 12},
}


def _batch(seed: int = 0) -> torch.Tensor:
    """``(4, 3, 20, 25, 2)``: samples 0 and 2 alone (second body absent), sample 1 with two
    people, sample 3 with its only person in slot 1 (first body absent)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 3, 20, 25, 2, generator=g) * 0.3
    x[..., 1, :] += 1.0  # the partner stands apart
    x[0, ..., 1] = 0
    x[2, ..., 1] = 0
    x[3, ..., 0] = 0
    x[2, :, 15:] = 0  # padding after frame 15
    return x


def _net(arch: str, scaled_random: object, randomize: object) -> torch.nn.Module:
    if arch == "stgcn":  # any M: random weights and statistics
        return randomize(build_recognizer(arch, 10, **ARCH_CONFIGS[arch]).streams[0].net).double()
    net = build_recognizer(arch, 10, num_person=2, **ARCH_CONFIGS[arch]).streams[0].net
    return scaled_random(net, 0).double()


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal to float64 rounding, relative to the tensors' scale."""
    return float((a - b).abs().max()) <= 1e-9 * max(1.0, float(b.abs().max()))


def test_absent_bodies_names_the_all_zero_slots() -> None:
    assert absent_bodies(_batch()).tolist() == [[False, True], [False, False], [False, True], [True, False]]


@pytest.mark.parametrize("arch", sorted(ARCH_CONFIGS))
def test_shared_absent_bodies_give_the_full_logits(arch: str, scaled_random: object, randomize: object) -> None:
    net = _net(arch, scaled_random, randomize)
    x = _batch().double()
    full_in = x.clone().requires_grad_(True)  # an input gradient may be asked for: full path
    assert not may_skip_absent(net, full_in)
    full = net(full_in).detach()
    with torch.no_grad():
        assert may_skip_absent(net, x)
        shared = net(x)
    assert _close(shared, full)
    # one sample at a time (nothing to share within a batch of one) agrees too
    with torch.no_grad():
        alone = torch.cat([net(x[i:i + 1]) for i in range(x.shape[0])])
    assert _close(alone, full)


@pytest.mark.parametrize("arch", ["stgcn", "agcn-joint"])
def test_dropped_absent_gradients_keep_the_present_ones(arch: str, scaled_random: object, randomize: object) -> None:
    net = _net(arch, scaled_random, randomize)
    x = _batch().double()
    absent = absent_bodies(x)
    full_in = x.clone().requires_grad_(True)
    (full_grad,) = torch.autograd.grad(net(full_in).logsumexp(1).sum(), full_in)
    drop_in = x.clone().requires_grad_(True)
    with absent_body_gradients_dropped():
        assert may_skip_absent(net, drop_in)
        (drop_grad,) = torch.autograd.grad(net(drop_in).logsumexp(1).sum(), drop_in)
    assert not may_skip_absent(net, drop_in)  # the context is left
    present = (~absent)[:, None, None, None, :].expand_as(x)
    assert _close(drop_grad[present], full_grad[present])
    assert bool((drop_grad[~present] == 0).all())
    assert bool((full_grad[~present] != 0).any())  # what is dropped is a real gradient


def test_parameter_gradients_stay_exact(scaled_random: object, randomize: object) -> None:
    net = _net("stgcn", scaled_random, randomize).requires_grad_(True)
    x = _batch().double()
    loss = net(x.clone().requires_grad_(True)).logsumexp(1).sum()  # full path
    full = torch.autograd.grad(loss, list(net.parameters()))
    assert may_skip_absent(net, x)  # the input needs no gradient: shared path
    shared = torch.autograd.grad(net(x).logsumexp(1).sum(), list(net.parameters()))
    for a, b in zip(full, shared):
        assert _close(b, a)


def test_training_mode_always_computes_every_body(scaled_random: object, randomize: object) -> None:
    net = _net("stgcn", scaled_random, randomize).train()
    with torch.no_grad():
        assert not may_skip_absent(net, _batch().double())
    with absent_body_gradients_dropped():
        assert not may_skip_absent(net, _batch().double())


def test_pooled_bodies_calls_the_trunk_on_present_bodies_and_one_per_slot() -> None:
    seen: list[int] = []

    def trunk(h: torch.Tensor) -> torch.Tensor:
        seen.append(h.shape[0])
        return h * 2.0

    bodies = torch.randn(5, 2, 3, 4, 6)
    absent = torch.tensor([[False, True]] * 4 + [[False, False]])
    # every absent body of a slot has the same input (data_bn of zeros)
    bodies[:4, 1] = bodies[0, 1]

    def pool(h: torch.Tensor) -> torch.Tensor:
        return h.flatten(2).mean(2)

    out = pooled_bodies(bodies, absent, trunk, pool, lambda: bodies[0].clone())
    assert seen == [6 + 1]  # 6 present bodies, 1 absent body for slot 1
    assert torch.allclose(out, pool(trunk(bodies.flatten(0, 1))).view(5, 2, -1))
    seen.clear()
    pooled_bodies(bodies, None, trunk, pool)
    assert seen == [10]
    seen.clear()
    pooled_bodies(bodies, torch.zeros(5, 2, dtype=torch.bool), trunk, pool)
    assert seen == [10]
    with pytest.raises(ValueError, match="empty"):
        pooled_bodies(bodies, absent, trunk, pool)
