"""Layouts: the official graph edges, one kinematic tree per layout, regions, major bones."""

from __future__ import annotations

import pytest

from pipeline.errors import UnknownFormatError
from pipeline.layouts import COCO17, LAYOUTS, NTU25, OPENPOSE18, get_layout, layout_for_joints

NTU_EDGES_1BASED = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21),
                    (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1),
                    (18, 17), (19, 18), (20, 19), (22, 23), (23, 8), (24, 25), (25, 12)]  # fmt: skip
OPENPOSE_EDGES = [(4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9), (9, 8), (11, 5),
                  (8, 2), (5, 1), (2, 1), (0, 1), (15, 0), (14, 0), (17, 15), (16, 14)]  # fmt: skip


def test_ntu_graph_is_the_official_one():
    assert list(NTU25.graph_edges_1based) == NTU_EDGES_1BASED
    assert NTU25.graph_center == 20  # joint 21 (1-based), spine shoulder
    assert NTU25.stgcn_graph == "ntu-rgb+d"


def test_openpose_graph_and_order():
    assert list(OPENPOSE18.graph_edges) == OPENPOSE_EDGES
    assert OPENPOSE18.graph_center == 1
    assert OPENPOSE18.joint_names[:5] == ("nose", "neck", "shoulder_right", "elbow_right", "wrist_right")
    assert OPENPOSE18.joint_names[14:] == ("eye_right", "eye_left", "ear_right", "ear_left")


def test_ntu_joint_names_follow_kinect_order():
    n = NTU25.joint_names
    assert (n[0], n[1], n[2], n[3], n[20]) == ("spine_base", "spine_mid", "neck", "head", "spine_shoulder")
    assert n[4:8] == ("shoulder_left", "elbow_left", "wrist_left", "hand_left")
    assert n[12:16] == ("hip_left", "knee_left", "ankle_left", "foot_left")
    assert n[21:] == ("hand_tip_left", "thumb_left", "hand_tip_right", "thumb_right")


def test_ntu_kinematic_tree():
    p = dict(zip(NTU25.joint_names, NTU25.parents))
    name = NTU25.joint_names
    assert NTU25.root == 0 and p["spine_base"] == -1
    assert name[p["spine_shoulder"]] == "spine_mid" and name[p["neck"]] == "spine_shoulder"
    assert name[p["thumb_left"]] == "wrist_left"  # Kinect SDK hierarchy, not the ST-GCN graph
    assert name[p["hand_tip_right"]] == "hand_right"
    assert name[p["hip_right"]] == "spine_base" and name[p["foot_right"]] == "ankle_right"
    assert len(NTU25.bones) == 24
    # the tree's edges are the graph's edges except at the hands (documented)
    graph = {frozenset(e) for e in NTU25.graph_edges}
    tree = {frozenset(b) for b in NTU25.bones}
    differ = {tuple(sorted(NTU25.joint_names[j] for j in e)) for e in graph ^ tree}
    assert differ == {("hand_left", "thumb_left"), ("hand_tip_left", "thumb_left"), ("hand_left", "hand_tip_left"),
                      ("thumb_left", "wrist_left"), ("hand_right", "thumb_right"),
                      ("hand_tip_right", "thumb_right"), ("hand_right", "hand_tip_right"),
                      ("thumb_right", "wrist_right")}  # fmt: skip


@pytest.mark.parametrize("lay", list(LAYOUTS.values()), ids=list(LAYOUTS))
def test_tree_invariants(lay):
    assert lay.parents.count(-1) == 1
    # levels list every joint once, parents before children
    seen: set[int] = set()
    for level in lay.levels:
        for j in level:
            assert lay.parents[j] in seen or lay.parents[j] == -1
        seen |= set(level)
    assert seen == set(range(lay.num_joints))
    d = lay.descendant_matrix()
    assert d[lay.root].all()
    for parent, child in lay.bones:
        assert d[parent, child] and not d[child, parent]
    # regions partition the joints
    members = [j for r in lay.regions.values() for j in r]
    assert sorted(members) == list(range(lay.num_joints))
    assert list(lay.regions) == ["left_arm", "right_arm", "legs", "trunk_head"]
    for c in lay.major_bones:
        assert lay.parents[c] >= 0


def test_ntu_major_bones_exclude_fingers_and_toes():
    names = {NTU25.joint_names[c] for c in NTU25.major_bones}
    assert len(names) == 18
    assert not names & {"hand_tip_left", "thumb_left", "hand_tip_right", "thumb_right", "foot_left", "foot_right"}


def test_ntu_regions_sizes():
    assert {k: len(v) for k, v in NTU25.regions.items()} == {"left_arm": 6, "right_arm": 6, "legs": 8, "trunk_head": 5}


def test_lookup_errors_list_valid_names():
    with pytest.raises(KeyError, match="spine_base"):
        NTU25.index("pelvis")
    with pytest.raises(KeyError, match="left_arm"):
        NTU25.region("arms")
    with pytest.raises(UnknownFormatError, match="ntu25"):
        get_layout("h36m")
    with pytest.raises(UnknownFormatError, match="25"):
        layout_for_joints(33)


def test_aliases_and_joint_count():
    assert get_layout("ntu-rgb+d") is NTU25 and get_layout("openpose") is OPENPOSE18
    assert layout_for_joints(17) is COCO17
