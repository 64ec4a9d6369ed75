"""The one coordinate transform of the render stage: Kinect camera frame <-> Blender world,
plus the render camera (pose and pinhole intrinsics) that reproduces the data's viewpoint.

Frames (all metres, right-handed):

* **Kinect camera frame K** (NTU RGB+D, ``pipeline.synth``): origin at the depth sensor,
  X to the sensor's left (as seen from behind it), Y up (tilted with the sensor), Z out of
  the sensor into the scene. A subject facing the camera has its left shoulder at the
  smaller X.
* **Level frame L**: K with the sensor's pitch and roll removed (same origin; Y_L opposite
  to gravity, X_L horizontal). ``p_L = R_tilt p_K`` where ``R_tilt`` is the smallest
  rotation taking the estimated up direction ``u`` (in K) to ``(0, 1, 0)``.
* **Blender world W**: Z up, the floor at z = 0, the sensor at ``(0, 0, h)`` looking along
  +Y (before its pitch), world +X = image right:
  ``p_W = P p_L + (0, 0, h)``, ``P = [[-1, 0, 0], [0, 0, 1], [0, 1, 0]]``
  (``x_W = -x_L, y_W = z_L, z_W = y_L + h``; a proper rotation).

So ``kinect_to_world = [P R_tilt | (0, 0, h)]``. The render camera sits exactly at the
Kinect viewpoint: in Blender's camera convention (looks along local -Z, local +Y up, local
+X image right) its local axes are ``(-X_K, Y_K, -Z_K)``, so
``camera_to_world = kinect_to_world @ diag(-1, 1, -1, 1)``; the rendered camera frame *is*
the data's camera frame and a Blender camera object takes ``camera_to_world`` as its
``matrix_world`` unchanged.

Images are not mirrored (unlike Kinect's own colour stream): :func:`project` maps a point
of K to pixels with u to the image right and v down, ``u = cx - fx X / Z``,
``v = cy - fy Y / Z``, so the subject's left shoulder appears on the image right. Pixel
coordinates are continuous with (0, 0) at the top-left corner of the top-left pixel
(pixel centres at integer + 0.5), the principal point at the image centre, square pixels.
Default field of view: the Kinect v2 colour camera's 84.1 deg horizontal (53.8 deg
vertical at 16:9, 1920x1080); in Blender: ``sensor_fit = 'HORIZONTAL'``,
``angle_x = radians(hfov_deg)``.

Floor and sensor estimate (:func:`estimate_camera`), from one skeleton sequence:

1. Up direction ``u`` (in K): the median direction from the mid-ankle point to the spine
   shoulder joint over the quarter of valid frames in which the body is most extended
   (head farthest from the ankles: standing frames), all bodies pooled. A standing body's
   trunk is within a few degrees of the vertical through its ankles; on the synthetic set
   (whose idle postures lean by -3..6 degrees) the direction errs by 1.8 degrees on average,
   5 at most, which tilts the estimated floor by as much but keeps it under the feet.
2. Floor: per valid frame, the lowest foot contact along ``u``: ``min(u.ankle - a, u.foot -
   f)`` over both feet, with Kinect-like joint heights above the floor ``a = 0.096 L``
   (ankle) and ``f = 0.038 L`` (foot), ``L`` the median leg length (hip-knee + knee-ankle;
   i.e. 0.045 and 0.018 of stature); the floor level is the median over frames (robust to
   jumps and glitches). The sensor height is ``h = -floor``.
3. Pitch ``= degrees(asin(-u_z))`` (positive: looking down), roll ``= degrees(atan2(u_x,
   u_y))`` (positive: up leans towards the sensor's +X, its left).
4. Fallback (method ``"default"``): a level camera at :data:`DEFAULT_SENSOR_HEIGHT` when
   there are no valid frames with feet and head, or the estimate is implausible (pitch
   beyond +-35 deg, roll beyond +-25 deg, height outside 0.2-3 m).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import ValidationError

log = logging.getLogger(__name__)

#: Kinect v2 colour camera horizontal field of view, degrees (1920x1080, 16:9).
KINECT_HFOV_DEG = 84.1

#: Sensor height above the floor used when the floor cannot be estimated, metres.
DEFAULT_SENSOR_HEIGHT = 1.0

#: Joint heights above the floor as fractions of leg length (hip-knee + knee-ankle).
ANKLE_HEIGHT_PER_LEG = 0.096
FOOT_HEIGHT_PER_LEG = 0.038

#: Plausibility bounds of an estimate (degrees, degrees, metres).
MAX_PITCH_DEG = 35.0
MAX_ROLL_DEG = 25.0
HEIGHT_RANGE = (0.2, 3.0)

#: K (level) -> world axes permutation ``P`` (see the module docstring).
LEVEL_TO_WORLD = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])

#: Blender camera local axes expressed in K: columns (-X_K, Y_K, -Z_K).
CAMERA_TO_KINECT = np.diag([-1.0, 1.0, -1.0])

# NTU-25 joints used by the estimate (0-based, pipeline.layouts.ntu25).
_HEAD, _SPINE_SHOULDER = 3, 20
_HIPS, _KNEES, _ANKLES, _FEET = (12, 16), (13, 17), (14, 18), (15, 19)


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels (see the module docstring for the pixel convention)."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @property
    def matrix(self) -> np.ndarray:
        """``(3, 3)`` K matrix for camera coordinates (x right, y down, z forward)."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def hfov_deg(self) -> float:
        return float(np.degrees(2 * np.arctan(self.width / (2 * self.fx))))

    @property
    def vfov_deg(self) -> float:
        return float(np.degrees(2 * np.arctan(self.height / (2 * self.fy))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width, "height": self.height, "fx": self.fx, "fy": self.fy,
            "cx": self.cx, "cy": self.cy, "hfov_deg": self.hfov_deg, "vfov_deg": self.vfov_deg,
            "convention": "u right, v down, origin at the top-left image corner, not mirrored",
        }  # fmt: skip


def intrinsics_for(resolution: tuple[int, int], hfov_deg: float = KINECT_HFOV_DEG) -> Intrinsics:
    """Square-pixel pinhole intrinsics for ``resolution = (width, height)`` pixels and a
    horizontal field of view in degrees; principal point at the image centre."""
    w, h = (int(x) for x in resolution)
    if w <= 0 or h <= 0:
        raise ValidationError(f"resolution must be positive, got {resolution}", field="resolution")
    if not 1.0 < hfov_deg < 179.0:
        raise ValidationError(f"horizontal field of view must be in (1, 179) degrees, got {hfov_deg}", field="hfov_deg")
    f = (w / 2.0) / np.tan(np.radians(hfov_deg) / 2.0)
    return Intrinsics(width=w, height=h, fx=float(f), fy=float(f), cx=w / 2.0, cy=h / 2.0)


@dataclass(frozen=True)
class CameraPose:
    """Where the Kinect (= the render camera) stands in the Blender world.

    Attributes:
        kinect_to_world: ``(4, 4)`` rigid transform, K -> W.
        height: sensor height above the floor, metres.
        pitch_deg: downward pitch (positive looks down), degrees.
        roll_deg: roll (positive: the world's up leans towards the sensor's +X), degrees.
        up_kinect: ``(3,)`` unit up direction (against gravity) in K.
        method: ``"floor_fit"`` (estimated from the skeletons) or ``"default"`` (fallback).
    """

    kinect_to_world: np.ndarray
    height: float
    pitch_deg: float
    roll_deg: float
    up_kinect: np.ndarray
    method: str

    @property
    def world_to_kinect(self) -> np.ndarray:
        """``(4, 4)`` inverse of :attr:`kinect_to_world` (the extrinsics in the data frame)."""
        r, t = self.kinect_to_world[:3, :3], self.kinect_to_world[:3, 3]
        out = np.eye(4)
        out[:3, :3] = r.T
        out[:3, 3] = -r.T @ t
        return out

    @property
    def camera_to_world(self) -> np.ndarray:
        """``(4, 4)`` Blender camera object's ``matrix_world`` (looks along local -Z)."""
        c = np.eye(4)
        c[:3, :3] = CAMERA_TO_KINECT
        return self.kinect_to_world @ c

    @property
    def location(self) -> np.ndarray:
        """``(3,)`` camera position in the world, metres (``(0, 0, height)``)."""
        return self.kinect_to_world[:3, 3].copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record for the render manifest."""
        return {
            "kinect_to_world": self.kinect_to_world.tolist(),
            "camera_to_world": self.camera_to_world.tolist(),
            "world_to_kinect": self.world_to_kinect.tolist(),
            "height_m": self.height,
            "pitch_deg": self.pitch_deg,
            "roll_deg": self.roll_deg,
            "up_kinect": self.up_kinect.tolist(),
            "method": self.method,
            "camera_convention": "blender: looks along local -Z, local +Y up, local +X image right",
        }


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation taking unit vector ``a`` to unit vector ``b`` (not antiparallel)."""
    v = np.cross(a, b)
    c = float(a @ b)
    if c < -1 + 1e-9:
        raise ValidationError("up direction points down", field="up")
    k = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + k + k @ k / (1.0 + c)


def camera_pose(up_kinect: np.ndarray, height: float, method: str = "floor_fit") -> CameraPose:
    """The :class:`CameraPose` for an up direction in K and a sensor height (metres)."""
    u = np.asarray(up_kinect, dtype=np.float64)
    u = u / np.linalg.norm(u)
    r_tilt = _rotation_between(u, np.array([0.0, 1.0, 0.0]))
    m = np.eye(4)
    m[:3, :3] = LEVEL_TO_WORLD @ r_tilt
    m[:3, 3] = (0.0, 0.0, float(height))
    return CameraPose(
        kinect_to_world=m,
        height=float(height),
        pitch_deg=float(np.degrees(np.arcsin(np.clip(-u[2], -1.0, 1.0)))),
        roll_deg=float(np.degrees(np.arctan2(u[0], u[1]))),
        up_kinect=u,
        method=method,
    )


def default_camera(height: float = DEFAULT_SENSOR_HEIGHT) -> CameraPose:
    """A level camera at ``height`` metres."""
    return camera_pose(np.array([0.0, 1.0, 0.0]), height, method="default")


def _apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64)
    return p @ m[:3, :3].T + m[:3, 3]


def kinect_to_world(points: np.ndarray, cam: CameraPose) -> np.ndarray:
    """Points ``(..., 3)`` in the Kinect frame K -> Blender world W, metres."""
    return _apply(cam.kinect_to_world, points)


def world_to_kinect(points: np.ndarray, cam: CameraPose) -> np.ndarray:
    """Points ``(..., 3)`` in the Blender world W -> Kinect frame K, metres."""
    return _apply(cam.world_to_kinect, points)


def project(points_kinect: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Pinhole projection of points ``(..., 3)`` in K to pixels ``(..., 2)`` (u right, v
    down, not mirrored). Points at or behind the sensor (Z <= 0) give NaN."""
    p = np.asarray(points_kinect, dtype=np.float64)
    z = p[..., 2]
    ok = z > 1e-9
    zs = np.where(ok, z, 1.0)
    u = intrinsics.cx - intrinsics.fx * p[..., 0] / zs
    v = intrinsics.cy - intrinsics.fy * p[..., 1] / zs
    out = np.stack([u, v], -1)
    out[~ok] = np.nan
    return out


def in_frame(pixels: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """``(...)`` bool: the projected point lies inside the image (NaN counts as outside)."""
    u, v = pixels[..., 0], pixels[..., 1]
    with np.errstate(invalid="ignore"):
        return (u >= 0) & (u <= intrinsics.width) & (v >= 0) & (v <= intrinsics.height)


def _frames_bodies(sample: np.ndarray, num_frames: int | None) -> np.ndarray:
    """``(n, 25, 3)`` joints of every valid (frame, body) slot of an ``(3, T, 25, M)`` sample."""
    from pipeline.tensor import valid_mask

    if sample.ndim != 4 or sample.shape[0] != 3 or sample.shape[2] != 25:
        raise ValidationError(f"expected an NTU-25 sample (3, T, 25, M), got shape {sample.shape}", field="data")
    nf = None if num_frames is None else np.array([int(num_frames)])
    mask = valid_mask(sample[None], nf)[0]  # T x M
    joints = np.transpose(sample, (1, 3, 2, 0))  # T x M x 25 x 3
    out = joints[mask]
    return out[np.isfinite(out).all(axis=(1, 2))]


def estimate_camera(sample: np.ndarray, num_frames: int | None = None) -> CameraPose:
    """Estimate the sensor's height, pitch and roll from an NTU-25 sample ``(3, T, 25, M)``
    in the Kinect frame (metres); see the module docstring for the method and fallback."""
    joints = _frames_bodies(np.asarray(sample, dtype=np.float64), num_frames)
    if len(joints) == 0:
        log.info("camera estimate: no valid frames, level camera at %.2f m", DEFAULT_SENSOR_HEIGHT)
        return default_camera()
    ankles = joints[:, list(_ANKLES)]  # n x 2 x 3
    mid_ankle = ankles.mean(1)
    extent = np.linalg.norm(joints[:, _HEAD] - mid_ankle, axis=-1)  # n
    keep = extent >= np.quantile(extent, 0.75)
    axis = joints[keep, _SPINE_SHOULDER] - mid_ankle[keep]
    dirs = axis / np.clip(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-9, None)
    u = np.median(dirs, axis=0)
    if not np.all(np.isfinite(u)) or np.linalg.norm(u) < 1e-6:
        return default_camera()
    u = u / np.linalg.norm(u)
    legs = [
        np.linalg.norm(joints[:, h] - joints[:, k], axis=-1) + np.linalg.norm(joints[:, k] - joints[:, a], axis=-1)
        for h, k, a in zip(_HIPS, _KNEES, _ANKLES)
    ]
    leg = float(np.median(np.concatenate(legs)))
    contact = np.minimum(
        (ankles @ u) - ANKLE_HEIGHT_PER_LEG * leg,
        (joints[:, list(_FEET)] @ u) - FOOT_HEIGHT_PER_LEG * leg,
    ).min(axis=1)  # n
    height = -float(np.median(contact))
    pitch = float(np.degrees(np.arcsin(np.clip(-u[2], -1.0, 1.0))))
    roll = float(np.degrees(np.arctan2(u[0], u[1])))
    plausible = (
        u[1] > 0
        and abs(pitch) <= MAX_PITCH_DEG
        and abs(roll) <= MAX_ROLL_DEG
        and HEIGHT_RANGE[0] <= height <= HEIGHT_RANGE[1]
    )
    if not plausible:
        log.info(
            "camera estimate implausible (height %.2f m, pitch %.1f, roll %.1f deg): level camera at %.2f m",
            height, pitch, roll, DEFAULT_SENSOR_HEIGHT,
        )  # fmt: skip
        return default_camera()
    return camera_pose(u, height)
