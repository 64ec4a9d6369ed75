"""NTU RGB+D / Kinect v2 layout: 25 joints.

Joint order is the Kinect v2 ``JointType`` order that NTU RGB+D files use (1-based in
the dataset documentation, 0-based here).

Kinematic tree (root: ``spine_base``, joint 1 in 1-based numbering) follows the Kinect
SDK's bone hierarchy: spine_base -> spine_mid -> spine_shoulder -> {neck -> head,
shoulder_l/r -> elbow -> wrist -> {hand -> hand_tip, thumb}}, spine_base -> hip_l/r ->
knee -> ankle -> foot. Note that the thumb hangs from the wrist and the hand tip from
the hand, as in the Kinect SDK; the ST-GCN graph (``GRAPH_EDGES_1BASED``) instead links
hand tip - thumb - hand. The graph is kept exactly as the official code has it because
its adjacency is part of every official checkpoint.

Parents (0-based): see ``PARENTS`` below; every entry is commented with names.
"""

from __future__ import annotations

from pipeline.layouts.base import Layout

JOINT_NAMES: tuple[str, ...] = (
    "spine_base",  # 1
    "spine_mid",  # 2
    "neck",  # 3
    "head",  # 4
    "shoulder_left",  # 5
    "elbow_left",  # 6
    "wrist_left",  # 7
    "hand_left",  # 8
    "shoulder_right",  # 9
    "elbow_right",  # 10
    "wrist_right",  # 11
    "hand_right",  # 12
    "hip_left",  # 13
    "knee_left",  # 14
    "ankle_left",  # 15
    "foot_left",  # 16
    "hip_right",  # 17
    "knee_right",  # 18
    "ankle_right",  # 19
    "foot_right",  # 20
    "spine_shoulder",  # 21
    "hand_tip_left",  # 22
    "thumb_left",  # 23
    "hand_tip_right",  # 24
    "thumb_right",  # 25
)

_P = {
    "spine_base": None,
    "spine_mid": "spine_base",
    "neck": "spine_shoulder",
    "head": "neck",
    "shoulder_left": "spine_shoulder",
    "elbow_left": "shoulder_left",
    "wrist_left": "elbow_left",
    "hand_left": "wrist_left",
    "shoulder_right": "spine_shoulder",
    "elbow_right": "shoulder_right",
    "wrist_right": "elbow_right",
    "hand_right": "wrist_right",
    "hip_left": "spine_base",
    "knee_left": "hip_left",
    "ankle_left": "knee_left",
    "foot_left": "ankle_left",
    "hip_right": "spine_base",
    "knee_right": "hip_right",
    "ankle_right": "knee_right",
    "foot_right": "ankle_right",
    "spine_shoulder": "spine_mid",
    "hand_tip_left": "hand_left",
    "thumb_left": "wrist_left",
    "hand_tip_right": "hand_right",
    "thumb_right": "wrist_right",
}

#: Parent of every joint (0-based, -1 for the root ``spine_base``).
PARENTS: tuple[int, ...] = tuple(
    -1 if _P[n] is None else JOINT_NAMES.index(_P[n]) for n in JOINT_NAMES
)

#: ST-GCN 'ntu-rgb+d' neighbour links, 1-based, in the official order.
GRAPH_EDGES_1BASED: tuple[tuple[int, int], ...] = (
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21),
    (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1),
    (18, 17), (19, 18), (20, 19), (22, 23), (23, 8), (24, 25), (25, 12),
)  # fmt: skip

#: ST-GCN graph centre: joint 21 (1-based), spine_shoulder.
GRAPH_CENTER = JOINT_NAMES.index("spine_shoulder")

#: Major bones (named by their child joint) for bone-angle features: every tree bone
#: except those ending at fingers (hand tips, thumbs) and toes (feet). 18 bones.
MAJOR_BONE_CHILDREN: tuple[str, ...] = (
    "spine_mid", "spine_shoulder", "neck", "head",
    "shoulder_left", "elbow_left", "wrist_left", "hand_left",
    "shoulder_right", "elbow_right", "wrist_right", "hand_right",
    "hip_left", "knee_left", "ankle_left",
    "hip_right", "knee_right", "ankle_right",
)  # fmt: skip

#: The paper's four localized-attack regions, in the order region 1..4.
REGIONS: dict[str, tuple[str, ...]] = {
    "left_arm": ("shoulder_left", "elbow_left", "wrist_left", "hand_left",
                 "hand_tip_left", "thumb_left"),
    "right_arm": ("shoulder_right", "elbow_right", "wrist_right", "hand_right",
                  "hand_tip_right", "thumb_right"),
    "legs": ("hip_left", "knee_left", "ankle_left", "foot_left",
             "hip_right", "knee_right", "ankle_right", "foot_right"),
    "trunk_head": ("spine_base", "spine_mid", "spine_shoulder", "neck", "head"),
}  # fmt: skip

#: Left/right joint pairs (0-based) for mirroring.
MIRROR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (JOINT_NAMES.index(n), JOINT_NAMES.index(n.replace("_left", "_right")))
    for n in JOINT_NAMES
    if n.endswith("_left")
)

LAYOUT = Layout(
    name="ntu25",
    joint_names=JOINT_NAMES,
    parents=PARENTS,
    graph_edges=tuple((a - 1, b - 1) for a, b in GRAPH_EDGES_1BASED),
    graph_center=GRAPH_CENTER,
    major_bones=tuple(JOINT_NAMES.index(n) for n in MAJOR_BONE_CHILDREN),
    regions={k: tuple(JOINT_NAMES.index(n) for n in v) for k, v in REGIONS.items()},
    channels=("x", "y", "z"),
    coordinate_frame="kinect_camera",
    stgcn_graph="ntu-rgb+d",
)
