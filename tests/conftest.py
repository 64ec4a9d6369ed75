"""Shared fixtures: a seeded generator and a small synthetic set (generated once)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def small_synth():
    """96 noisy synthetic sequences (8 per class), 48 frames."""
    from pipeline.synth import SynthConfig, generate_synthetic

    return generate_synthetic(SynthConfig(samples=96, frames=48, seed=7))
