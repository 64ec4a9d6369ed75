"""SMPL-X adapter on the procedural stand-in: file layout, errors, frame, LBS parity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.errors import FormatError, MissingInputError, UnknownFormatError
from render.bodies import get_body
from render.bodies.lbs import axis_angle_to_matrix, forward_kinematics, skin
from render.bodies.smplx_body import SmplxBody
from render.bodies.standin import SMPLX_JOINTS, SMPLX_PARENTS, write_smplx_standin

BETAS = {"betas": [1.0, -0.5, 0.8, 0.3, -1.0, 0.5, 0.2, 0.0, 0.0, 0.4]}


def test_standin_has_the_smplx_keys_and_shapes(smplx_dir):
    path = smplx_dir / "smplx" / "SMPLX_NEUTRAL.npz"
    with np.load(path, allow_pickle=False) as npz:
        d = {k: npz[k] for k in npz.files}
    nv = d["v_template"].shape[0]
    assert nv >= 9930
    assert d["J_regressor"].shape == (55, nv) and d["weights"].shape == (nv, 55)
    assert d["shapedirs"].shape[:2] == (nv, 3) and d["posedirs"].shape == (nv, 3, 486)
    assert d["kintree_table"].shape == (2, 55) and tuple(d["kintree_table"][0, 1:]) == SMPLX_PARENTS[1:]
    assert d["hands_componentsl"].shape == (45, 45) and d["lmk_faces_idx"].shape == (51,)
    assert np.allclose(d["weights"].sum(1), 1.0)
    assert d["f"].max() < nv


def test_missing_files_name_the_expected_path(tmp_path, monkeypatch):
    with pytest.raises(MissingInputError) as err:
        SmplxBody(tmp_path)
    assert str(tmp_path / "smplx" / "SMPLX_NEUTRAL.npz") in str(err.value)
    monkeypatch.delenv("SMPLX_MODEL_DIR", raising=False)
    with pytest.raises(MissingInputError, match="SMPLX_MODEL_DIR"):
        SmplxBody(None)
    write_smplx_standin(tmp_path)
    monkeypatch.setenv("SMPLX_MODEL_DIR", str(tmp_path))
    assert get_body("smplx").path == tmp_path / "smplx" / "SMPLX_NEUTRAL.npz"
    with pytest.raises(MissingInputError, match="SMPLX_FEMALE.npz"):
        SmplxBody(tmp_path, gender="female")


def test_pickled_arrays_are_refused(tmp_path):
    (tmp_path / "smplx").mkdir()
    np.savez(tmp_path / "smplx" / "SMPLX_NEUTRAL.npz", v_template=np.zeros((3, 3)), part2num=np.array([{"a": 1}], dtype=object))
    with pytest.raises(FormatError, match="pickled"):
        SmplxBody(tmp_path)


def test_unknown_body_lists_names():
    with pytest.raises(UnknownFormatError, match="anny, smplx"):
        get_body("mano")


def test_rig_is_in_the_base_frame(smplx_body):
    rig = smplx_body.rig()
    assert smplx_body.is_standin and rig.joint_names == SMPLX_JOINTS and rig.num_joints == 55
    j = rig.joint_index
    assert rig.rest_joints[j("head"), 2] > rig.rest_joints[j("left_ankle"), 2] + 1.0  # Z up
    assert rig.rest_joints[j("left_wrist"), 0] > 0.5  # left at +X (T-pose)
    assert rig.rest_joints[j("left_eye_smplhf"), 1] < rig.rest_joints[j("head"), 1]  # faces -Y
    taller = smplx_body.rig({"betas": [2.0]})
    assert np.ptp(taller.vertices[:, 2]) > np.ptp(rig.vertices[:, 2])


def test_our_lbs_matches_smplx_with_pose_correctives_zeroed(smplx_body):
    rig = smplx_body.rig(BETAS)
    g = torch.Generator().manual_seed(1)
    rot = axis_angle_to_matrix(torch.randn(3, 55, 3, generator=g, dtype=torch.float64) * 0.4)
    transl = torch.randn(3, 3, generator=g, dtype=torch.float64) * 0.3
    rest = torch.from_numpy(rig.rest_joints)
    pos, gt = forward_kinematics(rot, transl, rest, rig.parents)
    ours = skin(torch.from_numpy(rig.vertices), torch.from_numpy(rig.weights).double(), gt, rest)
    native = smplx_body.native_forward(rot, transl, BETAS)
    assert (ours - native["vertices"]).norm(dim=-1).max() < 1e-3
    assert (pos - native["joints"]).norm(dim=-1).max() < 1e-3
    # the dropped pose correctives are real: with them smplx's mesh differs
    with_pc = smplx_body.native_forward(rot, transl, BETAS, pose_correctives=True)
    assert (ours - with_pc["vertices"]).norm(dim=-1).max() > 1e-3


def test_shape_space_is_linear_in_betas(smplx_body):
    space = smplx_body.shape_space()
    ids = torch.arange(5)
    j0, _ = space.rest_points(torch.zeros(10, dtype=torch.float64), ids)
    b = torch.tensor(BETAS["betas"], dtype=torch.float64)
    j1, v1 = space.rest_points(b, ids)
    rig = smplx_body.rig(BETAS)
    assert np.abs(j1.numpy() - rig.rest_joints).max() < 1e-9 and np.abs(v1.numpy() - rig.vertices[:5]).max() < 1e-9
    assert float(space.prior(b)) > float(space.prior(torch.zeros(10, dtype=torch.float64))) == 0.0
    assert not torch.allclose(j0, j1)
