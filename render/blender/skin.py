"""The body mesh, skinned to the armature: vertex groups from the rig's weights and an
Armature modifier (linear blend skinning, no preserve-volume), worker only."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Weights below this are not written to vertex groups (they change nothing visible).
WEIGHT_EPS = 1e-6


def build_mesh(name: str, vertices: np.ndarray, faces: np.ndarray, smooth: bool = True) -> Any:
    """A mesh object at the world origin from ``vertices (Nv, 3)`` metres and
    ``faces (F, 3)`` triangle indices; smooth shading by default."""
    import bpy

    mesh = bpy.data.meshes.new(name)
    nv, nf = len(vertices), len(faces)
    mesh.vertices.add(nv)
    mesh.vertices.foreach_set("co", np.asarray(vertices, dtype=np.float32).ravel())
    mesh.loops.add(3 * nf)
    mesh.loops.foreach_set("vertex_index", np.asarray(faces, dtype=np.int32).ravel())
    mesh.polygons.add(nf)
    mesh.polygons.foreach_set("loop_start", np.arange(0, 3 * nf, 3, dtype=np.int32))
    mesh.polygons.foreach_set("use_smooth", np.full(nf, smooth, dtype=bool))
    mesh.update(calc_edges=True)
    if mesh.validate(verbose=False):
        log.warning("mesh %s: Blender corrected invalid geometry", name)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def skin_to_armature(mesh_obj: Any, arm_obj: Any, bone_names: tuple[str, ...], weights: np.ndarray) -> None:
    """One vertex group per bone from ``weights (Nv, J)`` and an Armature modifier
    deforming ``mesh_obj`` by ``arm_obj``; the mesh is parented to the armature."""
    groups = [mesh_obj.vertex_groups.new(name=b) for b in bone_names]
    w = np.asarray(weights, dtype=np.float64)
    vi, ji = np.nonzero(w > WEIGHT_EPS)
    vals = w[vi, ji]
    order = np.lexsort((vals, ji))  # group by bone, then by weight value
    vi, ji, vals = vi[order], ji[order], vals[order]
    # vertices sharing (bone, weight) go in one call
    starts = np.flatnonzero(np.r_[True, (ji[1:] != ji[:-1]) | (vals[1:] != vals[:-1])])
    ends = np.r_[starts[1:], len(vi)]
    for s, e in zip(starts.tolist(), ends.tolist()):
        groups[ji[s]].add(vi[s:e].tolist(), float(vals[s]), "REPLACE")
    mod = mesh_obj.modifiers.new("armature", "ARMATURE")
    mod.object = arm_obj
    mod.use_vertex_groups = True
    mod.use_bone_envelopes = False
    mod.use_deform_preserve_volume = False
    mesh_obj.parent = arm_obj
    log.info("skinned %d vertices to %d bones (%d weights)", w.shape[0], len(bone_names), len(vi))
