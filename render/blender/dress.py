"""Dressing the body: material slots (skin, eyes, hair, garment parts) and a material
index per face from the body regions (worker only; region maths in
:mod:`render.blender.regions`)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from render.blender import materials, regions

log = logging.getLogger(__name__)


def face_materials(joint_names: tuple[str, ...], weights: np.ndarray, vertices: np.ndarray,
                   faces: np.ndarray, appearance: dict[str, Any]) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """Which slot each face uses (pure numpy).

    Returns ``(slot_names, face_slot (F,), faces_per_slot)``; slot 0 is skin, then eyes,
    hair (when a hair style is chosen) and the garment parts in the look's order. A part
    covers the faces whose region is in its ``regions``; later parts win overlaps.
    """
    rules = appearance["body_regions"]
    names = rules["regions"]
    ridx = {r: i for i, r in enumerate(names)}
    b_reg = regions.bone_regions(joint_names, rules["rules"], names, rules["default_region"])
    v_reg = regions.vertex_regions(weights, b_reg, len(names))
    f_reg = regions.face_labels(faces, v_reg)
    slots = ["skin", "eyes"]
    face_slot = np.zeros(len(faces), dtype=np.int64)
    face_slot[f_reg == ridx["eyes"]] = 1
    hair = appearance.get("hair")
    if hair and hair.get("style", "bald") != "bald":
        mask = regions.hair_mask(vertices, v_reg, ridx["head"], ridx["neck"], hair["top_fraction"],
                                 hair["back_fraction"], hair["neck_back"])
        f_hair = mask[faces].sum(axis=1) >= 2
        slots.append("hair")
        face_slot[f_hair & (face_slot == 0)] = len(slots) - 1
    for part, spec in appearance["garment"]["parts"].items():
        cover = np.isin(f_reg, [ridx[r] for r in spec["regions"]])
        slots.append(part)
        face_slot[cover] = len(slots) - 1
    counts = {s: int(np.sum(face_slot == i)) for i, s in enumerate(slots)}
    return slots, face_slot, counts


def dress_body(mesh_obj: Any, joint_names: tuple[str, ...], weights: np.ndarray, vertices: np.ndarray,
               faces: np.ndarray, appearance: dict[str, Any]) -> dict[str, int]:
    """Create the materials for ``appearance`` and assign them to ``mesh_obj``'s faces;
    returns the number of faces per slot (recorded in the worker's result)."""
    materials.add_rest_attribute(mesh_obj, vertices)
    slots, face_slot, counts = face_materials(joint_names, weights, vertices, faces, appearance)
    skin = appearance["skin"]
    made = {
        "skin": materials.plain_material("skin", skin["rgb"], skin["roughness"], specular=0.4),
        "eyes": materials.plain_material("eyes", appearance.get("eyes_rgb", [0.03, 0.02, 0.015]), 0.1),
    }
    if "hair" in slots:
        hair = appearance["hair"]
        made["hair"] = materials.plain_material("hair", hair["rgb"], hair["roughness"], specular=0.3)
    for part, spec in appearance["garment"]["parts"].items():
        made[part] = materials.patterned_material(f"garment_{part}", spec["rgb"], spec["roughness"],
                                                  spec["pattern"], coords="rest")
    for s in slots:
        mesh_obj.data.materials.append(made[s])
    mesh_obj.data.polygons.foreach_set("material_index", face_slot.astype(np.int32))
    mesh_obj.data.update()
    log.info("dressed body: %s", counts)
    return counts
