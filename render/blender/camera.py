"""The render camera from a 4x4 camera-to-world pose and pinhole intrinsics (worker only).

With ``sensor_fit = 'HORIZONTAL'`` Blender maps the sensor width to the image width, so a
focal length of ``fx`` pixels is ``lens = fx * sensor_width / W`` millimetres; lens shifts
are in units of the image width: ``shift_x = (W/2 - cx) / W``, ``shift_y = (cy - H/2) / W``
(pixel v grows downwards, Blender's shift_y upwards). Then Blender's projection equals
the pinhole ``u = cx + fx X/Z``, ``v = cy + fy Y/Z`` in the OpenCV-style camera frame
(X right, Y down, Z forward), i.e. the convention of :mod:`render.blender.job`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from render.blender.job import CameraSpec

SENSOR_WIDTH_MM = 36.0


def blender_lens(spec: CameraSpec, resolution: tuple[int, int]) -> dict[str, float]:
    """Blender camera parameters (``lens`` mm, ``sensor_width`` mm, ``shift_x``, ``shift_y``)
    for ``spec`` at ``resolution (W, H)`` (pure maths, no bpy)."""
    w, h = resolution
    return {
        "lens": spec.fx * SENSOR_WIDTH_MM / w,
        "sensor_width": SENSOR_WIDTH_MM,
        "shift_x": (w / 2 - spec.cx) / w,
        "shift_y": (spec.cy - h / 2) / w,
    }


def add_camera(spec: CameraSpec, resolution: tuple[int, int]) -> Any:
    """Create the scene camera at ``spec.cam_to_world`` and set the render resolution."""
    import bpy
    from mathutils import Matrix

    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = int(resolution[0]), int(resolution[1])
    scene.render.resolution_percentage = 100
    scene.render.pixel_aspect_x = scene.render.pixel_aspect_y = 1.0
    cam = bpy.data.cameras.new("camera")
    cam.type = "PERSP"
    cam.sensor_fit = "HORIZONTAL"
    p = blender_lens(spec, resolution)
    cam.sensor_width = p["sensor_width"]
    cam.lens = p["lens"]
    cam.shift_x, cam.shift_y = p["shift_x"], p["shift_y"]
    cam.clip_start, cam.clip_end = spec.clip_start, spec.clip_end
    obj = bpy.data.objects.new("camera", cam)
    scene.collection.objects.link(obj)
    obj.matrix_world = Matrix(np.asarray(spec.cam_to_world, dtype=np.float64).tolist())
    scene.camera = obj
    return obj
