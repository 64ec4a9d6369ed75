"""Anny adapter: rig conventions, our LBS vs Anny's own forward, cache guard, shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.errors import MissingInputError, ValidationError
from render.bodies.anny_body import AnnyBody, check_phenotype
from render.bodies.anny_cache import check_cache
from render.bodies.lbs import axis_angle_to_matrix, forward_kinematics, skin

SHAPE = {"gender": 0.2, "height": 0.7, "proportions": 0.35, "muscle": 0.6}


def test_missing_cache_raises_typed_error_naming_the_fix(tmp_path):
    with pytest.raises(MissingInputError) as err:
        AnnyBody(cache_dir=tmp_path)
    assert "render.bodies.anny_build" in str(err.value)
    assert str(tmp_path) in str(err.value)
    (tmp_path / "ciasa_anny_ready.json").write_text('{"files": ["v14/missing.safetensors"]}')
    with pytest.raises(MissingInputError, match="missing.safetensors"):
        check_cache(tmp_path)


def test_phenotype_validation():
    assert check_phenotype(None)["height"] == 0.5
    with pytest.raises(ValidationError, match="shape.height"):
        check_phenotype({"height": 1.5})
    with pytest.raises(ValidationError, match="unknown Anny phenotype"):
        check_phenotype({"stature": 0.5})


def test_rig_follows_the_base_conventions(anny_body):
    rig = anny_body.rig()
    j, nv = rig.num_joints, len(rig.vertices)
    assert (j, nv) == (104, 13718)
    assert rig.parents[0] == -1 and all(0 <= rig.parents[k] < k for k in range(1, j))
    assert rig.faces.shape[1] == 3 and rig.faces.min() >= 0 and rig.faces.max() < nv
    assert rig.weights.shape == (nv, j) and np.allclose(rig.weights.sum(1), 1.0, atol=1e-5)
    z = rig.vertices[:, 2]
    assert 1.55 < z.max() - z.min() < 1.7  # neutral adult, metres
    head, foot = rig.joint_index("head"), rig.joint_index("foot.L")
    assert rig.rest_joints[head, 2] > rig.rest_joints[foot, 2] + 1.2  # Z up
    assert rig.rest_joints[rig.joint_index("upperarm01.L"), 0] > 0.1  # left at +X
    assert rig.rest_joints[rig.joint_index("eye.L"), 1] < rig.rest_joints[head, 1]  # faces -Y


def test_our_lbs_reproduces_annys_forward(anny_body):
    rig = anny_body.rig(SHAPE)
    g = torch.Generator().manual_seed(0)
    rot = axis_angle_to_matrix(torch.randn(3, rig.num_joints, 3, generator=g, dtype=torch.float64) * 0.5)
    transl = torch.randn(3, 3, generator=g, dtype=torch.float64) * 0.5
    rest = torch.from_numpy(rig.rest_joints)
    pos, gt = forward_kinematics(rot, transl, rest, rig.parents)
    ours = skin(torch.from_numpy(rig.vertices), torch.from_numpy(rig.weights).double(), gt, rest)
    native = anny_body.native_forward(rot, transl, SHAPE)
    assert (ours - native["vertices"]).norm(dim=-1).max() < 1e-3  # 1 mm
    assert (pos - native["joints"]).norm(dim=-1).max() < 1e-6


def test_shape_space_matches_the_rig(anny_body):
    space = anny_body.shape_space(SHAPE, free=("height", "proportions"))
    params = torch.tensor(space.initial)
    assert float(space.prior(params)) < 1e-12
    assert space.to_shape(params)["height"] == pytest.approx(0.7)
    rig = anny_body.rig(space.to_shape(params))
    ids = torch.tensor([0, 100, 5000])
    joints, verts = space.rest_points(params, ids)
    assert np.abs(joints.detach().numpy() - rig.rest_joints).max() < 1e-9
    assert np.abs(verts.detach().numpy() - rig.vertices[[0, 100, 5000]]).max() < 1e-9
    taller = space.rest_points(params + torch.tensor([1.0, 0.0], dtype=params.dtype), ids)[0]
    assert float(taller[:, 2].max() - taller[:, 2].min()) > float(joints[:, 2].max() - joints[:, 2].min())
