"""The body-model protocol shared by every body (Anny, SMPL-X) and by the Blender worker.

Conventions (one place; every body adapter converts into them):

* Body frame: metres, right-handed, **Z up**, the body faces **-Y**, its left side at **+X**
  (Anny's native frame; SMPL-X's Y-up frame is rotated into it by its adapter).
* A pose is a per-joint *local* rotation ``R_j`` (3x3, relative to the parent, expressed in
  the rest frame's axes, i.e. every rest bone frame is axis-aligned with the body frame)
  plus a root translation. Forward kinematics:
  ``G_root = [R_root | rest_root + transl]``, ``G_j = G_parent(j) @ [R_j | rest_j - rest_parent(j)]``;
  linear blend skinning: ``v' = sum_j w_vj * G_j @ [I | -rest_j] @ v``.
  With all ``R_j = I`` and zero translation the posed mesh equals the rest mesh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # torch is only needed by callers that fit shapes
    import torch


@dataclass(frozen=True)
class BodyRig:
    """Everything needed to build a skinned body at rest (numpy; picklable; what the
    Blender worker receives).

    Attributes:
        model: body model name, ``"anny"`` or ``"smplx"``.
        joint_names: ``J`` joint (bone) names.
        parents: ``(J,)`` int64 parent index, -1 for the root; ``parents[j] < j``.
        rest_joints: ``(J, 3)`` float64 joint positions at rest, metres, body frame.
        vertices: ``(Nv, 3)`` float64 rest-mesh vertices for the chosen shape, metres.
        faces: ``(F, 3)`` int64 triangle vertex indices.
        weights: ``(Nv, J)`` float32 skinning weights, rows sum to 1.
        shape: the shape parameters used (SMPL-X ``betas`` / Anny phenotype), as plain
            JSON-able values for the manifest.
    """

    model: str
    joint_names: tuple[str, ...]
    parents: np.ndarray
    rest_joints: np.ndarray
    vertices: np.ndarray
    faces: np.ndarray
    weights: np.ndarray
    shape: dict[str, Any] = field(default_factory=dict)

    @property
    def num_joints(self) -> int:
        """``J``."""
        return len(self.joint_names)

    def joint_index(self, name: str) -> int:
        """Index of joint ``name``; ``KeyError`` naming the body if unknown."""
        try:
            return self.joint_names.index(name)
        except ValueError:
            raise KeyError(f"{self.model} rig has no joint {name!r}") from None


@dataclass(frozen=True)
class ShapeSpace:
    """A differentiable view of a body's shape parameters, for fitting a shape to bone
    lengths (``render.retarget.shape_fit``).

    Attributes:
        names: the ``S`` free parameters, in vector order.
        initial: ``(S,)`` float64 starting point in the *unconstrained* space.
        rest_points: ``(params (S,), vertex_ids (K,) long) -> (rest_joints (J, 3),
            vertices (K, 3))``: rest joints and the selected rest vertices in the body
            frame, metres, as differentiable torch functions of the unconstrained params.
        prior: ``params (S,) -> scalar`` penalty (0 at the most plausible shape).
        to_shape: ``params (S,) -> dict``: the full JSON-able shape for :meth:`BodyModel.rig`.
    """

    names: tuple[str, ...]
    initial: np.ndarray
    rest_points: Callable[["torch.Tensor", "torch.Tensor"], tuple["torch.Tensor", "torch.Tensor"]]
    prior: Callable[["torch.Tensor"], "torch.Tensor"]
    to_shape: Callable[["torch.Tensor"], dict[str, Any]]


class BodyModel(Protocol):
    """A parametric body: shape parameters -> rig; differentiable FK and skinning in torch.

    Implementations: ``render.bodies.anny_body.AnnyBody`` (default, open),
    ``render.bodies.smplx_body.SmplxBody`` (licensed files from ``--smplx-dir`` /
    ``SMPLX_MODEL_DIR``).
    """

    name: str
    joint_names: tuple[str, ...]
    parents: np.ndarray

    def default_shape(self) -> dict[str, Any]:
        """The neutral shape parameters."""
        ...

    def rig(self, shape: dict[str, Any] | None = None) -> BodyRig:
        """Rest joints, mesh and skinning weights for ``shape`` (neutral when None)."""
        ...

    def shape_space(
        self, base_shape: dict[str, Any] | None = None, free: tuple[str, ...] | None = None
    ) -> ShapeSpace:
        """The shape parameters a bone-length fit may move (``free``; the body's default
        set when None), the others held at ``base_shape`` (neutral when None)."""
        ...
