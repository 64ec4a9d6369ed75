"""COCO-17 keypoint layout, used by pyskl/mmaction2 2D annotations (HRNet keypoints).

Channels: x, y in image pixels and the keypoint score.

Kinematic tree: root ``nose`` (the centre of pyskl's 'coco' graph); eyes -> ears hang
from the nose, shoulders hang from the nose, elbows -> wrists from the shoulders, hips
from the shoulders of the same side, knees -> ankles from the hips. This is pyskl's
graph oriented away from the centre.
"""

from __future__ import annotations

from pipeline.layouts.base import Layout

JOINT_NAMES: tuple[str, ...] = (
    "nose", "eye_left", "eye_right", "ear_left", "ear_right",
    "shoulder_left", "shoulder_right", "elbow_left", "elbow_right",
    "wrist_left", "wrist_right", "hip_left", "hip_right",
    "knee_left", "knee_right", "ankle_left", "ankle_right",
)  # fmt: skip

_P = {
    "nose": None,
    "eye_left": "nose",
    "eye_right": "nose",
    "ear_left": "eye_left",
    "ear_right": "eye_right",
    "shoulder_left": "nose",
    "shoulder_right": "nose",
    "elbow_left": "shoulder_left",
    "elbow_right": "shoulder_right",
    "wrist_left": "elbow_left",
    "wrist_right": "elbow_right",
    "hip_left": "shoulder_left",
    "hip_right": "shoulder_right",
    "knee_left": "hip_left",
    "knee_right": "hip_right",
    "ankle_left": "knee_left",
    "ankle_right": "knee_right",
}

PARENTS: tuple[int, ...] = tuple(
    -1 if _P[n] is None else JOINT_NAMES.index(_P[n]) for n in JOINT_NAMES
)

MAJOR_BONE_CHILDREN: tuple[str, ...] = (
    "shoulder_left", "shoulder_right", "elbow_left", "elbow_right", "wrist_left",
    "wrist_right", "hip_left", "hip_right", "knee_left", "knee_right", "ankle_left",
    "ankle_right",
)  # fmt: skip

REGIONS: dict[str, tuple[str, ...]] = {
    "left_arm": ("shoulder_left", "elbow_left", "wrist_left"),
    "right_arm": ("shoulder_right", "elbow_right", "wrist_right"),
    "legs": ("hip_left", "hip_right", "knee_left", "knee_right", "ankle_left", "ankle_right"),
    "trunk_head": ("nose", "eye_left", "eye_right", "ear_left", "ear_right"),
}

LAYOUT = Layout(
    name="coco17",
    joint_names=JOINT_NAMES,
    parents=PARENTS,
    graph_edges=tuple((c, p) for c, p in enumerate(PARENTS) if p >= 0),
    graph_center=0,
    major_bones=tuple(JOINT_NAMES.index(n) for n in MAJOR_BONE_CHILDREN),
    regions={k: tuple(JOINT_NAMES.index(n) for n in v) for k, v in REGIONS.items()},
    channels=("x", "y", "score"),
    coordinate_frame="image_pixels",
    stgcn_graph=None,
)
