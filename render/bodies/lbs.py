"""Pure torch maths for posing a body: rotation representations, forward kinematics over a
joint tree, linear blend skinning, and points rigidly attached to joints.

Conventions are those of :mod:`render.bodies.base`: a pose is a per-joint *local* rotation
``R_j`` expressed in the rest frame's axes plus a root translation;

* ``A_root = R_root``, ``x_root = rest_root + transl``;
* ``A_j = A_p R_j``, ``x_j = x_p + A_p (rest_j - rest_p)`` for ``p = parents[j]``;
* the global transform of joint ``j`` is ``G_j = [A_j | x_j]`` (its translation is the
  posed joint position); skinning applies ``S_j = G_j [I | -rest_j]`` to rest vertices.

Every function is batched over a leading ``B`` (frames or samples) and differentiable.
Lengths are in metres; rotations are 3x3 matrices unless said otherwise. Tree loops run
over depth levels only (one batched product per level).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch


# --------------------------------------------------------------------------- rotations


def rot6d_to_matrix(x: torch.Tensor) -> torch.Tensor:
    """6D rotation (the first two columns of the matrix, concatenated) -> rotation matrix.

    Gram-Schmidt on the two columns; any input with non-parallel halves maps to a proper
    rotation, which makes it a smooth, unconstrained parameterisation for optimisation.

    Args:
        x: ``(..., 6)``: column 0 in ``x[..., :3]``, column 1 in ``x[..., 3:]``.
    Returns:
        ``(..., 3, 3)`` rotation matrices.
    """
    a1, a2 = x[..., :3], x[..., 3:]
    b1 = torch.nn.functional.normalize(a1, dim=-1)
    b2 = torch.nn.functional.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.linalg.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)  # ... x 3 x 3 (columns)


def matrix_to_rot6d(r: torch.Tensor) -> torch.Tensor:
    """Rotation matrix ``(..., 3, 3)`` -> 6D representation ``(..., 6)`` (inverse of
    :func:`rot6d_to_matrix` on rotations)."""
    return torch.cat([r[..., :, 0], r[..., :, 1]], dim=-1)


def skew(v: torch.Tensor) -> torch.Tensor:
    """Cross-product matrix ``[v]_x`` ``(..., 3, 3)`` of vectors ``(..., 3)``."""
    zero = torch.zeros_like(v[..., 0])
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return torch.stack(
        [
            torch.stack([zero, -z, y], -1),
            torch.stack([z, zero, -x], -1),
            torch.stack([-y, x, zero], -1),
        ],
        dim=-2,
    )


def axis_angle_to_matrix(aa: torch.Tensor) -> torch.Tensor:
    """Rodrigues: axis-angle vectors ``(..., 3)`` (radians, direction = axis) -> ``(..., 3, 3)``.

    Uses Taylor expansions below 1e-4 rad so that the value and its gradient stay finite at 0.
    """
    theta2 = (aa * aa).sum(-1)  # ...
    theta = torch.sqrt(theta2.clamp_min(1e-24))
    small = theta2 < 1e-8
    safe_theta = torch.where(small, torch.ones_like(theta), theta)
    a = torch.where(small, 1.0 - theta2 / 6.0, torch.sin(safe_theta) / safe_theta)
    b = torch.where(small, 0.5 - theta2 / 24.0, (1.0 - torch.cos(safe_theta)) / safe_theta**2)
    k = skew(aa)
    eye = torch.eye(3, dtype=aa.dtype, device=aa.device).expand(k.shape)
    return eye + a[..., None, None] * k + b[..., None, None] * (k @ k)


def matrix_to_quaternion(r: torch.Tensor) -> torch.Tensor:
    """Rotation matrices ``(..., 3, 3)`` -> unit quaternions ``(..., 4)`` as ``(w, x, y, z)``
    with ``w >= 0``. Picks, per matrix, the best-conditioned of the four standard formulas."""
    m = r
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    # 4 q_k^2 for k = w, x, y, z
    q2 = torch.stack(
        [
            1.0 + tr,
            1.0 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2],
            1.0 - m[..., 0, 0] + m[..., 1, 1] - m[..., 2, 2],
            1.0 - m[..., 0, 0] - m[..., 1, 1] + m[..., 2, 2],
        ],
        dim=-1,
    )
    # candidate quaternions scaled by 4 q_k (each row is exact up to that factor)
    c = torch.stack(
        [
            torch.stack([q2[..., 0], m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
            torch.stack([m[..., 2, 1] - m[..., 1, 2], q2[..., 1], m[..., 1, 0] + m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0]], -1),
            torch.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1], q2[..., 2], m[..., 2, 1] + m[..., 1, 2]], -1),
            torch.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 2, 0] + m[..., 0, 2], m[..., 2, 1] + m[..., 1, 2], q2[..., 3]], -1),
        ],
        dim=-2,
    )  # ... x 4 (candidate) x 4
    best = q2.argmax(-1)  # ...
    q = torch.gather(c, -2, best[..., None, None].expand(*best.shape, 1, 4))[..., 0, :]
    q = torch.nn.functional.normalize(q, dim=-1)
    return torch.where(q[..., :1] < 0, -q, q)


def quaternion_to_matrix(q: torch.Tensor) -> torch.Tensor:
    """Quaternions ``(..., 4)`` as ``(w, x, y, z)`` (normalised here) -> ``(..., 3, 3)``."""
    q = torch.nn.functional.normalize(q, dim=-1)
    w, x, y, z = q.unbind(-1)
    return torch.stack(
        [
            torch.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            torch.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            torch.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        dim=-2,
    )


def matrix_to_axis_angle(r: torch.Tensor) -> torch.Tensor:
    """Rotation matrices ``(..., 3, 3)`` -> axis-angle vectors ``(..., 3)``, angle in
    ``[0, pi]`` radians. Robust near 0 and pi (goes through the quaternion)."""
    q = matrix_to_quaternion(r)
    v = q[..., 1:]
    s = torch.linalg.norm(v, dim=-1)  # sin(theta / 2)
    angle = 2.0 * torch.atan2(s, q[..., 0])
    small = s < 1e-8
    scale = torch.where(small, 2.0 / q[..., 0].clamp_min(1e-12), angle / torch.where(small, torch.ones_like(s), s))
    return v * scale[..., None]


def rotation_between(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Smallest rotation taking direction ``a`` to direction ``b`` (both ``(..., 3)``, any
    length) as ``(..., 3, 3)``. Opposite directions turn by pi about an axis normal to ``a``."""
    a = torch.nn.functional.normalize(a, dim=-1)
    b = torch.nn.functional.normalize(b, dim=-1)
    v = torch.linalg.cross(a, b, dim=-1)
    c = (a * b).sum(-1)
    # quaternion (1 + c, v) normalised is the half-way rotation; degenerate at c = -1
    q = torch.cat([(1.0 + c)[..., None], v], -1)
    degenerate = (1.0 + c) < 1e-6
    if bool(degenerate.any()):
        # any axis orthogonal to a: cross with the least aligned basis vector
        basis = torch.eye(3, dtype=a.dtype, device=a.device)
        pick = basis[a.abs().argmin(-1)]
        ortho = torch.nn.functional.normalize(torch.linalg.cross(a, pick, dim=-1), dim=-1)
        q_pi = torch.cat([torch.zeros_like(c)[..., None], ortho], -1)
        q = torch.where(degenerate[..., None], q_pi, q)
    return quaternion_to_matrix(q)


def kabsch(src: torch.Tensor, dst: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Best rotation ``R`` (``(..., 3, 3)``) with ``R @ (src - mean) ~ dst - mean``.

    Args:
        src, dst: ``(..., K, 3)`` corresponding points.
        weights: ``(..., K)`` non-negative weights (all ones if None).
    """
    if weights is None:
        weights = torch.ones(src.shape[:-1], dtype=src.dtype, device=src.device)
    w = weights[..., None] / weights.sum(-1, keepdim=True)[..., None].clamp_min(1e-12)
    s = src - (w * src).sum(-2, keepdim=True)
    d = dst - (w * dst).sum(-2, keepdim=True)
    cov = (d * w).transpose(-1, -2) @ s  # ... x 3 x 3
    u, _, vh = torch.linalg.svd(cov)
    det = torch.det(u @ vh)
    fix = torch.ones_like(u[..., 0, :])
    fix[..., 2] = torch.sign(det) + (det == 0).to(det.dtype)
    return (u * fix[..., None, :]) @ vh


# ------------------------------------------------------------------- tree and kinematics


@lru_cache(maxsize=64)
def _levels(parents: tuple[int, ...]) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Depth levels of a joint tree (cached per parent tuple).

    Returns:
        levels: joint indices per depth (level 0 = the root).
        local_parent: per level >= 1, each joint's parent's position in the previous level.
        inverse: position of every joint in the concatenation of the levels.
    """
    n = len(parents)
    roots = [j for j, p in enumerate(parents) if p < 0]
    if len(roots) != 1 or roots[0] != 0:
        raise ValueError(f"expected one root at index 0, got roots {roots}")
    depth = np.zeros(n, dtype=np.int64)
    for j in range(1, n):
        if not 0 <= parents[j] < j:
            raise ValueError(f"parents must satisfy 0 <= parents[j] < j (joint {j}: {parents[j]})")
        depth[j] = depth[parents[j]] + 1
    levels = [np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1)]
    local_parent = [np.zeros(0, dtype=np.int64)]
    for d in range(1, len(levels)):
        pos = {int(j): k for k, j in enumerate(levels[d - 1])}
        local_parent.append(np.array([pos[parents[int(j)]] for j in levels[d]], dtype=np.int64))
    order = np.concatenate(levels)
    inverse = np.argsort(order)
    return levels, local_parent, inverse


def _parents_tuple(parents) -> tuple[int, ...]:
    if isinstance(parents, torch.Tensor):
        parents = parents.detach().cpu().numpy()
    return tuple(int(p) for p in np.asarray(parents).reshape(-1))


def forward_kinematics(
    rotations: torch.Tensor,
    transl: torch.Tensor,
    rest_joints: torch.Tensor,
    parents,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pose a joint tree.

    Args:
        rotations: ``(B, J, 3, 3)`` local rotations (rest-frame axes).
        transl: ``(B, 3)`` root translation, metres (added to the rest root position).
        rest_joints: ``(J, 3)`` or ``(B, J, 3)`` rest joint positions, metres.
        parents: ``J`` parent indices (-1 for the root, ``parents[j] < j``).
    Returns:
        positions ``(B, J, 3)`` posed joint positions and transforms ``(B, J, 4, 4)`` global
        joint transforms ``G_j = [A_j | x_j]``.
    """
    levels, local_parent, inverse = _levels(_parents_tuple(parents))
    b, j = rotations.shape[:2]
    if rest_joints.dim() == 2:
        rest_joints = rest_joints.expand(b, -1, -1)
    par = torch.as_tensor(np.array(_parents_tuple(parents)).clip(min=0), device=rotations.device)
    offsets = rest_joints - rest_joints[:, par]  # B x J x 3 (root: 0)
    rot_levels = [rotations[:, 0:1]]  # B x 1 x 3 x 3
    pos_levels = [(rest_joints[:, 0] + transl)[:, None]]  # B x 1 x 3
    for d in range(1, len(levels)):
        idx = torch.as_tensor(levels[d], device=rotations.device)
        lp = torch.as_tensor(local_parent[d], device=rotations.device)
        a_p = rot_levels[-1][:, lp]  # B x n_d x 3 x 3
        x_p = pos_levels[-1][:, lp]  # B x n_d x 3
        rot_levels.append(a_p @ rotations[:, idx])
        pos_levels.append(x_p + (a_p @ offsets[:, idx, :, None])[..., 0])
    inv = torch.as_tensor(inverse, device=rotations.device)
    glob_rot = torch.cat(rot_levels, 1)[:, inv]  # B x J x 3 x 3
    positions = torch.cat(pos_levels, 1)[:, inv]  # B x J x 3
    top = torch.cat([glob_rot, positions[..., None]], -1)  # B x J x 3 x 4
    bottom = torch.zeros(b, j, 1, 4, dtype=rotations.dtype, device=rotations.device)
    bottom[..., 0, 3] = 1.0
    return positions, torch.cat([top, bottom], -2)


def skinning_transforms(transforms: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
    """``S_j = G_j [I | -rest_j]`` as ``(B, J, 3, 4)`` from global transforms ``(B, J, 4, 4)``
    and rest joints ``(J, 3)`` or ``(B, J, 3)``."""
    a = transforms[..., :3, :3]  # B x J x 3 x 3
    x = transforms[..., :3, 3]  # B x J x 3
    if rest_joints.dim() == 2:
        rest_joints = rest_joints.expand(a.shape[0], -1, -1)
    t = x - (a @ rest_joints[..., None])[..., 0]
    return torch.cat([a, t[..., None]], -1)


def skin(
    vertices: torch.Tensor,
    weights: torch.Tensor,
    transforms: torch.Tensor,
    rest_joints: torch.Tensor,
) -> torch.Tensor:
    """Linear blend skinning: ``v' = sum_j w_vj G_j [I | -rest_j] v``.

    Args:
        vertices: ``(Nv, 3)`` or ``(B, Nv, 3)`` rest vertices, metres.
        weights: ``(Nv, J)`` skinning weights (rows sum to 1).
        transforms: ``(B, J, 4, 4)`` global joint transforms from :func:`forward_kinematics`.
        rest_joints: ``(J, 3)`` or ``(B, J, 3)`` rest joint positions.
    Returns:
        ``(B, Nv, 3)`` posed vertices.
    """
    s = skinning_transforms(transforms, rest_joints)  # B x J x 3 x 4
    b = s.shape[0]
    blend = torch.einsum("nj,bjik->bnik", weights.to(s.dtype), s)  # B x Nv x 3 x 4
    if vertices.dim() == 2:
        vertices = vertices.expand(b, -1, -1)
    return (blend[..., :3] @ vertices[..., None])[..., 0] + blend[..., 3]


def attached_points(
    transforms: torch.Tensor,
    rest_joints: torch.Tensor,
    attach: torch.Tensor,
    rest_points: torch.Tensor,
) -> torch.Tensor:
    """Posed positions of points rigidly attached to joints.

    Args:
        transforms: ``(B, J, 4, 4)`` global joint transforms.
        rest_joints: ``(J, 3)`` or ``(B, J, 3)`` rest joint positions.
        attach: ``(K,)`` long, the joint each point moves with.
        rest_points: ``(K, 3)`` or ``(B, K, 3)`` the points at rest, metres.
    Returns:
        ``(B, K, 3)``: ``A_k (p_k - rest_{attach_k}) + x_{attach_k}``.
    """
    g = transforms[:, attach]  # B x K x 4 x 4
    if rest_joints.dim() == 2:
        rest_joints = rest_joints.expand(g.shape[0], -1, -1)
    if rest_points.dim() == 2:
        rest_points = rest_points.expand(g.shape[0], -1, -1)
    local = rest_points - rest_joints[:, attach]  # B x K x 3
    return (g[..., :3, :3] @ local[..., None])[..., 0] + g[..., :3, 3]
