"""CTR-GCN (Chen et al., ICCV 2021): channel-wise topology refinement, as the official code.

Module names, parameter shapes and the order of operations follow the official
implementation (Uason-Chen/CTR-GCN, ``model/ctrgcn.py``), so that a state dict it saved
(``runs-<epoch>-<step>.pt``, with or without the ``module.`` prefix) loads with
``strict=True`` and computes the same logits. State-dict keys, for unit ``l{1..10}`` with
``in``/``out`` channels, ``b = out / 4`` temporal-branch channels and ``r`` relation
channels (8 when ``in`` is 3 or 9, else ``in / 8``)::

    data_bn.*                                       BatchNorm1d(M*C*V), channel m*V*C + v*C + c
    l{u}.gcn1.PA                                    (3, V, V) learned graph, initialised to A
    l{u}.gcn1.alpha                                 (1,) refinement scale, initialised to 0
    l{u}.gcn1.convs.{0,1,2}.conv{1,2}.{weight,bias} (r, in, 1, 1), (r,)
    l{u}.gcn1.convs.{0,1,2}.conv3.{weight,bias}     (out, in, 1, 1), (out,)
    l{u}.gcn1.convs.{0,1,2}.conv4.{weight,bias}     (out, r, 1, 1), (out,)
    l{u}.gcn1.down.{0,1}.*                          [Conv 1x1, BN] where in != out (l1, l5, l8)
    l{u}.gcn1.bn.*                                  BatchNorm2d(out)
    l{u}.tcn1.branches.{0,1}.0.{weight,bias}        (b, out, 1, 1): 1x1 conv, then
    l{u}.tcn1.branches.{0,1}.1.*                    BN, ReLU,
    l{u}.tcn1.branches.{0,1}.3.conv.{weight,bias}   (b, b, 5, 1): dilation 1 / 2, stride s
    l{u}.tcn1.branches.{0,1}.3.bn.*
    l{u}.tcn1.branches.2.{0,1,4}.*                  1x1 conv, BN, ReLU, max-pool (3x1, stride s), BN
    l{u}.tcn1.branches.3.{0,1}.*                    1x1 conv with stride s, BN
    l{5,8}.residual.{conv,bn}.*                     unit_tcn with kernel 1, stride 2
    fc.{weight,bias}                                (num_class, 4*width)

Without ``adaptive`` (an official option, off in no official config) there is no ``PA``
and the fixed graph is a buffer that is not saved, as the official code keeps it outside
the state dict. Unlike the official forward, nothing is moved to CUDA: the module runs on
whatever device it is on. The graph is 2s-AGCN's (identity, inward, outward, the latter
two normalised column-wise: :func:`~pipeline.models.graph.agcn_adjacency`).

Input ``(N, C, T, V, M)`` with exactly ``M = num_person`` bodies, already prepared as the
official data pipeline does (translated, cropped and resized in time, bone / motion for
those streams); the :class:`~pipeline.models.recognizer.Recognizer` does that inside its
forward (:func:`~pipeline.models.preprocess.ctrgcn_input`). The official forward also
accepts ``(N, T, V*C)`` single-body input; this one takes the five-axis layout only.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from pipeline.errors import ValidationError
from pipeline.models.agcn import GraphTemporalUnit, init_bn, init_conv, pooled_features, unit_plan
from pipeline.models.graph import agcn_adjacency

#: Temporal kernel and dilations of the multi-scale temporal convolution in every unit.
TEMPORAL_KERNEL = 5
DILATIONS = (1, 2)
#: Relation channels are ``in / REL_REDUCTION`` (8 for 3- or 9-channel input).
REL_REDUCTION = 8
SMALL_INPUT_REL = 8


def relation_channels(in_channels: int) -> int:
    """Channels of the pairwise joint relations in a CTR-GC (official rule)."""
    return SMALL_INPUT_REL if in_channels in (3, 9) else in_channels // REL_REDUCTION


class DilatedTemporalConv(nn.Module):
    """``TemporalConv``: a ``k x 1`` convolution with dilation, padded to keep T (at stride
    1), then BN."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 dilation: int = 1) -> None:
        super().__init__()
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        self.conv = nn.Conv2d(in_channels, out_channels, (kernel_size, 1), (stride, 1), (pad, 0),
                              (dilation, 1))
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


def _branch_init(module: nn.Module) -> None:
    """The official ``weights_init`` of the temporal branches: Kaiming convolutions, BN
    scales drawn around 1."""
    if isinstance(module, nn.Conv2d):
        init_conv(module)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.constant_(module.bias, 0)


class MultiScaleTemporalConv(nn.Module):
    """``MultiScale_TemporalConv`` (without its residual, which CTR-GCN never enables):
    four branches of ``out / 4`` channels concatenated on the channel axis: two dilated
    temporal convolutions (dilation 1 and 2), a max-pool, a strided 1x1 convolution."""

    def __init__(self, channels: int, out_channels: int, stride: int = 1,
                 kernel_size: int = TEMPORAL_KERNEL, dilations: tuple[int, ...] = DILATIONS) -> None:
        super().__init__()
        num_branches = len(dilations) + 2
        if out_channels % num_branches:
            raise ValueError(f"CTR-GCN temporal convolution: {out_channels} channels are not a multiple "
                             f"of its {num_branches} branches")
        b = out_channels // num_branches
        branches: list[nn.Module] = [
            nn.Sequential(nn.Conv2d(channels, b, 1), nn.BatchNorm2d(b), nn.ReLU(),
                          DilatedTemporalConv(b, b, kernel_size, stride, d))
            for d in dilations]
        branches.append(nn.Sequential(nn.Conv2d(channels, b, 1), nn.BatchNorm2d(b), nn.ReLU(),
                                      nn.MaxPool2d((3, 1), (stride, 1), (1, 0)), nn.BatchNorm2d(b)))
        branches.append(nn.Sequential(nn.Conv2d(channels, b, 1, (stride, 1)), nn.BatchNorm2d(b)))
        self.branches = nn.ModuleList(branches)
        self.apply(_branch_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class CTRGC(nn.Module):
    """Channel-wise topology refinement graph convolution for one graph subset.

    ``q = mean_t conv1(x)``, ``k = mean_t conv2(x)`` (``N x r x V``); per channel a
    refined topology ``G[n, c, u, v] = alpha * conv4(tanh(q[.., u] - k[.., v]))[n, c] +
    A[u, v]``; output ``y[n, c, t, u] = sum_v G[n, c, u, v] * conv3(x)[n, c, t, v]``."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        rel = relation_channels(in_channels)
        if rel < 1:
            raise ValueError(f"CTR-GC with {in_channels} input channels has no relation channels "
                             f"(in / {REL_REDUCTION} < 1); use a width of at least {REL_REDUCTION}")
        self.conv1 = nn.Conv2d(in_channels, rel, 1)
        self.conv2 = nn.Conv2d(in_channels, rel, 1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, 1)
        self.conv4 = nn.Conv2d(rel, out_channels, 1)
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            init_conv(conv)

    def forward(self, x: torch.Tensor, adj: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        q = self.conv1(x).mean(-2)  # N x r x V
        k = self.conv2(x).mean(-2)  # N x r x V
        value = self.conv3(x)  # N x out x T x V
        relation = torch.tanh(q.unsqueeze(-1) - k.unsqueeze(-2))  # N x r x V x V
        topology = self.conv4(relation) * alpha + adj  # N x out x V x V
        return torch.einsum("ncuv,nctv->nctu", topology, value)


class CTRGraphUnit(nn.Module):
    """``unit_gcn``: one CTR-GC per subset of the graph, summed, BN, plus a (projected)
    shortcut, ReLU. The graph is the learned ``PA`` (``adaptive``) or the fixed ``A``."""

    def __init__(self, in_channels: int, out_channels: int, adj: torch.Tensor, adaptive: bool = True) -> None:
        super().__init__()
        self.adaptive = adaptive
        self.convs = nn.ModuleList(CTRGC(in_channels, out_channels) for _ in range(adj.shape[0]))
        self.down = (nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), nn.BatchNorm2d(out_channels))
                     if in_channels != out_channels else None)
        if adaptive:
            self.PA = nn.Parameter(adj.clone())
        else:
            self.register_buffer("A", adj.clone(), persistent=False)
        self.alpha = nn.Parameter(torch.zeros(1))
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        if self.down is not None:
            init_conv(self.down[0])
            init_bn(self.down[1], 1)
        init_bn(self.bn, 1e-6)

    def graph(self) -> torch.Tensor:
        """The ``(K, V, V)`` graph the unit aggregates with."""
        return self.PA if self.adaptive else self.A

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        adj = self.graph()
        y = None
        for i, conv in enumerate(self.convs):
            z = conv(x, adj[i], self.alpha)
            y = z if y is None else y + z
        y = self.bn(y) + (x if self.down is None else self.down(x))
        return self.relu(y)


class CTRGCNUnit(GraphTemporalUnit):
    """CTR-GCN's unit: :class:`CTRGraphUnit` then :class:`MultiScaleTemporalConv`."""

    def __init__(self, in_channels: int, out_channels: int, adj: torch.Tensor, stride: int = 1,
                 residual: bool = True, adaptive: bool = True) -> None:
        super().__init__(CTRGraphUnit(in_channels, out_channels, adj, adaptive=adaptive),
                         MultiScaleTemporalConv(out_channels, out_channels, stride=stride),
                         in_channels, out_channels, stride=stride, residual=residual)


def check_model_input(x: torch.Tensor, model: str, channels: int, joints: int, bodies: int) -> None:
    """Raise :class:`ValidationError` naming the field if ``x`` is not ``(N, C, T, V, M)``
    with ``C = channels``, ``V = joints``, ``M = bodies`` (``model`` names the network in
    the message)."""
    if x.dim() != 5:
        raise ValidationError(f"{model} takes (N, C, T, V, M), got {x.dim()} dimensions {tuple(x.shape)}",
                              field="data")
    for axis, name, need in ((1, "C", channels), (3, "V", joints), (4, "M", bodies)):
        if x.shape[axis] != need:
            raise ValidationError(f"{model} built for {name}={need}, input has {name}={x.shape[axis]}",
                                  field=name)


class CTRGCN(nn.Module):
    """One CTR-GCN stream (joint, bone, joint motion or bone motion: the official code
    tells them apart by the input only).

    Args:
        num_class: number of classes.
        num_point: V (25 for NTU, 18 for the OpenPose layout).
        num_person: M the model was built for (official: 2); ``data_bn`` has ``M*C*V``
            channels, so inputs must have exactly this many bodies (the recogniser pads).
        graph: ``"ntu-rgb+d"`` or ``"openpose"`` (or a layout key).
        in_channels: C (3).
        width: base channels (official 64; units use width, 2*width, 4*width); a multiple
            of 4 and at least 8.
        drop_out: dropout before ``fc`` (official default 0).
        adaptive: learn the graph as the parameter ``PA`` (official default True).
    """

    def __init__(self, num_class: int = 60, num_point: int = 25, num_person: int = 2,
                 graph: str = "ntu-rgb+d", in_channels: int = 3, width: int = 64,
                 drop_out: float = 0.0, adaptive: bool = True) -> None:
        super().__init__()
        adj = torch.tensor(agcn_adjacency(graph))
        if adj.shape[-1] != num_point:
            raise ValueError(f"graph {graph!r} has {adj.shape[-1]} joints, num_point is {num_point}")
        if width < REL_REDUCTION or width % 4:
            raise ValueError(f"CTR-GCN width must be a multiple of 4 and at least {REL_REDUCTION}, got {width}")
        self.num_class, self.num_point, self.num_person, self.in_channels = (
            num_class, num_point, num_person, in_channels)
        self.data_bn = nn.BatchNorm1d(num_person * in_channels * num_point)
        for u, (i, o, s, r) in enumerate(unit_plan(in_channels, width), start=1):
            self.add_module(f"l{u}", CTRGCNUnit(i, o, adj, stride=s, residual=r, adaptive=adaptive))
        self.fc = nn.Linear(4 * width, num_class)
        self.drop_out = nn.Dropout(drop_out) if drop_out else nn.Identity()
        nn.init.normal_(self.fc.weight, 0, math.sqrt(2.0 / num_class))
        init_bn(self.data_bn, 1)

    def units(self) -> list[CTRGCNUnit]:
        """The 10 units ``l1..l10`` in order."""
        return [getattr(self, f"l{u}") for u in range(1, 11)]

    def check_input(self, x: torch.Tensor) -> None:
        """Raise :class:`ValidationError` naming the field if ``x`` is not ``(N, C, T, V, M)``
        with this model's C, V and M."""
        check_model_input(x, "CTR-GCN", self.in_channels, self.num_point, self.num_person)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_class)`` for prepared input ``(N, C, T, V, M)``."""
        self.check_input(x)
        return self.fc(self.drop_out(pooled_features(x, self.data_bn, self.units(), self)))
