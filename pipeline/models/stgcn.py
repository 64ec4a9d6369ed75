"""ST-GCN (Yan, Xiong & Lin, AAAI 2018), layer for layer as the official code.

Module names, parameter shapes and the order of operations follow the official
implementation (yysijie/st-gcn, also in mmskeleton), so that its released checkpoints
(``st_gcn.ntu-xsub.pt``, ``st_gcn.ntu-xview.pt``, ``st_gcn.kinetics.pt``) load with
``strict=True`` and compute the same logits. State-dict keys::

    A                                   (K, V, V) buffer
    data_bn.{weight,bias,running_mean,running_var,num_batches_tracked}   (C*V,)
    st_gcn_networks.{i}.gcn.conv.{weight,bias}   (out*K, in, 1, 1), (out*K,)
    st_gcn_networks.{i}.tcn.0.*        BatchNorm2d(out)
    st_gcn_networks.{i}.tcn.2.{weight,bias}      (out, out, 9, 1), (out,)
    st_gcn_networks.{i}.tcn.3.*        BatchNorm2d(out)
    st_gcn_networks.{4,7}.residual.0.{weight,bias}  (out, in, 1, 1), (out,)
    st_gcn_networks.{4,7}.residual.1.*  BatchNorm2d(out)
    edge_importance.{0..9}              (K, V, V)
    fcn.{weight,bias}                   (num_class, 4*width, 1, 1), (num_class,)

Input ``(N, C, T, V, M)``: raw coordinates (camera frame, metres, for NTU), zero-padded
frames and zero second bodies included (the official model averages over M, zero body
included). Output logits ``(N, num_class)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pipeline.models.bodies import absent_bodies, may_skip_absent, pooled_bodies
from pipeline.models.graph import stgcn_adjacency

TEMPORAL_KERNEL = 9


class GraphConv(nn.Module):
    """Spatial graph convolution: a 1x1 convolution to ``K * out`` channels, then a sum
    over the K adjacency slices: ``y[n,c,t,w] = sum_k,v x_k[n,c,t,v] A[k,v,w]``."""

    def __init__(self, in_channels: int, out_channels: int, num_slices: int) -> None:
        super().__init__()
        self.num_slices = num_slices
        self.conv = nn.Conv2d(in_channels, out_channels * num_slices, kernel_size=1)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)  # N x K*C x T x V
        n, kc, t, v = x.shape
        x = x.view(n, self.num_slices, kc // self.num_slices, t, v)
        return torch.einsum("nkctv,kvw->nctw", x, adj).contiguous()


class STGCNBlock(nn.Module):
    """One spatial-temporal block: graph conv, then ``tcn = [BN, ReLU, Conv(9x1, stride),
    BN, Dropout]``, plus a residual (none, identity, or ``[Conv 1x1 stride, BN]``), ReLU."""

    def __init__(self, in_channels: int, out_channels: int, num_slices: int, stride: int = 1,
                 dropout: float = 0.0, residual: bool = True) -> None:
        super().__init__()
        pad = (TEMPORAL_KERNEL - 1) // 2
        self.gcn = GraphConv(in_channels, out_channels, num_slices)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, (TEMPORAL_KERNEL, 1), (stride, 1), (pad, 0)),
            nn.BatchNorm2d(out_channels),
            nn.Dropout(dropout, inplace=True),
        )
        self.residual_kind = "none" if not residual else (
            "identity" if in_channels == out_channels and stride == 1 else "conv")
        if self.residual_kind == "conv":
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=(stride, 1)),
                nn.BatchNorm2d(out_channels),
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        if self.residual_kind == "none":
            res = None
        elif self.residual_kind == "identity":
            res = x
        else:
            res = self.residual(x)
        y = self.tcn(self.gcn(x, adj))
        if res is not None:
            y = y + res
        return self.relu(y)


def block_plan(in_channels: int, width: int) -> list[tuple[int, int, int, bool]]:
    """The 10 official blocks as ``(in, out, stride, residual)`` for base width ``width``
    (official 64)."""
    w1, w2, w4 = width, 2 * width, 4 * width
    return [(in_channels, w1, 1, False), (w1, w1, 1, True), (w1, w1, 1, True), (w1, w1, 1, True),
            (w1, w2, 2, True), (w2, w2, 1, True), (w2, w2, 1, True),
            (w2, w4, 2, True), (w4, w4, 1, True), (w4, w4, 1, True)]


class STGCN(nn.Module):
    """The official ST-GCN.

    Args:
        num_class: number of classes (NTU-60: 60, Kinetics: 400).
        in_channels: C (3).
        graph: ``"ntu-rgb+d"`` or ``"openpose"`` (or a layout key).
        strategy: ``"uniform"``, ``"distance"`` or ``"spatial"`` (official: spatial).
        max_hop, dilation: graph neighbourhood (official: 1, 1).
        edge_importance_weighting: learnable ``(K, V, V)`` mask per block (official: True).
        dropout: dropout in blocks 2-10 (official training: 0.5; inactive in eval mode).
        width: base channels (official 64; blocks use width, 2*width, 4*width).
    """

    def __init__(self, num_class: int, in_channels: int = 3, graph: str = "ntu-rgb+d",
                 strategy: str = "spatial", max_hop: int = 1, dilation: int = 1,
                 edge_importance_weighting: bool = True, dropout: float = 0.5,
                 width: int = 64) -> None:
        super().__init__()
        adj = torch.tensor(stgcn_adjacency(graph, strategy, max_hop, dilation))
        self.register_buffer("A", adj)
        k, v = adj.shape[0], adj.shape[1]
        self.num_class, self.in_channels, self.num_joints = num_class, in_channels, v
        self.data_bn = nn.BatchNorm1d(in_channels * v)
        self.st_gcn_networks = nn.ModuleList(
            STGCNBlock(i, o, k, stride=s, residual=r, dropout=0.0 if n == 0 else dropout)
            for n, (i, o, s, r) in enumerate(block_plan(in_channels, width))
        )
        if edge_importance_weighting:
            self.edge_importance = nn.ParameterList(
                nn.Parameter(torch.ones(adj.shape)) for _ in self.st_gcn_networks)
        else:
            self.edge_importance = None
        self.fcn = nn.Conv2d(4 * width, num_class, kernel_size=1)

    def body_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """``data_bn`` (shared by the bodies: channel ``v*C + c``) applied to input
        ``(N, C, T, V, M)``; returns the trunk's input per body ``(N, M, C, T, V)``."""
        n, c, t, v, m = x.shape
        x = x.permute(0, 4, 3, 1, 2).contiguous().view(n * m, v * c, t)  # channel v*C + c
        x = self.data_bn(x)
        return x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).contiguous()

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """The ten blocks: ``(B, C, T, V) -> (B, 4*width, T', V)``."""
        for i, block in enumerate(self.st_gcn_networks):
            adj = self.A if self.edge_importance is None else self.A * self.edge_importance[i]
            x = block(x, adj)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Backbone features ``(N*M, 4*width, T', V)`` for input ``(N, C, T, V, M)``."""
        bodies = self.body_inputs(x)
        return self.trunk(bodies.reshape(-1, *bodies.shape[2:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_class)`` for input ``(N, C, T, V, M)``. In eval mode absent
        (all-zero) bodies go through the trunk once per batch (:mod:`pipeline.models.bodies`)."""
        n = x.shape[0]
        absent = absent_bodies(x) if may_skip_absent(self, x) else None
        feat = pooled_bodies(self.body_inputs(x), absent, self.trunk,
                             lambda f: F.avg_pool2d(f, f.shape[2:]).flatten(1),
                             lambda: self.body_inputs(x.new_zeros(1, *x.shape[1:]))[0])  # N x M x C
        return self.fcn(feat.mean(dim=1)[..., None, None]).view(n, -1)
