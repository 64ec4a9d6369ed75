"""Shared fixtures of the pipeline tests: a cross-modal run's four sets with every
prediction known (the cross-modal evaluation and transfer tests), and two waving sequences
with an arm-perturbed copy (the plot tests).

Twelve synthetic samples, sample ``i`` of class ``i``, each marked with its label
(:mod:`tests.pipeline.stand_ins`). The attack's target of sample ``i`` is ``(i + 1) % 12``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.crossmodal import TARGET_META_KEY
from pipeline.skeleton_set import SkeletonSet
from tests.pipeline.plot_sequences import perturbed_arms, waving_set
from tests.pipeline.stand_ins import TARGETS, N, marked


@pytest.fixture(scope="module")
def clean():
    """12 synthetic samples, sample i of class i, 16 frames, marker = label."""
    from pipeline.synth import SynthConfig, generate_synthetic

    synth = generate_synthetic(SynthConfig(samples=36, frames=16, seed=3))
    rows = [int(np.flatnonzero(synth.label == k)[0]) for k in range(N)]
    sset = replace(synth.subset(rows), splits={}, sample_meta={})
    return marked(sset, sset.label)


@pytest.fixture(scope="module")
def adversarial(clean):
    """Source adversarial: samples 0..8 pushed to their target, 9..11 not; targets in meta."""
    markers = np.where(np.arange(N) < 9, TARGETS, np.arange(N))
    adv = marked(clean, markers)
    return replace(adv, sample_meta={TARGET_META_KEY: TARGETS.astype(np.int64)})


def _shorter(sset, frames: int = 12):
    """The same samples cut to ``frames`` frames (recovered sets may differ in T)."""
    return replace(sset, data=np.ascontiguousarray(sset.data[:, :, :frames]),
                   num_frames=np.minimum(sset.num_frames, frames))


def _from_rows(clean, rows, names_of):
    """Samples ``rows`` of ``clean`` (their data, hence their class's marker) under the
    names and labels of ``names_of``."""
    sub = clean.subset(list(rows))
    ref = clean.subset(list(names_of))
    return replace(sub, name=ref.name, label=ref.label)


@pytest.fixture(scope="module")
def clean_recovered(clean):
    """Recovered clean: 0 and 1 misread (as 5 and 6), the rest right; shuffled, T = 12."""
    rows = [5, 6] + list(range(2, N))
    rec = _shorter(_from_rows(clean, rows, range(N)))
    return rec.subset(np.random.default_rng(0).permutation(N))


@pytest.fixture(scope="module")
def adversarial_recovered(clean):
    """Recovered adversarial: 0..3 still the target, 4..7 back to the label, 8..10 another
    class, 11 missing (extraction failed); shuffled, T = 12."""
    rows = [1, 2, 3, 4, 4, 5, 6, 7, 2, 3, 4]
    rec = _shorter(_from_rows(clean, rows, range(11)))
    return rec.subset(np.random.default_rng(1).permutation(11))


@pytest.fixture
def four(clean, adversarial, clean_recovered, adversarial_recovered):
    """(clean, adversarial, clean recovered, adversarial recovered)."""
    return clean, adversarial, clean_recovered, adversarial_recovered


@pytest.fixture()
def waving() -> SkeletonSet:
    """Two waving sequences (30 and 20 valid frames of 40), two bodies (plot tests)."""
    return waving_set()


@pytest.fixture()
def waving_adv(waving: SkeletonSet) -> SkeletonSet:
    """``waving`` with its arms perturbed (the comparison drawn in red)."""
    return perturbed_arms(waving)
