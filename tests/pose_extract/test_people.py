"""Several people per video: identities linked across frames, what the painted box lets
through dropped, the main actor first; recovered people scored against the bodies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pose_extract.mediapipe_runner import NUM_LANDMARKS
from pose_extract.people import (
    LEFT_HIP,
    MASK_VALUE,
    RIGHT_HIP,
    drop_spurious,
    grown_box,
    landmark_boxes,
    link_tracks,
    motion_energy,
    paint_person,
    split_identities,
)
from pose_extract.people_metrics import match_people, recoverable_frames

NAN = np.nan


def _tracks(*xs):
    """Trackers' hips at height 100 px from x positions per tracker (None: not found)."""
    hips = np.array([[[NAN, NAN] if x is None else [x, 50.0] for x in row] for row in xs])
    return hips, np.full(hips.shape[:2], 100.0)


def test_link_tracks_keeps_identities_when_trackers_hand_people_over():
    # tracker 0 follows A (x 100) then loses it and picks up B (x 300) in frame 3;
    # tracker 1 followed B and then finds A
    hips, h = _tracks([100, 102, 104, 300, 302], [300, 301, 302, 106, 108])
    owner = link_tracks(hips, h)
    ident_a = owner[0, 0]
    assert owner[:3, 0].tolist() == [ident_a] * 3
    assert owner[3:, 1].tolist() == [ident_a] * 2  # A moved to tracker 1
    assert owner[3:, 0].tolist() == [1 - ident_a] * 2
    assert (owner[:3, 1] == 1 - ident_a).all()


def test_link_tracks_gaps_and_a_late_second_person():
    hips, h = _tracks([100, None, 103, 104], [None, None, 250, 251])
    owner = link_tracks(hips, h)
    assert owner[:, 0].tolist() == [0, -1, 0, 0]
    assert owner[:, 1].tolist() == [-1, -1, 1, 1]


def test_link_tracks_rejects_bad_shapes():
    with pytest.raises(ValidationError, match="hips"):
        link_tracks(np.zeros((2, 3)), np.zeros((2, 3)))


def _person(u, v, size=40.0):
    """33 landmarks spread over a box centred at (u, v); hips at the centre."""
    rng = np.random.default_rng(int(u * 7 + v))
    pts = np.column_stack([u + rng.uniform(-size / 4, size / 4, NUM_LANDMARKS),
                           v + rng.uniform(-size / 2, size / 2, NUM_LANDMARKS)])
    pts[[LEFT_HIP, RIGHT_HIP]] = [[u - 3, v], [u + 3, v]]
    return pts


def test_drop_spurious_removes_a_second_detection_inside_the_first_box():
    first = _person(100, 60)
    limb = _person(105, 62, size=10)  # a leg sticking out, seen as a tiny person
    other = _person(250, 60)
    image = np.stack([np.stack([first, first]), np.stack([limb, other])])  # K=2, T=2
    boxes = landmark_boxes(image)
    hips = 0.5 * (image[..., LEFT_HIP, :] + image[..., RIGHT_HIP, :])
    keep = drop_spurious(hips, boxes)
    assert keep.tolist() == [[True, True], [False, True]]


def test_grown_box_is_clipped_to_the_image():
    assert grown_box(np.array([0.0, 10, 20, 50]), 30, 40) == (0, 3, 26, 40)  # 20 px wide: +6 px
    u0, v0, u1, v1 = grown_box(np.array([100.0, 50, 120, 90]), 320, 180, margin=(0.0, 0.0, 0.0))
    assert (u0, v0, u1, v1) == (100, 50, 120, 90)


@pytest.mark.parametrize("mask", ["box", "skeleton"])
def test_paint_person_hides_the_person_and_not_the_far_side(mask):
    frame = np.zeros((180, 320, 3), np.uint8)
    px = _person(80, 90, size=80)
    px[:11] = [80, 55]  # head landmarks
    px[[11, 12]] = [[70, 70], [90, 70]]  # shoulders
    out = paint_person(frame, px, mask)
    assert (out[55, 80] == MASK_VALUE).all() and (out[90, 80] == MASK_VALUE).all()  # head and hips
    assert (out[:, 200:] == 0).all() and (frame == 0).all()  # the other side untouched, input kept
    with pytest.raises(ValidationError, match="mask"):
        paint_person(frame, px, "blur")


def test_split_identities_drops_rare_people_and_keeps_the_first():
    t = 10
    image = np.full((2, t, NUM_LANDMARKS, 2), NAN)
    world = np.full((2, t, NUM_LANDMARKS, 3), NAN)
    vis = np.zeros((2, t, NUM_LANDMARKS))
    for f in range(t):
        image[0, f] = _person(100 + f, 60)
        world[0, f] = 0.1
        vis[0, f] = 0.9
    image[1, 4] = _person(250, 60)  # seen once: 10 % of the frames
    world[1, 4] = 0.2
    vis[1, 4] = 0.8
    people = split_identities(image, world, vis, fps=30.0, width=320, height=180, path=Path("v.mp4"))
    assert len(people) == 1 and people[0].detected.all()
    both = split_identities(image, world, vis, fps=30.0, width=320, height=180, path=Path("v.mp4"), min_share=0.05)
    assert len(both) == 2 and both[1].detected.sum() == 1
    assert np.allclose(both[1].world[4], 0.2) and np.isnan(both[1].world[3]).all()


def test_motion_energy_ranks_the_mover_first():
    rng = np.random.default_rng(0)
    still = np.zeros((20, 25, 3)) + rng.normal(0, 0.001, (20, 25, 3))
    moving = still + np.linspace(0, 1, 20)[:, None, None]
    valid = np.ones(20, dtype=bool)
    assert motion_energy(moving, valid) > 100 * motion_energy(still, valid)
    assert motion_energy(moving, np.eye(20, dtype=bool)[0]) == 0.0


def _bodies(t=12):
    """Two bodies 1 m apart in x, walking slowly."""
    base = np.zeros((t, 2, 25, 3))
    base[:, 0, :, 0] = -0.5 + np.linspace(0, 0.1, t)[:, None]
    base[:, 1, :, 0] = 0.5
    base[..., 2] = 3.0
    base[..., 1] = np.linspace(-0.8, 0.8, 25)
    return base


def test_match_people_pairs_counts_recoveries_and_swaps():
    gt = _bodies()
    pred = gt.transpose(1, 0, 2, 3)[::-1].copy() + 0.05  # person 0 is body 1
    valid = np.ones((2, 12), dtype=bool)
    valid[1, :3] = False  # body 0 missed in 3 frames
    pred[:, 8] = pred[::-1, 8]  # one frame with the identities exchanged
    rec = np.ones((12, 2), dtype=bool)
    m = match_people(pred, valid, gt, rec)
    assert m.person_of_body.tolist() == [1, 0]
    assert m.recovered_frames.tolist() == [9, 12]
    assert m.all_recovered_frames == 9 and m.all_recoverable_frames == 12
    assert m.swap_frames == 1 and m.compared_frames == 9
    d = m.to_dict()
    assert d["identity_swap_rate"] == round(1 / 9, 4) and d["recovered_rate_per_body"] == [0.75, 1.0]


def test_a_person_far_from_the_body_pose_is_not_a_recovery():
    gt = _bodies()
    pred = gt.transpose(1, 0, 2, 3).copy()
    pred[1, :4, 10:] += 0.6  # half the joints 60 cm off: a pose of something else
    m = match_people(pred, np.ones((2, 12), dtype=bool), gt, np.ones((12, 2), dtype=bool))
    assert m.person_of_body.tolist() == [0, 1]
    assert m.recovered_frames.tolist() == [12, 8] and m.all_recovered_frames == 8
    loose = match_people(pred, np.ones((2, 12), dtype=bool), gt, np.ones((12, 2), dtype=bool), max_error_m=1.0)
    assert loose.recovered_frames.tolist() == [12, 12]


def test_match_people_with_one_person_for_two_bodies():
    gt = _bodies()
    pred = gt[:, 1][None] + 0.02
    m = match_people(pred, np.ones((1, 12), dtype=bool), gt, np.ones((12, 2), dtype=bool))
    assert m.person_of_body.tolist() == [-1, 0]
    assert m.all_recovered_frames == 0 and m.compared_frames == 0
    assert np.isnan(m.swap_rate)


def test_recoverable_frames_needs_presence_and_joints_in_the_image():
    present = np.array([[True, True], [True, False], [True, True]])
    in_frame = np.ones((3, 2, 25), dtype=bool)
    in_frame[2, 1, :12] = False  # 13 of 25 inside: under 60 %
    out = recoverable_frames(present, in_frame, (3, 2))
    assert out.tolist() == [[True, True], [True, False], [True, False]]
    assert recoverable_frames(None, None, (2, 1)).all()


def test_match_people_rejects_mismatched_shapes():
    with pytest.raises(ValidationError, match="people"):
        match_people(np.zeros((1, 5, 25, 3)), np.ones((1, 5), bool), np.zeros((4, 2, 25, 3)), np.ones((4, 2), bool))
