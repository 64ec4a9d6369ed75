"""2s-AGCN (Shi et al., CVPR 2019): one stream (joint or bone), as the official code.

Module names and shapes follow the official implementation (lshiwjx/2s-AGCN) so its
released weights load (after the renames in :mod:`pipeline.models.checkpoint`). State-dict
keys, for unit ``l{1..10}``::

    data_bn.*                           BatchNorm1d(M*C*V)
    l{u}.gcn1.PA                        (3, V, V)  learned additive graph
    l{u}.gcn1.conv_{a,b}.{0,1,2}.{weight,bias}   (out/4, in, 1, 1)
    l{u}.gcn1.conv_d.{0,1,2}.{weight,bias}       (out, in, 1, 1)
    l{u}.gcn1.down.{0,1}.*              [Conv 1x1, BN] where in != out (l1, l5, l8)
    l{u}.gcn1.bn.*                      BatchNorm2d(out)
    l{u}.tcn1.conv.{weight,bias}        (out, out, 9, 1)
    l{u}.tcn1.bn.*
    l{5,8}.residual.{conv,bn}.*         unit_tcn with kernel 1, stride 2
    fc.{weight,bias}                    (num_class, 256)

The fixed graph ``A`` is a buffer that is *not* saved (the official code keeps it outside
the state dict), so official files load with ``strict=True``. Unlike the official forward,
nothing is moved to CUDA unconditionally: the module runs on whatever device it is on.
The input must already be pre-normalised (and bone-transformed for the bone stream); the
:class:`~pipeline.models.recognizer.Recognizer` does that inside its forward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from pipeline.models.bodies import absent_bodies, may_skip_absent, pooled_bodies
from pipeline.models.graph import agcn_adjacency

TEMPORAL_KERNEL = 9


def init_conv(conv: nn.Conv2d) -> None:
    nn.init.kaiming_normal_(conv.weight, mode="fan_out")
    nn.init.constant_(conv.bias, 0)


def init_bn(bn: nn.modules.batchnorm._BatchNorm, scale: float) -> None:
    nn.init.constant_(bn.weight, scale)
    nn.init.constant_(bn.bias, 0)


class TemporalUnit(nn.Module):
    """``unit_tcn``: Conv(k x 1, stride) then BN (no activation)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = TEMPORAL_KERNEL,
                 stride: int = 1) -> None:
        super().__init__()
        pad = (kernel_size - 1) // 2
        self.conv = nn.Conv2d(in_channels, out_channels, (kernel_size, 1), (stride, 1), (pad, 0))
        self.bn = nn.BatchNorm2d(out_channels)
        init_conv(self.conv)
        init_bn(self.bn, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class AdaptiveGraphUnit(nn.Module):
    """``unit_gcn``: for each of the 3 subsets, graph ``A_k + PA_k + softmax(theta^T phi)``
    (data-dependent, embedded with ``conv_a``/``conv_b``), aggregation then ``conv_d``;
    summed over subsets, BN, plus a (projected) shortcut, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, adj: torch.Tensor,
                 coff_embedding: int = 4) -> None:
        super().__init__()
        k = adj.shape[0]
        self.num_subset = k
        self.inter_channels = out_channels // coff_embedding
        self.register_buffer("A", adj.clone(), persistent=False)
        self.PA = nn.Parameter(torch.full_like(adj, 1e-6))
        self.conv_a = nn.ModuleList(nn.Conv2d(in_channels, self.inter_channels, 1) for _ in range(k))
        self.conv_b = nn.ModuleList(nn.Conv2d(in_channels, self.inter_channels, 1) for _ in range(k))
        self.conv_d = nn.ModuleList(nn.Conv2d(in_channels, out_channels, 1) for _ in range(k))
        self.down = (nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), nn.BatchNorm2d(out_channels))
                     if in_channels != out_channels else None)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                init_conv(mod)
            elif isinstance(mod, nn.BatchNorm2d):
                init_bn(mod, 1)
        init_bn(self.bn, 1e-6)
        for conv in self.conv_d:  # branch init as the official code
            n, k1, k2 = conv.weight.shape[0], conv.weight.shape[1], conv.weight.shape[2]
            nn.init.normal_(conv.weight, 0, math.sqrt(2.0 / (n * k1 * k2 * k)))
            nn.init.constant_(conv.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, v = x.shape
        graph = self.A + self.PA  # K x V x V
        flat = x.reshape(n, c * t, v)
        y = None
        for i in range(self.num_subset):
            a1 = self.conv_a[i](x).permute(0, 3, 1, 2).reshape(n, v, self.inter_channels * t)
            a2 = self.conv_b[i](x).reshape(n, self.inter_channels * t, v)
            att = torch.softmax(torch.matmul(a1, a2) / a1.shape[-1], dim=-2)  # N x V x V
            att = att + graph[i]
            z = self.conv_d[i](torch.matmul(flat, att).view(n, c, t, v))
            y = z if y is None else y + z
        y = self.bn(y)
        y = y + (x if self.down is None else self.down(x))
        return self.relu(y)


def unit_plan(in_channels: int, width: int) -> list[tuple[int, int, int, bool]]:
    """The ten units ``l1..l10`` of 2s-AGCN and of CTR-GCN, which keeps its layout:
    ``(in, out, stride, residual)`` with ``width``, ``2*width`` and ``4*width`` channels."""
    w1, w2, w4 = width, 2 * width, 4 * width
    return [(in_channels, w1, 1, False), (w1, w1, 1, True), (w1, w1, 1, True), (w1, w1, 1, True),
            (w1, w2, 2, True), (w2, w2, 1, True), (w2, w2, 1, True),
            (w2, w4, 2, True), (w4, w4, 1, True), (w4, w4, 1, True)]


class GraphTemporalUnit(nn.Module):
    """``TCN_GCN_unit`` of 2s-AGCN and CTR-GCN: graph unit ``gcn1``, temporal unit ``tcn1``,
    a residual (none, identity, or a strided 1x1 :class:`TemporalUnit` where the shape
    changes), ReLU; the two models differ only in their ``gcn1`` and ``tcn1``."""

    def __init__(self, gcn1: nn.Module, tcn1: nn.Module, in_channels: int, out_channels: int, stride: int = 1,
                 residual: bool = True) -> None:
        super().__init__()
        self.gcn1 = gcn1
        self.tcn1 = tcn1
        self.relu = nn.ReLU()
        self.residual_kind = "none" if not residual else (
            "identity" if in_channels == out_channels and stride == 1 else "conv")
        if self.residual_kind == "conv":
            self.residual = TemporalUnit(in_channels, out_channels, kernel_size=1, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn1(self.gcn1(x))
        if self.residual_kind == "identity":
            y = y + x
        elif self.residual_kind == "conv":
            y = y + self.residual(x)
        return self.relu(y)


class AGCNUnit(GraphTemporalUnit):
    """2s-AGCN's unit: :class:`AdaptiveGraphUnit` then a 9x1 :class:`TemporalUnit`."""

    def __init__(self, in_channels: int, out_channels: int, adj: torch.Tensor, stride: int = 1,
                 residual: bool = True) -> None:
        super().__init__(AdaptiveGraphUnit(in_channels, out_channels, adj),
                         TemporalUnit(out_channels, out_channels, stride=stride),
                         in_channels, out_channels, stride=stride, residual=residual)


def pooled_features(x: torch.Tensor, data_bn: nn.BatchNorm1d,
                    units: Sequence[Callable[[torch.Tensor], torch.Tensor]],
                    owner: nn.Module | None = None) -> torch.Tensor:
    """The shared body of 2s-AGCN, CTR-GCN and MS-G3D: ``data_bn`` over ``(N, M*V*C, T)``
    (channel ``m*V*C + v*C + c``), every body through ``units`` (modules or functions
    ``(N*M, C, T, V) -> (N*M, C', T', V)``, in order), then the mean over time, joints and
    bodies: ``(N, C, T, V, M)`` -> ``(N, C_out)``. With ``owner`` (the network) in eval
    mode, absent (all-zero) bodies go through the units once per batch
    (:mod:`pipeline.models.bodies`)."""
    n, c, t, v, m = x.shape
    absent = absent_bodies(x) if owner is not None and may_skip_absent(owner, x) else None

    def body_inputs(raw: torch.Tensor) -> torch.Tensor:  # (B, C, T, V, M) -> (B, M, C, T, V)
        b = raw.shape[0]
        h = data_bn(raw.permute(0, 4, 3, 1, 2).reshape(b, m * v * c, t))
        return h.view(b, m, v, c, t).permute(0, 1, 3, 4, 2)

    def trunk(h: torch.Tensor) -> torch.Tensor:
        for unit in units:
            h = unit(h)
        return h

    feat = pooled_bodies(body_inputs(x), absent, trunk, lambda h: h.reshape(h.shape[0], h.shape[1], -1).mean(2),
                         lambda: body_inputs(x.new_zeros(1, c, t, v, m))[0])
    return feat.mean(1)


class AGCN(nn.Module):
    """One 2s-AGCN stream.

    Args:
        num_class: number of classes.
        num_point: V (25 for NTU, 18 for Kinetics).
        num_person: M the model was built for (official: 2); ``data_bn`` has ``M*C*V``
            channels, so inputs must have exactly this many bodies (the recogniser pads).
        graph: ``"ntu-rgb+d"`` or ``"openpose"`` (or a layout key).
        in_channels: C (3).
        width: base channels (official 64; units use width, 2*width, 4*width).
    """

    def __init__(self, num_class: int = 60, num_point: int = 25, num_person: int = 2,
                 graph: str = "ntu-rgb+d", in_channels: int = 3, width: int = 64) -> None:
        super().__init__()
        adj = torch.tensor(agcn_adjacency(graph))
        if adj.shape[-1] != num_point:
            raise ValueError(f"graph {graph!r} has {adj.shape[-1]} joints, num_point is {num_point}")
        self.num_class, self.num_point, self.num_person, self.in_channels = (
            num_class, num_point, num_person, in_channels)
        self.data_bn = nn.BatchNorm1d(num_person * in_channels * num_point)
        for u, (i, o, s, r) in enumerate(unit_plan(in_channels, width), start=1):
            self.add_module(f"l{u}", AGCNUnit(i, o, adj, stride=s, residual=r))
        self.fc = nn.Linear(4 * width, num_class)
        nn.init.normal_(self.fc.weight, 0, math.sqrt(2.0 / num_class))
        init_bn(self.data_bn, 1)

    def units(self) -> list[AGCNUnit]:
        """The 10 units ``l1..l10`` in order."""
        return [getattr(self, f"l{u}") for u in range(1, 11)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_class)`` for pre-normalised input ``(N, C, T, V, M)``."""
        return self.fc(pooled_features(x, self.data_bn, self.units(), self))
