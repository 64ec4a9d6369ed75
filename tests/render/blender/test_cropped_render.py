"""The cropped render (render.blender.cropped_render) against the whole-frame render of the
same job: the same video up to the denoiser's seams and the codec, a fraction of the image
rendered per frame, and PNG frames when no video is asked for. One worker per render
(a few seconds each)."""

from __future__ import annotations

import cv2
import numpy as np

from render.assets import quality_preset
from render.blender.job import JobOutputs, RenderJob, write_job
from render.worker_client import run_worker

W, H = 160, 90


def _frames(video) -> np.ndarray:
    cap = cv2.VideoCapture(str(video))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame)
    return np.array(out, dtype=np.float64)


def _render(folder, preset, rig, motion, camera_factory, **outputs):
    folder.mkdir(parents=True, exist_ok=True)
    job = RenderJob(resolution=(W, H), camera=camera_factory(W, H), quality=quality_preset(preset), threads=1,
                    outputs=JobOutputs(**outputs) if outputs else JobOutputs())
    write_job(folder, job, rig, motion)
    return run_worker(folder, timeout_s=300)


def test_the_cropped_render_is_the_whole_frame_render(tmp_path, tiny_rig, tiny_motion, camera_factory):
    full, cropped, frames = tmp_path / "full", tmp_path / "cropped", tmp_path / "frames"
    full_result = _render(full, "default", tiny_rig, tiny_motion, camera_factory)
    crop_result = _render(cropped, "cropped", tiny_rig, tiny_motion, camera_factory)
    a, b = _frames(full / "video.mp4"), _frames(cropped / "video.mp4")
    assert a.shape == b.shape == (4, H, W, 3)
    diff = np.abs(a - b)
    # the denoiser sees less context at the box's edges and the codec differs by frame: small
    # differences, never a missing body or shadow (which would move whole regions by tens of levels)
    assert diff.mean() < 2.0, diff.mean()
    assert np.percentile(diff, 99) < 20, np.percentile(diff, 99)
    rec = crop_result["cropped"]
    assert 0 < rec["area_mean"] <= rec["area_max"] < 1  # only part of each frame is rendered
    assert rec["plate_s"] > 0 and rec["encode_s"] > 0 and len(crop_result["frame_s"]) == 4
    assert "cropped" not in full_result
    assert not (cropped / "cropped_frames").exists()  # the temporary frames went
    # PNG frames when no video is asked for: the frames the video was encoded from
    _render(frames, "cropped", tiny_rig, tiny_motion, camera_factory, video=None, frames_dir="frames")
    pngs = sorted((frames / "frames").glob("frame_*.png"))
    assert [p.name for p in pngs] == [f"frame_{i:04d}.png" for i in range(4)]
    first = cv2.imread(str(pngs[0])).astype(np.float64)
    assert first.shape == (H, W, 3) and np.abs(first - b[0]).mean() < 2.0
