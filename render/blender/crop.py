"""Where a frame can differ from the empty scene: the image box of the bodies, their sun
shadows and their contact shade on the ground (pure maths, no bpy).

The cropped render (:func:`render.blender.worker.render_cropped`) renders the empty scene
once, then per frame only this box, and pastes it over the empty scene's image. The camera
is fixed and nothing else in the scene moves, so outside the box the two images can differ
only by what the box leaves out: light the bodies send or block farther away (a diffuse
bounce off a body, the sky the bodies hide from the ground), which the contact margin
bounds.

Conventions as in :mod:`render.blender.job`: ``cam_to_world`` is a Blender camera's pose
(looking along its local -Z, +Y up); pixels have a top-left origin with v down; Blender's
render border is ``(min_x, max_x, min_y, max_y)`` as fractions of the image with y from the
bottom.
"""

from __future__ import annotations

import numpy as np

#: Default margin around the box, pixels (the denoiser's and the pixel filter's reach).
PAD_PX = 6
#: Default radius around each body point's foot on the ground where a body shades the ground
#: from the sky (metres).
CONTACT_M = 0.3
#: Sun elevations below this (sine of the angle) cast shadows too long to bound usefully:
#: the shadow's far end is then clamped to this elevation.
MIN_SUN_SIN = 0.2


def project(points: np.ndarray, cam_to_world: np.ndarray, fx: float, fy: float, cx: float,
            cy: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u, v, depth)`` of world ``points (P, 3)``: pixels (top-left origin, v down) and
    metres along the view axis (positive in front of the camera)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    m = np.asarray(cam_to_world, dtype=np.float64)
    local = (pts - m[:3, 3]) @ m[:3, :3]  # world -> camera axes (rotation is orthonormal)
    depth = -local[:, 2]
    safe = np.where(depth > 1e-9, depth, np.nan)
    return cx + fx * local[:, 0] / safe, cy - fy * local[:, 1] / safe, depth


def shadow_points(points: np.ndarray, sun_direction: np.ndarray, ground_z: float) -> np.ndarray:
    """Where the sun's shadows of ``points (P, 3)`` fall on the ground plane ``z =
    ground_z``; ``sun_direction`` points from the scene towards the sun (unit). Points
    below the ground give themselves."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    d = np.asarray(sun_direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    if d[2] < MIN_SUN_SIN:  # a low sun: bound the shadow by the lowest elevation allowed
        horiz = d[:2] / max(np.linalg.norm(d[:2]), 1e-12)
        d = np.array([*(horiz * np.sqrt(1 - MIN_SUN_SIN ** 2)), MIN_SUN_SIN])
    height = np.clip(pts[:, 2] - ground_z, 0.0, None)
    return pts - np.outer(height / d[2], d)


def crop_border(points: np.ndarray, cam_to_world: np.ndarray, fx: float, fy: float, cx: float, cy: float,
                resolution: tuple[int, int], *, sun_direction: np.ndarray | None, ground_z: float,
                pad_px: float = PAD_PX, contact_m: float = CONTACT_M) -> tuple[float, float, float, float] | None:
    """Blender's render border around everything ``points (P, 3)`` (the bodies' posed
    vertices, world metres) can change in the image: the points, their sun shadows and a
    ``contact_m`` disc on the ground under each, padded by ``pad_px`` pixels and clipped to
    the image. None when none of it is in front of the camera.

    Returns:
        ``(min_x, max_x, min_y, max_y)``, fractions of the width and height, y from the
        bottom (Blender's ``render.border_*``).
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    w, h = resolution
    ground = pts.copy()
    ground[:, 2] = np.minimum(pts[:, 2], ground_z)
    ring = [ground + np.array([dx, dy, 0.0]) * contact_m for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    groups = [pts, *ring]
    if sun_direction is not None:
        groups.append(shadow_points(pts, sun_direction, ground_z))
    u, v, depth = project(np.concatenate(groups), cam_to_world, fx, fy, cx, cy)
    front = depth > 1e-6
    if not front.any():
        return None
    if not front.all():  # something behind the camera: it may reach any part of the image
        return 0.0, 1.0, 0.0, 1.0
    u0, u1 = np.nanmin(u) - pad_px, np.nanmax(u) + pad_px
    v0, v1 = np.nanmin(v) - pad_px, np.nanmax(v) + pad_px
    if u1 < 0 or v1 < 0 or u0 > w or v0 > h:
        return None
    x0, x1 = max(0.0, u0 / w), min(1.0, u1 / w)
    y0, y1 = max(0.0, 1.0 - v1 / h), min(1.0, 1.0 - v0 / h)
    return float(x0), float(x1), float(y0), float(y1)


def border_fraction(border: tuple[float, float, float, float] | None) -> float:
    """Share of the image a border covers (0 for None)."""
    if border is None:
        return 0.0
    x0, x1, y0, y1 = border
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)
