"""NTU RGB+D raw ``.skeleton`` reading: hand-made files and folders into a set, bad input named."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from pipeline.classes import NTU60_CLASSES, NTU120_CLASSES
from pipeline.errors import (
    FormatError,
    MissingInputError,
    UnknownFormatError,
)
from pipeline.formats import read_set
from pipeline.formats.ntu_raw import (
    parse_skeleton_file,
    read_ntu_raw,
)
from tests.pipeline.formats.ntu_raw_files import (
    BODY_A,
    BODY_B,
    body_a,
    body_b,
    expected_xyz,
    one_body_file,
    valid_text_lines,
    write_lines,
)

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
    x, y, z = body_a(2, 3)
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

    exp_a1 = expected_xyz(body_a, 1)
    exp_a1[0] = [-0.2874361, 0.1093822, 3.102548]
    np.testing.assert_array_equal(d[:, 0, :, 0], exp_a1.T.astype(np.float32))
    assert not d[:, 0, :, 1].any()  # frame 1 has one body: slot 2 stays exactly zero
    np.testing.assert_array_equal(d[:, 1, :, 0], expected_xyz(body_a, 2).T.astype(np.float32))
    np.testing.assert_array_equal(d[:, 1, :, 1], expected_xyz(body_b, 2).T.astype(np.float32))
    assert not d[:, 2].any()  # frame 3: nobody tracked
    exp_b4 = expected_xyz(body_b, 4)
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


# --------------------------------------------------------------------------- folders


def test_folder_conversion(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = tmp_path / "nturgbd_skeletons"
    src.mkdir()
    one_body_file(src, "S001C001P001R001A001", frames=3)
    one_body_file(src, "S001C002P003R001A002", frames=5)
    one_body_file(src, "S001C003P002R002A003", frames=2)  # in the ignore list
    one_body_file(src, "S001C001P004R001A004", frames=4, empty=True)  # missing skeleton
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
    one_body_file(src, "S018C001P045R001A061")
    one_body_file(src, "S019C002P044R002A100")
    one_body_file(src, "S001C001P001R001A010")
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
    one_body_file(tmp_path, "S001C001P004R001A004", empty=True)
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
    lines = valid_text_lines()[:40]  # stops inside frame 2's first body
    path = write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 41, "unexpected end of file")


def test_truncated_after_a_frame(tmp_path: Path) -> None:
    lines = valid_text_lines()[:28]  # frame 1 complete, frames 2-4 missing
    path = write_lines(tmp_path, lines + [""])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 29, "unexpected end of file")


def test_non_numeric_joint_value(tmp_path: Path) -> None:
    lines = valid_text_lines()
    lines[9] = lines[9].replace(lines[9].split()[4], "abc", 1)  # line 10, depthY
    path = write_lines(tmp_path, lines)
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
    lines = valid_text_lines()
    lines[index] = text
    path = write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, index + 1, words)


def test_missing_joint_line_is_reported_where_the_block_ends(tmp_path: Path) -> None:
    lines = valid_text_lines()
    del lines[10]  # frame 1's body now has 24 joint lines; line 29 is frame 2's body count
    path = write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 29, "wrong number of fields on a joint line: expected 12, got 1")


def test_wrong_joint_count(tmp_path: Path) -> None:
    lines = valid_text_lines()
    assert lines[3] == "25"
    lines[3] = "24"
    del lines[4]
    path = write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 4, "wrong joint count: expected 25, got 24")


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf"])
def test_non_finite_coordinate(tmp_path: Path, bad: str) -> None:
    lines = valid_text_lines()
    toks = lines[33].split()  # frame 2, body A, joint 2 (line 34)
    toks[1] = bad
    lines[33] = " ".join(toks)
    path = write_lines(tmp_path, lines)
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 34, "non-finite joint value y")


def test_zero_frame_sequence(tmp_path: Path) -> None:
    path = write_lines(tmp_path, ["0", ""])
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(path)
    _assert_error(exc, path, 1, "zero-frame sequence")


def test_negative_frame_count(tmp_path: Path) -> None:
    path = write_lines(tmp_path, ["-3"])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 1, "negative frame count")


def test_trailing_garbage(tmp_path: Path) -> None:
    lines = valid_text_lines()
    n = len(lines)  # the text ends with "\n": the last element is ""
    path = write_lines(tmp_path, lines[:-1] + ["", "  ", "1 2 3", ""])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, n, "trailing data after the last frame")
    # Trailing blank lines alone are fine.
    ok = write_lines(tmp_path, lines + ["", "   ", ""], "S001C001P001R001A002")
    assert parse_skeleton_file(ok).num_frames == 4


def test_empty_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path, [""])
    with pytest.raises(FormatError) as exc:
        parse_skeleton_file(path)
    _assert_error(exc, path, 1, "unexpected end of file")


def test_single_file_with_no_body(tmp_path: Path) -> None:
    path = one_body_file(tmp_path, "S001C001P001R001A001", empty=True)
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
    path = write_lines(tmp_path, valid_text_lines(), "skeleton_001")
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(path)
    _assert_error(exc, path, None, "not an NTU sample name")
    folder = tmp_path  # the same bad name inside a folder also fails, naming the file
    with pytest.raises(FormatError) as exc:
        read_ntu_raw(folder)
    _assert_error(exc, path, None, "not an NTU sample name")
