"""The adapter recipe's draw of training windows (flows.adapter_recipe)."""

from __future__ import annotations

import numpy as np
import pytest

from flows.adapter_recipe import training_windows
from pipeline.errors import ValidationError
from pipeline.synth import SynthConfig, generate_synthetic


@pytest.fixture(scope="module")
def world():
    return generate_synthetic(SynthConfig(samples=36, frames=64, seed=3))


def test_windows_are_class_balanced_cut_and_deterministic(world):
    a = training_windows(world, per_class=2, frames=20, seed=5)
    b = training_windows(world, per_class=2, frames=20, seed=5)
    c = training_windows(world, per_class=2, frames=20, seed=6)
    classes = np.unique(world.label)
    assert len(a) == 2 * len(classes)
    assert all((a.label == k).sum() == 2 for k in classes)
    assert a.data.shape[2] == 20 and (a.num_frames <= 20).all() and (a.num_frames >= 1).all()
    np.testing.assert_array_equal(a.data, b.data)
    assert list(a.name) == list(b.name) and (list(a.name) != list(c.name) or not np.array_equal(a.data, c.data))
    # every window is a contiguous piece of its source sample
    for k, name in enumerate(a.name):
        i = int(np.flatnonzero(world.name == name)[0])
        src, win = world.data[i], a.data[k, :, : a.num_frames[k]]
        starts = [s for s in range(int(world.num_frames[i]) - int(a.num_frames[k]) + 1)
                  if np.array_equal(src[:, s:s + int(a.num_frames[k])], win)]
        assert starts, name
        assert not a.data[k, :, a.num_frames[k]:].any()
    assert a.provenance["adapter_windows"] == {"per_class": 2, "frames": 20, "seed": 5}
    for key, val in a.sample_meta.items():
        assert len(val) == len(a)


def test_bad_settings_name_the_field(world):
    with pytest.raises(ValidationError, match="per_class"):
        training_windows(world, per_class=0, frames=20, seed=0)
