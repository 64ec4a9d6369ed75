"""Body selection: st-gcn's "first" and 2s-AGCN's "energy", ties included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import pipeline.formats.ntu_raw as ntu_raw
from pipeline.errors import (
    UnknownFormatError,
    ValidationError,
)
from pipeline.formats.ntu_raw import (
    energy_order,
    motion_energy,
    parse_skeleton_file,
    read_ntu_raw,
    select_bodies,
)
from tests.pipeline.formats.ntu_raw_files import (
    BODY_B,
    INFO_A,
    INFO_B,
    body_a,
    body_lines,
    write_lines,
)

# --------------------------------------------------------------------------- bodies


def _moving_file(tmp_path: Path) -> Path:
    """Slot 1 stands still, slot 2 walks 1.6 m sideways, slot 3 (in 2 frames) is small."""
    frames = 6
    lines = [str(frames)]
    for f in range(frames):
        still = body_lines(INFO_A, lambda fr, j: (-0.3 + 0.001 * j, -0.2 + 0.02 * j, 3.0), f)
        walk = body_lines(
            INFO_B, lambda fr, j: (-0.8 + 0.32 * fr + 0.001 * j, -0.2 + 0.02 * j, 2.8), f
        )
        third = body_lines(
            f"{BODY_B + 7} 0 0 0 0 0 0 0 0 2",
            lambda fr, j: (0.9 + 0.0001 * j, 0.1 + 0.001 * j, 3.9), f,
        )
        bodies = [still, walk] + ([third] if f in (2, 3) else [])
        lines.append(str(len(bodies)))
        for b in bodies:
            lines += b
    return write_lines(tmp_path, lines, "S001C001P001R001A050")


def test_first_vs_energy_selection(tmp_path: Path) -> None:
    seq = parse_skeleton_file(_moving_file(tmp_path))
    first = select_bodies(seq, "first", 2)
    energy = select_bodies(seq, "energy", 2)
    assert first.shape == energy.shape == (3, 6, 25, 2)
    # "first": slot 0 is the still body (listed first), slot 1 the walking one.
    assert np.ptp(first[0, :, 0, 0]) == 0.0
    assert np.ptp(first[0, :, 0, 1]) > 1.5
    # "energy": the walking body has the most energy and comes first; the still one second.
    np.testing.assert_array_equal(energy[..., 0], first[..., 1])
    np.testing.assert_array_equal(energy[..., 1], first[..., 0])
    # The third body never reaches the top 2 with "first"; with max_bodies=3 energy ranks it last.
    e3 = select_bodies(seq, "energy", 3)
    assert not e3[:, [0, 1, 4, 5], :, 2].any() and e3[:, 2:4, :, 2].all()

    sset = read_ntu_raw(tmp_path / "S001C001P001R001A050.skeleton", body_selection="energy")
    np.testing.assert_array_equal(sset.data[0], energy.astype(np.float32))
    assert sset.provenance["body_selection"] == "energy"


def test_motion_energy_ignores_zero_frames() -> None:
    slots = np.zeros((2, 3, 2, 3))
    slots[0, 0] = [[1.0, 2.0, 3.0], [3.0, 2.0, 3.0]]
    slots[0, 2] = [[1.0, 4.0, 3.0], [3.0, 4.0, 5.0]]  # frame 1 is empty
    x = np.array([1.0, 3.0, 1.0, 3.0]).std()
    y = np.array([2.0, 2.0, 4.0, 4.0]).std()
    z = np.array([3.0, 3.0, 3.0, 5.0]).std()
    np.testing.assert_allclose(motion_energy(slots), [x + y + z, 0.0])


def test_motion_energy_skips_frames_whose_coordinates_sum_to_zero() -> None:
    """2s-AGCN counts a frame when the sum of its coordinates is non-zero, not when any
    value is: a frame whose values cancel out is left out like an empty one."""
    slots = np.zeros((2, 3, 2, 3))
    slots[0, 0] = [[1.0, 2.0, 3.0], [3.0, 2.0, 3.0]]
    slots[0, 1] = [[1.0, -1.0, 0.5], [0.0, 0.0, -0.5]]  # sums to 0: not counted
    slots[0, 2] = [[1.0, 4.0, 3.0], [3.0, 4.0, 5.0]]
    slots[1, 1] = [[2.0, -2.0, 0.0], [0.0, 0.0, 0.0]]  # the slot's only frame sums to 0
    x = np.array([1.0, 3.0, 1.0, 3.0]).std()
    y = np.array([2.0, 2.0, 4.0, 4.0]).std()
    z = np.array([3.0, 3.0, 3.0, 5.0]).std()
    np.testing.assert_allclose(motion_energy(slots), [x + y + z, 0.0], rtol=0, atol=0)


def test_energy_order_ties_put_the_later_slot_first() -> None:
    """``energy.argsort()[::-1]`` with numpy's classic (stable) sort on a few elements."""
    assert energy_order(np.array([1.0, 1.0, 0.0, 0.0])).tolist() == [1, 0, 3, 2]
    assert energy_order(np.array([2.0, 1.0, 2.0, 0.0])).tolist() == [2, 0, 1, 3]
    assert energy_order(np.array([0.5, 3.0, 0.0, 0.0])).tolist() == [1, 0, 3, 2]
    assert energy_order(np.zeros(4)).tolist() == [3, 2, 1, 0]


def test_energy_selection_tie_takes_the_later_body(tmp_path: Path) -> None:
    """Body B is body A negated: exactly the same energy, different data."""
    frames = 3
    lines = [str(frames)]
    for f in range(frames):
        a = body_lines(INFO_A, body_a, f)
        b = body_lines(INFO_B, lambda fr, j: tuple(-c for c in body_a(fr, j)), f)
        lines += ["2"] + a + b
    seq = parse_skeleton_file(write_lines(tmp_path, lines, "S001C001P001R001A050"))
    slots = ntu_raw.body_slots(seq, 4)
    energy = motion_energy(slots)
    assert energy[0] == energy[1] > 0 and energy[2] == energy[3] == 0
    first = select_bodies(seq, "first", 2)
    chosen = select_bodies(seq, "energy", 2)
    np.testing.assert_array_equal(chosen[..., 0], first[..., 1])  # slot 1 (B) first
    np.testing.assert_array_equal(chosen[..., 1], first[..., 0])
    assert (chosen[2, :, :, 0] < 0).all()  # B stands at negative z
    # with room for more bodies, the two empty slots follow, the later one first (all zero)
    assert not select_bodies(seq, "energy", 4)[..., 2:].any()


def test_unknown_body_selection(hand_file: Path) -> None:
    with pytest.raises(UnknownFormatError, match="first, energy"):
        read_ntu_raw(hand_file, body_selection="largest")
    with pytest.raises(ValidationError, match="max_bodies"):
        read_ntu_raw(hand_file, max_bodies=0)
