"""BlazePose 33 -> NTU 25 mapping: completeness, affine rows, anatomical sides, axes."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT as NTU25
from pipeline.layouts.ntu25 import MIRROR_PAIRS
from pose_extract.mapping import (
    BLAZEPOSE_MIRROR_PAIRS,
    BLAZEPOSE_NAMES,
    DIRECT,
    ntu_weights,
    to_kinect_axes,
    to_ntu25,
)


def _side_weight(row: np.ndarray, side: str) -> float:
    on_side = [n.startswith(side + "_") or n.endswith("_" + side) for n in BLAZEPOSE_NAMES]
    return float(row[on_side].sum())


def test_every_ntu_joint_has_an_affine_row():
    w = ntu_weights()
    assert w.shape == (NTU25.num_joints, len(BLAZEPOSE_NAMES)) == (25, 33)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    assert (np.abs(w).sum(axis=1) > 0).all()
    assert not w.flags.writeable


def test_blazepose_sides_follow_the_odd_index_rule():
    for i, name in enumerate(BLAZEPOSE_NAMES[7:], start=7):  # ears onwards: odd = the subject's left
        assert ("left" in name) == (i % 2 == 1), name
    assert len(BLAZEPOSE_MIRROR_PAIRS) == 16
    for a, b in BLAZEPOSE_MIRROR_PAIRS:
        assert BLAZEPOSE_NAMES[a].replace("left", "right") == BLAZEPOSE_NAMES[b]


def test_direct_joints_are_one_hot_on_the_same_side():
    w = ntu_weights()
    for ntu, bp in DIRECT.items():
        row = w[NTU25.index(ntu)]
        assert row[BLAZEPOSE_NAMES.index(bp)] == 1.0 and np.count_nonzero(row) == 1
        assert ntu.rsplit("_", 1)[1] == bp.split("_", 1)[0]


def test_left_joints_draw_mostly_on_left_landmarks():
    w = ntu_weights()
    for name in NTU25.joint_names:
        row = w[NTU25.index(name)]
        if name.endswith("_left"):
            assert _side_weight(row, "left") > _side_weight(row, "right") + 0.5, name
        elif name.endswith("_right"):
            assert _side_weight(row, "right") > _side_weight(row, "left") + 0.5, name
        else:  # trunk and head: symmetric
            assert _side_weight(row, "left") == pytest.approx(_side_weight(row, "right")), name


def _blazepose_from_ntu(ntu: np.ndarray) -> np.ndarray:
    """A plausible BlazePose landmark set (33, 3) built from NTU joints (25, 3), sides kept."""
    j = {n: ntu[i] for i, n in enumerate(NTU25.joint_names)}
    head, neck = j["head"], j["neck"]
    side_vec = j["shoulder_left"] - j["shoulder_right"]
    bp = {"nose": head + 0.1 * (head - neck)}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        for k, part in enumerate(("eye_inner", "eye", "eye_outer")):
            bp[f"{side}_{part}"] = head + sign * (0.05 + 0.02 * k) * side_vec
        bp[f"{side}_ear"] = head + sign * 0.3 * side_vec
        bp[f"mouth_{side}"] = head + sign * 0.1 * side_vec - 0.3 * (head - neck)
        for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
            bp[f"{side}_{part}"] = j[f"{part}_{side}"]
        bp[f"{side}_pinky"] = j[f"hand_tip_{side}"] - 0.1 * side_vec
        bp[f"{side}_index"] = j[f"hand_tip_{side}"]
        bp[f"{side}_thumb"] = j[f"thumb_{side}"]
        bp[f"{side}_heel"] = j[f"ankle_{side}"] - 0.3 * (j[f"foot_{side}"] - j[f"ankle_{side}"])
        bp[f"{side}_foot_index"] = j[f"foot_{side}"]
    return np.stack([bp[n] for n in BLAZEPOSE_NAMES])


def _ntu_pose(small_synth) -> np.ndarray:
    return np.transpose(small_synth.data[3, :, 10, :, 0], (1, 0)).astype(np.float64)  # 25 x 3


def test_mapped_pose_keeps_every_joint_on_its_side(small_synth):
    ntu = _ntu_pose(small_synth)
    out = to_ntu25(_blazepose_from_ntu(ntu))
    for a, b in MIRROR_PAIRS:  # a = left joint, b = right joint
        name = NTU25.joint_names[a]
        # every left joint lands nearer the true left joint than the true right one
        assert np.linalg.norm(out[a] - ntu[a]) < np.linalg.norm(out[a] - ntu[b]), name
        assert np.linalg.norm(out[b] - ntu[b]) < np.linalg.norm(out[b] - ntu[a]), name
    for name in DIRECT:
        np.testing.assert_allclose(out[NTU25.index(name)], ntu[NTU25.index(name)], atol=1e-12)


def test_mirrored_person_maps_to_the_mirrored_skeleton(small_synth):
    """Mirror a landmark set (reflect X and relabel left <-> right): the mapping of the mirror
    is the mirror of the mapping, with NTU's left and right joints exchanged."""
    bp = _blazepose_from_ntu(_ntu_pose(small_synth))
    reflect = np.array([-1.0, 1.0, 1.0])
    perm_bp = np.arange(33)
    for a, b in BLAZEPOSE_MIRROR_PAIRS:
        perm_bp[a], perm_bp[b] = b, a
    perm_ntu = np.arange(25)
    for a, b in MIRROR_PAIRS:
        perm_ntu[a], perm_ntu[b] = b, a
    mirrored = to_ntu25((bp * reflect)[perm_bp])
    expected = (to_ntu25(bp) * reflect)[perm_ntu]
    np.testing.assert_allclose(mirrored, expected, atol=1e-12)
    # and the mirror is not the same skeleton: the sides really moved
    assert np.abs(mirrored - to_ntu25(bp)).max() > 0.1


def test_mediapipe_axes_give_ntu_signs():
    """A body facing the camera, MediaPipe world axes (REFERENCE: the subject's left shoulder
    at x = +0.15, nose up at y = -0.59, ankles down at +0.79), lands in the Kinect frame with
    the NTU signs: left shoulder at the smaller X, head above the spine base."""
    world = np.zeros((33, 3))
    world[BLAZEPOSE_NAMES.index("left_shoulder")] = (0.15, -0.45, 0.0)
    world[BLAZEPOSE_NAMES.index("right_shoulder")] = (-0.15, -0.45, 0.0)
    world[BLAZEPOSE_NAMES.index("left_hip")] = (0.1, 0.0, 0.0)
    world[BLAZEPOSE_NAMES.index("right_hip")] = (-0.1, 0.0, 0.0)
    world[BLAZEPOSE_NAMES.index("left_ear")] = (0.07, -0.62, 0.05)
    world[BLAZEPOSE_NAMES.index("right_ear")] = (-0.07, -0.62, 0.05)
    world[BLAZEPOSE_NAMES.index("left_ankle")] = (0.1, 0.79, 0.0)
    world[BLAZEPOSE_NAMES.index("right_ankle")] = (-0.1, 0.79, 0.0)
    ntu = to_ntu25(to_kinect_axes(world))
    dx = ntu[NTU25.index("shoulder_left"), 0] - ntu[NTU25.index("shoulder_right"), 0]
    assert -0.29 <= dx <= -0.17  # REFERENCE: -0.17 to -0.29 m on real NTU samples facing the camera
    assert ntu[NTU25.index("head"), 1] > ntu[NTU25.index("spine_shoulder"), 1] > ntu[NTU25.index("spine_base"), 1]
    assert ntu[NTU25.index("ankle_left"), 1] < ntu[NTU25.index("spine_base"), 1]
    # Kinect hips: closer together and lower than MediaPipe's, spine base above their midpoint
    hips = ntu[list(NTU25.indices(["hip_left", "hip_right"]))]
    assert np.linalg.norm(hips[0] - hips[1]) < 0.2
    assert hips[:, 1].max() < 0.0 < ntu[NTU25.index("spine_base"), 1]


def test_bad_shapes_are_refused():
    with pytest.raises(ValidationError, match="33"):
        to_ntu25(np.zeros((4, 25, 3)))
    with pytest.raises(ValidationError):
        to_kinect_axes(np.zeros((4, 2)))
