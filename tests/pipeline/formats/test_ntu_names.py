"""NTU sample names, benchmark splits and the ignore list."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import FormatError, MissingInputError, UnknownFormatError
from pipeline.formats.ntu_names import (
    BENCHMARKS,
    XSUB120_TRAIN_PERFORMERS,
    XSUB_TRAIN_PERFORMERS,
    NtuName,
    make_splits,
    parse_ntu_name,
    read_ignore_list,
    split_of,
)


def test_parse_ntu60_name() -> None:
    n = parse_ntu_name("S001C002P003R002A013")
    assert n == NtuName(setup=1, camera=2, performer=3, replication=2, action=13)
    assert n.label == 12
    assert n.name == "S001C002P003R002A013"
    assert str(n) == n.name


def test_parse_ntu120_name_with_suffix_and_path() -> None:
    n = parse_ntu_name("S032C003P106R002A120.skeleton")
    assert (n.setup, n.camera, n.performer, n.replication, n.action) == (32, 3, 106, 2, 120)
    assert n.label == 119
    assert parse_ntu_name(Path("/data/nturgbd/S018C001P045R001A061.skeleton")).action == 61


@pytest.mark.parametrize(
    "bad",
    [
        "S001C002P003R002",  # action missing
        "S1C2P3R2A13",  # not zero padded
        "s001c002p003r002a013",  # lower case
        "S001C002P003R002A013_rgb",  # extra text
        "S001C002P003R002A121",  # action > 120
        "S033C002P003R002A013",  # setup > 32
        "S001C004P003R002A013",  # camera > 3
        "S001C002P000R002A013",  # performer 0
        "S001C002P003R003A013",  # replication > 2
        "",
    ],
)
def test_bad_names_raise_format_error_naming_the_file(bad: str) -> None:
    with pytest.raises(FormatError) as exc:
        parse_ntu_name(bad, path=f"/data/{bad}.skeleton")
    assert f"/data/{bad}.skeleton" in str(exc.value)
    assert exc.value.field == "name"


def test_bad_name_without_path_names_the_name() -> None:
    with pytest.raises(FormatError, match="notanntu"):
        parse_ntu_name("notanntu.skeleton")


def test_training_lists() -> None:
    assert len(XSUB_TRAIN_PERFORMERS) == 20
    assert len(XSUB120_TRAIN_PERFORMERS) == 53
    assert XSUB_TRAIN_PERFORMERS < XSUB120_TRAIN_PERFORMERS


@pytest.mark.parametrize(
    ("name", "benchmark", "expected"),
    [
        ("S001C001P001R001A001", "xsub", "train"),
        ("S001C001P003R001A001", "xsub", "val"),
        ("S001C001P038R001A001", "xsub", "train"),
        ("S001C001P040R001A001", "xsub", "val"),
        ("S001C001P001R001A001", "xview", "val"),
        ("S001C002P001R001A001", "xview", "train"),
        ("S001C003P001R001A001", "xview", "train"),
        ("S018C001P045R001A061", "xsub120", "train"),
        ("S018C001P044R001A061", "xsub120", "val"),
        ("S018C001P103R001A061", "xsub120", "train"),
        ("S018C001P106R001A061", "xsub120", "val"),
        ("S018C001P044R001A061", "xset", "train"),
        ("S019C001P044R001A061", "xset", "val"),
        ("S001C001P044R001A061", "xset", "val"),
        ("S032C001P044R001A061", "xset", "train"),
    ],
)
def test_split_of(name: str, benchmark: str, expected: str) -> None:
    assert split_of(name, benchmark) == expected
    assert split_of(parse_ntu_name(name), benchmark) == expected


def test_unknown_benchmark_lists_valid_ones() -> None:
    with pytest.raises(UnknownFormatError) as exc:
        split_of("S001C001P001R001A001", "cross-subject")
    for b in BENCHMARKS:
        assert b in str(exc.value)
    with pytest.raises(UnknownFormatError):
        make_splits(["S001C001P001R001A001"], ("xsub", "bogus"))


def test_make_splits_keys_and_order() -> None:
    names = ["S001C002P003R001A001", "S001C001P001R001A002", "S002C003P002R002A003"]
    splits = make_splits(names, ("xsub", "xview", "xset"))
    assert splits == {
        "xsub_train": ["S001C001P001R001A002", "S002C003P002R002A003"],
        "xsub_val": ["S001C002P003R001A001"],
        "xview_train": ["S001C002P003R001A001", "S002C003P002R002A003"],
        "xview_val": ["S001C001P001R001A002"],
        "xset_train": ["S002C003P002R002A003"],
        "xset_val": ["S001C002P003R001A001", "S001C001P001R001A002"],
    }
    # Every requested benchmark gets both keys, even when empty.
    assert make_splits(["S001C002P001R001A001"], "xview") == {
        "xview_train": ["S001C002P001R001A001"], "xview_val": []
    }


def test_read_ignore_list(tmp_path: Path) -> None:
    p = tmp_path / "missing_skeletons.txt"
    p.write_text(
        "S001C002P005R002A008\n\n  S001C002P006R001A008  \nS018C001P045R001A061.skeleton\n\n"
    )
    assert read_ignore_list(p) == {
        "S001C002P005R002A008", "S001C002P006R001A008", "S018C001P045R001A061"
    }


def test_read_ignore_list_rejects_bad_line(tmp_path: Path) -> None:
    p = tmp_path / "ignore.txt"
    p.write_text("S001C002P005R002A008\nhello world\n")
    with pytest.raises(FormatError) as exc:
        read_ignore_list(p)
    assert exc.value.line == 2
    assert f"{p}:2" in str(exc.value)


def test_read_ignore_list_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError):
        read_ignore_list(tmp_path / "nope.txt")
