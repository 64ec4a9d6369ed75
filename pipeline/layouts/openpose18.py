"""OpenPose COCO-18 layout used by Kinetics-skeleton (ST-GCN graph 'openpose').

Channels are x, y (image coordinates, normalised to [0, 1] in the files and centred by
subtracting 0.5 in the st-gcn feeder) and the detection score.

Kinematic tree: root ``neck`` (the ST-GCN graph centre, joint 1 0-based); the tree is the
official edge list oriented away from the neck: neck -> nose -> eyes -> ears, neck ->
shoulders -> elbows -> wrists, neck -> hips -> knees -> ankles.
"""

from __future__ import annotations

from pipeline.layouts.base import Layout

JOINT_NAMES: tuple[str, ...] = (
    "nose", "neck",
    "shoulder_right", "elbow_right", "wrist_right",
    "shoulder_left", "elbow_left", "wrist_left",
    "hip_right", "knee_right", "ankle_right",
    "hip_left", "knee_left", "ankle_left",
    "eye_right", "eye_left", "ear_right", "ear_left",
)  # fmt: skip

#: ST-GCN 'openpose' neighbour links, 0-based, in the official order.
GRAPH_EDGES: tuple[tuple[int, int], ...] = (
    (4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9), (9, 8),
    (11, 5), (8, 2), (5, 1), (2, 1), (0, 1), (15, 0), (14, 0), (17, 15), (16, 14),
)  # fmt: skip

_P = {
    "nose": "neck",
    "neck": None,
    "shoulder_right": "neck",
    "elbow_right": "shoulder_right",
    "wrist_right": "elbow_right",
    "shoulder_left": "neck",
    "elbow_left": "shoulder_left",
    "wrist_left": "elbow_left",
    "hip_right": "neck",
    "knee_right": "hip_right",
    "ankle_right": "knee_right",
    "hip_left": "neck",
    "knee_left": "hip_left",
    "ankle_left": "knee_left",
    "eye_right": "nose",
    "eye_left": "nose",
    "ear_right": "eye_right",
    "ear_left": "eye_left",
}

#: Parent of every joint (0-based, -1 for the root ``neck``).
PARENTS: tuple[int, ...] = tuple(
    -1 if _P[n] is None else JOINT_NAMES.index(_P[n]) for n in JOINT_NAMES
)

MAJOR_BONE_CHILDREN: tuple[str, ...] = (
    "nose", "shoulder_right", "elbow_right", "wrist_right",
    "shoulder_left", "elbow_left", "wrist_left",
    "hip_right", "knee_right", "ankle_right", "hip_left", "knee_left", "ankle_left",
)  # fmt: skip

REGIONS: dict[str, tuple[str, ...]] = {
    "left_arm": ("shoulder_left", "elbow_left", "wrist_left"),
    "right_arm": ("shoulder_right", "elbow_right", "wrist_right"),
    "legs": ("hip_right", "knee_right", "ankle_right", "hip_left", "knee_left", "ankle_left"),
    "trunk_head": ("nose", "neck", "eye_right", "eye_left", "ear_right", "ear_left"),
}

LAYOUT = Layout(
    name="openpose18",
    joint_names=JOINT_NAMES,
    parents=PARENTS,
    graph_edges=GRAPH_EDGES,
    graph_center=JOINT_NAMES.index("neck"),
    major_bones=tuple(JOINT_NAMES.index(n) for n in MAJOR_BONE_CHILDREN),
    regions={k: tuple(JOINT_NAMES.index(n) for n in v) for k, v in REGIONS.items()},
    channels=("x", "y", "score"),
    coordinate_frame="image_normalized_centered",
    stgcn_graph="openpose",
)
