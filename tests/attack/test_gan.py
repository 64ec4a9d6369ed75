"""Bone-angle features, the discriminator, and the GAN term's gradient on the skeleton."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import attack
from attack.gan import (
    RealPool,
    bone_cosines,
    discriminator_loss,
    frames_of,
    generator_loss,
    make_discriminator,
    valid_frame_index,
)
from pipeline.errors import ValidationError
from pipeline.layouts import NTU25
from pipeline.tensor import valid_mask


def test_bone_cosine_maps(batch):
    x, _, nf = batch
    index = valid_frame_index(valid_mask(x, nf))
    maps = bone_cosines(frames_of(x, index), NTU25)
    b = len(NTU25.major_bones)
    assert maps.shape == (index.numel(), b, b) and b == 18
    assert torch.allclose(maps, maps.transpose(1, 2))
    assert torch.allclose(torch.diagonal(maps, dim1=1, dim2=2), torch.ones(1, dtype=maps.dtype), atol=1e-5)
    assert float(maps.abs().max()) <= 1 + 1e-6
    # flat index order is (n, t, m): the first valid frame of sample 0 body 0 is index 0
    assert int(index[0]) == 0 and frames_of(x).shape == (4 * 32 * 2, 3, 25)


def test_discriminator_shape_range_and_seed():
    d1 = make_discriminator(NTU25, seed=3, device="cpu")
    d2 = make_discriminator(NTU25, seed=3, device="cpu")
    maps = torch.rand(5, 18, 18) * 2 - 1
    out = d1(maps)
    assert out.shape == (5,) and bool(((out >= 0) & (out <= 1)).all())
    assert torch.equal(out, d2(maps))
    convs = [m for m in d1.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 32] and all(c.kernel_size == (3, 3) for c in convs)
    assert float(generator_loss(torch.tensor([1.0]))) == 0
    assert float(discriminator_loss(torch.ones(3), torch.zeros(3))) == 0


def test_real_pool_draws_clean_frames(batch):
    x, _, nf = batch
    pool = RealPool(x, valid_mask(x, nf), NTU25)
    assert len(pool) == int(valid_mask(x, nf).sum())
    draw = pool.sample(7, torch.Generator().manual_seed(0))
    assert draw.shape == (7, 18, 18)


def test_gan_loss_gradient_reaches_the_skeleton(batch):
    x, _, nf = batch
    adv = (x + 0.01 * (x != 0)).requires_grad_(True)
    index = valid_frame_index(valid_mask(x, nf))
    disc = make_discriminator(NTU25, seed=0, device="cpu")
    loss = generator_loss(disc(bone_cosines(frames_of(adv, index), NTU25))).sum()
    (grad,) = torch.autograd.grad(loss, adv)
    assert float(grad.abs().sum()) > 0


def test_gan_term_changes_the_attack_step(tiny_model, batch):
    """With a detached discriminator input, gan=True and gan=False would take the same
    first step (the discriminator only updates after it)."""
    x, y, nf = batch
    kw = dict(eps=0.05, iterations=1, smoothness=False, realignment=False, lam=10.0)
    with_gan = attack.CIASA(tiny_model, gan=True, **kw)(x, y, nf).adversarial
    without = attack.CIASA(tiny_model, gan=False, **kw)(x, y, nf).adversarial
    assert not torch.equal(with_gan, without)
    # and lam = 0 switches the term off entirely
    a = attack.CIASA(tiny_model, gan=True, **{**kw, "lam": 0.0})(x, y, nf).adversarial
    b = attack.CIASA(tiny_model, gan=False, **{**kw, "lam": 0.0})(x, y, nf).adversarial
    assert torch.equal(a, b)
    assert np.isfinite(with_gan.numpy()).all()


def test_frame_subset_per_sample_counts_seed_and_weights(batch):
    from attack.gan import frame_subset, subset_weights

    x, _, nf = batch
    valid = valid_mask(x, nf)  # 4 x 32 x 2
    n_valid = valid.reshape(4, -1).sum(dim=1)
    a = frame_subset(valid, 3, torch.Generator().manual_seed(1))
    b = frame_subset(valid, 3, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)  # seeded
    assert bool(valid.reshape(-1)[a].all())  # only valid slots
    assert a.unique().numel() == a.numel()  # without replacement
    owner, picked, weights = subset_weights(a, valid)
    assert torch.equal(torch.bincount(owner, minlength=4), torch.minimum(n_valid, torch.tensor(3)))
    assert abs(float(weights.sum()) - 1.0) < 1e-12
    # the weighted sum of a per-frame quantity is unbiased: averaged over many draws it
    # approaches the all-frame mean
    q = torch.randn(valid.numel(), dtype=torch.float64)
    full = float(q[valid_frame_index(valid)].mean())
    gen = torch.Generator().manual_seed(2)
    est = []
    for _ in range(4000):
        idx = frame_subset(valid, 3, gen)
        est.append(float((subset_weights(idx, valid)[2] * q[idx]).sum()))
    assert abs(np.mean(est) - full) < 4 * np.std(est) / np.sqrt(len(est))
    # None, or more than T*M slots: every valid slot, no draw
    assert torch.equal(frame_subset(valid, None, gen), valid_frame_index(valid))
    assert torch.equal(frame_subset(valid, 64, gen), valid_frame_index(valid))


def test_gan_frame_subset_keeps_masks_and_gradient(tiny_model, batch, untouched):
    x, y, nf = batch
    kw = dict(eps=0.05, iterations=2, smoothness=False, realignment=False, lam=10.0, gan_frames=2)
    res = attack.CIASA(tiny_model, gan=True, **kw)(x, y, nf)
    keep = untouched(x, nf)
    assert torch.equal(res.adversarial[keep], x[keep])  # padding and absent bodies bit-identical
    assert res.config["gan_frames"] == 2 and attack.CIASA(tiny_model).config()["gan_frames"] == 8
    assert torch.equal(res.adversarial, attack.CIASA(tiny_model, gan=True, **kw)(x, y, nf).adversarial)
    # the subset's GAN term still reaches the skeleton (a detached input would not change the step)
    one = {**kw, "iterations": 1}
    with_gan = attack.CIASA(tiny_model, gan=True, **one)(x, y, nf).adversarial
    without = attack.CIASA(tiny_model, gan=False, **one)(x, y, nf).adversarial
    assert not torch.equal(with_gan, without)
    assert res.history["gan"][0] > 0 and res.history["disc"][0] > 0
    with pytest.raises(ValidationError, match="gan_frames"):
        attack.CIASA(tiny_model, gan_frames=0)
