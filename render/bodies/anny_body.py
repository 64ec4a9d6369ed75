"""Anny (PyPI ``anny==0.6.2``; Apache-2.0 code, CC0 MakeHuman data): the default body.

Shape = Anny's phenotype: ``gender, age, muscle, weight, height, proportions``, each in
``[0, 1]`` (0.5 everywhere is the neutral 1.63 m adult). Anny's native frame already is the
base convention (metres, Z up, facing -Y, left at +X), so the rig is Anny's rest model as is:
104 bones (joint = bone head), 13,718 vertices, 27,420 triangles, dense LBS weights.

How Anny's pose parameters relate to ours (read from ``anny.utils.kinematics``): with the
default ``local-ref`` parameterisation, bone ``c`` of parent ``p`` has a rest orientation
``P_c`` (from the phenotype) and a fixed reference orientation ``U_c``; let
``B_c = U_c P_c^T`` (``B_root = I``). Anny's skinning transform for bone ``c`` then has the
rotation ``A_c = A_p B_p^T D_c B_c``, so our local rotation ``R_c = A_p^T A_c`` and Anny's
delta ``D_c`` are related by ``D_c = B_p R_c B_c^T`` (translation part 0); the root delta is
``D_root = U_root R_root B_root^T`` with translation ``U_root (rest_root + transl)``. Posed
joint positions and skinning transforms are then identical to :mod:`render.bodies.lbs`
(tested to well under 1 mm).

The model data must have been built in set-up (:mod:`render.bodies.anny_build`); a missing
cache raises :class:`pipeline.errors.MissingInputError` instead of building for minutes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pipeline.errors import ValidationError
from render.bodies.anny_cache import ANNY_CONFIG, check_cache
from render.bodies.base import BodyRig, ShapeSpace

log = logging.getLogger(__name__)

#: Anny's phenotype parameters, in its order.
PHENOTYPES: tuple[str, ...] = ("gender", "age", "muscle", "weight", "height", "proportions")

#: Parameters a bone-length fit moves by default (the rest stay at the base shape: gender,
#: muscle and weight are appearance choices; age changes the body towards a child's).
DEFAULT_FREE: tuple[str, ...] = ("height", "proportions")

#: Prior weight (m^2 per unit^2) pulling fitted phenotypes towards the base shape.
PRIOR_WEIGHT = 1e-4


def check_phenotype(shape: dict[str, Any] | None) -> dict[str, float]:
    """Complete ``shape`` with neutral values and validate it: known keys, finite values in
    [0, 1]; else :class:`ValidationError` naming the field."""
    out = {k: 0.5 for k in PHENOTYPES}
    for key, value in (shape or {}).items():
        if key not in PHENOTYPES:
            raise ValidationError(f"unknown Anny phenotype {key!r}; valid: {', '.join(PHENOTYPES)}", field=f"shape.{key}")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"phenotype {key} must be a number, got {value!r}", field=f"shape.{key}") from None
        if not np.isfinite(v) or not 0.0 <= v <= 1.0:
            raise ValidationError(f"phenotype {key} must lie in [0, 1], got {v}", field=f"shape.{key}")
        out[key] = v
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


class AnnyBody:
    """Anny behind the :class:`render.bodies.base.BodyModel` protocol.

    Args:
        cache_dir: Anny's cache directory (default ``ANNY_CACHE_DIR`` or ``~/.cache/anny``).
            Setting it changes anny's process-wide cache path.
    Raises:
        MissingInputError: the model data has not been built (run
            ``python -m render.bodies.anny_build``).
    """

    name = "anny"

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        root = check_cache(cache_dir)
        import anny
        import anny.paths

        anny.paths.set_anny_cache_path(root)
        self._model = anny.Anny(**ANNY_CONFIG).eval()
        self.joint_names: tuple[str, ...] = tuple(self._model.bone_labels)
        parents = np.array([int(p) for p in self._model.bone_parents], dtype=np.int64)
        parents[0] = -1
        self.parents = parents
        self._faces = self._model.get_triangular_faces().cpu().numpy().astype(np.int64)
        w = torch.zeros(len(self._model.template_vertices), len(self.joint_names), dtype=torch.float64)
        w.scatter_add_(1, self._model.vertex_bone_indices.long(), self._model.vertex_bone_weights.double())
        w = w / w.sum(1, keepdim=True).clamp_min(1e-12)
        self._weights = w.numpy().astype(np.float32)

    # ---------------------------------------------------------------- protocol

    def default_shape(self) -> dict[str, Any]:
        return {k: 0.5 for k in PHENOTYPES}

    def _phenotype_tensor(self, shape: dict[str, float]) -> torch.Tensor:
        return torch.tensor([[shape[k] for k in self._model.phenotype_labels]], dtype=self._model.dtype)

    @torch.no_grad()
    def _rest(self, shape: dict[str, float]) -> dict[str, torch.Tensor]:
        return self._model(pose_parameters=None, phenotype_kwargs=self._phenotype_tensor(shape))

    def rig(self, shape: dict[str, Any] | None = None) -> BodyRig:
        """The rest rig for a phenotype (neutral when None); see the module docstring."""
        shape = check_phenotype(shape)
        out = self._rest(shape)
        return BodyRig(
            model=self.name,
            joint_names=self.joint_names,
            parents=self.parents.copy(),
            rest_joints=out["rest_bone_heads"][0].cpu().numpy().astype(np.float64),
            vertices=out["rest_vertices"][0].cpu().numpy().astype(np.float64),
            faces=self._faces.copy(),
            weights=self._weights.copy(),
            shape=dict(shape),
        )

    def shape_space(
        self, base_shape: dict[str, Any] | None = None, free: tuple[str, ...] | None = None
    ) -> ShapeSpace:
        """Free phenotypes (default :data:`DEFAULT_FREE`) as logits; the others fixed at
        ``base_shape``. The prior is ``PRIOR_WEIGHT * sum((value - base)^2)``."""
        base = check_phenotype(base_shape)
        free = tuple(free) if free is not None else DEFAULT_FREE
        for k in free:
            if k not in PHENOTYPES:
                raise ValidationError(f"unknown Anny phenotype {k!r}; valid: {', '.join(PHENOTYPES)}", field="free")
        model = self._model
        labels = list(model.phenotype_labels)
        free_idx = [labels.index(k) for k in free]
        base_vec = torch.tensor([base[k] for k in labels], dtype=model.dtype)
        empty = torch.zeros(1, 0, dtype=model.dtype)

        def values(params: torch.Tensor) -> torch.Tensor:
            vec = base_vec.clone()
            vec[free_idx] = torch.sigmoid(params.to(model.dtype))
            return vec

        def rest_points(params: torch.Tensor, vertex_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            # anny 0.6.2 internals (pinned): phenotype -> blendshape coefficients -> heads
            coeffs = model._get_phenotype_blendshape_coefficients(values(params)[None], empty, empty)
            heads = model.template_bone_heads[None] + torch.einsum(
                "cpd,bc->bpd", model.bone_heads_blendshapes, coeffs
            )
            ids = vertex_ids.long()
            verts = model.template_vertices[ids][None] + torch.einsum(
                "cpd,bc->bpd", model.blendshapes[:, ids], coeffs
            )
            return heads[0], verts[0]

        def prior(params: torch.Tensor) -> torch.Tensor:
            v = torch.sigmoid(params.to(model.dtype))
            return PRIOR_WEIGHT * ((v - base_vec[free_idx]) ** 2).sum()

        def to_shape(params: torch.Tensor) -> dict[str, Any]:
            vec = values(params.detach())
            return {k: round(float(vec[i]), 6) for i, k in enumerate(labels)}

        return ShapeSpace(
            names=free,
            initial=np.array([_logit(base[k]) for k in free], dtype=np.float64),
            rest_points=rest_points,
            prior=prior,
            to_shape=to_shape,
        )

    # ------------------------------------------------------------- native model

    def pose_parameters(
        self, rotations: torch.Tensor, transl: torch.Tensor, shape: dict[str, Any] | None = None
    ) -> torch.Tensor:
        """Anny's ``local-ref`` pose parameters ``(B, J, 4, 4)`` for our local rotations
        ``(B, J, 3, 3)`` and root translation ``(B, 3)`` (see the module docstring)."""
        shape = check_phenotype(shape)
        model = self._model
        dt = model.dtype
        rest = self._rest(shape)
        rest_rot = rest["rest_bone_poses"][0, :, :3, :3]  # J x 3 x 3
        u = model.reference_bone_orientations.to(dt)  # J x 3 x 3
        b_rot = u @ rest_rot.transpose(-1, -2)
        b_rot[0] = torch.eye(3, dtype=dt)
        par = torch.as_tensor(self.parents.clip(min=0))
        r = rotations.to(dt)
        d = b_rot[par] @ r @ b_rot.transpose(-1, -2)  # B x J x 3 x 3
        d[:, 0] = u[0] @ r[:, 0] @ b_rot[0].transpose(-1, -2)
        out = torch.zeros(r.shape[0], r.shape[1], 4, 4, dtype=dt)
        out[..., :3, :3] = d
        out[..., 3, 3] = 1.0
        root_pos = rest["rest_bone_heads"][0, 0] + transl.to(dt)  # B x 3
        out[:, 0, :3, 3] = (u[0] @ root_pos[..., None])[..., 0]
        return out

    @torch.no_grad()
    def native_forward(
        self, rotations: torch.Tensor, transl: torch.Tensor, shape: dict[str, Any] | None = None
    ) -> dict[str, torch.Tensor]:
        """Anny's own forward pass for our pose: ``vertices (B, Nv, 3)`` and bone-head
        positions ``joints (B, J, 3)``, metres (float64). For parity tests."""
        shape = check_phenotype(shape)
        params = self.pose_parameters(rotations, transl, shape)
        out = self._model(pose_parameters=params, phenotype_kwargs=self._phenotype_tensor(shape))
        return {"vertices": out["vertices"], "joints": out["bone_poses"][..., :3, 3]}
