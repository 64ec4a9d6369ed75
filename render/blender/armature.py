"""The armature built from a rig's joints, and one keyframe per frame of motion.

Bones: one per rig joint, head at the rest joint, tail towards the mean of its children
(or continuing its parent's direction for a leaf), roll 0, never connected. The rest
orientations Blender derives from head/tail/roll are read back and used to convert the
base-convention local rotations (:mod:`render.blender.rotations`), so the armature poses
the mesh exactly like the body model's own forward kinematics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from render.blender.rotations import (
    bone_local_rotations,
    continuous_quaternions,
    matrix_to_quaternion,
    root_location,
)

log = logging.getLogger(__name__)

#: Length of a bone with no usable direction, metres.
_FALLBACK_LENGTH = 0.05
_MIN_LENGTH = 0.005


@dataclass
class Armature:
    """The armature object and its bones' rest orientations.

    Attributes:
        obj: the ``bpy.types.Object`` (type ARMATURE) at the world origin.
        bone_names: ``J`` bone names in rig joint order.
        bone_rest: ``(J, 3, 3)`` rest orientation of each bone in armature (= world) space.
    """

    obj: Any
    bone_names: tuple[str, ...]
    bone_rest: np.ndarray


def bone_tails(rest_joints: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """``(J, 3)`` tail positions: towards the mean of the children's heads; a leaf (or a
    bone whose children sit on its head) continues its parent's direction; the root with
    nothing to point at points up (+Z). Lengths at least 5 mm."""
    j = len(parents)
    tails = np.empty_like(rest_joints)
    direction = np.zeros_like(rest_joints)
    length = np.full(j, _FALLBACK_LENGTH)
    children: list[list[int]] = [[] for _ in range(j)]
    for c in range(1, j):
        children[parents[c]].append(c)
    for b in range(j):
        d = None
        if children[b]:
            v = rest_joints[children[b]].mean(axis=0) - rest_joints[b]
            if np.linalg.norm(v) > _MIN_LENGTH:
                d = v
        if d is None:
            p = parents[b]
            if p >= 0 and np.linalg.norm(direction[p]) > 0:
                d = direction[p] / np.linalg.norm(direction[p]) * max(0.5 * length[p], 2 * _MIN_LENGTH)
            else:
                d = np.array([0.0, 0.0, _FALLBACK_LENGTH])
        direction[b] = d
        length[b] = np.linalg.norm(d)
        tails[b] = rest_joints[b] + d
    return tails


def build_armature(joint_names: tuple[str, ...], parents: np.ndarray, rest_joints: np.ndarray,
                   name: str = "body_rig") -> Armature:
    """Create the armature object from the rig's rest joints (world = body frame)."""
    import bpy

    arm_data = bpy.data.armatures.new(name)
    obj = bpy.data.objects.new(name, arm_data)
    bpy.context.scene.collection.objects.link(obj)
    bpy.context.view_layer.objects.active = obj
    tails = bone_tails(rest_joints, parents)
    bpy.ops.object.mode_set(mode="EDIT")
    ebones = []
    for j, bname in enumerate(joint_names):
        eb = arm_data.edit_bones.new(bname)
        eb.head = rest_joints[j].tolist()
        eb.tail = tails[j].tolist()
        eb.roll = 0.0
        eb.use_connect = False
        eb.use_deform = True
        if parents[j] >= 0:
            eb.parent = ebones[parents[j]]
        ebones.append(eb)
    if [eb.name for eb in ebones] != list(joint_names):
        raise RuntimeError("Blender renamed bones (duplicate or over-long joint names)")
    bpy.ops.object.mode_set(mode="OBJECT")
    rest = np.array([np.array(arm_data.bones[b].matrix_local)[:3, :3] for b in joint_names])
    for pb in obj.pose.bones:
        pb.rotation_mode = "QUATERNION"
    log.info("armature: %d bones", len(joint_names))
    return Armature(obj=obj, bone_names=tuple(joint_names), bone_rest=rest)


def keyframe_motion(arm: Armature, rotations: np.ndarray, transl: np.ndarray, frame_start: int = 1) -> None:
    """One keyframe per frame: every pose bone's quaternion from ``rotations (T, J, 3, 3)``
    (base convention) and the root bone's location from ``transl (T, 3)`` (world metres).
    Linear interpolation; F-curves filled in bulk."""
    import bpy
    from bpy_extras import anim_utils

    t = rotations.shape[0]
    quats = continuous_quaternions(matrix_to_quaternion(bone_local_rotations(rotations, arm.bone_rest)))
    loc = root_location(transl, arm.bone_rest[0])
    obj = arm.obj
    obj.animation_data_create()
    action = bpy.data.actions.new("motion")
    slot = action.slots.new(id_type="OBJECT", name=obj.name)
    obj.animation_data.action = action
    obj.animation_data.action_slot = slot
    bag = anim_utils.action_ensure_channelbag_for_slot(action, slot)
    frames = np.arange(frame_start, frame_start + t, dtype=np.float64)
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value

    def put(data_path: str, index: int, values: np.ndarray, group: str) -> None:
        fc = bag.fcurves.new(data_path, index=index, group_name=group)
        fc.keyframe_points.add(t)
        fc.keyframe_points.foreach_set("co", np.stack([frames, values], axis=1).ravel())
        fc.keyframe_points.foreach_set("interpolation", np.full(t, linear, dtype=np.int32))
        fc.update()

    for j, bname in enumerate(arm.bone_names):
        path = f'pose.bones["{bname}"].rotation_quaternion'
        for i in range(4):
            put(path, i, quats[:, j, i], bname)
    root = arm.bone_names[0]
    for i in range(3):
        put(f'pose.bones["{root}"].location', i, loc[:, i], root)
    log.info("keyframed %d frames x %d bones", t, len(arm.bone_names))
