"""Fixtures for the attack tests: tiny recognisers and a small batch with padding and an
absent body."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture(scope="session")
def synth_set():
    """48 synthetic NTU sequences, 32 frames (valid lengths below 32: zero padding)."""
    from pipeline.synth import SynthConfig, generate_synthetic

    return generate_synthetic(SynthConfig(samples=48, frames=32, seed=7))


@pytest.fixture(scope="session")
def tiny_model():
    """An untrained width-8 ST-GCN (12 classes), eval mode, parameters trainable (as
    ``build_recognizer`` leaves them), fixed seed."""
    from pipeline.models import build_recognizer

    torch.manual_seed(0)
    return build_recognizer("stgcn", 12, width=8).eval()


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    """A width-8 ST-GCN trained for a few seconds on 96 synthetic sequences."""
    from pipeline.models import load_recognizer
    from pipeline.synth import SynthConfig, generate_synthetic
    from pipeline.train import train_recognizer
    from pipeline.train_config import TrainConfig

    data = generate_synthetic(SynthConfig(samples=96, frames=32, seed=7))
    out = tmp_path_factory.mktemp("trained") / "tiny.pt"
    cfg = TrainConfig(epochs=12, batch_size=16, width=8, dropout=0.0, random_move=False, random_crop=1.0,
                      preprocess="center", seed=0)
    train_recognizer(cfg, data, out)
    return load_recognizer(out)


@pytest.fixture
def batch(synth_set):
    """``(x, labels, num_frames)`` for 4 samples with M = 2: body 1 is present only in the
    first 10 frames of sample 0 (absent elsewhere); every sample has zero padding."""
    x = torch.from_numpy(np.ascontiguousarray(synth_set.data[:4]))
    nf = torch.from_numpy(synth_set.num_frames[:4]).clone()
    nf[1] = 20
    x[1, :, 20:] = 0
    second = torch.zeros_like(x)
    second[0, :, :10] = x[0, :, :10] + torch.tensor([0.8, 0.0, 0.3]).reshape(3, 1, 1, 1)
    x2 = torch.cat([x, second], dim=4)
    assert bool((nf < 32).all())
    return x2, torch.from_numpy(synth_set.label[:4]), nf


@pytest.fixture
def untouched():
    """``untouched(x, num_frames)`` -> ``(N, C, T, V, M)`` bool: padding and absent bodies."""
    from pipeline.tensor import valid_mask

    def mask(x: torch.Tensor, num_frames: torch.Tensor) -> torch.Tensor:
        return ~valid_mask(x, num_frames)[:, None, :, None, :].expand_as(x)

    return mask
