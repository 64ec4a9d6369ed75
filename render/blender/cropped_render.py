"""The cropped render (worker only): the empty scene once, then per frame only the box the
bodies can change (:func:`render.blender.crop.crop_border`), pasted over it.

Cycles' cost per frame is nearly proportional to the pixels it renders, and in a 640x360
NTU-like frame the bodies, their shadows and the ground they shade fill a fraction of the
image; the rest is the same empty scene in every frame. A quality preset turns it on with
``"crop": true``. Blender's render border cannot change during an animation render, so
every frame is a still render of the persistent scene (``render.use_persistent_data``)
followed by the paste, and the frames are encoded at the end with Blender's own FFmpeg
writer (:func:`render.blender.frames.encode_frames`).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from render.blender.crop import border_fraction, crop_border

log = logging.getLogger(__name__)

#: The folder (inside the job folder) holding the cropped render's temporary frames.
WORK_DIR = "cropped_frames"


def render_cropped(bodies: list[Any], camera: Any, resolution: tuple[int, int], *, sun_direction: np.ndarray | None,
                   ground_z: float, job_dir: Path, video: Path | None, frames_dir: Path | None, crf: str,
                   progress: Callable[[int, int], None]) -> tuple[Path, list[float], dict[str, Any]]:
    """Render the current scene's frame range cropped, to the MP4 ``video`` or the PNG
    frames folder ``frames_dir``.

    Args:
        bodies: the body mesh objects (hidden for the empty scene; their evaluated vertices
            bound each frame's box).
        camera: the job's :class:`~render.blender.job.CameraSpec`.
        sun_direction: unit vector from the scene to the sun, or None (no sun).
        ground_z: the ground plane's height, metres.
    Returns:
        The output path, each frame's seconds (border, render and paste; the first frame
        includes the empty scene's render) and a record:
        ``plate_s`` (the empty scene's render), ``encode_s``, ``area`` (share of the image
        rendered per frame, mean and max).
    """
    import bpy

    from render.blender import frames, probe

    scene = bpy.context.scene
    r = scene.render
    work = job_dir / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    fmt = r.image_settings
    fmt.media_type = "IMAGE"
    fmt.file_format = "PNG"
    fmt.color_mode = "RGBA"
    fmt.color_depth = "8"
    fmt.compression = 0
    t0 = time.perf_counter()
    for b in bodies:
        b.hide_render = True
    r.use_border = False
    r.filepath = str(work / "plate.png")
    bpy.ops.render.render(write_still=True)
    for b in bodies:
        b.hide_render = False
    plate = frames.read_rgba(work / "plate.png")
    plate_s = time.perf_counter() - t0
    cam = np.asarray(camera.cam_to_world, dtype=np.float64)
    total = scene.frame_end - scene.frame_start + 1
    out_dir = frames_dir if frames_dir is not None else work
    out_dir.mkdir(parents=True, exist_ok=True)
    times, areas = [], []
    r.use_crop_to_border = False
    for i in range(total):
        t = time.perf_counter()
        f = scene.frame_start + i
        scene.frame_set(f)
        pts = np.concatenate([probe.current_vertices(b) for b in bodies])
        border = crop_border(pts, cam, camera.fx, camera.fy, camera.cx, camera.cy, resolution,
                             sun_direction=sun_direction, ground_z=ground_z)
        name = out_dir / f"frame_{i:04d}.png"
        if border is None:  # nobody in view: the empty scene
            frames.write_rgb(plate, name)
        else:
            r.use_border = True
            r.border_min_x, r.border_max_x, r.border_min_y, r.border_max_y = border
            r.filepath = str(work / "cropped.png")
            bpy.ops.render.render(write_still=True)
            frames.write_rgb(frames.paste(frames.read_rgba(work / "cropped.png"), plate), name)
        areas.append(border_fraction(border))
        times.append(time.perf_counter() - t)
        progress(i + 1, total)
    r.use_border = False
    if times:  # the empty scene is this render's start-up: count it in the first frame, as the
        times[0] += plate_s  # animation render's first frame holds its scene upload
    record: dict[str, Any] = {"plate_s": plate_s, "area_mean": float(np.mean(areas)), "area_max": float(np.max(areas))}
    if video is None:
        shutil.rmtree(work, ignore_errors=True)  # the empty scene and the last crop; the frames are elsewhere
        return out_dir, times, record
    t = time.perf_counter()
    written = frames.encode_frames(work / "frame_0000.png", total, int(round(scene.render.fps / scene.render.fps_base)),
                                   resolution, video.with_suffix(""), crf=crf)
    record["encode_s"] = time.perf_counter() - t
    shutil.rmtree(work, ignore_errors=True)
    log.info("cropped render: %d frames, %.0f %% of the image per frame (max %.0f %%), empty scene %.2f s, "
             "encode %.2f s", total, 100 * record["area_mean"], 100 * record["area_max"], plate_s, record["encode_s"])
    return written, times, record
