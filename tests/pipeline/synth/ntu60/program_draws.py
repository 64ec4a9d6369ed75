"""Draws of one-person class programs and the joint geometry their tests measure, shared by
the tests of :mod:`pipeline.synth.ntu60.hand_work` and
:mod:`pipeline.synth.ntu60.object_handling`."""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import Subject, sample_subject
from pipeline.synth.ntu60.base import ClassSpec, perform

#: Joint index by NTU name.
J = {n: i for i, n in enumerate(LAYOUT.joint_names)}
#: Seeded draws per class that every property is checked on.
DRAWS = 20

_CACHE: dict = {}


def times(spec: ClassSpec) -> np.ndarray:
    """Action time ``s (T,)`` in [0, 1] over the class's mean length, idle 10 % at each end."""
    t = spec.mean_frames
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


def subject(seed: int) -> Subject:
    """The performer of draw ``seed``."""
    return sample_subject(np.random.default_rng(1000 + seed))


def run(spec: ClassSpec, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """``(s, joints (T, 25, 3), DOF dict)`` of draw ``seed`` of ``spec`` (cached)."""
    key = (spec.ntu_action, seed)
    if key not in _CACHE:
        s = times(spec)
        x = perform(spec, s, np.random.default_rng(seed), (subject(seed),))[0]
        rng = np.random.default_rng(seed)
        d = idle_pose(len(s), rng)
        spec.fn(s, rng, d)
        _CACHE[key] = (s, x, d)
    return _CACHE[key]


def draws(spec: ClassSpec) -> list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]:
    """:func:`run` for seeds 0 .. :data:`DRAWS` - 1."""
    return [run(spec, seed) for seed in range(DRAWS)]


def joint(x: np.ndarray, name: str) -> np.ndarray:
    """Joint ``name`` of ``x (T, 25, 3)``: ``(T, 3)``."""
    return x[:, J[name]]


def hands(x: np.ndarray) -> dict[str, np.ndarray]:
    """Both ``hand`` joints, by side."""
    return {"left": x[:, J["hand_left"]], "right": x[:, J["hand_right"]]}


def flexion(x: np.ndarray, a: str, b: str, c: str) -> np.ndarray:
    """Flexion (180 - inner angle, degrees) at joint ``b`` of the chain a-b-c, per frame."""
    u, v = joint(x, a) - joint(x, b), joint(x, c) - joint(x, b)
    cos = np.einsum("ti,ti->t", u, v) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))


def head_down(x: np.ndarray) -> np.ndarray:
    """Forward tilt of the neck->head segment from vertical (degrees), per frame."""
    v = joint(x, "head") - joint(x, "neck")
    return np.degrees(np.arctan2(v[:, 2], v[:, 1]))


def mid(s: np.ndarray, lo: float = 0.38, hi: float = 0.62) -> np.ndarray:
    """Frames whose action time is inside ``(lo, hi)``."""
    return (s > lo) & (s < hi)


def check_names_and_numbers(classes: tuple[ClassSpec, ...], expected: dict[int, str], groups: set[str]) -> None:
    """The module's classes are exactly ``expected`` (A-number -> NTU name), one-person, in
    ``groups``, with their difference written and NTU-like mean lengths (55-140 frames)."""
    assert {c.ntu_action: c.name for c in classes} == expected
    assert len(classes) == len(expected)
    for c in classes:
        assert c.persons == 1 and c.group in groups and c.difference
        assert 55 <= c.mean_frames <= 140


def check_limits_bones_idle_ends(spec: ClassSpec, within_limits, rigid_bones) -> None:  # noqa: ANN001
    """Every draw of ``spec``: DOFs inside their limits, bones rigid, the frames outside the
    action exactly the same draw's idle posture, nothing under the floor."""
    from pipeline.synth.body import Pose, forward_kinematics

    for seed in range(DRAWS):
        s, x, d = run(spec, seed)
        within_limits(d, (spec.name, seed))
        rigid_bones(x, (spec.name, seed))
        idle = forward_kinematics(Pose(dofs=idle_pose(len(s), np.random.default_rng(seed))), subject(seed))
        rest = (s == 0) | (s == 1)
        assert rest.sum() >= 4
        np.testing.assert_allclose(x[rest], idle[rest], atol=1e-6, err_msg=f"{spec.name} seed {seed}")
        assert x[..., 1].min() > -0.01


def check_deterministic(spec: ClassSpec) -> None:
    """Same seed, same joints and DOFs (to the last bits einsum may change); another seed,
    another performance."""
    s = times(spec)
    a = perform(spec, s, np.random.default_rng(7), (subject(7),))
    b = perform(spec, s, np.random.default_rng(7), (subject(7),))
    c = perform(spec, s, np.random.default_rng(8), (subject(7),))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)  # FK's einsum may differ in the last bit
    assert not np.allclose(a, c)
    dofs = []
    for _ in range(2):
        rng = np.random.default_rng(7)
        d = idle_pose(len(s), rng)
        spec.fn(s, rng, d)
        dofs.append(d)
    assert dofs[0].keys() == dofs[1].keys()
    for k in dofs[0]:  # reach's arctan/einsum may differ in the last bit between calls
        np.testing.assert_allclose(dofs[0][k], dofs[1][k], rtol=0, atol=1e-9)
