"""Regions and per-joint eps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attack.regions import channel_mask, default_hierarchical_eps, eps_vector, resolve_joints
from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts import NTU25, OPENPOSE18


def test_resolve_joints_by_region_names_and_indices():
    assert resolve_joints(NTU25, None) == tuple(range(25))
    legs = resolve_joints(NTU25, "legs")
    assert len(legs) == 8 and set(legs) == set(NTU25.region("legs"))
    assert resolve_joints(NTU25, "knee_left, knee_right") == (13, 17)
    assert resolve_joints(NTU25, ["head", 0]) == (0, 3)


@pytest.mark.parametrize("region", ["arms", "knee_left,kneee_right", ["nose"]])
def test_unknown_region_or_joint(region):
    with pytest.raises(UnknownFormatError, match="unknown region or joint"):
        resolve_joints(NTU25, region)


def test_index_out_of_range():
    with pytest.raises(ValidationError, match="outside"):
        resolve_joints(NTU25, [25])


def test_advanced_leg_defaults():
    legs = resolve_joints(NTU25, "legs")
    eps = eps_vector(NTU25, default_hierarchical_eps(NTU25, legs), legs)
    for name, value in [("hip_left", 0.01), ("knee_right", 0.05), ("ankle_left", 0.15), ("foot_right", 0.25)]:
        assert eps[NTU25.index(name)] == value
    assert eps[NTU25.index("head")] == 0
    op = default_hierarchical_eps(OPENPOSE18, resolve_joints(OPENPOSE18, "legs"))
    assert op["ankle_left"] == 0.15 and len(op) == 6
    with pytest.raises(ValidationError, match="explicit eps"):
        default_hierarchical_eps(NTU25, resolve_joints(NTU25, "left_arm"))


def test_eps_vector_forms():
    legs = resolve_joints(NTU25, "legs")
    per_region = eps_vector(NTU25, [0.1 * (i + 1) for i in range(8)], legs)
    assert per_region[legs[0]] == pytest.approx(0.1) and per_region[legs[-1]] == pytest.approx(0.8)
    full = eps_vector(NTU25, np.full(25, 0.02), legs)
    assert full[list(legs)].tolist() == [0.02] * 8 and full.sum() == pytest.approx(0.16)
    assert eps_vector(NTU25, 0.01, range(25)).tolist() == [0.01] * 25


@pytest.mark.parametrize("eps,needle", [
    (-0.01, "finite and >= 0"), (math.nan, "finite"), (math.inf, "finite"),
    ([0.01, 0.02, 0.03], "expected 8"), ({"hip_left": 0.01}, "misses joints"),
    ({"head": 0.1}, "not in the attacked region"), ("abc", "must be a number"),
])
def test_bad_eps(eps, needle):
    with pytest.raises(ValidationError, match=needle):
        eps_vector(NTU25, eps, resolve_joints(NTU25, "legs"))


def test_channel_mask():
    assert channel_mask(NTU25).tolist() == [True, True, True]
    assert channel_mask(OPENPOSE18).tolist() == [True, True, False]
