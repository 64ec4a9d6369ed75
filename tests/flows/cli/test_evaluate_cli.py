"""``ciasa evaluate`` through the entry point: exit codes, table, report files, one-line errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import flows.cli.main as cli_main
from pipeline.models import build_recognizer, save_recognizer
from pipeline.skeleton_set import save_skeleton_set


@pytest.fixture
def main():
    """The real entry point ``flows.cli.main.main``."""
    return cli_main.main


@pytest.fixture(scope="module")
def files(tmp_path_factory, small_synth) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("evaluate_cli")
    sset = small_synth.subset(np.arange(24))
    sset = replace(sset, data=np.ascontiguousarray(sset.data[:, :, :24]), num_frames=np.minimum(sset.num_frames, 24),
                   splits={"val": [str(s) for s in sset.name[:10]]})
    data = save_skeleton_set(sset, root / "synth.npz")
    rec = build_recognizer("stgcn", 12, class_names=list(sset.class_names), width=8, name="tiny")
    model = save_recognizer(rec, root / "tiny.pt")
    other = save_recognizer(build_recognizer("stgcn", 2, class_names=["drink water", "x"], width=8), root / "two.pt")
    garbage = root / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    return {"data": data, "model": model, "other": other, "garbage": garbage, "root": root}


def test_evaluate_writes_report_and_prints_table(main, files, tmp_path, capsys):
    out = tmp_path / "ev"
    rc = main(["evaluate", "--data", str(files["data"]), "--model", str(files["model"]), "--out", str(out),
               "--batch-size", "7"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert {p.name for p in out.iterdir()} == {"report.json", "confusion.png"}
    doc = json.loads((out / "report.json").read_text())
    assert doc["model"] == "tiny" and doc["num_samples"] == 24 and doc["data_path"] == str(files["data"])
    assert sum(map(sum, doc["confusion"])) == 24
    text = captured.out
    assert "top-1" in text and "top-5" in text and "confidence" in text
    assert "drink water" in text and "per class" in text and "report.json" in text


def test_evaluate_part(main, files, tmp_path, capsys):
    out = tmp_path / "val"
    assert main(["evaluate", "--data", str(files["data"]), "--model", str(files["model"]), "--part", "val",
                 "--out", str(out)]) == 0
    assert json.loads((out / "report.json").read_text())["num_samples"] == 10


def test_evaluate_default_out(main, files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "--data", str(files["data"]), "--model", str(files["model"])]) == 0
    assert (tmp_path / "evaluation" / "tiny-synth" / "report.json").is_file()


@pytest.mark.parametrize(
    "key,args,needle",
    [
        ("model", ["--part", "test"], "no split 'test'"),
        ("other", [], "unknown to the model"),
        ("garbage", [], "not a readable torch checkpoint"),
        ("missing", [], "no such checkpoint file"),
    ],
)
def test_bad_input_one_line_error(main, files, tmp_path, capsys, key, args, needle):
    model = str(files[key]) if key in files else str(tmp_path / "nope.pt")
    out = tmp_path / "never"
    rc = main(["evaluate", "--data", str(files["data"]), "--model", model, "--out", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.startswith("error:") and needle in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_missing_data(main, files, tmp_path, capsys):
    rc = main(["evaluate", "--data", str(tmp_path / "nothing.npz"), "--model", str(files["model"])])
    err = capsys.readouterr().err
    assert rc == 1 and "nothing.npz" in err


def test_usage_errors(main, files, capsys):
    assert main(["evaluate", "--data", str(files["data"]), "--model", str(files["model"]), "--stream", "hand"]) == 2
    assert main(["evaluate", "--data", str(files["data"]), "--model", str(files["model"]), "--batch-size", "0"]) == 2
    assert main(["evaluate", "--model", str(files["model"])]) == 2


def test_help(main, capsys):
    assert main(["evaluate", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--data", "--model", "--part", "--stream", "--batch-size", "--out", "--device"):
        assert option in text
    assert "32" in text  # the default batch size is shown
