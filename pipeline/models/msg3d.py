"""MS-G3D (Liu et al., CVPR 2020): disentangled multi-scale graph convolutions and G3D
spatial-temporal pathways, as the official code.

Module names, parameter shapes and the order of operations follow the official
implementation (kenziyuliu/MS-G3D, ``model/msg3d.py`` ``Model``), so a state dict it saved
(``weights-<epoch>-<step>.pt`` or the released ``ntu60_xview_joint.pt`` etc., with or
without ``module.``) loads with ``strict=True`` and computes the same logits. Keys, for
block ``b = 1, 2, 3`` with ``c_b = width * 2^(b-1)`` channels (official width 96: 96,
192, 384), input channels ``i_b`` (C, c_1, c_2), ``S`` GCN and ``G`` G3D scales, windows
``W`` in (3, 5)::

    data_bn.*                                     BatchNorm1d(M*C*V), channel m*V*C + v*C + c
    gcn3d{b}.gcn3d.{0,1}.gcn3d.1.A_res            (G*W*V, W*V)
    gcn3d{b}.gcn3d.{0,1}.gcn3d.1.mlp.layers.0.*   Conv 1x1 (E, G*i_b), E = c_1 in block 1 (3-channel
    gcn3d{b}.gcn3d.{0,1}.gcn3d.1.mlp.layers.1.*   input), else i_b; BN(E)
    gcn3d{b}.gcn3d.{0,1}.out_conv.{weight,bias}   (c_b, E, 1, W, 1)
    gcn3d{b}.gcn3d.{0,1}.out_bn.*                 BatchNorm2d(c_b)
    sgcn{b}.0.A_res                               (S*V, V)
    sgcn{b}.0.mlp.layers.{0,1}.*                  Conv 1x1 (i_b or c_{b-1}, S*...), BN: the MS-GCN
    sgcn{b}.{1,2}.branches.{0..5}.*, residual.*   multi-scale temporal convolutions (to c_b, stride
    tcn{b}.branches.{0..5}.*                      2 in sgcn{2,3}.1), as ResidualTemporalConv
    fc.{weight,bias}                              (num_class, 4*width)

Block ``b``: ``x = relu(sgcn{b}(x) + gcn3d{b}(x))`` (the last temporal convolution of
``sgcn{b}`` without its ReLU; the G3D pathways' windows stride 1, 2, 2), then
``x = tcn{b}(x)``; then the mean over time, joints and bodies and ``fc``. The fixed
graphs (:mod:`pipeline.models.graph`) are buffers that are not saved. Unlike the
official forward, nothing is moved to CUDA; the module runs on whatever device it is on.

Input ``(N, C, T, V, M)`` with exactly ``M = num_person`` bodies, pre-normalised as the
official data generation does (2s-AGCN's ``pre_normalization``; bone vectors for the
bone stream): the :class:`~pipeline.models.recognizer.Recognizer` does that inside its
forward. The official test feeder passes the 300 generated frames unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from pipeline.models.agcn import pooled_features
from pipeline.models.ctrgcn import check_model_input
from pipeline.models.graph import binary_adjacency
from pipeline.models.msg3d_layers import MultiScaleGraphConv, MultiWindowG3D, ResidualTemporalConv

#: Official channels of the first block (then x2, x4).
OFFICIAL_WIDTH = 96
#: Branches of the multi-scale temporal convolution: widths must be multiples of this.
TEMPORAL_BRANCHES = 6
#: G3D window strides of the three blocks.
BLOCK_STRIDES = (1, 2, 2)


class MSG3D(nn.Module):
    """One MS-G3D stream (joint or bone: the official code tells them apart by the input
    only).

    Args:
        num_class: number of classes.
        num_point: V (25 for NTU, 18 for the OpenPose layout).
        num_person: M the model was built for (official: 2); ``data_bn`` has ``M*C*V``
            channels, so inputs must have exactly this many bodies (the recogniser pads).
        num_gcn_scales: scales of the MS-GCN pathway (official NTU 13, Kinetics 8).
        num_g3d_scales: scales of the G3D pathways (official NTU 6, Kinetics 8).
        graph: ``"ntu-rgb+d"`` or ``"openpose"`` (or a layout key).
        in_channels: C (3).
        width: channels of the first block (official 96; then 2x and 4x); a multiple of 6.
    """

    def __init__(self, num_class: int = 60, num_point: int = 25, num_person: int = 2,
                 num_gcn_scales: int = 13, num_g3d_scales: int = 6, graph: str = "ntu-rgb+d",
                 in_channels: int = 3, width: int = OFFICIAL_WIDTH) -> None:
        super().__init__()
        adj = binary_adjacency(graph)
        if adj.shape[-1] != num_point:
            raise ValueError(f"graph {graph!r} has {adj.shape[-1]} joints, num_point is {num_point}")
        if width < TEMPORAL_BRANCHES or width % TEMPORAL_BRANCHES:
            raise ValueError(f"MS-G3D width must be a multiple of {TEMPORAL_BRANCHES} (its temporal "
                             f"branches), got {width}")
        if num_gcn_scales < 1 or num_g3d_scales < 1:
            raise ValueError(f"MS-G3D needs at least one scale, got num_gcn_scales={num_gcn_scales}, "
                             f"num_g3d_scales={num_g3d_scales}")
        self.num_class, self.num_point, self.num_person, self.in_channels = (
            num_class, num_point, num_person, in_channels)
        self.data_bn = nn.BatchNorm1d(num_person * in_channels * num_point)
        channels = (in_channels, width, 2 * width, 4 * width)
        for b, stride in enumerate(BLOCK_STRIDES, start=1):
            cin, cout = channels[b - 1], channels[b]
            self.add_module(f"gcn3d{b}", MultiWindowG3D(cin, cout, adj, num_g3d_scales, window_stride=stride))
            # the MS-GCN keeps the width of the previous block (block 1: the first width)
            gcn_out = width if b == 1 else cin
            self.add_module(f"sgcn{b}", nn.Sequential(
                MultiScaleGraphConv(num_gcn_scales, cin, gcn_out, adj),
                ResidualTemporalConv(gcn_out, cout, stride=stride),
                ResidualTemporalConv(cout, cout, activation=False)))
            self.add_module(f"tcn{b}", ResidualTemporalConv(cout, cout))
        self.fc = nn.Linear(4 * width, num_class)

    def block(self, b: int, x: torch.Tensor) -> torch.Tensor:
        """Block ``b`` (1..3): ``tcn(relu(sgcn(x) + gcn3d(x)))``; ``(N*M, C, T, V)`` in and out."""
        x = torch.relu(getattr(self, f"sgcn{b}")(x) + getattr(self, f"gcn3d{b}")(x))
        return getattr(self, f"tcn{b}")(x)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise :class:`~pipeline.errors.ValidationError` naming the field if ``x`` is not
        ``(N, C, T, V, M)`` with this model's C, V and M."""
        check_model_input(x, "MS-G3D", self.in_channels, self.num_point, self.num_person)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_class)`` for pre-normalised input ``(N, C, T, V, M)``."""
        self.check_input(x)
        blocks = [lambda h, b=b: self.block(b, h) for b in range(1, len(BLOCK_STRIDES) + 1)]
        return self.fc(pooled_features(x, self.data_bn, blocks, self))
