"""NTU RGB+D raw ``.skeleton`` reading and writing."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import pipeline.formats.ntu_raw as ntu_raw
from pipeline.classes import NTU60_CLASSES, NTU120_CLASSES
from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    UnknownFormatError,
    ValidationError,
)
from pipeline.formats import read_set, write_set
from pipeline.formats.ntu_raw import (
    energy_order,
    motion_energy,
    parse_skeleton_file,
    read_ntu_raw,
    select_bodies,
    write_ntu_raw,
)
from pipeline.skeleton_set import SkeletonSet

# --------------------------------------------------------------------------- helpers

BODY_A = 72057594037931101
BODY_B = 72057594037931245
INFO_A = f"{BODY_A} 0 1 1 1 1 0 0.02764709 0.05745083 2"
INFO_B = f"{BODY_B} 2 0 0 1 3 0 -0.1127406 0.2419004 1"

# Two joints whose 12 values are checked one by one.
LINE_A_F1_J1 = (
    "-0.2874361 0.1093822 3.102548 222.1374 199.1149 859.8133 501.8824 "
    "-0.1853621 0.04417932 0.9721437 -0.1290811 2"
)
LINE_B_F4_J25 = (
    "0.3318207 -0.7920453 2.648173 301.7983 321.3105 1095.514 863.4317 "
    "0 0 0 0 1"
)


def _joint_line(x: float, y: float, z: float, state: int = 2) -> str:
    """A joint line with depth/colour pixels computed like a Kinect v2 (mirrored u)."""
    du, dv = 256 + 365.5 * x / z, 212 - 365.5 * y / z
    cu, cv = 960 + 1081.4 * x / z, 540 - 1081.4 * y / z
    return (
        f"{x:.7g} {y:.7g} {z:.7g} {du:.7g} {dv:.7g} {cu:.7g} {cv:.7g} "
        f"0.1 -0.02 0.97 -0.12 {state}"
    )


def _body_a(frame: int, j: int) -> tuple[float, float, float]:
    """A subject standing about 3.1 m away on the sensor's right (x < 0)."""
    return (-0.2874361 + 0.011 * j + 0.004 * frame, -0.79 + 0.06 * j, 3.102548 + 0.003 * j)


def _body_b(frame: int, j: int) -> tuple[float, float, float]:
    """A second subject, 2.6 m away on the sensor's left (x > 0)."""
    return (0.31 + 0.0009 * j - 0.01 * frame, 0.69 - 0.06 * j, 2.64 + 0.0003 * j)


def _body_lines(info: str, coords, frame: int, override: dict[int, str] | None = None) -> list[str]:
    lines = [info, "25"]
    for j in range(25):
        if override and j in override:
            lines.append(override[j])
        else:
            lines.append(_joint_line(*coords(frame, j)))
    return lines


def _hand_made_text() -> str:
    """4 frames: one body, two bodies, none (a missing frame), two bodies."""
    lines = ["4"]
    lines += ["1"] + _body_lines(INFO_A, _body_a, 1, {0: LINE_A_F1_J1})
    lines += ["2"] + _body_lines(INFO_A, _body_a, 2) + _body_lines(INFO_B, _body_b, 2)
    lines += ["0"]
    lines += ["2"] + _body_lines(INFO_A, _body_a, 4) + _body_lines(
        INFO_B, _body_b, 4, {24: LINE_B_F4_J25}
    )
    return "\n".join(lines) + "\n"


def _expected_xyz(coords, frame: int) -> np.ndarray:
    """``(25, 3)`` as written (7 significant digits) then read (float64)."""
    return np.array([[float(f"{v:.7g}") for v in coords(frame, j)] for j in range(25)])


@pytest.fixture()
def hand_file(tmp_path: Path) -> Path:
    path = tmp_path / "S003C002P003R001A024.skeleton"
    path.write_text(_hand_made_text())
    return path


def _valid_text_lines() -> list[str]:
    return _hand_made_text().split("\n")


def _write_lines(tmp_path: Path, lines: list[str], name: str = "S001C001P001R001A001") -> Path:
    path = tmp_path / f"{name}.skeleton"
    path.write_text("\n".join(lines))
    return path


def _one_body_file(tmp_path: Path, name: str, frames: int = 3, empty: bool = False) -> Path:
    """A small hand-made file; ``empty``: every frame lists zero bodies."""
    lines = [str(frames)]
    for f in range(1, frames + 1):
        lines += ["0"] if empty else ["1"] + _body_lines(INFO_A, _body_a, f)
    return _write_lines(tmp_path, lines, name)


# --------------------------------------------------------------------------- parsing


def test_parse_hand_made_file(hand_file: Path) -> None:
    seq = parse_skeleton_file(hand_file)
    assert seq.num_frames == 4
    assert seq.body_counts.tolist() == [1, 2, 0, 2]
    assert seq.has_bodies
    assert [[b.body_id for b in f] for f in seq.frames] == [
        [BODY_A], [BODY_A, BODY_B], [], [BODY_A, BODY_B]
    ]
    assert isinstance(seq.frames[0][0].body_id, int)  # exact, not a float
    a, b = seq.frames[1]
    assert a.info == (BODY_A, 0, 1, 1, 1, 1, 0, 0.02764709, 0.05745083, 2)
    assert b.info == (BODY_B, 2, 0, 0, 1, 3, 0, -0.1127406, 0.2419004, 1)
    assert (b.clipped_edges, b.hand_right_state, b.tracking_state) == (2, 3, 1)
    assert b.lean_x == -0.1127406 and b.lean_y == 0.2419004
    assert a.joints.shape == (25, 12) and a.joints.dtype == np.float64

    j = seq.frames[0][0].joints[0]
    assert j.tolist() == [
        -0.2874361, 0.1093822, 3.102548, 222.1374, 199.1149, 859.8133, 501.8824,
        -0.1853621, 0.04417932, 0.9721437, -0.1290811, 2.0,
    ]
    j = seq.frames[3][1].joints[24]
    assert j.tolist() == [
        0.3318207, -0.7920453, 2.648173, 301.7983, 321.3105, 1095.514, 863.4317,
        0.0, 0.0, 0.0, 0.0, 1.0,
    ]
    # A formula-built joint: body A, frame 2, joint 4 (spine base .. head: index 3).
    x, y, z = _body_a(2, 3)
    assert seq.frames[1][0].joints[3, :3].tolist() == [float(f"{v:.7g}") for v in (x, y, z)]
    assert seq.frames[1][0].joints[3, 11] == 2.0
    assert seq.frames[1][0].xyz.shape == (25, 3)
    assert seq.body_frame.tolist() == [0, 1, 1, 3, 3]
    assert seq.body_position.tolist() == [0, 0, 1, 0, 1]


def test_crlf_line_endings_parse_the_same(hand_file: Path, tmp_path: Path) -> None:
    crlf = tmp_path / "crlf" / hand_file.name
    crlf.parent.mkdir()
    crlf.write_bytes(hand_file.read_bytes().replace(b"\n", b"\r\n"))
    a, b = parse_skeleton_file(hand_file), parse_skeleton_file(crlf)
    np.testing.assert_array_equal(a.joints, b.joints)
    assert [[x.info for x in f] for f in a.frames] == [[x.info for x in f] for f in b.frames]


def test_read_hand_made_file_into_a_set(hand_file: Path) -> None:
    sset = read_ntu_raw(hand_file)
    assert sset.shape == (1, 3, 4, 25, 2)
    assert sset.data.dtype == np.float32
    d = sset.data[0]  # (3, T, 25, M)

    exp_a1 = _expected_xyz(_body_a, 1)
    exp_a1[0] = [-0.2874361, 0.1093822, 3.102548]
    np.testing.assert_array_equal(d[:, 0, :, 0], exp_a1.T.astype(np.float32))
    assert not d[:, 0, :, 1].any()  # frame 1 has one body: slot 2 stays exactly zero
    np.testing.assert_array_equal(d[:, 1, :, 0], _expected_xyz(_body_a, 2).T.astype(np.float32))
    np.testing.assert_array_equal(d[:, 1, :, 1], _expected_xyz(_body_b, 2).T.astype(np.float32))
    assert not d[:, 2].any()  # frame 3: nobody tracked
    exp_b4 = _expected_xyz(_body_b, 4)
    exp_b4[24] = [0.3318207, -0.7920453, 2.648173]
    np.testing.assert_array_equal(d[:, 3, :, 1], exp_b4.T.astype(np.float32))

    assert sset.num_frames.tolist() == [4]
    assert sset.name.tolist() == ["S003C002P003R001A024"]
    assert sset.label.tolist() == [23]
    assert sset.class_names == list(NTU60_CLASSES)
    assert sset.class_names[23] == "kicking something"
    assert (sset.layout, sset.fps, sset.coordinate_frame) == ("ntu25", 30.0, "kinect_camera")
    # P003: cross-subject validation; C002: cross-view training.
    assert sset.splits == {
        "xsub_train": [], "xsub_val": ["S003C002P003R001A024"],
        "xview_train": ["S003C002P003R001A024"], "xview_val": [],
    }
    prov = sset.provenance
    assert prov["source"] == str(hand_file)
    assert (prov["body_selection"], prov["max_bodies"], prov["count"]) == ("first", 2, 1)
    assert prov["skipped"] == []


def test_padding_and_truncation(hand_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    padded = read_ntu_raw(hand_file, max_frames=10)
    assert padded.shape == (1, 3, 10, 25, 2)
    assert padded.num_frames.tolist() == [4]
    assert not padded.data[0, :, 4:].any()
    with caplog.at_level(logging.WARNING, logger="pipeline.formats.ntu_raw"):
        short = read_ntu_raw(hand_file, max_frames=2)
    assert short.shape == (1, 3, 2, 25, 2)
    assert short.num_frames.tolist() == [2]
    np.testing.assert_array_equal(short.data, padded.data[:, :, :2])
    assert "truncated" in caplog.text
    assert short.provenance["truncated"] == ["S003C002P003R001A024"]


def test_single_body_slot(hand_file: Path) -> None:
    one = read_ntu_raw(hand_file, max_bodies=1)
    assert one.shape == (1, 3, 4, 25, 1)
    np.testing.assert_array_equal(one.data[..., 0], read_ntu_raw(hand_file).data[..., 0])


# --------------------------------------------------------------------------- bodies


def _moving_file(tmp_path: Path) -> Path:
    """Slot 1 stands still, slot 2 walks 1.6 m sideways, slot 3 (in 2 frames) is small."""
    frames = 6
    lines = [str(frames)]
    for f in range(frames):
        still = _body_lines(INFO_A, lambda fr, j: (-0.3 + 0.001 * j, -0.2 + 0.02 * j, 3.0), f)
        walk = _body_lines(
            INFO_B, lambda fr, j: (-0.8 + 0.32 * fr + 0.001 * j, -0.2 + 0.02 * j, 2.8), f
        )
        third = _body_lines(
            f"{BODY_B + 7} 0 0 0 0 0 0 0 0 2",
            lambda fr, j: (0.9 + 0.0001 * j, 0.1 + 0.001 * j, 3.9), f,
        )
        bodies = [still, walk] + ([third] if f in (2, 3) else [])
        lines.append(str(len(bodies)))
        for b in bodies:
            lines += b
    return _write_lines(tmp_path, lines, "S001C001P001R001A050")


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
        a = _body_lines(INFO_A, _body_a, f)
        b = _body_lines(INFO_B, lambda fr, j: tuple(-c for c in _body_a(fr, j)), f)
        lines += ["2"] + a + b
    seq = parse_skeleton_file(_write_lines(tmp_path, lines, "S001C001P001R001A050"))
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


# --------------------------------------------------------------------------- round trip


def _random_set(rng: np.random.Generator) -> SkeletonSet:
    names = ["S001C001P001R001A013", "S002C002P003R002A024", "S003C003P008R001A050"]
    n, t = len(names), 12
    data = np.zeros((n, 3, t, 25, 2), dtype=np.float32)
    num_frames = np.array([12, 7, 5])
    for i, nf in enumerate(num_frames):
        xyz = rng.normal(0.0, 0.3, size=(3, nf, 25, 2)).astype(np.float32)
        xyz[1] -= np.float32(0.1)
        xyz[2] = rng.uniform(2.5, 3.8, size=(nf, 25, 2)).astype(np.float32)
        data[i, :, :nf] = xyz
    data[0, :, 3] = 0.0  # a frame with nobody
    data[0, :, 5:8, :, 1] = 0.0  # second body leaves for a while
    data[1, :, :, :, 1] = 0.0  # a one-body sample
    data[2, :, 1, :, 0] = 0.0  # slot 1 absent while slot 2 is present
    labels = [int(s[-3:]) - 1 for s in names]
    return SkeletonSet(
        data=data, label=labels, name=names, num_frames=num_frames, layout="ntu25",
        class_names=list(NTU60_CLASSES),
    )


def test_round_trip(tmp_path: Path) -> None:
    sset = _random_set(np.random.default_rng(7))
    out = tmp_path / "raw"
    written = write_ntu_raw(sset, out)
    assert written == [out / f"{s}.skeleton" for s in sset.name.tolist()]
    assert all(p.is_file() for p in written)
    back = read_ntu_raw(out, max_frames=12)
    np.testing.assert_array_equal(back.data, sset.data)  # float32 values round-trip exactly
    assert back.name.tolist() == sset.name.tolist()
    assert back.label.tolist() == sset.label.tolist()
    assert back.num_frames.tolist() == sset.num_frames.tolist()
    assert back.class_names == sset.class_names

    seq = parse_skeleton_file(written[2])
    assert seq.body_counts.tolist() == [2, 2, 2, 2, 2]  # placeholder keeps slot 2 in place
    placeholder = seq.frames[1][0]
    assert placeholder.tracking_state == 0 and not placeholder.joints.any()
    body = seq.frames[0][0]
    assert body.info[1:] == (0, 0, 0, 0, 0, 0, 0.0, 0.0, 2)
    assert body.body_id == ntu_raw.body_id_for("S003C003P008R001A050", 0)
    assert body.body_id != seq.frames[0][1].body_id
    # depth / colour pixels: u = cx + fx X / Z (mirrored, as in real NTU files), v = cy - fy Y / Z.
    x, y, z = body.joints[:, 0], body.joints[:, 1], body.joints[:, 2]
    np.testing.assert_allclose(body.joints[:, 3], 256 + 365.5 * x / z, atol=1e-3)
    np.testing.assert_allclose(body.joints[:, 4], 212 - 365.5 * y / z, atol=1e-3)
    np.testing.assert_allclose(body.joints[:, 5], 960 + 1081.4 * x / z, atol=1e-2)
    np.testing.assert_allclose(body.joints[:, 6], 540 - 1081.4 * y / z, atol=1e-2)
    assert not body.joints[:, 7:11].any() and (body.joints[:, 11] == 2).all()
    assert parse_skeleton_file(written[1]).body_counts.max() == 1


def test_round_trip_through_registry(tmp_path: Path) -> None:
    sset = _random_set(np.random.default_rng(3))
    paths = write_set("ntu-raw", sset, tmp_path / "out")
    assert len(paths) == 3
    back = read_set("ntu-raw", tmp_path / "out", max_frames=300)
    assert back.shape == (3, 3, 300, 25, 2)
    np.testing.assert_array_equal(back.data[:, :, :12], sset.data)
    assert not back.data[:, :, 12:].any()
    assert back.num_frames.tolist() == [12, 7, 5]
    one = read_set("ntu-raw", paths[0])
    np.testing.assert_array_equal(one.data[0], sset.data[0])


def test_write_is_deterministic(tmp_path: Path) -> None:
    sset = _random_set(np.random.default_rng(5))
    a = write_ntu_raw(sset, tmp_path / "a")
    b = write_ntu_raw(sset, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


# --------------------------------------------------------------------------- folders


def test_folder_conversion(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = tmp_path / "nturgbd_skeletons"
    src.mkdir()
    _one_body_file(src, "S001C001P001R001A001", frames=3)
    _one_body_file(src, "S001C002P003R001A002", frames=5)
    _one_body_file(src, "S001C003P002R002A003", frames=2)  # in the ignore list
    _one_body_file(src, "S001C001P004R001A004", frames=4, empty=True)  # missing skeleton
    (src / "README.txt").write_text("not a skeleton file\n")
    ignore = tmp_path / "samples_with_missing_skeletons.txt"
    ignore.write_text("S001C003P002R002A003\n\nS017C003P020R002A060\n")
    ticks: list[int] = []

    with caplog.at_level(logging.WARNING, logger="pipeline.formats.ntu_raw"):
        sset = read_ntu_raw(src, ignore_list=ignore, progress=ticks.append)
    assert ticks == [1, 1, 1, 1]
    assert sset.name.tolist() == ["S001C001P001R001A001", "S001C002P003R001A002"]
    assert sset.label.tolist() == [0, 1]
    assert sset.num_frames.tolist() == [3, 5]
    assert sset.shape == (2, 3, 5, 25, 2)
    assert not sset.data[0, :, 3:].any()
    assert sset.provenance["skipped"] == [
        {"name": "S001C001P004R001A004", "reason": "no body in any frame"},
        {"name": "S001C003P002R002A003", "reason": "in ignore list"},
    ]
    assert sset.provenance["count"] == 2
    assert "S001C001P004R001A004" in caplog.text
    assert sset.splits == {
        "xsub_train": ["S001C001P001R001A001"],  # P001 trains
        "xsub_val": ["S001C002P003R001A002"],  # P003 validates
        "xview_train": ["S001C002P003R001A002"],  # C002 trains
        "xview_val": ["S001C001P001R001A001"],  # C001 validates
    }
    assert sset.class_names == list(NTU60_CLASSES)

    # The ignore list may also be given as names.
    again = read_ntu_raw(src, ignore_list={"S001C001P001R001A001"})
    assert again.name.tolist() == ["S001C002P003R001A002", "S001C003P002R002A003"]


def test_folder_ntu120(tmp_path: Path) -> None:
    src = tmp_path / "ntu120"
    src.mkdir()
    _one_body_file(src, "S018C001P045R001A061")
    _one_body_file(src, "S019C002P044R002A100")
    _one_body_file(src, "S001C001P001R001A010")
    sset = read_ntu_raw(src, benchmarks=("xsub120", "xset"))
    assert sset.class_names == list(NTU120_CLASSES)
    assert sset.name.tolist() == [
        "S001C001P001R001A010", "S018C001P045R001A061", "S019C002P044R002A100"
    ]
    assert sset.label.tolist() == [9, 60, 99]
    assert sset.class_names[60] == "put on headphone"
    assert sset.splits == {
        "xsub120_train": ["S001C001P001R001A010", "S018C001P045R001A061"],
        "xsub120_val": ["S019C002P044R002A100"],
        "xset_train": ["S018C001P045R001A061"],
        "xset_val": ["S001C001P001R001A010", "S019C002P044R002A100"],
    }
    with pytest.raises(UnknownFormatError, match="xsub120"):
        read_ntu_raw(src, benchmarks=("xsub", "cross-setup"))


def test_folder_where_everything_is_skipped(tmp_path: Path) -> None:
    _one_body_file(tmp_path, "S001C001P004R001A004", empty=True)
    with pytest.raises(FormatError, match="every sample was skipped"):
        read_ntu_raw(tmp_path)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match="no \\*.skeleton files"):
        read_ntu_raw(tmp_path)


# --------------------------------------------------------------------------- bad input


def _assert_error(exc: pytest.ExceptionInfo, path: Path, line: int | None, words: str) -> None:
    err = exc.value
    assert err.path == str(path)
    assert path.name in str(err)
    if line is not None:
        assert err.line == line
        assert f"{path.name}:{line}:" in str(err)
    assert words in str(err)


def test_truncated_file(tmp_path: Path) -> None:
    lines = _valid_text_lines()[:40]  # stops inside frame 2's first body
    path = _write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 41, "unexpected end of file")


def test_truncated_after_a_frame(tmp_path: Path) -> None:
    lines = _valid_text_lines()[:28]  # frame 1 complete, frames 2-4 missing
    path = _write_lines(tmp_path, lines + [""])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 29, "unexpected end of file")


def test_non_numeric_joint_value(tmp_path: Path) -> None:
    lines = _valid_text_lines()
    lines[9] = lines[9].replace(lines[9].split()[4], "abc", 1)  # line 10, depthY
    path = _write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 10, "non-numeric joint value depthY: 'abc'")


@pytest.mark.parametrize(
    ("index", "text", "words"),
    [
        (1, "x", "non-numeric body count"),
        (1, "-1", "negative body count"),
        (0, "4.0", "non-numeric frame count"),
        (2, "72057594037931101 0 1 1 1 1 0 0.02 2", "wrong number of fields on the body info"),
        (2, "72057594037931101 0 1 1 1 1 0 0.02 0.05 2.5", "trackingState"),
        (5, "0.1 0.2 3.0 1 2 3 4 0 0 0 2", "wrong number of fields on a joint line"),
        (5, "", "wrong number of fields on a joint line"),
        (5, "0.1 0.2 3_0 1 2 3 4 0 0 0 0 2", "non-numeric joint value z"),
    ],
)
def test_bad_line(tmp_path: Path, index: int, text: str, words: str) -> None:
    lines = _valid_text_lines()
    lines[index] = text
    path = _write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, index + 1, words)


def test_missing_joint_line_is_reported_where_the_block_ends(tmp_path: Path) -> None:
    lines = _valid_text_lines()
    del lines[10]  # frame 1's body now has 24 joint lines; line 29 is frame 2's body count
    path = _write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 29, "wrong number of fields on a joint line: expected 12, got 1")


def test_wrong_joint_count(tmp_path: Path) -> None:
    lines = _valid_text_lines()
    assert lines[3] == "25"
    lines[3] = "24"
    del lines[4]
    path = _write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 4, "wrong joint count: expected 25, got 24")


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf"])
def test_non_finite_coordinate(tmp_path: Path, bad: str) -> None:
    lines = _valid_text_lines()
    toks = lines[33].split()  # frame 2, body A, joint 2 (line 34)
    toks[1] = bad
    lines[33] = " ".join(toks)
    path = _write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 34, "non-finite joint value y")


def test_zero_frame_sequence(tmp_path: Path) -> None:
    path = _write_lines(tmp_path, ["0", ""])
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(path)
    _assert_error(exc, path, 1, "zero-frame sequence")


def test_negative_frame_count(tmp_path: Path) -> None:
    path = _write_lines(tmp_path, ["-3"])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 1, "negative frame count")


def test_trailing_garbage(tmp_path: Path) -> None:
    lines = _valid_text_lines()
    n = len(lines)  # the text ends with "\n": the last element is ""
    path = _write_lines(tmp_path, lines[:-1] + ["", "  ", "1 2 3", ""])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, n, "trailing data after the last frame")
    # Trailing blank lines alone are fine.
    ok = _write_lines(tmp_path, lines + ["", "   ", ""], "S001C001P001R001A002")
    assert parse_skeleton_file(ok).num_frames == 4


def test_empty_file(tmp_path: Path) -> None:
    path = _write_lines(tmp_path, [""])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 1, "unexpected end of file")


def test_single_file_with_no_body(tmp_path: Path) -> None:
    path = _one_body_file(tmp_path, "S001C001P001R001A001", empty=True)
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(path)
    _assert_error(exc, path, None, "no body in any frame")


def test_missing_path_through_registry(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError) as exc:
        read_set("ntu-raw", tmp_path / "S001C001P001R001A001.skeleton")
    assert "S001C001P001R001A001.skeleton" in str(exc.value)
    with pytest.raises(MissingInputError):
        parse_skeleton_file(tmp_path / "nope.skeleton")


def test_bad_file_name(tmp_path: Path) -> None:
    path = _write_lines(tmp_path, _valid_text_lines(), "skeleton_001")
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(path)
    _assert_error(exc, path, None, "not an NTU sample name")
    folder = tmp_path  # the same bad name inside a folder also fails, naming the file
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(folder)
    _assert_error(exc, path, None, "not an NTU sample name")


# --------------------------------------------------------------------------- bad output


def _no_outputs(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


def test_writer_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sset = _random_set(np.random.default_rng(1))
    real = ntu_raw.format_skeleton_text
    calls: list[str] = []

    def failing(xyz: np.ndarray, num_frames: int, name: str) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(xyz, num_frames, name)

    monkeypatch.setattr(ntu_raw, "format_skeleton_text", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        write_ntu_raw(sset, out)
    assert len(calls) == 2
    assert not list(out.glob("*.skeleton")) and not list(out.glob(".*.part"))
    assert _no_outputs(out)


def test_writer_rejects_other_layouts(tmp_path: Path) -> None:
    data = np.ones((1, 3, 4, 18, 1), dtype=np.float32)
    sset = SkeletonSet(data=data, label=[0], name=["S001C001P001R001A001"], num_frames=[4],
                       layout="openpose18", coordinate_frame="image_normalized_centered")
    with pytest.raises(ValidationError, match="openpose18"):
        write_ntu_raw(sset, tmp_path / "out")
    ntu = _random_set(np.random.default_rng(0))
    ntu.coordinate_frame = "image_pixels"
    with pytest.raises(ValidationError, match="image_pixels"):
        write_ntu_raw(ntu, tmp_path / "out")
    assert _no_outputs(tmp_path / "out")


def test_writer_rejects_bad_names_labels_and_empty_samples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sset = _random_set(np.random.default_rng(0))
    sset.name = np.array(["S001C001P001R001A013", "synth_0001", "S003C003P008R001A050"])
    with pytest.raises(ValidationError) as exc:
        write_ntu_raw(sset, out)
    assert exc.value.sample == "synth_0001"

    sset = _random_set(np.random.default_rng(0))
    sset.label[2] = 3
    with pytest.raises(LabelMismatchError) as exc2:
        write_ntu_raw(sset, out)
    assert exc2.value.sample == "S003C003P008R001A050"

    sset = _random_set(np.random.default_rng(0))
    sset.data[1] = 0.0
    with pytest.raises(ValidationError, match="no body in any frame"):
        write_ntu_raw(sset, out)
    assert _no_outputs(out)

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(ValidationError, match="directory"):
        write_ntu_raw(_random_set(np.random.default_rng(0)), blocker)


def test_writer_refuses_names_with_the_skeleton_suffix(tmp_path: Path) -> None:
    """``parse_ntu_name`` accepts ``X.skeleton``; writing it would give
    ``X.skeleton.skeleton``, which reading back refuses. The writer wants the bare name."""
    sset = _random_set(np.random.default_rng(0))
    sset.name = np.array(["S001C001P001R001A013.skeleton", "S002C002P003R002A024",
                          "S003C003P008R001A050"])
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="bare NTU name 'S001C001P001R001A013'") as exc:
        write_ntu_raw(sset, out)
    assert exc.value.sample == "S001C001P001R001A013.skeleton" and exc.value.field == "name"
    assert _no_outputs(out)


def test_writer_accepts_a_layout_alias(tmp_path: Path) -> None:
    sset = _random_set(np.random.default_rng(0))
    kinect = SkeletonSet(data=sset.data, label=sset.label, name=sset.name,
                         num_frames=sset.num_frames, layout="kinect",
                         class_names=sset.class_names)
    written = write_ntu_raw(kinect, tmp_path / "out")
    back = read_ntu_raw(tmp_path / "out", max_frames=12)
    assert len(written) == 3 and back.layout == "ntu25"
    np.testing.assert_array_equal(back.data, sset.data)


def test_synthetic_set_writes_as_ntu_raw_with_ntu_labels(tmp_path, small_synth):
    """Synthetic labels are dense (0..11) but their class names are NTU names, so the set
    can be written as .skeleton files; reading back gives NTU labels (action - 1)."""
    from pipeline.formats import read_set, write_set

    sub = small_synth.subset(slice(0, 12))
    write_set("ntu-raw", sub, tmp_path / "raw")
    back = read_set("ntu-raw", tmp_path / "raw", max_bodies=1, max_frames=sub.shape[2])
    order = np.argsort(sub.name)
    np.testing.assert_array_equal(back.name, sub.name[order])
    np.testing.assert_array_equal(back.data, sub.data[order])
    numbers = small_synth.provenance["ntu_action_numbers"]
    assert back.label.tolist() == [numbers[k] - 1 for k in sub.label[order]]
    assert [back.class_names[k] for k in back.label] == [sub.class_names[k] for k in sub.label[order]]
