"""The render job: what the parent hands the Blender worker, as files in one folder.

A job folder holds

* per body ``k`` (0, 1, ...): ``rig_<k>.npz``, a :class:`render.bodies.base.BodyRig` as
  arrays (``model``, ``joint_names``, ``parents``, ``rest_joints``, ``vertices``, ``faces``,
  ``weights``, ``shape_json``), and ``motion_<k>.npz``: ``rotations (T, J, 3, 3)`` local
  joint rotations (base convention, see :mod:`render.bodies.base`) and ``transl (T, 3)``
  root translation, metres, both in the Blender world frame (Z up; the armature object
  sits at the world origin, so the body frame *is* the world frame); every body has the
  same ``T``;
* ``job.json``: :class:`RenderJob` (camera, resolution, fps, quality, appearance, outputs).

Camera convention in the job: ``cam_to_world`` is the 4x4 pose of a **Blender** camera in
the world (the camera looks along its local -Z, local +Y is image up, +X image right);
intrinsics ``fx, fy, cx, cy`` in pixels with the origin at the top-left pixel corner, u to
the right, v down. A world point ``p`` maps to pixels by
``q = world_to_cam @ p``; ``u = cx + fx * q.x / -q.z``; ``v = cy - fy * q.y / -q.z``.

No bpy here: the parent writes jobs with :func:`write_job`, the worker reads them with
:func:`read_job`; both validate.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import FormatError, MissingInputError, ValidationError
from pipeline.io_utils import load_json_document

JOB_FORMAT = "ciasa.render_job"
JOB_VERSION = 1
RIG_FILE, MOTION_FILE, JOB_FILE = "rig_{}.npz", "motion_{}.npz", "job.json"
#: The worker's log (Python logging plus Blender's own console output), in the job folder.
LOG_FILE = "worker.log"
#: Progress lines the worker writes on its protocol stream (stdout): ``<prefix> <done> <total>``.
PROGRESS_PREFIX = "CIASA_PROGRESS"
#: The one-line failure reason the worker writes last on stderr: ``<prefix> <reason>``.
ERROR_PREFIX = "CIASA_ERROR"
RENDER_MODES = ("animation", "rebuild_per_frame")
DEVICES = ("auto", "cpu", "gpu")


@dataclass
class CameraSpec:
    """A pinhole camera in Blender's convention (see the module docstring).

    Attributes:
        cam_to_world: ``(4, 4)`` rigid transform, camera -> world, metres.
        fx, fy: focal lengths in pixels (square pixels: ``fx == fy`` within 1e-6 relative).
        cx, cy: principal point in pixels (top-left origin, v down).
        clip_start, clip_end: clipping distances in metres.
    """

    cam_to_world: list[list[float]]
    fx: float
    fy: float
    cx: float
    cy: float
    clip_start: float = 0.05
    clip_end: float = 200.0


@dataclass
class JobOutputs:
    """Output paths, relative to the job folder unless absolute. ``None``: not written."""

    video: str | None = "video.mp4"
    frames_dir: str | None = None
    blend: str | None = None
    result: str = "result.json"
    probe: str | None = None


@dataclass
class RenderJob:
    """Everything the worker needs besides the rig and the motion arrays.

    Attributes:
        resolution: ``(width, height)`` pixels, both even (H.264).
        fps: frames per second of the video.
        camera: the render camera.
        quality: a resolved quality preset (``blender_assets/quality_presets.json`` entry
            plus its ``name``).
        appearance: resolved appearance choices (:func:`render.appearance.sample_appearance`)
            of body 0, plus ``body_regions`` (:func:`render.appearance.body_region_rules`).
        extra_appearances: appearances of bodies 1, 2, ... (body 0's when missing).
        num_bodies: how many ``rig_<k>.npz`` / ``motion_<k>.npz`` pairs the job holds.
        ground_z: height of the ground plane in the world, metres.
        device: ``auto`` (GPU Cycles when present), ``cpu`` or ``gpu``.
        threads: render threads; 0 lets Blender use every core.
        render: False builds the scene (and writes probes / .blend) without rendering.
        render_mode: ``animation`` (persistent scene, one animation render, the product)
            or ``rebuild_per_frame`` (benchmark baseline: the scene is rebuilt for every
            frame, frames written as PNG).
        probe_frames: 0-based frames at which to store Blender's evaluated mesh vertices.
        probe_points: ``(P, 3)`` world points to project with Blender's own camera maths.
        frame_start: Blender frame number of motion frame 0.
    """

    resolution: tuple[int, int]
    camera: CameraSpec
    quality: dict[str, Any]
    appearance: dict[str, Any] = field(default_factory=dict)
    extra_appearances: list[dict[str, Any]] = field(default_factory=list)
    num_bodies: int = 1
    fps: int = 30
    ground_z: float = 0.0
    device: str = "auto"
    threads: int = 0
    render: bool = True
    render_mode: str = "animation"
    probe_frames: list[int] = field(default_factory=list)
    probe_points: list[list[float]] = field(default_factory=list)
    frame_start: int = 1
    outputs: JobOutputs = field(default_factory=JobOutputs)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["resolution"] = list(self.resolution)
        return {"format": JOB_FORMAT, "version": JOB_VERSION, **doc}


def _finite(name: str, a: np.ndarray, path: Path) -> None:
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0].tolist()
        raise ValidationError(f"non-finite value at index {bad}", path=path, field=name)


def check_job(job: RenderJob, path: str | Path | None = None) -> RenderJob:
    """Validate a job's scalar fields; :class:`ValidationError` naming the field."""
    w, h = (int(x) for x in job.resolution)
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise ValidationError(f"resolution must be positive even numbers (H.264), got {w}x{h}",
                              path=path, field="resolution")
    if not (isinstance(job.fps, int) and job.fps > 0):
        raise ValidationError(f"fps must be a positive integer, got {job.fps!r}", path=path, field="fps")
    m = np.asarray(job.camera.cam_to_world, dtype=np.float64)
    if m.shape != (4, 4) or not np.all(np.isfinite(m)):
        raise ValidationError("cam_to_world must be a finite 4x4 matrix", path=path, field="camera.cam_to_world")
    r = m[:3, :3]
    if not np.allclose(r @ r.T, np.eye(3), atol=1e-5) or np.linalg.det(r) < 0 or not np.allclose(m[3], [0, 0, 0, 1]):
        raise ValidationError("cam_to_world must be a rigid transform (rotation + translation)",
                              path=path, field="camera.cam_to_world")
    c = job.camera
    for name in ("fx", "fy", "cx", "cy", "clip_start", "clip_end"):
        v = getattr(c, name)
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValidationError(f"must be a finite number, got {v!r}", path=path, field=f"camera.{name}")
    if c.fx <= 0 or c.fy <= 0:
        raise ValidationError("focal lengths must be > 0", path=path, field="camera.fx")
    if abs(c.fx - c.fy) > 1e-6 * c.fx:
        raise ValidationError(f"non-square pixels (fx {c.fx} != fy {c.fy}) are not supported",
                              path=path, field="camera.fy")
    if not 0 < c.clip_start < c.clip_end:
        raise ValidationError("need 0 < clip_start < clip_end", path=path, field="camera.clip_start")
    if job.device not in DEVICES:
        raise ValidationError(f"device must be one of {DEVICES}, got {job.device!r}", path=path, field="device")
    if job.render_mode not in RENDER_MODES:
        raise ValidationError(f"render_mode must be one of {RENDER_MODES}", path=path, field="render_mode")
    if not isinstance(job.num_bodies, int) or job.num_bodies < 1:
        raise ValidationError("num_bodies must be an integer >= 1", path=path, field="num_bodies")
    if not isinstance(job.threads, int) or job.threads < 0:
        raise ValidationError("threads must be an integer >= 0", path=path, field="threads")
    if job.outputs.video and job.outputs.frames_dir:
        raise ValidationError("write either a video or a frames folder, not both", path=path, field="outputs")
    if not isinstance(job.quality, dict) or "samples" not in job.quality:
        raise ValidationError("quality must be a resolved preset (with samples)", path=path, field="quality")
    return job


def write_job(job_dir: str | Path, job: RenderJob, rigs: Any, motions: Any) -> Path:
    """Write ``job.json`` and, per body, ``rig_<k>.npz`` (from a
    :class:`~render.bodies.base.BodyRig`) and ``motion_<k>.npz`` into ``job_dir``
    (created); returns the folder. ``rigs``: one rig or a list; ``motions``: one
    ``(rotations, transl)`` pair or a list. Validates first; sets ``job.num_bodies``."""
    job_dir = Path(job_dir)
    if not isinstance(rigs, (list, tuple)):
        rigs, motions = [rigs], [motions]
    if len(rigs) != len(motions) or not rigs:
        raise ValidationError("need one motion per rig", path=job_dir, field="motion")
    job.num_bodies = len(rigs)
    check_job(job, job_dir / JOB_FILE)
    arrays = []
    for k, (rig, (rotations, transl)) in enumerate(zip(rigs, motions)):
        rot = np.asarray(rotations, dtype=np.float64)
        tr = np.asarray(transl, dtype=np.float64)
        check_motion(rot, tr, len(rig.joint_names), job_dir / MOTION_FILE.format(k))
        if rot.shape[0] != np.asarray(motions[0][0]).shape[0]:
            raise ValidationError("every body needs the same number of frames", path=job_dir, field="rotations")
        arrays.append((rig, rot, tr))
    job_dir.mkdir(parents=True, exist_ok=True)
    for k, (rig, rot, tr) in enumerate(arrays):
        np.savez(
            job_dir / RIG_FILE.format(k),
            model=np.array(rig.model),
            joint_names=np.array(list(rig.joint_names), dtype=np.str_),
            parents=np.asarray(rig.parents, dtype=np.int64),
            rest_joints=np.asarray(rig.rest_joints, dtype=np.float64),
            vertices=np.asarray(rig.vertices, dtype=np.float64),
            faces=np.asarray(rig.faces, dtype=np.int64),
            weights=np.asarray(rig.weights, dtype=np.float32),
            shape_json=np.array(json.dumps(rig.shape, sort_keys=True, default=_jsonable)),
        )
        np.savez(job_dir / MOTION_FILE.format(k), rotations=rot, transl=tr)
    (job_dir / JOB_FILE).write_text(json.dumps(job.to_json(), indent=1, default=_jsonable), encoding="utf-8")
    return job_dir


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.integer, np.floating, np.bool_)):
        return x.item()
    raise TypeError(f"not JSON-able: {type(x).__name__}")


def check_motion(rotations: np.ndarray, transl: np.ndarray, num_joints: int, path: Path | None) -> None:
    """``rotations (T, J, 3, 3)`` finite rotation matrices, ``transl (T, 3)`` finite, T >= 1."""
    if rotations.ndim != 4 or rotations.shape[1:] != (num_joints, 3, 3):
        raise ValidationError(f"rotations must be (T, {num_joints}, 3, 3), got {rotations.shape}",
                              path=path, field="rotations")
    if rotations.shape[0] < 1:
        raise ValidationError("zero-length motion (T = 0): nothing to render", path=path, field="rotations")
    if transl.shape != (rotations.shape[0], 3):
        raise ValidationError(f"transl must be ({rotations.shape[0]}, 3), got {transl.shape}",
                              path=path, field="transl")
    _finite("rotations", rotations, path)
    _finite("transl", transl, path)
    ortho = np.abs(np.einsum("tjab,tjcb->tjac", rotations, rotations) - np.eye(3)).max()
    if ortho > 1e-4 or np.any(np.linalg.det(rotations) < 0):
        raise ValidationError(f"rotations are not proper rotation matrices (max |R R^T - I| = {ortho:.2g})",
                              path=path, field="rotations")


def check_rig_arrays(a: dict[str, np.ndarray], path: Path | None) -> None:
    """Shapes, index ranges and finiteness of a rig's arrays."""
    j = a["joint_names"].shape[0]
    if a["parents"].shape != (j,) or a["rest_joints"].shape != (j, 3):
        raise ValidationError("parents / rest_joints do not match joint_names", path=path, field="parents")
    par = a["parents"]
    if j == 0 or par[0] != -1 or np.any(par[1:] < 0) or np.any(par[1:] >= np.arange(1, j)):
        raise ValidationError("parents must be -1 for joint 0 and parents[j] < j otherwise",
                              path=path, field="parents")
    nv = a["vertices"].shape[0]
    if a["vertices"].ndim != 2 or a["vertices"].shape[1] != 3 or nv == 0:
        raise ValidationError("vertices must be (Nv, 3), Nv > 0", path=path, field="vertices")
    if a["weights"].shape != (nv, j):
        raise ValidationError(f"weights must be ({nv}, {j}), got {a['weights'].shape}", path=path, field="weights")
    f = a["faces"]
    if f.ndim != 2 or f.shape[1] != 3 or f.size == 0 or f.min() < 0 or f.max() >= nv:
        raise ValidationError("faces must be (F, 3) indices into vertices", path=path, field="faces")
    for name in ("rest_joints", "vertices", "weights"):
        _finite(name, a[name], path)


def read_job(job_dir: str | Path) -> tuple[RenderJob, list[dict[str, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]:
    """Read and validate a job folder: ``(job, rig arrays per body, (rotations, transl)
    per body)``."""
    job_dir = Path(job_dir)
    jpath = job_dir / JOB_FILE
    if not jpath.is_file():
        raise MissingInputError("render job file is missing", path=jpath)
    doc = load_json_document(jpath, JOB_FORMAT, "job")
    if doc.get("version") != JOB_VERSION:
        raise FormatError(f"not a {JOB_FORMAT} v{JOB_VERSION} file", path=jpath, field="version")
    try:
        cam = CameraSpec(**doc["camera"])
        outs = JobOutputs(**doc.get("outputs", {}))
        kw = {k: v for k, v in doc.items() if k not in ("format", "version", "camera", "outputs")}
        kw["resolution"] = tuple(int(x) for x in kw["resolution"])
        job = RenderJob(camera=cam, outputs=outs, **kw)
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"malformed job: {exc}", path=jpath) from exc
    check_job(job, jpath)
    rigs, motions = [], []
    for k in range(job.num_bodies):
        rpath, mpath = job_dir / RIG_FILE.format(k), job_dir / MOTION_FILE.format(k)
        for p in (rpath, mpath):
            if not p.is_file():
                raise MissingInputError("render job file is missing", path=p)
        with np.load(rpath, allow_pickle=False) as z:
            rig = {name: z[name] for name in z.files}
        missing = {"model", "joint_names", "parents", "rest_joints", "vertices", "faces", "weights"} - set(rig)
        if missing:
            raise FormatError(f"rig arrays missing: {sorted(missing)}", path=rpath)
        check_rig_arrays(rig, rpath)
        with np.load(mpath, allow_pickle=False) as z:
            if "rotations" not in z.files or "transl" not in z.files:
                raise FormatError("motion needs rotations and transl", path=mpath)
            rot, tr = z["rotations"].astype(np.float64), z["transl"].astype(np.float64)
        check_motion(rot, tr, rig["joint_names"].shape[0], mpath)
        if motions and rot.shape[0] != motions[0][0].shape[0]:
            raise ValidationError("every body needs the same number of frames", path=mpath, field="rotations")
        rigs.append(rig)
        motions.append((rot, tr))
    return job, rigs, motions


def resolve(job_dir: str | Path, p: str | None) -> Path | None:
    """An output path of the job, absolute (relative ones are under ``job_dir``)."""
    if p is None:
        return None
    q = Path(p)
    return q if q.is_absolute() else Path(job_dir) / q
