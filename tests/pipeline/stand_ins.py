"""Recognisers whose every prediction is known, for the evaluation tests.

Both wrap a tiny real :class:`pipeline.models.Recognizer` (so class names, layout and input
checks are the real ones) and replace only its forward:

* :class:`Marker` predicts the class the data is marked with: logit of class ``j`` is
  ``-(j - m)^2``, ``m = x[n, 0, 0, 0, 0]`` (first coordinate of the first joint in the first
  frame); :func:`marked` writes such markers into a set.
* :class:`FixedLogits` returns preset logits row by row, whatever the input.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from pipeline.models import build_recognizer

#: The cross-modal fixtures' size (tests/pipeline/conftest.py) and the attack's target of
#: sample ``i`` there.
N = 12
TARGETS = (np.arange(N) + 1) % N


class _Wrapped(torch.nn.Module):
    """Delegates every attribute it lacks to the wrapped recogniser ``inner``."""

    def __init__(self, inner) -> None:
        super().__init__()
        self.inner = inner

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.inner, name)


class Marker(_Wrapped):
    """Predicts each sample's marker; counts its forwards and records the training flag of
    each (``calls``, ``modes``)."""

    def __init__(self, class_names: list[str], name: str = "marker") -> None:
        super().__init__(build_recognizer("stgcn", len(class_names), class_names=class_names, width=8, name=name))
        self.calls = 0
        self.modes: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inner.check_input(x)
        self.calls += 1
        self.modes.append(self.training)
        j = torch.arange(self.inner.num_classes, dtype=x.dtype)
        return -(j[None, :] - x[:, 0, 0, 0, 0, None]) ** 2


class FixedLogits(_Wrapped):
    """Returns ``logits`` ``(N, K)`` row by row over successive forwards (``seen`` rows so far)."""

    def __init__(self, rec, logits: torch.Tensor) -> None:
        super().__init__(rec)
        self.logits = logits
        self.seen = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inner.check_input(x)
        out = self.logits[self.seen:self.seen + x.shape[0]]
        self.seen += x.shape[0]
        return out


def marked(sset, markers):
    """``sset`` with sample ``n``'s marker set to ``markers[n]`` (its data copied)."""
    data = np.array(sset.data, copy=True)
    data[:, 0, 0, 0, 0] = markers
    return replace(sset, data=data)


def marker_confidence(num_class: int, at: int = 0) -> float:
    """Softmax probability of the marked class (marker ``at``) under :class:`Marker`."""
    logits = -((np.arange(num_class) - at) ** 2.0)
    return float(np.exp(logits[at]) / np.exp(logits).sum())
