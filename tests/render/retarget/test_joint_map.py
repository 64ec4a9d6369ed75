"""The NTU-25 -> body maps: coverage, plausible rest anchors, errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts.ntu25 import JOINT_NAMES
from render.retarget.joint_map import BODY_MAPS, JOINT_GROUPS, body_map, resolve

J = {n: i for i, n in enumerate(JOINT_NAMES)}


def _check_anchor_geometry(points: np.ndarray) -> None:
    z = points[:, 2]
    chain = ["spine_base", "spine_mid", "spine_shoulder", "neck", "head"]
    assert all(z[J[a]] < z[J[b]] for a, b in zip(chain, chain[1:]))  # Z up along the spine
    for side, sign in (("left", 1), ("right", -1)):
        for n in ("shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle"):
            assert sign * points[J[f"{n}_{side}"], 0] > 0.04  # left at +X
        assert z[J[f"hip_{side}"]] < z[J["spine_base"]]
        assert z[J[f"ankle_{side}"]] < z[J[f"knee_{side}"]] < z[J[f"hip_{side}"]]
        assert points[J[f"foot_{side}"], 1] < points[J[f"ankle_{side}"], 1]  # toes point -Y
    width = points[J["shoulder_left"], 0] - points[J["shoulder_right"], 0]
    assert 0.17 < width < 0.32  # Kinect-like shoulder width (REFERENCE: 0.17-0.29 m)


def test_maps_cover_every_ntu_joint_and_group():
    grouped = {n for names in JOINT_GROUPS.values() for n in names}
    assert grouped == set(JOINT_NAMES)
    for bmap in BODY_MAPS.values():
        assert set(bmap.anchors) == set(JOINT_NAMES)
        assert all(0.0 <= a.weight <= 1.0 for a in bmap.anchors.values())
        for a in bmap.anchors.values():
            if a.lerp:
                assert sum(c for _, c in a.lerp) == pytest.approx(1.0)


def test_anny_map_resolves_to_plausible_anchors(anny_body):
    rig = anny_body.rig()
    resolved = resolve(body_map("anny"), rig)
    assert int(resolved.driven[0]) == 0 and len(resolved.priors) == len(resolved.driven)
    _check_anchor_geometry(resolved.rest_points_of(rig).numpy())


def test_smplx_map_resolves_to_plausible_anchors(smplx_body):
    rig = smplx_body.rig()
    resolved = resolve(body_map("smplx"), rig)
    assert resolved.driven.max() < 22  # only the 22 body joints are driven
    _check_anchor_geometry(resolved.rest_points_of(rig).numpy())


def test_unknown_layout_body_or_joint(smplx_body):
    with pytest.raises(UnknownFormatError, match="ntu25"):
        body_map("smplx", layout="openpose18")
    with pytest.raises(UnknownFormatError, match="anny, smplx"):
        body_map("mano")
    rig = smplx_body.rig()
    names = tuple("elbow_l" if n == "left_elbow" else n for n in rig.joint_names)
    with pytest.raises(ValidationError, match="left_elbow"):
        resolve(body_map("smplx"), replace(rig, joint_names=names))
    with pytest.raises(ValidationError, match="anny"):
        resolve(body_map("anny"), rig)
