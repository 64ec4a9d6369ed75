"""The :class:`Recognizer`: a network plus everything needed to feed it correctly.

A recogniser maps raw skeleton tensors ``(N, C, T, V, M)`` (the project's contract: NTU
in Kinect camera coordinates, metres, zero-padded) to logits ``(N, K)``. Preprocessing
is part of its forward, so gradients flow from the logits back to the raw coordinates
(what an attack needs, and what a transfer evaluation needs when it feeds one model's
adversarial skeletons to another). A recogniser has one or more *streams* (an ST-GCN; a
2s-AGCN joint or bone stream; a CTR-GCN stream; an MS-G3D stream; or an ensemble such as
2s-AGCN joint + bone, logits summed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from pipeline.errors import ValidationError
from pipeline.layouts import Layout
from pipeline.models.preprocess import (
    CTRGCN_WINDOW,
    agcn_pre_normalize,
    bone_transform,
    center_on_first_frame,
    ctrgcn_input,
    resize_valid_frames,
    zero_pad_frames,
)

#: Input conventions a stream can declare.
INPUT_RAW = "raw camera coordinates"


class Preprocess(nn.Module):
    """A named, differentiable input transform ``(N, C, T, V, M) -> (N, C, T, V, M)``.

    Kinds: ``"none"``; ``"center"`` (translate each sample so body 0's root joint starts
    at the origin: a translation-invariant input for models trained on little data);
    ``"agcn-prenorm"`` (the official 2s-AGCN pre-normalisation, which MS-G3D's data
    generation shares); ``"bone"`` (bone vectors); ``"agcn-prenorm+bone"`` (pre-normalise,
    then bones, as the official bone-stream data of both); ``"ctrgcn"``, ``"ctrgcn+bone"``,
    ``"ctrgcn+motion"``, ``"ctrgcn+bone+motion"`` (the official CTR-GCN test pipeline of
    the joint, bone, joint motion and bone motion streams: translation on NTU data,
    central 95 % crop of the valid frames resized to 64 frames, then bones and / or
    motion: :func:`~pipeline.models.preprocess.ctrgcn_input`).

    Any other kind may be prefixed by ``"resize<W>+"`` (e.g. ``"resize64+center"``): first
    the sample's valid frames are resampled to ``W`` frames
    (:func:`~pipeline.models.preprocess.resize_valid_frames`, the temporal resize of the
    CTR-GCN feeder), then the base transform runs on the ``W`` frames. On a
    CTR-GCN kind the prefix sets the feeder's own window instead (``"resize48+ctrgcn"``:
    crop, then resize to 48 frames). After it (or alone) ``"pad<P>+"`` zero-pads the
    transformed frames to ``P`` (``"resize32+pad128+none"``): the official ST-GCN feeder
    reads NTU zero-padded to 300 frames, so its pooled features mix the motion with the
    padding's (:func:`~pipeline.models.preprocess.zero_pad_frames`)."""

    KINDS = ("none", "center", "agcn-prenorm", "bone", "agcn-prenorm+bone",
             "ctrgcn", "ctrgcn+bone", "ctrgcn+motion", "ctrgcn+bone+motion")

    def __init__(self, kind: str, layout: Layout) -> None:
        super().__init__()
        window, pad, base = parse_preprocess(kind)
        if "prenorm" in base and layout.name != "ntu25":
            raise ValueError(f"the 2s-AGCN pre-normalisation is defined for the NTU layout, not {layout.name}")
        self.kind = kind
        self.base = base
        self.window = window
        self.pad = pad
        self.layout = layout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # geometry stays in the input's precision even inside a bf16 autocast region
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._transform(x)

    def _transform(self, x: torch.Tensor) -> torch.Tensor:
        x = self._base(x)
        return x if self.pad is None else zero_pad_frames(x, self.pad)

    def _base(self, x: torch.Tensor) -> torch.Tensor:
        if self.base.startswith("ctrgcn"):
            return ctrgcn_input(x, self.layout, bone="bone" in self.base, motion="motion" in self.base,
                                window=self.window or CTRGCN_WINDOW)
        if self.window is not None:
            x = resize_valid_frames(x, self.window)
        if self.base == "center":
            return center_on_first_frame(x, self.layout.root)
        if "prenorm" in self.base:
            x = agcn_pre_normalize(x, self.layout)
        if "bone" in self.base:
            x = bone_transform(x, self.layout)
        return x

    def extra_repr(self) -> str:
        return self.kind


def parse_preprocess(kind: str) -> tuple[int | None, int | None, str]:
    """``"resize64+center"`` -> ``(64, None, "center")``; ``"resize32+pad128+none"`` ->
    ``(32, 128, "none")``; ``"center"`` -> ``(None, None, "center")``: the temporal resize,
    the zero padding and the base transform. Raises ValueError naming the known kinds for
    anything else."""
    window = pad = None
    base = kind
    head, sep, rest = base.partition("+")
    if sep and head.startswith("resize"):
        window, base = _prefix_frames(head, "resize", kind), rest
        head, sep, rest = base.partition("+")
    if sep and head.startswith("pad"):
        pad, base = _prefix_frames(head, "pad", kind), rest
    if base not in Preprocess.KINDS:
        raise ValueError(f"unknown preprocessing {kind!r}; known: {', '.join(Preprocess.KINDS)}, each optionally "
                         "prefixed by resize<frames>+ and / or pad<frames>+")
    return window, pad, base


def _prefix_frames(head: str, name: str, kind: str) -> int:
    digits = head[len(name):]
    if not digits.isdigit() or int(digits) < 1:
        raise ValueError(f"bad {name} {head!r} in preprocessing {kind!r}: expected {name}<frames>")
    return int(digits)


class Stream(nn.Module):
    """One network and its preprocessing. ``num_person``: the exact M the network needs
    (2s-AGCN's ``data_bn`` spans M*C*V channels), or None when any M works (ST-GCN)."""

    def __init__(self, net: nn.Module, preprocess: Preprocess, *, arch: str, num_person: int | None,
                 config: dict[str, Any]) -> None:
        super().__init__()
        self.net = net
        self.preprocess = preprocess
        self.arch = arch
        self.num_person = num_person
        self.config = dict(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.preprocess(x))


@dataclass(frozen=True)
class InputSpec:
    """What a recogniser expects: channels ``C``, joints ``V`` (layout), bodies ``M`` (None:
    any; otherwise the input is zero-padded up to it, more is an error), and the
    coordinate convention of the raw input."""

    channels: int
    layout: str
    num_joints: int
    num_person: int | None
    coordinates: str


class Recognizer(nn.Module):
    """Raw skeletons ``(N, C, T, V, M)`` -> logits ``(N, K)``, the sum over its streams.

    Attributes:
        streams: the networks with their preprocessing.
        layout: the joint layout (V, graph) of the input.
        class_names: ``K`` names, index = class.
        name: a short identifier (bundled name, file name, or arch).
        meta: provenance (checkpoint path, training recipe, ...).
    """

    def __init__(self, streams: list[Stream], *, layout: Layout, class_names: list[str], name: str,
                 meta: dict[str, Any] | None = None) -> None:
        super().__init__()
        if not streams:
            raise ValueError("a recogniser needs at least one stream")
        self.streams = nn.ModuleList(streams)
        self.layout = layout
        self.class_names = list(class_names)
        self.name = name
        self.meta = dict(meta or {})
        people = {s.num_person for s in streams if s.num_person is not None}
        if len(people) > 1:
            raise ValueError(f"streams disagree on the number of bodies: {sorted(people)}")
        channels = {s.config.get("in_channels", 3) for s in streams}
        if len(channels) > 1:
            raise ValueError(f"streams disagree on the number of channels: {sorted(channels)}")
        kinds = sorted({s.preprocess.kind for s in streams} - {"none"})
        self.input_spec = InputSpec(
            channels=channels.pop(), layout=layout.name, num_joints=layout.num_joints,
            num_person=people.pop() if people else None,
            coordinates=INPUT_RAW + (f" (transformed inside the forward: {', '.join(kinds)})" if kinds else ""))

    @property
    def model(self) -> nn.Module:
        """The network of a single-stream recogniser (the first stream's otherwise)."""
        return self.streams[0].net

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def arch(self) -> str:
        """``"stgcn"``, ``"agcn-joint"``, ``"agcn-bone"``, ``"agcn-ensemble"``, ``"ctrgcn"``,
        ``"ctrgcn-bone"``, ``"ctrgcn-motion"``, ``"ctrgcn-bone-motion"``, ``"msg3d"``,
        ``"msg3d-bone"``, or several joined by ``+``."""
        archs = [s.arch for s in self.streams]
        if sorted(archs) == ["agcn-bone", "agcn-joint"]:
            return "agcn-ensemble"
        return "+".join(archs)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise :class:`ValidationError` (naming the field) if ``x`` cannot be fed."""
        spec = self.input_spec
        if not isinstance(x, torch.Tensor):
            raise ValidationError(f"expected a torch tensor, got {type(x).__name__}", field="data")
        if x.dim() != 5:
            raise ValidationError(
                f"expected (N, C, T, V, M), got {x.dim()} dimensions {tuple(x.shape)}", field="data")
        if not torch.is_floating_point(x):
            raise ValidationError(f"expected floating point input, got {x.dtype}", field="data")
        if x.shape[1] != spec.channels:
            raise ValidationError(
                f"recogniser {self.name} takes C={spec.channels} channels, input has C={x.shape[1]}",
                field="C")
        if x.shape[3] != spec.num_joints:
            raise ValidationError(
                f"recogniser {self.name} takes V={spec.num_joints} joints ({spec.layout}), "
                f"input has V={x.shape[3]}", field="V")
        if spec.num_person is not None and x.shape[4] > spec.num_person:
            raise ValidationError(
                f"recogniser {self.name} takes at most M={spec.num_person} bodies, input has "
                f"M={x.shape[4]}", field="M")
        if x.shape[2] < 1 or x.shape[0] < 1:
            raise ValidationError(f"empty input {tuple(x.shape)}", field="data")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, K)`` for raw input ``(N, C, T, V, M)`` (M padded with absent
        bodies up to what the network needs)."""
        self.check_input(x)
        need = self.input_spec.num_person
        if need is not None and x.shape[4] < need:
            pad = x.new_zeros(*x.shape[:4], need - x.shape[4])
            x = torch.cat((x, pad), dim=4)
        logits = None
        for stream in self.streams:
            out = stream(x)
            logits = out if logits is None else logits + out
        return logits

    @torch.no_grad()
    def predict(self, data: torch.Tensor, batch_size: int = 32) -> torch.Tensor:
        """Logits ``(N, K)`` for a large input, in batches, without gradients."""
        parts = [self(data[i:i + batch_size]) for i in range(0, data.shape[0], batch_size)]
        return torch.cat(parts)
