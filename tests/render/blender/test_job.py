import json

import numpy as np
import pytest

from pipeline.errors import FormatError, MissingInputError, ValidationError
from render.assets import quality_preset
from render.blender.job import JOB_FILE, RenderJob, read_job, write_job


def _job(camera_factory, **kw):
    return RenderJob(resolution=(96, 54), camera=camera_factory(96, 54), quality=quality_preset("preview"), **kw)


def test_round_trip(tmp_path, tiny_rig, tiny_motion, camera_factory):
    write_job(tmp_path, _job(camera_factory), tiny_rig, tiny_motion)
    job, rigs, motions = read_job(tmp_path)
    assert job.resolution == (96, 54) and job.num_bodies == 1 and job.fps == 30
    np.testing.assert_array_equal(rigs[0]["parents"], tiny_rig.parents)
    np.testing.assert_allclose(motions[0][0], tiny_motion[0])
    assert list(rigs[0]["joint_names"]) == list(tiny_rig.joint_names)


def test_bad_motion_is_refused(tmp_path, tiny_rig, tiny_motion, camera_factory):
    rot, tr = tiny_motion
    bad = rot.copy()
    bad[2, 1, 0, 0] = np.nan
    with pytest.raises(ValidationError, match="non-finite"):
        write_job(tmp_path / "a", _job(camera_factory), tiny_rig, (bad, tr))
    with pytest.raises(ValidationError, match="zero-length"):
        write_job(tmp_path / "b", _job(camera_factory), tiny_rig, (rot[:0], tr[:0]))
    with pytest.raises(ValidationError, match="rotation"):
        write_job(tmp_path / "c", _job(camera_factory), tiny_rig, (rot * 2, tr))
    assert not (tmp_path / "a").exists()


def test_bad_settings_are_refused(tmp_path, tiny_rig, tiny_motion, camera_factory):
    job = _job(camera_factory)
    job.resolution = (95, 54)
    with pytest.raises(ValidationError, match="even"):
        write_job(tmp_path, job, tiny_rig, tiny_motion)
    job = _job(camera_factory)
    job.camera.fy = job.camera.fx * 1.1
    with pytest.raises(ValidationError, match="square"):
        write_job(tmp_path, job, tiny_rig, tiny_motion)


def test_read_refuses_missing_and_malformed(tmp_path, tiny_rig, tiny_motion, camera_factory):
    with pytest.raises(MissingInputError):
        read_job(tmp_path)
    write_job(tmp_path, _job(camera_factory), tiny_rig, tiny_motion)
    doc = json.loads((tmp_path / JOB_FILE).read_text())
    doc["format"] = "other"
    (tmp_path / JOB_FILE).write_text(json.dumps(doc))
    with pytest.raises(FormatError):
        read_job(tmp_path)
