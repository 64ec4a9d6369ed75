"""Blender's skinned mesh vs the body model's own LBS (torch), on the real bodies: Anny and
the SMPL-X stand-in. Mean vertex error must stay below 5 mm (it is ~1e-6 m)."""

import numpy as np

from render.assets import quality_preset
from render.blender.job import JobOutputs, RenderJob, write_job
from render.worker_client import run_worker


def _random_pose(rng, j, t=2, scale=0.35):
    from render.bodies import lbs
    import torch

    aa = torch.as_tensor(rng.normal(0, scale, size=(t, j, 3)))
    r = lbs.axis_angle_to_matrix(aa).numpy()
    tr = rng.normal(0, 0.1, size=(t, 3))
    return r, tr


def _parity(tmp_path, rig, rng, camera_factory, lbs_reference):
    rot, tr = _random_pose(rng, len(rig.joint_names))
    job = RenderJob(resolution=(64, 36), camera=camera_factory(64, 36), quality=quality_preset("preview"),
                    render=False, threads=1, probe_frames=[1], outputs=JobOutputs(video=None, probe="probe.npz"))
    write_job(tmp_path, job, rig, (rot, tr))
    run_worker(tmp_path, timeout_s=300)
    probe = np.load(tmp_path / "probe.npz")
    verts, joints = lbs_reference(rig, rot, tr)
    err = np.linalg.norm(probe["vertices_0"][0] - verts[1], axis=1)
    assert err.mean() < 5e-3, err.mean()
    assert err.max() < 1e-3
    np.testing.assert_allclose(probe["bone_heads_0"][0], joints[1], atol=1e-4)
    return float(err.mean())


def test_anny_parity(tmp_path, rng, camera_factory, lbs_reference, anny_body):
    rig = anny_body.rig({"gender": 0.8, "weight": 0.6})
    _parity(tmp_path, rig, rng, camera_factory, lbs_reference)


def test_smplx_standin_parity(tmp_path, rng, camera_factory, lbs_reference, smplx_body):
    rig = smplx_body.rig({"betas": [0.5, -1.0] + [0.0] * 8})
    _parity(tmp_path / "job", rig, rng, camera_factory, lbs_reference)
