"""CIASA's GAN regulariser: bone-angle feature maps, the discriminator, LSGAN losses, and
the pool of clean frames that real samples are drawn from.

Per frame and body, the feature map is the matrix of cosines between every pair of the
layout's major bones (fingers and toes excluded), shape ``(1, B, B)`` (B = 18 for NTU,
13 for OpenPose). The discriminator (two 3x3 convolutions with 32 channels, one fully
connected layer, sigmoid) scores a map in ``[0, 1]``; least-squares losses:
``L_adv(A) = (D(G') - 1)^2`` for the attack and ``L_adv(D) = (D(G~) - 1)^2 + D(G')^2`` for
the discriminator, ``G~`` drawn unpaired from clean frames.

The attack side never detaches the maps: the gradient of ``L_adv(A)`` flows through the
discriminator and the cosines back to the skeleton (what public re-implementations lose).

Cost: the discriminator dominates an iteration's extra work (two 32-channel convolutions on
a ``B x B`` map per frame, run on fake and real frames, differentiated twice). The attack
therefore scores, by default, a random subset of each sample's valid frames per iteration
(:func:`frame_subset`): the mean over the subset is an unbiased estimate of the mean over
all the sample's frames, and :func:`subset_weights` makes the discriminator's loss an
unbiased estimate of its all-frame mean too.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from pipeline.layouts import Layout

#: Discriminator convolution channels and kernel (paper: 32, 3).
DISC_CHANNELS = 32
DISC_KERNEL = 3
#: Most clean frames kept in a real-sample pool (drawn evenly when there are more).
MAX_POOL_FRAMES = 200_000


def frames_of(x: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
    """``(F, C, V)`` frames of ``x`` ``(N, C, T, V, M)`` in ``(n, t, m)`` order, or only the
    flat ``(n*T + t)*M + m`` positions in ``index``."""
    n, c, t, v, m = x.shape
    flat = x.permute(0, 2, 4, 1, 3).reshape(n * t * m, c, v)
    return flat if index is None else flat.index_select(0, index)


def bone_cosines(frames: torch.Tensor, layout: Layout, channels: Sequence[int] | None = None,
                 eps: float = 1e-8) -> torch.Tensor:
    """Bone-pair cosine maps ``(F, B, B)`` of frames ``(F, C, V)``.

    Entry ``[i, j]`` is the cosine between major bones ``i`` and ``j``
    (``layout.major_bone_pairs()``, vectors ``child - parent`` over the coordinate
    ``channels``); a zero-length bone gives cosines 0. Differentiable.
    """
    pairs = layout.major_bone_pairs()
    parent = torch.tensor([p for p, _ in pairs], device=frames.device)
    child = torch.tensor([c for _, c in pairs], device=frames.device)
    coords = frames if channels is None else frames[:, list(channels)]
    bones = coords[:, :, child] - coords[:, :, parent]  # F x c x B
    unit = bones / (bones.square().sum(dim=1, keepdim=True) + eps * eps).sqrt()
    return torch.einsum("fci,fcj->fij", unit, unit)


def valid_frame_index(valid: torch.Tensor) -> torch.Tensor:
    """``(F,)`` flat ``(n*T + t)*M + m`` indices of the true entries of ``valid`` ``(N, T, M)``."""
    return valid.reshape(-1).nonzero().squeeze(1)


def frame_subset(valid: torch.Tensor, per_sample: int | None, generator: torch.Generator) -> torch.Tensor:
    """A random subset of every sample's valid (frame, body) slots, vectorised.

    For every sample ``i`` with ``n_i`` valid slots, ``min(per_sample, n_i)`` of them are
    drawn uniformly without replacement (one random key per slot, the smallest keys win),
    so the mean of any per-frame quantity over the subset is an unbiased estimate of its
    mean over the sample's ``n_i`` slots.

    Args:
        valid: ``(N, T, M)`` bool, the real (frame, body) slots.
        per_sample: slots kept per sample; ``None`` (or at least ``T*M``): every valid
            slot, no random draw.
        generator: a CPU generator (seeded by the attack); one ``(N, T*M)`` uniform draw.
    Returns:
        ``(F_s,)`` int64 flat ``(n*T + t)*M + m`` indices, ascending (as
        :func:`valid_frame_index`).
    """
    n, t, m = valid.shape
    slots = t * m
    if per_sample is None or per_sample >= slots:
        return valid_frame_index(valid)
    if per_sample < 1:
        raise ValueError(f"per_sample must be >= 1, got {per_sample}")
    flat = valid.reshape(n, slots)
    keys = torch.rand(n, slots, generator=generator, dtype=torch.float64).to(valid.device)
    keys = keys.masked_fill(~flat, 2.0)  # invalid slots lose every draw
    pos = keys.topk(per_sample, dim=1, largest=False).indices  # N x k
    picked = flat.gather(1, pos)  # N x k: false where a sample has fewer than k valid slots
    index = torch.arange(n, device=valid.device)[:, None] * slots + pos
    return index[picked].sort().values


def subset_weights(index: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bookkeeping of a frame subset from :func:`frame_subset`.

    Args:
        index: ``(F_s,)`` flat slot indices.
        valid: ``(N, T, M)`` bool.
    Returns:
        ``(owner (F_s,), picked (N,), weights (F_s,))``: the sample of every chosen slot;
        slots chosen per sample (>= 1, to divide by); and per-slot weights
        ``(n_i / k_i) / sum_j n_j`` that sum to 1, so that ``sum(weights * q)`` is an
        unbiased estimate of the mean of ``q`` over every valid slot of the batch (and
        equals it when every slot is chosen).
    """
    n, t, m = valid.shape
    owner = index // (t * m)
    picked = torch.bincount(owner, minlength=n).clamp_min(1)
    slots = valid.reshape(n, -1).sum(dim=1)
    slots = slots.to(torch.float64)
    weights = (slots / picked.to(torch.float64))[owner] / slots.sum().clamp_min(1)
    return owner, picked, weights


class BoneDiscriminator(nn.Module):
    """The paper's discriminator: maps ``(F, 1, B, B)`` or ``(F, B, B)`` -> scores ``(F,)``
    in ``[0, 1]`` (1 = looks like a clean skeleton)."""

    def __init__(self, num_bones: int, channels: int = DISC_CHANNELS, kernel: int = DISC_KERNEL) -> None:
        super().__init__()
        pad = kernel // 2
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, kernel, padding=pad), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, channels, kernel, padding=pad), nn.LeakyReLU(0.2),
        )
        self.fc = nn.Linear(channels * num_bones * num_bones, 1)
        self.num_bones = num_bones

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        if maps.dim() == 3:
            maps = maps[:, None]
        h = self.features(maps)
        return torch.sigmoid(self.fc(h.flatten(1))).squeeze(1)


def make_discriminator(layout: Layout, *, seed: int, device: torch.device | str,
                       dtype: torch.dtype = torch.float32) -> BoneDiscriminator:
    """A freshly initialised discriminator for ``layout`` (weights from ``seed``, the
    global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        disc = BoneDiscriminator(len(layout.major_bones))
    return disc.to(device=device, dtype=dtype)


def generator_loss(scores: torch.Tensor) -> torch.Tensor:
    """Per-frame attack-side LSGAN loss ``(D(G') - 1)^2``, shape of ``scores``."""
    return (scores - 1).square()


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor,
                       fake_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Scalar LSGAN discriminator loss ``mean (D(G~) - 1)^2 + mean D(G')^2``.

    ``fake_weights`` ``(F,)`` (summing to 1, from :func:`subset_weights`) replaces the
    plain mean over the fake frames by a weighted sum.
    """
    fake = fake_scores.square()
    fake_term = fake.mean() if fake_weights is None else (fake * fake_weights.to(fake.dtype)).sum()
    return (real_scores - 1).square().mean() + fake_term


class RealPool:
    """Bone-cosine maps of clean frames, from which real samples are drawn unpaired.

    Args:
        data: ``(P, C, T, V, M)`` clean sequences (any set of the same layout; by default
            the attack uses its own clean input batch).
        valid: ``(P, T, M)`` bool, the real (frame, body) slots.
        layout, channels: as for :func:`bone_cosines`.
        generator: draws the pool subset when it holds more than :data:`MAX_POOL_FRAMES`.
    Raises:
        ValueError: the pool has no valid frame.
    """

    def __init__(self, data: torch.Tensor, valid: torch.Tensor, layout: Layout,
                 channels: Sequence[int] | None = None, generator: torch.Generator | None = None) -> None:
        index = valid_frame_index(valid.to(data.device))
        if index.numel() == 0:
            raise ValueError("the real-sample pool has no valid frame")
        if index.numel() > MAX_POOL_FRAMES:
            keep = torch.randperm(index.numel(), generator=generator)[:MAX_POOL_FRAMES].to(index.device)
            index = index[keep]
        with torch.no_grad():
            self.maps = bone_cosines(frames_of(data, index), layout, channels)  # P_f x B x B

    def __len__(self) -> int:
        return self.maps.shape[0]

    def sample(self, count: int, generator: torch.Generator) -> torch.Tensor:
        """``(count, B, B)`` maps drawn uniformly with replacement (``generator`` on CPU)."""
        pick = torch.randint(len(self), (count,), generator=generator).to(self.maps.device)
        return self.maps.index_select(0, pick)
