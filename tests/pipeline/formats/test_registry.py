"""The format registry: names, detection, unknown names, missing paths."""

from __future__ import annotations

import pytest

from pipeline.errors import MissingInputError, UnknownFormatError, ValidationError
from pipeline.formats import FORMATS, detect_format, read_set, write_set


def test_formats_listed():
    assert set(FORMATS) == {"npz", "ntu-raw", "stgcn", "kinetics-json", "pyskl"}


def test_detect_format(tmp_path):
    for name, fmt in (("a.npz", "npz"), ("train_data.npy", "stgcn"), ("x.pkl", "pyskl"),
                      ("S001C001P001R001A001.skeleton", "ntu-raw")):  # fmt: skip
        (tmp_path / name).write_bytes(b"")
        assert detect_format(tmp_path / name) == fmt
    folder = tmp_path / "kin"
    folder.mkdir()
    (folder / "v.json").write_text("{}")
    assert detect_format(folder) == "kinetics-json"
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(UnknownFormatError, match="--from"):
        detect_format(tmp_path / "notes.txt")
    with pytest.raises(MissingInputError):
        detect_format(tmp_path / "absent")


def test_unknown_and_missing(tmp_path, small_synth):
    with pytest.raises(UnknownFormatError, match="known formats"):
        read_set("h5", tmp_path)
    with pytest.raises(UnknownFormatError):
        write_set("csv", small_synth, tmp_path)
    with pytest.raises(MissingInputError, match="nope"):
        read_set("npz", tmp_path / "nope.npz")


@pytest.mark.parametrize("fmt, name", [("npz", "a.npz"), ("ntu-raw", "raw"), ("stgcn", "x_data.npy"),
                                       ("kinetics-json", "kinetics_val"), ("pyskl", "a.pkl")])  # fmt: skip
def test_every_reader_names_a_missing_path(tmp_path, fmt, name):
    with pytest.raises(MissingInputError) as err:
        read_set(fmt, tmp_path / name)
    assert name in str(err.value)


@pytest.mark.parametrize("part", ["../escape", "a/b", "x\x00y", ""])
def test_npz_writer_refuses_bad_part_names(tmp_path, small_synth, part):
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="invalid part name"):
        write_set("npz", small_synth.subset([0, 1]), out, part=part)
    assert not any(tmp_path.rglob("*.npz"))
