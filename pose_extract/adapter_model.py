"""The learned Kinect adapter: a small temporal convolution network from MediaPipe's
per-frame outputs to corrections of the NTU-25 skeleton (``ciasa extract --adapter learned``).

:class:`KinectAdapter` maps ``(N, T, FEATURES)`` inputs (:mod:`pose_extract.adapter_features`)
and a ``(N, T)`` frame mask to ``(N, T, OUTPUTS)``: a pointwise input layer, residual blocks
of dilated temporal convolutions (kernel ``kernel``, dilations ``kernel**i``: the receptive
field is ``1 + (kernel - 1) * sum(kernel**i)`` frames, 27 with the defaults, under a
second at 30 fps) and a pointwise output layer initialised at zero, so an untrained adapter
is the extractor without one. Inputs are standardised by the training set's mean and
standard deviation (buffers saved with the weights); frames without a pose are zeroed after
standardisation and carry a mask channel.

Files (:func:`save_adapter` / :func:`load_adapter`): ``torch.save`` of plain containers,
format ``ciasa.kinect_adapter`` v1: ``config`` (the architecture), ``state_dict``, ``card``
(data, recipe and held-out errors, free-form JSON-able), read back with
``weights_only=True``; a file that is not one gives a one-line :class:`FormatError`
naming it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from pipeline.errors import FormatError, MissingInputError
from pipeline.io_utils import atomic_outputs
from pose_extract.adapter_features import FEATURES, OUTPUTS
from pose_extract.mapping import ntu_weights

ADAPTER_FORMAT = "ciasa.kinect_adapter"
ADAPTER_VERSION = 1
#: The bundled adapter (trained on the default world's training renders; its card says how).
BUNDLED_ADAPTER = Path(__file__).with_name("bundled") / "kinect-adapter.pt"


@dataclass(frozen=True)
class AdapterConfig:
    """Architecture of a :class:`KinectAdapter` (module docstring)."""

    width: int = 192
    blocks: int = 3
    kernel: int = 3
    dropout: float = 0.2


class _Block(nn.Module):
    def __init__(self, width: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(width, width, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.mix = nn.Conv1d(width, width, 1)
        self.act = nn.GELU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(self.drop(self.act(self.conv(x))))


class KinectAdapter(nn.Module):
    """``forward(features (N, T, FEATURES), ok (N, T)) -> (N, T, OUTPUTS)`` (module docstring)."""

    def __init__(self, config: AdapterConfig | None = None) -> None:
        super().__init__()
        self.config = config or AdapterConfig()
        c = self.config
        self.register_buffer("mean", torch.zeros(FEATURES))
        self.register_buffer("std", torch.ones(FEATURES))
        self.inp = nn.Conv1d(FEATURES + 1, c.width, 1)
        self.blocks = nn.ModuleList(_Block(c.width, c.kernel, c.kernel ** i, c.dropout) for i in range(c.blocks))
        self.act = nn.GELU()
        self.out = nn.Conv1d(c.width, OUTPUTS, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    @property
    def receptive_field(self) -> int:
        """Frames that one output frame sees."""
        c = self.config
        return 1 + (c.kernel - 1) * sum(c.kernel ** i for i in range(c.blocks))

    def set_normalisation(self, features: np.ndarray, ok: np.ndarray) -> None:
        """Standardise by the mean and standard deviation of ``features (..., FEATURES)`` over
        the frames where ``ok``."""
        x = torch.as_tensor(np.asarray(features)[np.asarray(ok, bool)], dtype=torch.float32)
        self.mean.copy_(x.mean(0))
        self.std.copy_(x.std(0).clamp_min(1e-3))

    def forward(self, features: torch.Tensor, ok: torch.Tensor) -> torch.Tensor:
        m = ok.to(features.dtype).unsqueeze(-1)
        x = (features - self.mean) / self.std * m
        h = self.inp(torch.cat([x, m], -1).transpose(1, 2))
        for block in self.blocks:
            h = block(h)
        return self.out(self.act(h)).transpose(1, 2)


@cache
def _ntu_weights_t() -> torch.Tensor:
    return torch.tensor(np.array(ntu_weights()), dtype=torch.float32)


def compose_torch(features: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    """:func:`pose_extract.adapter_features.compose` in torch, with the world landmarks and
    the translation read back from the raw ``features (N, T, FEATURES)``: ``(N, T, 25, 3)``
    metres (differentiable; used in training)."""
    world = features[..., :99].unflatten(-1, (33, 3))
    root = features[..., 198:201]
    tz = root[..., 2].exp()
    t = torch.stack([root[..., 0] * tz, root[..., 1] * tz, tz], -1)
    base = torch.einsum("jk,ntkd->ntjd", _ntu_weights_t().to(features.dtype), world)
    delta = output[..., :75].unflatten(-1, (25, 3))
    return output[..., 75].exp()[..., None, None] * (base + delta + t[..., None, :])


def save_adapter(model: KinectAdapter, path: str | Path, card: dict[str, Any] | None = None) -> Path:
    """Write ``model`` (and its ``card``) to ``path`` atomically."""
    path = Path(path)
    doc = {"format": ADAPTER_FORMAT, "version": ADAPTER_VERSION, "config": asdict(model.config),
           "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
           "card": card or {}}
    with atomic_outputs() as out:
        torch.save(doc, out.path(path))
    return path


def load_adapter(path: str | Path | None = None) -> tuple[KinectAdapter, dict[str, Any]]:
    """Read an adapter file (the bundled one when ``path`` is None): the model in eval mode
    and its card.

    Raises:
        MissingInputError: no such file.
        FormatError: not a readable ``ciasa.kinect_adapter`` v1 file, or weights that do
            not fit its architecture (one line naming the file).
    """
    path = Path(path) if path is not None else BUNDLED_ADAPTER
    if not path.is_file():
        raise MissingInputError("adapter file not found", path=path)
    try:
        doc = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one error
        raise FormatError(f"not a readable adapter file ({type(exc).__name__})", path=path) from None
    if not isinstance(doc, dict) or doc.get("format") != ADAPTER_FORMAT:
        raise FormatError(f"not a {ADAPTER_FORMAT} file", path=path, field="format")
    if doc.get("version") != ADAPTER_VERSION:
        raise FormatError(f"adapter version {doc.get('version')!r}, this code reads {ADAPTER_VERSION}",
                          path=path, field="version")
    try:
        model = KinectAdapter(AdapterConfig(**doc["config"]))
        model.load_state_dict(doc["state_dict"], strict=True)
    except (KeyError, TypeError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FormatError(f"weights do not fit the adapter: {first}", path=path, field="state_dict") from None
    model.eval()
    card = doc.get("card") if isinstance(doc.get("card"), dict) else {}
    return model, card


def run_adapter(model: KinectAdapter, features: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """The adapter's ``(T, OUTPUTS)`` output for one sequence's ``(T, FEATURES)`` inputs."""
    with torch.no_grad():
        out = model(torch.as_tensor(features, dtype=torch.float32)[None],
                    torch.as_tensor(np.asarray(ok, bool))[None])
    return out[0].double().numpy()
