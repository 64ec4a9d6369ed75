"""render_sequence / render_set end to end on 4-frame synthetic sequences (Anny body,
preview quality, 64x36): bundle contents, the coordinate test, skipping, bad input."""

import json

import numpy as np
import pytest

from pipeline.errors import ValidationError
from render.api import parse_indices, render_sequence, render_set, video_frame_count
from render.bundle import load_bundle
from render.worker_client import RenderError

KW = dict(quality="preview", resolution=(64, 36), threads=1)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, tiny_set, anny_body):
    out = tmp_path_factory.mktemp("render")
    return render_sequence(tiny_set, 0, out, seed=5, **KW)


def test_bundle_is_complete(bundle, tiny_set):
    m = bundle.manifest
    assert video_frame_count(bundle.video) == 4
    assert m["video"]["frames"] == 4 and m["video"]["fps"] == 30 and m["video"]["resolution"] == [64, 36]
    assert m["sample"]["name"] == str(tiny_set.name[0]) and len(m["sample"]["content_hash"]) == 64
    assert m["source"]["content_hash"] == tiny_set.content_hash()
    assert m["quality"]["name"] == "preview" and m["body"]["model"] == "anny"
    assert m["seeds"]["run"] == 5 and m["appearance"][0]["seed"] == m["seeds"]["appearance"][0]
    for key in ("intrinsics", "extrinsics", "timings", "appearance", "request_key"):
        assert m[key]
    assert (bundle.path / "render.log").is_file()
    gt = np.load(bundle.ground_truth)
    assert gt["source_joints"].shape == (4, 1, 25, 3) and gt["body_pixels"].shape == (4, 1, 25, 2)
    assert gt["body_in_frame"].all()  # the person is fully in frame
    # the rendered body follows the skeleton (retarget fit, a few cm)
    assert np.linalg.norm(gt["body_joints"] - gt["source_joints"], axis=-1).mean() < 0.06
    json.dumps(m)  # JSON-able


def test_coordinates(bundle, tmp_path, tiny_set):
    """A joint projects to the same pixel through the manifest's camera as in the ground
    truth, and through Blender's own world_to_camera_view."""
    from render.assets import quality_preset
    from render.blender.job import CameraSpec, JobOutputs, RenderJob, write_job
    from render.worker_client import run_worker

    m = bundle.manifest
    gt = np.load(bundle.ground_truth)
    intr, ext = m["intrinsics"], m["extrinsics"]
    world = gt["body_joints_world"][:, 0]  # T x 25 x 3
    w2k = np.array(ext["world_to_kinect"])
    k = world @ w2k[:3, :3].T + w2k[:3, 3]
    np.testing.assert_allclose(k, gt["body_joints"][:, 0], atol=1e-9)
    u = intr["cx"] - intr["fx"] * k[..., 0] / k[..., 2]
    v = intr["cy"] - intr["fy"] * k[..., 1] / k[..., 2]
    np.testing.assert_allclose(np.stack([u, v], -1), gt["body_pixels"][:, 0], atol=1e-9)
    # Blender's camera built from the manifest sees the head where the ground truth says
    rig_job = RenderJob(resolution=tuple(m["video"]["resolution"]),
                        camera=CameraSpec(ext["camera_to_world"], intr["fx"], intr["fy"], intr["cx"], intr["cy"]),
                        quality=quality_preset("preview"), render=False, probe_points=world[2].tolist(),
                        outputs=JobOutputs(video=None, probe="probe.npz"))
    from render.bodies import get_body

    write_job(tmp_path, rig_job, get_body("anny").rig(), (np.eye(3)[None, None].repeat(104, 1), np.zeros((1, 3))))
    run_worker(tmp_path, timeout_s=300)
    view = np.load(tmp_path / "probe.npz")["camera_view"]
    np.testing.assert_allclose(view[:, :2], gt["body_pixels"][2, 0], atol=1e-3)


def test_existing_bundle_is_skipped_or_refused(bundle, tiny_set):
    again = render_sequence(tiny_set, 0, bundle.path.parent, seed=5, **KW)
    assert again.skipped and again.manifest == bundle.manifest
    with pytest.raises(RenderError, match="--force"):
        render_sequence(tiny_set, 0, bundle.path.parent, seed=6, **KW)
    assert load_bundle(bundle.path).manifest == bundle.manifest


def test_bad_input_leaves_no_bundle(tmp_path, tiny_set, anny_body):
    bad = tiny_set.subset([1])
    bad.data = bad.data.copy()
    bad.data[0, 0, 2, 7, 0] = np.nan
    with pytest.raises(ValidationError, match="non-finite"):
        render_sequence(bad, 0, tmp_path, **KW)
    zero = tiny_set.subset([1])
    zero.data = np.zeros_like(zero.data)
    with pytest.raises(ValidationError):
        render_sequence(zero, 0, tmp_path, **KW)
    assert list(tmp_path.iterdir()) == []
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValidationError, match="output folder"):
        render_sequence(tiny_set, 1, blocker / "out", **KW)
    with pytest.raises(ValidationError, match="even"):
        render_sequence(tiny_set, 1, tmp_path, quality="preview", resolution=(63, 36))


def test_render_set_isolates_failures(tmp_path, tiny_set, monkeypatch, anny_body):
    """One sequence's worker crashes: it gets an error result, no bundle, a kept log; the
    other sequence renders."""
    from pipeline.skeleton_set import save_skeleton_set
    import render.api as api

    path = save_skeleton_set(tiny_set, tmp_path / "set.npz")
    real = api.run_worker
    crash_name = str(tiny_set.name[2])

    def flaky(job_dir, **kw):
        if kw.get("sample") == crash_name:
            (job_dir / "worker.log").write_text("boom")
            raise RenderError("Blender worker crashed: Segmentation fault", sample=crash_name)
        return real(job_dir, **kw)

    monkeypatch.setattr(api, "run_worker", flaky)
    frames = []
    res = render_set(path, [1, 2], tmp_path / "out", workers=2, on_frame=lambda i, d, t: frames.append((i, d)), **KW)
    assert [r.index for r in res] == [1, 2]
    assert res[0].ok and not res[1].ok and "Segmentation" in res[1].error and res[1].error_type == "RenderError"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [str(tiny_set.name[1]), f"{crash_name}.render-error.log"]
    assert (1, 4) in frames


def test_parse_indices():
    assert parse_indices("0,3,5-7,3", 10) == [0, 3, 5, 6, 7]
    assert parse_indices(None, 3) == [0, 1, 2]
    for bad in ("1-", "a", "9-3", "12"):
        with pytest.raises(ValidationError):
            parse_indices(bad, 10)
