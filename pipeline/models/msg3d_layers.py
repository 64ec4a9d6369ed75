"""The building blocks of MS-G3D (:mod:`pipeline.models.msg3d`), named as the official code.

Official names (kenziyuliu/MS-G3D ``model/``) -> here, with their state-dict keys:

* ``MLP`` -> :class:`PointwiseMLP`: ``layers.{0,1,2}`` = 1x1 Conv2d, BatchNorm2d,
  activation (ReLU, or identity for "linear").
* ``MultiScale_GraphConv`` -> :class:`MultiScaleGraphConv`: ``A_res`` ``(S*V, V)`` (a
  learned residual added to the fixed multi-scale graph, which is not saved), ``mlp.*``.
* ``UnfoldTemporalWindows`` -> :class:`TemporalWindows` (no parameters).
* ``SpatialTemporal_MS_GCN`` -> :class:`WindowGraphConv`: ``A_res`` ``(S*W*V, W*V)``,
  ``mlp.*`` with a linear activation, then ReLU.
* ``MS_G3D`` -> :class:`G3DPathway`: ``gcn3d.1.*`` (``gcn3d.0`` is the parameter-free
  windowing), ``out_conv`` Conv3d ``(out, E, 1, W, 1)``, ``out_bn``.
* ``MultiWindow_MS_G3D`` -> :class:`MultiWindowG3D`: ``gcn3d.{0,1}`` for windows 3 and 5.
* ``MultiScale_TemporalConv`` -> :class:`ResidualTemporalConv`: ``branches.{0..5}`` (four
  dilated 3x1 convolutions, max-pool, strided 1x1) and, where the shape changes,
  ``residual.{conv,bn}``; CTR-GCN took this block from MS-G3D, so the branches are
  :class:`~pipeline.models.ctrgcn.MultiScaleTemporalConv`'s.

Feature maps are ``(N, C, T, V)`` (N counts bodies: samples x M). The fixed graphs come
from :mod:`pipeline.models.graph` and are buffers that are not saved, as the official
code keeps them outside the state dict. Weights start from PyTorch's defaults (the
official code sets no initialisation), ``A_res`` uniform in ``[-1e-6, 1e-6]``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from pipeline.models.ctrgcn import DilatedTemporalConv, MultiScaleTemporalConv
from pipeline.models.graph import multiscale_adjacency, window_adjacency

#: ``A_res`` starts uniform in ``[-A_RES_INIT, A_RES_INIT]``.
A_RES_INIT = 1e-6
#: Temporal kernel and dilations of every multi-scale temporal convolution.
TEMPORAL_KERNEL = 3
TEMPORAL_DILATIONS = (1, 2, 3, 4)
#: Window sizes (and dilations) of the two G3D pathways of every block.
WINDOW_SIZES = (3, 5)
WINDOW_DILATIONS = (1, 1)


class PointwiseMLP(nn.Module):
    """``MLP`` with one layer: 1x1 convolution, BN, ReLU (``linear``: no activation)."""

    def __init__(self, in_channels: int, out_channels: int, linear: bool = False) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Conv2d(in_channels, out_channels, 1), nn.BatchNorm2d(out_channels),
                                     nn.Identity() if linear else nn.ReLU()])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


def aggregate_scales(x: torch.Tensor, graph: torch.Tensor) -> torch.Tensor:
    """Multi-scale graph aggregation: ``x`` ``(N, C, T, U)``, ``graph`` ``(S*U, U)`` ->
    ``(N, S*C, T, U)`` with channel ``s*C + c`` = ``sum_u graph[s*U + v, u] x[n, c, t, u]``
    at node ``v``."""
    n, c, t, u = x.shape
    s = graph.shape[0] // u
    agg = torch.einsum("svu,nctu->nsctv", graph.reshape(s, u, u), x)
    return agg.reshape(n, s * c, t, u)


class MultiScaleGraphConv(nn.Module):
    """``MultiScale_GraphConv`` (disentangled aggregation, residual mask): aggregate with
    the ``num_scales`` normalised k-hop graphs plus ``A_res``, then :class:`PointwiseMLP`
    from ``num_scales * in`` to ``out`` channels (BN, ReLU). ``(N, in, T, V) -> (N, out, T, V)``."""

    def __init__(self, num_scales: int, in_channels: int, out_channels: int, adj: np.ndarray) -> None:
        super().__init__()
        powers = torch.from_numpy(multiscale_adjacency(adj, num_scales))
        self.register_buffer("A_powers", powers, persistent=False)
        self.A_res = nn.Parameter(torch.empty(powers.shape).uniform_(-A_RES_INIT, A_RES_INIT))
        self.mlp = PointwiseMLP(in_channels * num_scales, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(aggregate_scales(x, self.A_powers.to(x.dtype) + self.A_res.to(x.dtype)))


class TemporalWindows(nn.Module):
    """``UnfoldTemporalWindows``: ``(N, C, T, V) -> (N, C, T', W*V)``, window ``t'`` made of
    frames ``t' * stride - pad + w * dilation`` (``w = 0..W-1``, zero outside ``0..T-1``,
    ``pad = (W + (W-1)(dilation-1) - 1) // 2``), node ``w*V + v``. ``T' = (T + 2 pad -
    dilation (W-1) - 1) // stride + 1``."""

    def __init__(self, window_size: int, window_stride: int, window_dilation: int = 1) -> None:
        super().__init__()
        self.window_size, self.window_stride, self.window_dilation = window_size, window_stride, window_dilation
        self.padding = (window_size + (window_size - 1) * (window_dilation - 1) - 1) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, _, v = x.shape
        span = (self.window_size - 1) * self.window_dilation + 1
        padded = nn.functional.pad(x, (0, 0, self.padding, self.padding))
        win = padded.unfold(2, span, self.window_stride)[..., ::self.window_dilation]  # N x C x T' x V x W
        return win.permute(0, 1, 2, 4, 3).reshape(n, c, win.shape[2], self.window_size * v)


class WindowGraphConv(nn.Module):
    """``SpatialTemporal_MS_GCN`` (disentangled, ``use_Ares``, no residual): multi-scale
    aggregation on the window graph (:func:`~pipeline.models.graph.window_adjacency`)
    plus ``A_res``, :class:`PointwiseMLP` without activation, then ReLU.
    ``(N, in, T', W*V) -> (N, out, T', W*V)``."""

    def __init__(self, in_channels: int, out_channels: int, adj: np.ndarray, num_scales: int,
                 window_size: int) -> None:
        super().__init__()
        scales = torch.from_numpy(multiscale_adjacency(window_adjacency(adj, window_size), num_scales))
        self.register_buffer("A_scales", scales, persistent=False)
        self.A_res = nn.Parameter(torch.empty(scales.shape).uniform_(-A_RES_INIT, A_RES_INIT))
        self.mlp = PointwiseMLP(in_channels * num_scales, out_channels, linear=True)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.mlp(aggregate_scales(x, self.A_scales.to(x.dtype) + self.A_res.to(x.dtype))))


#: The official ``MS_G3D`` widens to ``out`` inside the window graph convolution only
#: when its input has exactly this many channels (the first block on xyz input); other
#: blocks widen in ``out_conv``.
EMBED_WIDE_INPUT_CHANNELS = 3


class G3DPathway(nn.Module):
    """``MS_G3D`` (``embed_factor`` 1): windows of ``W`` frames, :class:`WindowGraphConv`
    to ``E`` channels (``out`` when the input has 3 channels, else ``in``), then
    ``out_conv`` (``(1, W, 1)`` Conv3d) collapses each window to one frame, ``out_bn``;
    no activation. ``(N, in, T, V) -> (N, out, T', V)``."""

    def __init__(self, in_channels: int, out_channels: int, adj: np.ndarray, num_scales: int,
                 window_size: int, window_stride: int, window_dilation: int = 1) -> None:
        super().__init__()
        self.window_size = window_size
        self.embed_channels = out_channels if in_channels == EMBED_WIDE_INPUT_CHANNELS else in_channels
        self.gcn3d = nn.Sequential(TemporalWindows(window_size, window_stride, window_dilation),
                                   WindowGraphConv(in_channels, self.embed_channels, adj, num_scales, window_size))
        self.out_conv = nn.Conv3d(self.embed_channels, out_channels, kernel_size=(1, window_size, 1))
        self.out_bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, _, v = x.shape
        y = self.gcn3d(x)  # N x E x T' x W*V
        y = y.reshape(n, self.embed_channels, -1, self.window_size, v)
        return self.out_bn(self.out_conv(y).squeeze(3))


class MultiWindowG3D(nn.Module):
    """``MultiWindow_MS_G3D``: the sum of :class:`G3DPathway` over windows 3 and 5 (both
    dilation 1, the same stride). ``(N, in, T, V) -> (N, out, T', V)``; no activation."""

    def __init__(self, in_channels: int, out_channels: int, adj: np.ndarray, num_scales: int,
                 window_stride: int) -> None:
        super().__init__()
        self.gcn3d = nn.ModuleList(
            G3DPathway(in_channels, out_channels, adj, num_scales, size, window_stride, dilation)
            for size, dilation in zip(WINDOW_SIZES, WINDOW_DILATIONS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.gcn3d[0](x)
        for pathway in self.gcn3d[1:]:
            out = out + pathway(x)
        return out


class ResidualTemporalConv(MultiScaleTemporalConv):
    """``MultiScale_TemporalConv`` with its residual: six branches of ``out / 6`` channels
    (3x1 convolutions with dilation 1..4, a max-pool, a strided 1x1), concatenated, plus
    the input (or ``residual``, a strided 1x1 convolution and BN, where channels or stride
    change), then ReLU (``activation=False``: none, as the last block of each ``sgcn``).
    ``(N, in, T, V) -> (N, out, ceil(T / stride), V)``."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, activation: bool = True) -> None:
        super().__init__(in_channels, out_channels, stride=stride, kernel_size=TEMPORAL_KERNEL,
                         dilations=TEMPORAL_DILATIONS)
        if in_channels != out_channels or stride != 1:
            self.residual = DilatedTemporalConv(in_channels, out_channels, 1, stride)
        else:
            self.residual = None
        self.act = nn.ReLU() if activation else nn.Identity()
        for module in self.modules():  # PyTorch's defaults, not CTR-GCN's initialisation
            if isinstance(module, (nn.Conv2d, nn.BatchNorm2d)):
                module.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.residual is None else self.residual(x)
        return self.act(super().forward(x) + shortcut)
