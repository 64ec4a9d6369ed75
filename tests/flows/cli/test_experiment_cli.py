"""``ciasa experiment`` through the entry point: the three outputs, the paper's numbers,
one-line errors on bad input."""

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
    return cli_main.main


@pytest.fixture(scope="module")
def files(tmp_path_factory, small_synth) -> dict[str, Path]:
    import torch

    root = tmp_path_factory.mktemp("experiment_cli")
    sset = small_synth.subset(np.arange(24))
    sset = replace(sset, data=np.ascontiguousarray(sset.data[:, :, :20]), num_frames=np.minimum(sset.num_frames, 16))
    sset.data[:, :, 16:] = 0
    names = list(sset.class_names)
    torch.manual_seed(0)
    return {
        "data": save_skeleton_set(sset, root / "synth.npz"),
        "model": save_recognizer(build_recognizer("stgcn", 12, class_names=names, width=8, name="tiny"),
                                 root / "tiny.pt"),
        "agcn": save_recognizer(build_recognizer("agcn-joint", 12, class_names=names, width=8, name="tiny-agcn"),
                                root / "agcn.pt"),
    }


def _outputs(out: Path, name: str) -> dict:
    assert {p.name for p in out.iterdir()} == {f"{name}.md", f"{name}.json", f"{name}.png"}
    assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    return json.loads((out / f"{name}.json").read_text())


def test_fig2_writes_table_json_and_plot(main, files, tmp_path, capsys):
    out = tmp_path / "fig2"
    rc = main(["experiment", "fig2", "--data", str(files["data"]), "--model", str(files["model"]), "--out", str(out),
               "--per-class", "1", "--all-samples", "--eps", "0,0.05", "--seed", "3"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    doc = _outputs(out, "fig2")
    assert [(r["eps"], r["targeted"]) for r in doc["rows"]] == [(0.0, False), (0.0, True), (0.05, False),
                                                                (0.05, True)]
    assert doc["rows"][0]["fooling_rate_over_all"] == 0.0  # eps 0 fools nobody
    assert doc["settings"]["samples"]["seed"] == 3 and doc["settings"]["samples"]["correct_only"] is False
    assert doc["settings"]["num_samples"] == 12 and doc["settings"]["source_hash"]
    assert doc["paper"]["min_fooling_rate"] == 0.9
    md = (out / "fig2.md").read_text()
    assert md.startswith("## fig2") and "| 0.05 | no |" in md
    assert "fig2" in captured.out


def test_table3_transfer(main, files, tmp_path, capsys):
    out = tmp_path / "t3"
    rc = main(["experiment", "table3", "--data", str(files["data"]), "--model", str(files["model"]), "--out",
               str(out), "--per-class", "1", "--iterations", "1", "--transfer-models", str(files["agcn"])])
    assert rc == 0, capsys.readouterr().err
    doc = _outputs(out, "table3")
    assert [r["white_box"] for r in doc["rows"]] == [True, False]
    assert doc["rows"][1]["model"].startswith("2s-AGCN joint") and doc["rows"][1]["paper_fooling_rate"] == 0.861
    assert doc["settings"]["iterations"] == 1 and doc["settings"]["attack"]["eps"] == 0.012


def test_table3_without_transfer_models_needs_a_bundled_world(main, files, tmp_path, capsys):
    rc = main(["experiment", "table3", "--data", str(files["data"]), "--model", str(files["model"]), "--out",
               str(tmp_path / "t3"), "--per-class", "1", "--iterations", "1"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "no bundled model shares" in err and "--transfer-models" in err


@pytest.mark.parametrize("args, needle", [
    (["table1", "--eps", "abc"], "cannot read eps"),
    (["table2", "--eps", "0.01,0.02"], "one eps"),
    (["fig2", "--eps", "-0.1", "--all-samples"], "eps"),
])
def test_bad_input_one_line_error(main, files, tmp_path, capsys, args, needle):
    out = tmp_path / "bad"
    rc = main(["experiment", *args, "--data", str(files["data"]), "--model", str(files["model"]), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.startswith("error:") and needle in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_unknown_experiment_is_a_usage_error(main, files, tmp_path, capsys):
    rc = main(["experiment", "table9", "--data", str(files["data"]), "--model", str(files["model"]), "--out",
               str(tmp_path)])
    assert rc == 2
