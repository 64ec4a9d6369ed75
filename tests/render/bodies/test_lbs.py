"""Pure torch maths: rotation representations, forward kinematics, skinning."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from render.bodies.lbs import (
    attached_points,
    axis_angle_to_matrix,
    forward_kinematics,
    kabsch,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    matrix_to_rot6d,
    quaternion_to_matrix,
    rot6d_to_matrix,
    rotation_between,
    skin,
)

DT = torch.float64


def _random_rotations(n: int, seed: int = 0, scale: float = 1.5) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return axis_angle_to_matrix(torch.randn(n, 3, generator=g, dtype=DT) * scale)


def test_axis_angle_matrix_round_trip_including_edge_angles():
    aa = torch.cat(
        [
            torch.randn(200, 3, dtype=DT, generator=torch.Generator().manual_seed(1)),
            torch.zeros(1, 3, dtype=DT),
            torch.tensor([[1e-7, 0.0, 0.0], [0.0, math.pi - 1e-6, 0.0], [0.0, 0.0, math.pi]], dtype=DT),
        ]
    )
    r = axis_angle_to_matrix(aa)
    eye = torch.eye(3, dtype=DT)
    assert torch.allclose(r @ r.transpose(-1, -2), eye.expand_as(r), atol=1e-12)
    assert torch.allclose(torch.det(r), torch.ones(len(r), dtype=DT))
    back = axis_angle_to_matrix(matrix_to_axis_angle(r))
    assert (back - r).abs().max() < 1e-9
    # a known rotation: +90 degrees about z takes x to y
    rz = axis_angle_to_matrix(torch.tensor([0.0, 0.0, math.pi / 2], dtype=DT))
    assert torch.allclose(rz @ torch.tensor([1.0, 0.0, 0.0], dtype=DT), torch.tensor([0.0, 1.0, 0.0], dtype=DT), atol=1e-12)


def test_rot6d_and_quaternion_round_trips():
    r = _random_rotations(100)
    assert (rot6d_to_matrix(matrix_to_rot6d(r)) - r).abs().max() < 1e-12
    assert (quaternion_to_matrix(matrix_to_quaternion(r)) - r).abs().max() < 1e-12
    # any 6D vector (non-parallel halves) gives a proper rotation
    x = torch.randn(50, 6, dtype=DT, generator=torch.Generator().manual_seed(3))
    m = rot6d_to_matrix(x)
    assert torch.allclose(torch.det(m), torch.ones(50, dtype=DT))


def test_gradients_are_finite_at_identity():
    aa = torch.zeros(4, 3, dtype=DT, requires_grad=True)
    axis_angle_to_matrix(aa).sum().backward()
    assert torch.isfinite(aa.grad).all()
    x6 = matrix_to_rot6d(torch.eye(3, dtype=DT).expand(4, 3, 3)).clone().requires_grad_(True)
    rot6d_to_matrix(x6).pow(2).sum().backward()
    assert torch.isfinite(x6.grad).all()


def test_rotation_between_and_kabsch():
    g = torch.Generator().manual_seed(4)
    a, b = torch.randn(100, 3, dtype=DT, generator=g), torch.randn(100, 3, dtype=DT, generator=g)
    r = rotation_between(a, b)
    got = torch.nn.functional.normalize((r @ a[..., None])[..., 0], dim=-1)
    assert (got - torch.nn.functional.normalize(b, dim=-1)).abs().max() < 1e-12
    flip = rotation_between(torch.tensor([1.0, 0, 0], dtype=DT), torch.tensor([-1.0, 0, 0], dtype=DT))
    assert torch.allclose(flip @ torch.tensor([1.0, 0, 0], dtype=DT), torch.tensor([-1.0, 0, 0], dtype=DT), atol=1e-12)
    rot = _random_rotations(8, seed=5)
    src = torch.randn(8, 6, 3, dtype=DT, generator=g)
    dst = (rot[:, None] @ src[..., None])[..., 0] + torch.tensor([0.1, -2.0, 0.5], dtype=DT)
    assert (kabsch(src, dst) - rot).abs().max() < 1e-9


# a 4-joint chain with a branch: 0 -> 1 -> 2, 0 -> 3
PARENTS = np.array([-1, 0, 1, 0])
REST = torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.0, 1.5], [0.0, 0.0, 2.0], [0.3, 0.0, 1.0]], dtype=DT)


def test_forward_kinematics_identity_and_manual_chain():
    b = 3
    eye = torch.eye(3, dtype=DT).repeat(b, 4, 1, 1)
    transl = torch.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=DT)
    pos, g = forward_kinematics(eye, transl, REST, PARENTS)
    assert torch.allclose(pos, REST + transl[:, None])
    assert torch.allclose(g[..., :3, 3], pos) and torch.allclose(g[..., 3, 3], torch.ones(b, 4, dtype=DT))
    rots = _random_rotations(b * 4, seed=6).reshape(b, 4, 3, 3)
    pos, g = forward_kinematics(rots, transl, REST, PARENTS)
    a0, a1 = rots[:, 0], rots[:, 0] @ rots[:, 1]
    x0 = REST[0] + transl
    x1 = x0 + (a0 @ (REST[1] - REST[0]))
    x2 = x1 + (a1 @ (REST[2] - REST[1]))
    x3 = x0 + (a0 @ (REST[3] - REST[0]))
    assert torch.allclose(pos, torch.stack([x0, x1, x2, x3], 1), atol=1e-12)
    assert torch.allclose(g[:, 2, :3, :3], a1 @ rots[:, 2], atol=1e-12)


def test_skin_identity_rigid_and_attached_points():
    verts = torch.tensor([[0.0, 0.1, 1.2], [0.0, -0.1, 1.8], [0.3, 0.0, 0.9], [0.1, 0.1, 1.5]], dtype=DT)
    weights = torch.tensor([[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0, 1], [0.25, 0.25, 0.25, 0.25]], dtype=DT)
    eye = torch.eye(3, dtype=DT).repeat(2, 4, 1, 1)
    transl = torch.tensor([[0.0, 0.0, 0.0], [0.5, 0.0, -1.0]], dtype=DT)
    _, g = forward_kinematics(eye, transl, REST, PARENTS)
    assert torch.allclose(skin(verts, weights, g, REST), verts + transl[:, None])
    # rotating only the root moves everything rigidly about the root joint
    rots = torch.eye(3, dtype=DT).repeat(1, 4, 1, 1)
    r0 = _random_rotations(1, seed=7)[0]
    rots[0, 0] = r0
    _, g = forward_kinematics(rots, torch.zeros(1, 3, dtype=DT), REST, PARENTS)
    expect = (verts - REST[0]) @ r0.T + REST[0]
    assert torch.allclose(skin(verts, weights, g, REST)[0], expect, atol=1e-12)
    # points attached to joints follow them like joint heads do
    rots = _random_rotations(4, seed=8).reshape(1, 4, 3, 3)
    pos, g = forward_kinematics(rots, torch.zeros(1, 3, dtype=DT), REST, PARENTS)
    pts = attached_points(g, REST, torch.tensor([1, 2]), REST[[1, 2]])
    assert torch.allclose(pts, pos[:, [1, 2]], atol=1e-12)


def test_forward_kinematics_rejects_bad_trees():
    eye = torch.eye(3, dtype=DT).repeat(1, 3, 1, 1)
    with pytest.raises(ValueError):
        forward_kinematics(eye, torch.zeros(1, 3, dtype=DT), REST[:3], np.array([-1, 2, 0]))
