"""Scene reset and frame-range set-up (worker only; imports bpy inside functions)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def reset_scene() -> None:
    """Start from an empty factory scene: no objects, no cameras, no lights, no data left
    from a previous job (meshes, materials, images, actions are all purged)."""
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    for coll in (bpy.data.objects, bpy.data.meshes, bpy.data.armatures, bpy.data.materials,
                 bpy.data.images, bpy.data.actions, bpy.data.cameras, bpy.data.lights,
                 bpy.data.worlds):
        for item in list(coll):
            coll.remove(item)
    log.debug("scene reset")


def set_frame_range(num_frames: int, fps: int, frame_start: int = 1) -> None:
    """Frames ``frame_start .. frame_start + num_frames - 1`` at ``fps`` frames per second
    (Blender's default is 24; NTU is 30)."""
    import bpy

    scene = bpy.context.scene
    scene.render.fps = int(fps)
    scene.render.fps_base = 1.0
    scene.frame_start = int(frame_start)
    scene.frame_end = int(frame_start + num_frames - 1)
    scene.frame_set(int(frame_start))
