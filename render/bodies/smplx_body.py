"""SMPL-X (licensed model files, read through the conventions of ``smplx==0.1.28``).

Model file: ``<dir>/smplx/SMPLX_<GENDER>.npz`` (``smplx.create``'s layout; ``<dir>`` from the
``model_dir`` argument, else ``SMPLX_MODEL_DIR``); ``<dir>/SMPLX_<GENDER>.npz`` or a path to
the file itself also work. A missing file raises :class:`pipeline.errors.MissingInputError`
naming the expected path. Files are opened with ``allow_pickle=False``; a file holding
pickled object arrays is rejected (:class:`pipeline.errors.FormatError`).

Shape = ``betas`` (``num_betas``, default 10), plus ``gender`` (which file) for the manifest.

The rig (in the base convention of :mod:`render.bodies.base`):

* SMPL-X's native frame (Y up, facing +Z, left at +X) is rotated by :data:`SMPLX_TO_BODY`
  (``(x, y, z) -> (x, -z, y)``): Z up, facing -Y, left at +X. Local rotations convert as
  ``R_body = Q R_smplx Q^T`` and translations as ``t_body = Q t_smplx``.
* Joints: all 55 SMPL-X joints are kept in the rig (so the Blender armature can skin every
  vertex with the file's own weights, hand weights included, nothing merged); retargeting
  drives only the 22 body joints (pelvis .. wrists), and jaw, eyes and the 30 finger joints
  stay at rest (flat hands, ``flat_hand_mean=True``).
* Pose-corrective blend shapes (``posedirs``) are **dropped**: a Blender Armature modifier
  cannot express them (they would need per-frame shape keys driven by the pose). The body
  is therefore plain LBS of the shaped template, ``v_shaped = v_template + shapedirs betas``,
  ``J = J_regressor v_shaped``; this equals ``smplx``'s own forward with ``posedirs``
  zeroed (tested to well under 1 mm). Expression is neutral (zero).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pipeline.errors import FormatError, MissingInputError, ValidationError
from render.bodies.base import BodyRig, ShapeSpace

log = logging.getLogger(__name__)

ENV_VAR = "SMPLX_MODEL_DIR"

#: Rotation taking SMPL-X's native frame (Y up, facing +Z) to the body frame (Z up, facing -Y).
SMPLX_TO_BODY = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

#: Joints that retargeting drives (the first 22 SMPL-X joints).
NUM_BODY_JOINTS = 22
NUM_JOINTS = 55

#: Prior weight (m^2 per unit beta^2) pulling fitted betas towards the base shape.
PRIOR_WEIGHT = 2e-5

GENDERS = ("neutral", "male", "female")


def resolve_model_file(model_dir: str | Path | None, gender: str = "neutral") -> Path:
    """The SMPL-X ``.npz`` for ``gender`` under ``model_dir`` (else ``$SMPLX_MODEL_DIR``).

    Raises:
        MissingInputError: no directory given, or no file where it is expected (the message
            names ``<dir>/smplx/SMPLX_<GENDER>.npz``).
        ValidationError: unknown gender.
    """
    if gender not in GENDERS:
        raise ValidationError(f"unknown SMPL-X gender {gender!r}; valid: {', '.join(GENDERS)}", field="gender")
    if model_dir is None:
        model_dir = os.environ.get(ENV_VAR) or None
    if model_dir is None:
        raise MissingInputError(
            f"no SMPL-X model directory: pass --smplx-dir DIR or set {ENV_VAR} "
            f"(expected DIR/smplx/SMPLX_{gender.upper()}.npz)",
            field="smplx_dir",
        )
    root = Path(model_dir)
    name = f"SMPLX_{gender.upper()}.npz"
    if root.is_file():
        return root
    for candidate in (root / "smplx" / name, root / name):
        if candidate.is_file():
            return candidate
    raise MissingInputError("SMPL-X model file not found", path=root / "smplx" / name)


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the model file, refusing pickled objects; shapes checked."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except ValueError as exc:
        raise FormatError(f"not a plain-array SMPL-X .npz (pickled objects are refused): {exc}", path=path) from None
    except OSError as exc:
        raise FormatError(f"unreadable SMPL-X file: {exc}", path=path) from None
    for key in ("v_template", "f", "shapedirs", "J_regressor", "weights", "kintree_table"):
        if key not in data:
            raise FormatError("missing array", path=path, field=key)
    nv = data["v_template"].shape[0]
    expect = {
        "v_template": (nv, 3),
        "J_regressor": (NUM_JOINTS, nv),
        "weights": (nv, NUM_JOINTS),
        "kintree_table": (2, NUM_JOINTS),
    }
    for key, shape in expect.items():
        if tuple(data[key].shape) != shape:
            raise FormatError(f"expected shape {shape}, got {tuple(data[key].shape)}", path=path, field=key)
    if data["shapedirs"].ndim != 3 or data["shapedirs"].shape[:2] != (nv, 3):
        raise FormatError(f"expected shape ({nv}, 3, K), got {data['shapedirs'].shape}", path=path, field="shapedirs")
    if data["f"].ndim != 2 or data["f"].shape[1] != 3:
        raise FormatError(f"expected shape (F, 3), got {data['f'].shape}", path=path, field="f")
    return data


class SmplxBody:
    """SMPL-X behind the :class:`render.bodies.base.BodyModel` protocol.

    Args:
        model_dir: directory holding ``smplx/SMPLX_<GENDER>.npz`` (else ``$SMPLX_MODEL_DIR``).
        gender: ``"neutral"``, ``"male"`` or ``"female"``.
        num_betas: shape components used (at most what the file has).
    """

    name = "smplx"

    def __init__(self, model_dir: str | Path | None = None, gender: str = "neutral", num_betas: int = 10) -> None:
        self.path = resolve_model_file(model_dir, gender)
        self.gender = gender
        data = _load_arrays(self.path)
        self.is_standin = bool(data.get("ciasa_standin", np.array(False)))
        if self.is_standin:
            log.info("%s is ciasa's procedural SMPL-X stand-in, not a licensed model", self.path)
        q = SMPLX_TO_BODY
        self.num_betas = int(min(num_betas, data["shapedirs"].shape[2]))
        self._template = data["v_template"].astype(np.float64) @ q.T  # Nv x 3
        self._shapedirs = np.einsum("ij,vjk->vik", q, data["shapedirs"][:, :, : self.num_betas].astype(np.float64))
        self._regressor = data["J_regressor"].astype(np.float64)
        w = data["weights"].astype(np.float64)
        self._weights = (w / np.clip(w.sum(1, keepdims=True), 1e-12, None)).astype(np.float32)
        self._faces = data["f"].astype(np.int64)
        parents = data["kintree_table"][0].astype(np.int64)
        parents[0] = -1
        if not all(0 <= parents[j] < j for j in range(1, NUM_JOINTS)):
            raise FormatError("kintree_table parents must precede their children", path=self.path, field="kintree_table")
        self.parents = parents
        from smplx.joint_names import JOINT_NAMES

        self.joint_names: tuple[str, ...] = tuple(JOINT_NAMES[:NUM_JOINTS])

    # ---------------------------------------------------------------- protocol

    def default_shape(self) -> dict[str, Any]:
        return {"betas": [0.0] * self.num_betas, "gender": self.gender}

    def check_shape(self, shape: dict[str, Any] | None) -> dict[str, Any]:
        """Complete and validate ``{"betas": [...], "gender": ...}``; betas are zero-padded."""
        out = self.default_shape()
        for key, value in (shape or {}).items():
            if key == "gender":
                if value != self.gender:
                    raise ValidationError(f"this body was loaded for gender {self.gender!r}, got {value!r}", field="shape.gender")
            elif key == "betas":
                b = np.asarray(value, dtype=np.float64).reshape(-1)
                if len(b) > self.num_betas or not np.all(np.isfinite(b)):
                    raise ValidationError(f"betas must be at most {self.num_betas} finite numbers, got {value!r}", field="shape.betas")
                out["betas"] = [float(x) for x in np.pad(b, (0, self.num_betas - len(b)))]
            else:
                raise ValidationError(f"unknown SMPL-X shape key {key!r}; valid: betas, gender", field=f"shape.{key}")
        return out

    def _shaped(self, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        verts = self._template + self._shapedirs @ betas  # Nv x 3
        return verts, self._regressor @ verts

    def rig(self, shape: dict[str, Any] | None = None) -> BodyRig:
        """The rest rig (T-pose, body frame) for ``betas`` (zero when None)."""
        shape = self.check_shape(shape)
        verts, joints = self._shaped(np.asarray(shape["betas"]))
        return BodyRig(
            model=self.name,
            joint_names=self.joint_names,
            parents=self.parents.copy(),
            rest_joints=joints,
            vertices=verts,
            faces=self._faces.copy(),
            weights=self._weights.copy(),
            shape=shape,
        )

    def shape_space(
        self, base_shape: dict[str, Any] | None = None, free: tuple[str, ...] | None = None
    ) -> ShapeSpace:
        """All betas free (``free`` may name a subset as ``"beta0"``, ``"beta1"``, ...);
        prior ``PRIOR_WEIGHT * |betas - base|^2``."""
        base = self.check_shape(base_shape)
        names = tuple(f"beta{i}" for i in range(self.num_betas))
        free = tuple(free) if free is not None else names
        for k in free:
            if k not in names:
                raise ValidationError(f"unknown SMPL-X shape parameter {k!r}; valid: {', '.join(names)}", field="free")
        idx = [names.index(k) for k in free]
        base_b = torch.tensor(base["betas"], dtype=torch.float64)
        template = torch.from_numpy(self._template)
        dirs = torch.from_numpy(self._shapedirs)
        reg = torch.from_numpy(self._regressor)
        # the regressed joints are linear in betas: precompute J_regressor @ (template, dirs)
        j_template = reg @ template  # J x 3
        j_dirs = torch.einsum("jv,vik->jik", reg, dirs)  # J x 3 x nb

        def betas_of(params: torch.Tensor) -> torch.Tensor:
            b = base_b.clone()
            b[idx] = params.to(torch.float64)
            return b

        def rest_points(params: torch.Tensor, vertex_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            b = betas_of(params)
            ids = vertex_ids.long()
            return j_template + j_dirs @ b, template[ids] + dirs[ids] @ b

        def prior(params: torch.Tensor) -> torch.Tensor:
            return PRIOR_WEIGHT * ((params.to(torch.float64) - base_b[idx]) ** 2).sum()

        def to_shape(params: torch.Tensor) -> dict[str, Any]:
            return {"betas": [round(float(x), 6) for x in betas_of(params.detach())], "gender": self.gender}

        return ShapeSpace(
            names=free,
            initial=base_b[idx].numpy().copy(),
            rest_points=rest_points,
            prior=prior,
            to_shape=to_shape,
        )

    # ------------------------------------------------------------- native model

    def native_forward(
        self,
        rotations: torch.Tensor,
        transl: torch.Tensor,
        shape: dict[str, Any] | None = None,
        pose_correctives: bool = False,
    ) -> dict[str, torch.Tensor]:
        """``smplx``'s own forward pass for our pose, returned in the body frame:
        ``vertices (B, Nv, 3)`` and ``joints (B, 55, 3)``, metres (float64).

        Args:
            rotations: ``(B, 55, 3, 3)`` local rotations in the body frame.
            transl: ``(B, 3)`` root translation in the body frame.
            pose_correctives: keep the file's pose blend shapes (zeroed by default, as in
                the rig).
        """
        import smplx

        from render.bodies.lbs import matrix_to_axis_angle

        shape = self.check_shape(shape)
        b = rotations.shape[0]
        q = torch.from_numpy(SMPLX_TO_BODY)
        r_s = q.T @ rotations.to(torch.float64) @ q  # B x 55 x 3 x 3, SMPL-X frame
        aa = matrix_to_axis_angle(r_s)  # B x 55 x 3
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):  # smplx prints warnings
            model = smplx.create(
                str(self.path), model_type="smplx", gender=self.gender, use_pca=False,
                flat_hand_mean=True, num_betas=self.num_betas, batch_size=b, dtype=torch.float64,
            )  # fmt: skip
        if captured.getvalue().strip():
            log.debug("smplx: %s", captured.getvalue().strip())
        if not pose_correctives:
            model.posedirs.zero_()
        with torch.no_grad():
            out = model(
                betas=torch.tensor([shape["betas"]], dtype=torch.float64).expand(b, -1),
                global_orient=aa[:, 0], body_pose=aa[:, 1:22].reshape(b, -1),
                jaw_pose=aa[:, 22], leye_pose=aa[:, 23], reye_pose=aa[:, 24],
                left_hand_pose=aa[:, 25:40].reshape(b, -1), right_hand_pose=aa[:, 40:55].reshape(b, -1),
                transl=(q.T @ transl.to(torch.float64)[..., None])[..., 0],
                expression=torch.zeros(b, model.num_expression_coeffs, dtype=torch.float64),
            )  # fmt: skip
        return {"vertices": out.vertices @ q.T, "joints": out.joints[:, :NUM_JOINTS] @ q.T}
