"""The Blender worker: ``python -m render.blender.worker JOB_DIR``.

Reads a job folder (:mod:`render.blender.job`), builds the scene (armature, skinned and
dressed body, world, ground, sun, camera, render settings), optionally writes probes and
a ``.blend``, renders the frames as one animation (persistent scene) to an H.264 MP4, and
writes ``result.json`` (timings, what was used). Streams:

* stdout (the protocol stream) carries only ``CIASA_PROGRESS <done> <total>`` lines;
  Blender's own console output is redirected to the log;
* ``JOB_DIR/worker.log`` gets everything; stderr gets the log lines too and, on failure,
  a last line ``CIASA_ERROR <one-line reason>``.

Exit status: 0 done, 2 bad job (a typed input error), 3 any other failure.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from pipeline.errors import CiasaError
from render.blender.job import ERROR_PREFIX, LOG_FILE, PROGRESS_PREFIX, RenderJob, read_job, resolve

log = logging.getLogger("render.blender.worker")

EXIT_BAD_JOB, EXIT_FAILED = 2, 3

#: Used when a job's appearance leaves something out (tests with hand-built rigs).
_NEUTRAL_APPEARANCE: dict[str, Any] = {
    "skin": {"name": "medium", "rgb": [0.5, 0.31, 0.2], "roughness": 0.55},
    "hair": None,
    "garment": {"look": "none", "parts": {}},
    "world": {"hdri": "studio", "strength": 1.0, "rotation_deg": 0.0},
    "sun": {"strength": 2.0, "elevation_deg": 50.0, "azimuth_deg": 20.0, "angle_deg": 3.0},
    "ground": {"name": "concrete", "rgb": [0.35, 0.34, 0.32], "pattern": "solid", "scale": 1.0,
               "contrast": 0.0, "size_m": 60.0},
    "body_regions": {"regions": ["head", "eyes", "neck", "torso"], "rules": [], "default_region": "torso"},
}


@dataclass
class SceneHandles:
    """The built scene's main objects (``bpy.types.Object``) and bookkeeping."""

    armatures: list[Any]
    bone_names: list[tuple[str, ...]]
    bodies: list[Any]
    camera: Any
    render_used: dict[str, Any]
    faces_per_slot: list[dict[str, int]]
    build_s: float
    sun_direction: np.ndarray | None = None
    ground_z: float = 0.0


def _appearance(job: RenderJob, k: int) -> dict[str, Any]:
    """Body ``k``'s appearance: neutral defaults, overridden by the job's choices."""
    app = dict(_NEUTRAL_APPEARANCE)
    app.update({key: v for key, v in job.appearance.items() if v is not None or key == "hair"})
    if k > 0 and k - 1 < len(job.extra_appearances):
        app.update({key: v for key, v in job.extra_appearances[k - 1].items() if v is not None or key == "hair"})
    return app


def build_scene(job: RenderJob, rigs: list[dict[str, np.ndarray]],
                motions: list[tuple[np.ndarray, np.ndarray]]) -> SceneHandles:
    """Reset Blender and build the whole scene for ``job``: per body an armature
    keyframed from ``(rotations (T, J, 3, 3), transl (T, 3))`` on frames
    ``frame_start .. frame_start + T - 1`` and its skinned, dressed mesh; then world,
    ground, sun, camera and render settings."""
    from render.blender import armature, camera, dress, render_settings, scene, skin, world

    t0 = time.perf_counter()
    scene.reset_scene()
    scene.set_frame_range(motions[0][0].shape[0], job.fps, job.frame_start)
    arms, names_all, bodies, counts = [], [], [], []
    for k, (rig, (rot, tr)) in enumerate(zip(rigs, motions)):
        names = tuple(str(n) for n in rig["joint_names"])
        app = _appearance(job, k)
        arm = armature.build_armature(names, rig["parents"], rig["rest_joints"], name=f"body_rig_{k}")
        armature.keyframe_motion(arm, rot, tr, job.frame_start)
        body = skin.build_mesh(f"body_{k}", rig["vertices"], rig["faces"])
        skin.skin_to_armature(body, arm.obj, names, rig["weights"])
        counts.append(dress.dress_body(body, names, rig["weights"], rig["vertices"], rig["faces"], app))
        arms.append(arm.obj)
        names_all.append(names)
        bodies.append(body)
    app = _appearance(job, 0)
    w = app["world"]
    world.set_hdri_world(w["hdri"], w["strength"], w["rotation_deg"])
    g = app["ground"]
    world.add_ground(job.ground_z, float(g.get("size_m", 60.0)), g)
    cam_to_world = np.asarray(job.camera.cam_to_world, dtype=np.float64)
    s = app["sun"]
    sun = world.sun_direction(cam_to_world, s["azimuth_deg"], s["elevation_deg"])
    world.add_sun(sun, s["strength"], s.get("angle_deg", 3.0))
    cam = camera.add_camera(job.camera, job.resolution)
    used = render_settings.apply_quality(job.quality, threads=job.threads, device=job.device,
                                         seed=int(app.get("seed", 0)))
    build_s = time.perf_counter() - t0
    log.info("scene built in %.2f s (%s)", build_s, used)
    return SceneHandles(arms, names_all, bodies, cam, used, counts, build_s, sun_direction=sun,
                        ground_z=float(job.ground_z))


def write_probes(job: RenderJob, h: SceneHandles, path: Path) -> None:
    """Per body ``k``: evaluated mesh vertices ``vertices_<k> (F, Nv, 3)`` and posed bone
    heads ``bone_heads_<k> (F, J, 3)`` at ``job.probe_frames`` (0-based motion frames),
    world metres; Blender's projection ``camera_view (P, 3)`` (u, v pixels, depth m) of
    ``job.probe_points``; to ``path`` (.npz)."""
    from render.blender import probe

    frames = [int(f) for f in job.probe_frames]
    out: dict[str, np.ndarray] = {"frames": np.array(frames, dtype=np.int64)}
    for k, (body, arm, names) in enumerate(zip(h.bodies, h.armatures, h.bone_names)):
        verts = [probe.evaluated_vertices(body, job.frame_start + f) for f in frames]
        heads = [probe.posed_bone_heads(arm, job.frame_start + f, names) for f in frames]
        out[f"vertices_{k}"] = np.array(verts, dtype=np.float64).reshape(len(frames), len(body.data.vertices), 3)
        out[f"bone_heads_{k}"] = np.array(heads, dtype=np.float64).reshape(len(frames), len(names), 3)
    pts = np.asarray(job.probe_points, dtype=np.float64).reshape(-1, 3)
    out["points"] = pts
    out["camera_view"] = probe.camera_view(h.camera, pts, job.resolution) if len(pts) else np.zeros((0, 3))
    np.savez(path, **out)


def _progress(stream: TextIO, done: int, total: int) -> None:
    stream.write(f"{PROGRESS_PREFIX} {done} {total}\n")
    stream.flush()


def render_animation(job: RenderJob, h: SceneHandles, job_dir: Path,
                     proto: TextIO) -> tuple[Path, list[float], dict[str, Any]]:
    """Render every frame as one animation (persistent scene), or cropped when the quality
    preset says ``"crop": true`` (:mod:`render.blender.cropped_render`); returns the output
    (the movie file, or the frames folder), the time of each frame in seconds and what the
    cropped render records (empty otherwise)."""
    import bpy

    from render.blender import video

    scene = bpy.context.scene
    total = scene.frame_end - scene.frame_start + 1
    if job.quality.get("crop"):
        from render.blender.cropped_render import render_cropped

        movie = resolve(job_dir, job.outputs.video) if job.outputs.video else None
        written, times, record = render_cropped(
            h.bodies, job.camera, job.resolution, sun_direction=h.sun_direction, ground_z=h.ground_z,
            job_dir=job_dir, video=movie, frames_dir=None if movie else resolve(job_dir, job.outputs.frames_dir),
            crf=job.quality.get("crf", "HIGH"), progress=lambda d, t: _progress(proto, d, t))
        if movie is None:
            return written, times, record
        if not written.is_file():
            raise RuntimeError(f"Blender wrote no movie at {written}")
        os.replace(written, movie)
        return movie, times, record
    if job.outputs.video:
        target = resolve(job_dir, job.outputs.video)
        video.set_video_output(target.with_suffix(""), crf=job.quality.get("crf", "HIGH"))
    else:
        target = resolve(job_dir, job.outputs.frames_dir)
        target.mkdir(parents=True, exist_ok=True)
        video.set_image_output(target / "frame_####")
    stamps = [time.perf_counter()]

    def on_frame(*_: Any) -> None:
        stamps.append(time.perf_counter())
        _progress(proto, len(stamps) - 1, total)

    bpy.app.handlers.render_post.append(on_frame)
    try:
        bpy.ops.render.render(animation=True)
    finally:
        bpy.app.handlers.render_post.remove(on_frame)
    if job.outputs.video:
        written = video.movie_path()
        if not written.is_file():
            raise RuntimeError(f"Blender wrote no movie at {written}")
        os.replace(written, target)
    return target, list(np.diff(stamps)), {}


def render_rebuilding(job: RenderJob, rigs: list[dict[str, np.ndarray]],
                      motions: list[tuple[np.ndarray, np.ndarray]], job_dir: Path, proto: TextIO) -> tuple[Path, list[float]]:
    """Benchmark baseline: for every frame, reset Blender, rebuild the scene with that
    frame's pose and render a PNG still. Returns the frames folder and per-frame times
    (build + render)."""
    import bpy

    from render.blender import video

    target = resolve(job_dir, job.outputs.frames_dir or "frames")
    target.mkdir(parents=True, exist_ok=True)
    times = []
    total = motions[0][0].shape[0]
    for t in range(total):
        t0 = time.perf_counter()
        build_scene(job, rigs, [(r[t:t + 1], x[t:t + 1]) for r, x in motions])
        video.set_image_output(target / f"frame_{t:04d}.png")
        bpy.ops.render.render(write_still=True)
        times.append(time.perf_counter() - t0)
        _progress(proto, t + 1, total)
    return target, times


def run(job_dir: Path, proto: TextIO) -> dict[str, Any]:
    """Do the job; returns the result document (also written to ``result.json``)."""
    import bpy

    t_start = time.perf_counter()
    job, rigs, motions = read_job(job_dir)
    frames = motions[0][0].shape[0]
    log.info("job %s: %d frames, %d bodies (%s joints, %s vertices), %dx%d, quality %s", job_dir, frames,
             len(rigs), [r["joint_names"].shape[0] for r in rigs], [r["vertices"].shape[0] for r in rigs],
             *job.resolution, job.quality.get("name"))
    result: dict[str, Any] = {"blender": bpy.app.version_string, "frames": int(frames)}
    if job.render_mode == "rebuild_per_frame":
        out, times = render_rebuilding(job, rigs, motions, job_dir, proto)
        result.update(output=str(out), frame_s=times, render_mode=job.render_mode)
    else:
        h = build_scene(job, rigs, motions)
        result.update(render=h.render_used, faces_per_slot=h.faces_per_slot, build_s=h.build_s,
                      render_mode=job.render_mode)
        if job.outputs.probe:
            write_probes(job, h, resolve(job_dir, job.outputs.probe))
        if job.outputs.blend:
            blend = resolve(job_dir, job.outputs.blend)
            bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True, check_existing=False)
            result["blend"] = str(blend)
        if job.render:
            t0 = time.perf_counter()
            out, times, cropped = render_animation(job, h, job_dir, proto)
            result.update(output=str(out), frame_s=times, render_s=time.perf_counter() - t0)
            if cropped:
                result["cropped"] = cropped
    result["total_s"] = time.perf_counter() - t_start
    path = resolve(job_dir, job.outputs.result)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(result, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return result


def _setup_streams(job_dir: Path) -> TextIO:
    """Log to ``worker.log`` and stderr; send fd 1 (Blender's console output) to the log;
    return the protocol stream (the original stdout)."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    logfile = open(job_dir / LOG_FILE, "a", buffering=1, encoding="utf-8")
    sys.stdout.flush()
    os.dup2(logfile.fileno(), 1)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.handlers.clear()
    for handler in (logging.StreamHandler(logfile), logging.StreamHandler(sys.stderr)):
        handler.setFormatter(fmt)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return proto


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split()) if not isinstance(exc, CiasaError) \
        else " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write(f"{ERROR_PREFIX} usage: python -m render.blender.worker JOB_DIR\n")
        return EXIT_BAD_JOB
    job_dir = Path(args[0])
    if not job_dir.is_dir():
        sys.stderr.write(f"{ERROR_PREFIX} job folder does not exist: {job_dir}\n")
        return EXIT_BAD_JOB
    proto = _setup_streams(job_dir)
    try:
        run(job_dir, proto)
    except CiasaError as exc:
        log.error("bad job: %s", exc)
        sys.stderr.write(f"{ERROR_PREFIX} {_one_line(exc)}\n")
        return EXIT_BAD_JOB
    except BaseException as exc:  # noqa: BLE001 - report every failure in one line
        log.error("render failed:\n%s", traceback.format_exc())
        sys.stderr.write(f"{ERROR_PREFIX} {_one_line(exc)}\n")
        return EXIT_FAILED
    log.info("done")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip bpy's atexit teardown (slow, and noisy on a failed job)
