"""Training augmentation in the spirit of st-gcn's feeder (``random_choose``,
``random_move``), vectorised over a batch and mask-aware.

Differences from the official tools, on purpose: zero-padded frames and absent bodies
stay exactly zero (the official ``random_move`` translates padding frames too, which
makes them look like a body at the translation offset), and the crop is taken from the
valid frames of each sample rather than from the padded array.
"""

from __future__ import annotations

import math

import torch

from pipeline.tensor import valid_mask


def random_crop(x: torch.Tensor, num_frames: torch.Tensor, min_ratio: float,
                gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep a random window of each sample's valid frames, moved to frame 0, zero after.

    Args:
        x: ``(N, C, T, V, M)`` zero-padded skeletons.
        num_frames: ``(N,)`` valid lengths.
        min_ratio: the window is between ``ceil(min_ratio * n)`` and ``n`` frames long.
        gen: random generator (CPU).
    Returns:
        ``(cropped (N, C, T, V, M), new lengths (N,))``.
    """
    n, c, t, v, m = x.shape
    lengths = num_frames.to(torch.long).cpu()
    low = torch.ceil(lengths.to(torch.float64) * min_ratio).to(torch.long).clamp(min=1)
    span = (lengths - low + 1).clamp(min=1)
    new_len = low + (torch.rand(n, generator=gen, dtype=torch.float64) * span).to(torch.long)
    new_len = torch.minimum(new_len, lengths.clamp(min=1))
    start = (torch.rand(n, generator=gen, dtype=torch.float64) * (lengths - new_len + 1)).to(torch.long)
    steps = torch.arange(t)
    src = (start[:, None] + steps[None, :]).clamp(max=t - 1)  # N x T
    keep = steps[None, :] < new_len[:, None]  # N x T
    src, keep = src.to(x.device), keep.to(x.device)
    out = torch.gather(x, 2, src[:, None, :, None, None].expand(n, c, t, v, m))
    return out * keep[:, None, :, None, None].to(x.dtype), new_len.to(num_frames.device)


def random_move(x: torch.Tensor, num_frames: torch.Tensor, gen: torch.Generator, *,
                max_angle_deg: float = 10.0, scale_range: tuple[float, float] = (0.9, 1.1),
                max_shift: float = 0.2) -> torch.Tensor:
    """A smooth random 2D similarity on the x, y channels (st-gcn ``random_move``): a
    rotation in the x-y plane, a scale and a translation drawn at the first and the last
    valid frame and interpolated linearly in between. The third channel is unchanged;
    padding and absent bodies stay zero.

    Args:
        x: ``(N, C, T, V, M)``.
        num_frames: ``(N,)`` valid lengths.
        max_angle_deg: rotation drawn from ``[-a, a]`` degrees at each end.
        scale_range: scale drawn from this range at each end.
        max_shift: translation of x and y drawn from ``[-s, s]`` (data units) at each end.
    """
    n, _, t, _, _ = x.shape
    mask = valid_mask(x, num_frames)  # N x T x M (bool)

    def ends(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, 2, generator=gen, dtype=torch.float64)

    angle = ends(-max_angle_deg, max_angle_deg) * math.pi / 180.0
    scale = ends(*scale_range)
    shift_x, shift_y = ends(-max_shift, max_shift), ends(-max_shift, max_shift)
    last = (num_frames.to(torch.float64).cpu() - 1).clamp(min=1)
    w = (torch.arange(t, dtype=torch.float64)[None, :] / last[:, None]).clamp(max=1.0)  # N x T

    def interp(p: torch.Tensor) -> torch.Tensor:
        return (p[:, :1] * (1 - w) + p[:, 1:] * w).to(x.dtype).to(x.device)  # N x T

    a, s, tx, ty = interp(angle), interp(scale), interp(shift_x), interp(shift_y)
    cos, sin = torch.cos(a) * s, torch.sin(a) * s
    px, py = x[:, 0], x[:, 1]  # N x T x V x M
    nx = cos[..., None, None] * px - sin[..., None, None] * py + tx[..., None, None]
    ny = sin[..., None, None] * px + cos[..., None, None] * py + ty[..., None, None]
    keep = mask[:, :, None, :].to(x.dtype)  # N x T x 1 x M
    moved = torch.stack((nx * keep, ny * keep), dim=1)
    return torch.cat((moved, x[:, 2:]), dim=1)
