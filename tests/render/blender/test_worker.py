"""The Blender worker end to end on a tiny rig: video, parity with LBS, camera maths,
failures as typed errors. Each test runs one worker subprocess (a few seconds)."""

import tempfile

import numpy as np
import pytest

from render.api import video_frame_count
from render.assets import quality_preset
from render.blender.job import JobOutputs, RenderJob, write_job
from render.worker_client import RenderError, run_worker


def _job(camera_factory, w=96, h=54, **kw):
    kw.setdefault("threads", 1)
    return RenderJob(resolution=(w, h), camera=camera_factory(w, h), quality=quality_preset("preview"), **kw)


@pytest.fixture
def system_tmp(tmp_path_factory, monkeypatch):
    """An empty folder standing in for the system temporary directory during the test."""
    folder = tmp_path_factory.mktemp("system_tmp")
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_tiny_render_makes_playable_video(tmp_path, tiny_rig, tiny_motion, camera_factory, system_tmp):
    write_job(tmp_path, _job(camera_factory), tiny_rig, tiny_motion)
    seen = []
    result = run_worker(tmp_path, progress=lambda d, t: seen.append((d, t)), timeout_s=300)
    video = tmp_path / "video.mp4"
    assert video.is_file() and video_frame_count(video) == 4
    import cv2

    cap = cv2.VideoCapture(str(video))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30.0)
    ok, frame = cap.read()
    assert ok and frame.shape == (54, 96, 3) and frame.std() > 1.0  # not a blank image
    assert seen[-1] == (4, 4) and result["frames"] == 4 and len(result["frame_s"]) == 4
    assert (tmp_path / "worker.log").read_text().strip()
    assert list(system_tmp.iterdir()) == []  # Blender's session folder went with the worker


def test_parity_and_camera_probe(tmp_path, tiny_rig, tiny_motion, camera_factory, lbs_reference):
    """Blender's evaluated mesh equals the torch LBS; Blender's camera maths equal the
    job's pinhole model (shifted principal point included)."""
    cam = camera_factory(96, 54)
    pts = np.array([[0, 0, 1.0], [0.5, 0.1, 1.5], [-0.4, 0.6, 0.2]])
    job = _job(camera_factory, render=False, probe_frames=[0, 3], probe_points=pts.tolist(),
               outputs=JobOutputs(video=None, probe="probe.npz", blend="scene.blend"))
    write_job(tmp_path, job, tiny_rig, tiny_motion)
    run_worker(tmp_path, timeout_s=300)
    probe = np.load(tmp_path / "probe.npz")
    verts, joints = lbs_reference(tiny_rig, *tiny_motion)
    for k, f in enumerate(probe["frames"]):
        err = np.linalg.norm(probe["vertices_0"][k] - verts[f], axis=1)
        assert err.mean() < 5e-3 and err.max() < 1e-4
        np.testing.assert_allclose(probe["bone_heads_0"][k], joints[f], atol=1e-5)
    w2c = np.linalg.inv(np.array(cam.cam_to_world))
    q = pts @ w2c[:3, :3].T + w2c[:3, 3]
    u = cam.cx + cam.fx * q[:, 0] / -q[:, 2]
    v = cam.cy - cam.fy * q[:, 1] / -q[:, 2]
    np.testing.assert_allclose(probe["camera_view"][:, :2], np.c_[u, v], atol=1e-3)
    assert (tmp_path / "scene.blend").stat().st_size > 0
    assert not (tmp_path / "video.mp4").exists()


def test_bad_job_is_a_typed_error(tmp_path, tiny_rig, tiny_motion, camera_factory):
    write_job(tmp_path, _job(camera_factory), tiny_rig, tiny_motion)
    np.savez(tmp_path / "motion_0.npz", rotations=np.full((2, 5, 3, 3), np.nan), transl=np.zeros((2, 3)))
    with pytest.raises(RenderError, match="non-finite") as info:
        run_worker(tmp_path, timeout_s=300, sample="s1")
    assert info.value.returncode == 2 and info.value.sample == "s1"
    assert not (tmp_path / "video.mp4").exists()


def test_worker_failure_is_a_typed_error(tmp_path, tiny_rig, tiny_motion, camera_factory):
    job = _job(camera_factory, appearance={"world": {"hdri": "no_such_hdri", "strength": 1.0, "rotation_deg": 0}})
    write_job(tmp_path, job, tiny_rig, tiny_motion)
    with pytest.raises(RenderError, match="no_such_hdri") as info:
        run_worker(tmp_path, timeout_s=300)
    assert info.value.returncode == 3
    assert "Traceback" in (tmp_path / "worker.log").read_text()


def test_hard_crash_is_a_typed_error(tmp_path, monkeypatch):
    """A worker that dies without its one-line reason (a segfault-like exit)."""
    import sys

    fake = tmp_path / "fake_python"
    fake.write_text("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n")
    fake.chmod(0o755)
    (tmp_path / "job").mkdir()
    monkeypatch.setattr(sys, "executable", str(fake))
    with pytest.raises(RenderError, match="crashed: Segmentation fault") as info:
        run_worker(tmp_path / "job", timeout_s=60)
    assert info.value.returncode == 139
    with pytest.raises(RenderError, match="does not exist"):
        run_worker(tmp_path / "missing", timeout_s=60)


def test_timeout_is_a_typed_error(tmp_path, tiny_rig, tiny_motion, camera_factory, system_tmp):
    write_job(tmp_path, _job(camera_factory), tiny_rig, tiny_motion)
    with pytest.raises(RenderError, match="timed out"):
        run_worker(tmp_path, timeout_s=0.5)
    assert list(system_tmp.iterdir()) == []  # a killed worker leaves no temporary folder


def test_two_bodies(tmp_path, tiny_rig, tiny_motion, camera_factory, lbs_reference):
    """Two-person sequences: one armature and mesh per body, each skinned by its motion."""
    rot, tr = tiny_motion
    tr2 = tr + np.array([1.0, 0.5, 0.0])
    job = _job(camera_factory, render=False, probe_frames=[2], outputs=JobOutputs(video=None, probe="probe.npz"))
    write_job(tmp_path, job, [tiny_rig, tiny_rig], [(rot, tr), (rot[:, ::-1].copy(), tr2)])
    run_worker(tmp_path, timeout_s=300)
    probe = np.load(tmp_path / "probe.npz")
    v0, _ = lbs_reference(tiny_rig, rot, tr)
    v1, _ = lbs_reference(tiny_rig, rot[:, ::-1].copy(), tr2)
    np.testing.assert_allclose(probe["vertices_0"][0], v0[2], atol=1e-5)
    np.testing.assert_allclose(probe["vertices_1"][0], v1[2], atol=1e-5)
