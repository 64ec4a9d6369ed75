"""Checks shared by the NTU-60 class tests: every DOF inside its limit, every bone rigid."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.ntu60.base import JOINT_LIMITS_60, limit_key_60

_CHILD = np.array([j for j, p in enumerate(LAYOUT.parents) if p >= 0])
_PARENT = np.array([LAYOUT.parents[j] for j in _CHILD])


def _within_limits(d: dict[str, np.ndarray], where: object = "", frames: int | None = None) -> None:
    """Every DOF of ``d`` finite (and ``(frames,)`` when given); every one with a limit inside
    :data:`JOINT_LIMITS_60` (1e-9 of slack for the clipping itself)."""
    for key, v in d.items():
        assert np.all(np.isfinite(v)), (where, key)
        if frames is not None:
            assert np.shape(v) == (frames,), (where, key, np.shape(v))
        lk = limit_key_60(key)
        if lk is not None:
            lo, hi = JOINT_LIMITS_60[lk]
            assert lo - 1e-9 <= np.min(v) and np.max(v) <= hi + 1e-9, (where, key, np.min(v), np.max(v))


def _rigid_bones(joints: np.ndarray, where: object = "") -> None:
    """Every bone of ``joints (T, 25, 3)`` keeps its length within 1e-6 m over the frames."""
    length = np.linalg.norm(joints[:, _CHILD] - joints[:, _PARENT], axis=-1)  # T x 24
    spread = np.ptp(length, axis=0)
    assert spread.max() < 1e-6, (where, LAYOUT.joint_names[_CHILD[spread.argmax()]], spread.max())


@pytest.fixture
def within_limits():
    """``within_limits(d, where="", frames=None)``: see :func:`_within_limits`."""
    return _within_limits


@pytest.fixture
def rigid_bones():
    """``rigid_bones(joints, where="")``: see :func:`_rigid_bones`."""
    return _rigid_bones
