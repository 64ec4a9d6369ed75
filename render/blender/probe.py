"""Read back what Blender computed, for tests and checks (worker only): the evaluated
(skinned) mesh and posed bone heads at given frames, and Blender's own camera projection
of world points."""

from __future__ import annotations

from typing import Any

import numpy as np


def evaluated_vertices(mesh_obj: Any, frame: int) -> np.ndarray:
    """``(Nv, 3)`` world positions of ``mesh_obj``'s vertices after its modifiers at
    Blender frame ``frame``."""
    import bpy

    bpy.context.scene.frame_set(int(frame))
    return current_vertices(mesh_obj)


def current_vertices(mesh_obj: Any) -> np.ndarray:
    """``(Nv, 3)`` world positions of ``mesh_obj``'s vertices after its modifiers at the
    scene's current frame."""
    import bpy

    depsgraph = bpy.context.evaluated_depsgraph_get()
    ev = mesh_obj.evaluated_get(depsgraph)
    me = ev.to_mesh()
    try:
        co = np.empty(len(me.vertices) * 3, dtype=np.float32)
        me.vertices.foreach_get("co", co)
        mw = np.array(ev.matrix_world)
    finally:
        ev.to_mesh_clear()
    co = co.reshape(-1, 3).astype(np.float64)
    return co @ mw[:3, :3].T + mw[:3, 3]


def posed_bone_heads(arm_obj: Any, frame: int, names: tuple[str, ...]) -> np.ndarray:
    """``(J, 3)`` world positions of the heads of pose bones ``names`` (in that order;
    Blender's own bone order is hierarchical, not the rig's) at ``frame``."""
    import bpy

    bpy.context.scene.frame_set(int(frame))
    mw = np.array(arm_obj.matrix_world)
    heads = np.array([np.array(arm_obj.pose.bones[n].head) for n in names])
    return heads @ mw[:3, :3].T + mw[:3, 3]


def camera_view(camera_obj: Any, points: np.ndarray, resolution: tuple[int, int]) -> np.ndarray:
    """``(P, 3)`` pixel ``u, v`` (top-left origin, v down) and depth (metres along the view
    axis) of world ``points (P, 3)`` by ``bpy_extras.object_utils.world_to_camera_view``."""
    import bpy
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    scene = bpy.context.scene
    w, h = resolution
    out = []
    for p in np.asarray(points, dtype=np.float64):
        x, y, z = world_to_camera_view(scene, camera_obj, Vector(p.tolist()))
        out.append((x * w, (1.0 - y) * h, z))
    return np.array(out, dtype=np.float64).reshape(-1, 3)
