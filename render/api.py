"""The render stage's library entry points: one sequence -> one render bundle, and a set
of sequences with a pool of Blender workers.

:func:`render_sequence`: retarget the sample onto the body (:mod:`render.retarget`),
sample the appearance (:mod:`render.appearance`), write a job, run the Blender worker
(:mod:`render.worker_client`), check the video's frame count, compute the ground truth
and write the bundle atomically (:mod:`render.bundle`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import CiasaError, UnknownFormatError, ValidationError
from pipeline.io_utils import hash_arrays
from render.bundle import (BLEND, GROUND_TRUTH, LOG, VIDEO, RenderBundle, is_complete, load_bundle,
                           remove_stale_temporaries, write_bundle)
from render.worker_client import DEFAULT_TIMEOUT_S, RenderError, run_worker

log = logging.getLogger(__name__)

#: Defaults shared by the CLI (one place).
DEFAULT_BODY = "anny"
#: ``cropped``: the ``default`` preset's Cycles settings, rendered only inside the box the
#: bodies can change (render/blender/cropped_render.py). Same extraction as the whole frame on
#: the main job's 12 full-length clean videos (detection 100 %, root-relative 110.2 vs
#: 110.1 mm, PA 76.6 vs 76.2 mm) and 99.5-99.7 % detection over the 120 videos of a
#: 60-class run, for 0.21 s per frame against 0.48 (docs/BENCHMARKS.md, "The cropped render").
DEFAULT_QUALITY = "cropped"
#: 640x360: root-relative extraction error 22 mm below 320x180 and left-right swaps 0.6-1.9 % of
#: frames instead of 12.5 % (docs/RESULTS.md, "Render size and flip averaging"); 960x540
#: gains 2 mm more for 2.6x the render time.
DEFAULT_RESOLUTION = (640, 360)
FPS = 30

_MODEL_CACHE: dict[tuple[str, str | None], Any] = {}
_MODEL_LOCK = threading.Lock()
#: Retargeting runs one at a time per process (shared body models; torch is CPU-bound).
_RETARGET_LOCK = threading.Lock()


def _body_model(body: str, smplx_dir: str | Path | None) -> Any:
    """One body model per (name, model dir) per process (Anny takes seconds to load)."""
    from render.bodies import get_body

    key = (body, None if smplx_dir is None else str(smplx_dir))
    with _MODEL_LOCK:
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = get_body(body, smplx_dir=smplx_dir)
        return _MODEL_CACHE[key]


def appearance_seed(seed: int, name: str, body_index: int) -> int:
    """The appearance seed of body ``body_index`` of sample ``name`` under run seed ``seed``."""
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8")), int(body_index)])
    return int(ss.generate_state(1)[0])


def _check_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"cannot create the output folder: {exc.strerror or exc}", path=out_dir) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise ValidationError("the output folder is not writable", path=out_dir)


def check_settings(body: str, quality: str, resolution: tuple[int, int]) -> dict[str, Any]:
    """Validate the settings shared by every sequence; returns the resolved quality preset."""
    from render.appearance import BODY_MODELS
    from render.assets import quality_preset

    if body not in BODY_MODELS:
        raise UnknownFormatError(f"unknown body {body!r}; known: {', '.join(BODY_MODELS)}", field="body")
    preset = quality_preset(quality)
    w, h = (int(x) for x in resolution)
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise ValidationError(f"resolution must be positive even numbers (H.264), got {w}x{h}", field="resolution")
    return preset


def _ground_truth(res: Any, sample: np.ndarray, nf: int, intr: Any) -> dict[str, np.ndarray]:
    from render.coords import in_frame, project

    src, body, world, present = [], [], [], []
    for b in res.bodies:
        src.append(np.transpose(sample[:, :nf, :, b.body_index], (1, 2, 0)))
        body.append(b.joints_kinect)
        world.append(b.joints_world)
        present.append(b.present)
    src_a, body_a = np.stack(src, 1), np.stack(body, 1)  # T x B x 25 x 3
    src_px, body_px = project(src_a, intr), project(body_a, intr)
    return {
        "source_joints": src_a.astype(np.float64), "body_joints": body_a.astype(np.float64),
        "body_joints_world": np.stack(world, 1).astype(np.float64),
        "source_pixels": src_px, "body_pixels": body_px,
        "source_in_frame": in_frame(src_px, intr), "body_in_frame": in_frame(body_px, intr),
        "present": np.stack(present, 1), "body_index": np.array([b.body_index for b in res.bodies]),
    }  # fmt: skip


def video_frame_count(path: str | Path) -> int:
    """Frames decodable from a video file (counted by reading them with OpenCV)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        n = 0
        while cap.grab():
            n += 1
        return n
    finally:
        cap.release()


def render_sequence(
    sset: Any,
    index: int,
    out_dir: str | Path,
    *,
    body: str = DEFAULT_BODY,
    quality: str = DEFAULT_QUALITY,
    resolution: tuple[int, int] = DEFAULT_RESOLUTION,
    seed: int = 0,
    force: bool = False,
    smplx_dir: str | Path | None = None,
    keep_blend: bool = False,
    threads: int = 0,
    device: str = "auto",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    progress: Callable[[int, int], None] | None = None,
    source_path: str | Path | None = None,
) -> RenderBundle:
    """Render sample ``index`` of skeleton set ``sset`` (NTU-25, Kinect camera frame) to
    the bundle ``<out_dir>/<sample name>/``.

    Args:
        body: ``anny`` or ``smplx`` (``smplx_dir`` / ``SMPLX_MODEL_DIR`` for the files).
        quality: a preset of ``blender_assets/quality_presets.json`` (:data:`render.assets.QUALITY_NAMES`).
        resolution: ``(width, height)`` pixels, even.
        seed: run seed; each body's appearance seed derives from it and the sample name.
        force: re-render even if a complete bundle with the same request exists; without
            it, a complete bundle made with other settings is an error.
        keep_blend: also store ``scene.blend``.
        threads: Blender render threads (0 = all cores).
        device: ``auto`` (GPU Cycles when present), ``cpu`` or ``gpu``.
        progress: ``progress(done, total)`` per rendered frame.
        source_path: the set's file, recorded in the manifest.
    Raises:
        ValidationError / UnknownFormatError: bad sample, layout, settings or output folder.
        RenderError: the Blender worker failed. No partial bundle is left in either case.
    """
    from render.appearance import body_region_rules, sample_appearance
    from render.blender.job import CameraSpec, JobOutputs, RenderJob, write_job
    from render.coords import intrinsics_for
    from render.retarget import retarget_sample

    t_start = time.perf_counter()
    out_dir = Path(out_dir)
    if not 0 <= int(index) < len(sset):
        raise ValidationError(f"index {index} out of range (set has {len(sset)} samples)", field="index")
    if sset.layout != "ntu25":
        raise UnknownFormatError(f"layout {sset.layout!r} is not mapped to a body; only ntu25 is", field="layout")
    name = str(sset.name[index])
    if not name or "/" in name or name.startswith("."):
        raise ValidationError(f"sample name {name!r} cannot be a folder name", sample=index, field="name")
    preset = check_settings(body, quality, resolution)
    w, h = (int(x) for x in resolution)
    _check_out_dir(out_dir)
    nf = int(sset.num_frames[index])
    sample = np.asarray(sset.data[index], dtype=np.float64)
    sample_hash = hash_arrays({"data": sample[:, :nf], "name": np.array(name)})
    request = {"sample_hash": sample_hash, "body": body, "smplx_dir": None if smplx_dir is None else str(smplx_dir),
               "quality": quality, "quality_settings": preset, "resolution": [w, h], "seed": int(seed), "fps": FPS,
               "keep_blend": bool(keep_blend)}
    request_key = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
    final = out_dir / name
    if final.exists() and not force:
        if is_complete(final):
            existing = load_bundle(final)
            if existing.manifest.get("request_key") == request_key:
                log.info("%s: complete bundle exists, skipped", final)
                return RenderBundle(existing.path, existing.video, existing.ground_truth, existing.blend,
                                    existing.manifest, skipped=True)
            raise RenderError("a complete bundle made with other settings exists; use --force to replace it",
                              path=final, sample=name)
        log.warning("%s is not a complete bundle; it will be replaced", final)

    model = _body_model(body, smplx_dir)
    app0 = sample_appearance(appearance_seed(seed, name, 0), body)
    t0 = time.perf_counter()
    with _RETARGET_LOCK:
        res = retarget_sample(sample, nf, model, name=name, base_shape=app0["body_shape"])
    retarget_s = time.perf_counter() - t0
    if not res.bodies:
        raise ValidationError("no body present in any valid frame", sample=name, field="data")
    apps = [app0] + [sample_appearance(appearance_seed(seed, name, b.body_index), body) for b in res.bodies[1:]]
    regions = body_region_rules(body)
    intr = intrinsics_for((w, h))
    cam = res.camera
    gt = _ground_truth(res, sample, nf, intr)

    def build(tmp: Path) -> dict[str, Any]:
        job_dir = tmp / ".job"
        job = RenderJob(
            resolution=(w, h),
            camera=CameraSpec(cam.camera_to_world.tolist(), intr.fx, intr.fy, intr.cx, intr.cy),
            quality=preset, appearance={**app0, "body_regions": regions},
            extra_appearances=[{**a, "body_regions": regions} for a in apps[1:]],
            fps=FPS, ground_z=0.0, device=device, threads=int(threads),
            outputs=JobOutputs(video=str((tmp / VIDEO).resolve()),
                               blend=str((tmp / BLEND).resolve()) if keep_blend else None),
        )
        write_job(job_dir, job, [b.rig for b in res.bodies], [(b.rotations, b.transl) for b in res.bodies])
        try:
            result = run_worker(job_dir, timeout_s=timeout_s, progress=progress, sample=name,
                                threads=threads or None)
        except RenderError as exc:
            # the bundle folder goes away: keep the log beside the bundles for the user
            kept = out_dir / f"{name}.render-error.log"
            if (job_dir / "worker.log").is_file():
                os.replace(job_dir / "worker.log", kept)
            raise RenderError(exc.reason.split(" (log: ")[0] + f" (log: {kept})", sample=name,
                              log_path=kept, returncode=exc.returncode) from None
        os.replace(job_dir / "worker.log", tmp / LOG)
        import shutil

        shutil.rmtree(job_dir, ignore_errors=True)
        frames = video_frame_count(tmp / VIDEO)
        if frames != nf:
            raise RenderError(f"the video has {frames} frames, expected {nf}", sample=name, path=tmp / VIDEO)
        np.savez(tmp / GROUND_TRUTH, **gt)
        return {
            "sample": {"name": name, "index": int(index), "label": int(sset.label[index]),
                       "class_name": (sset.class_names[int(sset.label[index])]
                                      if 0 <= int(sset.label[index]) < len(sset.class_names) else None),
                       "num_frames": nf, "content_hash": sample_hash},
            "source": {"path": None if source_path is None else str(source_path),
                       "content_hash": sset.content_hash(), "layout": sset.layout,
                       "coordinate_frame": sset.coordinate_frame, "fps": float(sset.fps),
                       "class_names": [str(c) for c in sset.class_names]},
            "video": {"file": VIDEO, "codec": "H.264", "container": "MPEG-4", "fps": FPS, "frames": frames,
                      "resolution": [w, h]},
            "intrinsics": intr.to_dict(),
            "extrinsics": {**cam.to_dict(),
                           "note": "world_to_kinect maps Blender world points to the Kinect camera frame of the "
                                   "data; project() in render.coords maps those to pixels"},
            "body": {"model": body, "smplx_dir": request["smplx_dir"],
                     "bodies": [b.report() for b in res.bodies]},
            "appearance": apps,
            "seeds": {"run": int(seed), "appearance": [a["seed"] for a in apps]},
            "quality": preset,
            "render": {k: result.get(k) for k in ("blender", "render", "faces_per_slot", "render_mode", "cropped")},
            "timings": {"retarget_s": round(retarget_s, 3), "build_s": result.get("build_s"),
                        "render_s": result.get("render_s"), "worker_total_s": result.get("total_s"),
                        "frame_s": result.get("frame_s"), "total_s": round(time.perf_counter() - t_start, 3)},
            "ground_truth": {"file": GROUND_TRUTH, "frame": "kinect_camera", "pixels": "u right, v down, top-left origin"},
            "request": request,
            "request_key": request_key,
        }

    # a killed earlier render of this sequence left its half-built folder: gone once it is
    # older than any live render could be (the worker is stopped after timeout_s)
    for stale in remove_stale_temporaries(final, 2 * timeout_s):
        log.info("removed %s, left by an interrupted render", stale)
    bundle = write_bundle(final, build)
    log.info("%s: rendered %d frames in %.1f s", final, nf, time.perf_counter() - t_start)
    return bundle


@dataclass(frozen=True)
class SequenceResult:
    """The outcome for one sequence of :func:`render_set`: a bundle or an error."""

    index: int
    name: str
    bundle: RenderBundle | None = None
    error: str | None = None
    error_type: str | None = None

    @property
    def ok(self) -> bool:
        return self.bundle is not None


def parse_indices(text: str | None, n: int) -> list[int]:
    """``"0,3,5-9"`` -> ``[0, 3, 5, 6, 7, 8, 9]`` (all ``n`` when None); duplicates dropped,
    order kept; :class:`ValidationError` for malformed or out-of-range entries."""
    if text is None or not text.strip():
        return list(range(n))
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if b < a:
                    raise ValueError
                items = range(a, b + 1)
            else:
                items = [int(part)]
        except ValueError:
            raise ValidationError(f"bad index range {part!r} (use e.g. 0,3,5-9)", field="indices") from None
        for i in items:
            if not 0 <= i < n:
                raise ValidationError(f"index {i} out of range (set has {n} samples)", field="indices")
            if i not in out:
                out.append(i)
    return out


def render_set(
    path: str | Path,
    indices: Sequence[int] | None,
    out_dir: str | Path,
    *,
    workers: int = 1,
    on_frame: Callable[[int, int, int], None] | None = None,
    on_done: Callable[[SequenceResult], None] | None = None,
    **kwargs: Any,
) -> list[SequenceResult]:
    """Render samples ``indices`` (all when None) of the skeleton set at ``path``.

    ``workers`` sequences run at once, each in its own Blender process (threads here
    only retarget and wait on the subprocess). A failed sequence is reported in its
    :class:`SequenceResult` and does not stop the others. ``on_frame(index, done, total)``
    relays per-frame progress; ``on_done(result)`` fires per finished sequence.
    ``kwargs`` go to :func:`render_sequence`. Results come back in ``indices`` order.
    """
    from pipeline.skeleton_set import load_skeleton_set

    check_settings(kwargs.get("body", DEFAULT_BODY), kwargs.get("quality", DEFAULT_QUALITY),
                   kwargs.get("resolution", DEFAULT_RESOLUTION))
    sset = load_skeleton_set(path)
    idx = list(range(len(sset))) if indices is None else [int(i) for i in indices]
    _check_out_dir(Path(out_dir))
    if workers < 1:
        raise ValidationError("workers must be >= 1", field="workers")

    def one(i: int) -> SequenceResult:
        name = str(sset.name[i]) if 0 <= i < len(sset) else str(i)
        cb = None if on_frame is None else (lambda d, t, i=i: on_frame(i, d, t))
        try:
            b = render_sequence(sset, i, out_dir, progress=cb, source_path=path, **kwargs)
            return SequenceResult(i, name, bundle=b)
        except CiasaError as exc:
            log.info("sample %s failed: %s", name, exc)
            return SequenceResult(i, name, error=str(exc), error_type=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - one sequence must not stop the others
            log.exception("sample %s failed", name)
            return SequenceResult(i, name, error=f"{type(exc).__name__}: {exc}", error_type=type(exc).__name__)

    results: dict[int, SequenceResult] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(one, i): i for i in idx}
        for fut in as_completed(futures):
            r = fut.result()
            results[futures[fut]] = r
            if on_done is not None:
                on_done(r)
    return [results[i] for i in idx]
