"""``ciasa attack`` through the entry point: outputs, provenance, one-line errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import flows.cli.main as cli_main
from pipeline.models import build_recognizer, save_recognizer
from pipeline.skeleton_set import load_skeleton_set, save_skeleton_set


@pytest.fixture
def main():
    return cli_main.main


@pytest.fixture(scope="module")
def files(tmp_path_factory, small_synth) -> dict[str, Path]:
    import torch

    root = tmp_path_factory.mktemp("attack_cli")
    sset = small_synth.subset(np.arange(6))
    sset = replace(sset, data=np.ascontiguousarray(sset.data[:, :, :20]), num_frames=np.minimum(sset.num_frames, 16))
    sset.data[:, :, 16:] = 0
    data = save_skeleton_set(sset, root / "synth.npz")
    torch.manual_seed(0)
    rec = build_recognizer("stgcn", 12, class_names=list(sset.class_names), width=8, name="tiny")
    model = save_recognizer(rec, root / "tiny.pt")
    kinetics = save_recognizer(build_recognizer("stgcn", 12, layout="openpose18", width=8), root / "kin.pt")
    return {"data": data, "model": model, "kinetics": kinetics}


def test_attack_writes_set_targets_and_metrics(main, files, tmp_path, capsys):
    out = tmp_path / "adv"
    rc = main(["attack", "--data", str(files["data"]), "--model", str(files["model"]), "--out", str(out),
               "--iterations", "2", "--eps", "0.02", "--batch-size", "4", "--indices", "0,2-4", "--stgcn"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    adv = load_skeleton_set(out / "adversarial.npz")
    clean = load_skeleton_set(files["data"]).subset([0, 2, 3, 4])
    assert adv.data.shape == clean.data.shape and list(adv.name) == list(clean.name)
    assert np.array_equal(adv.data[:, :, 16:], clean.data[:, :, 16:])  # padding untouched
    assert not np.array_equal(adv.data, clean.data)
    prov = adv.provenance
    assert prov["attack"]["attack"] == "ciasa" and prov["attack"]["eps"] == 0.02
    assert prov["attack"]["iterations"] == 2 and prov["source_hash"] == clean.content_hash()
    doc = json.loads((out / "attack.json").read_text())
    assert len(doc["per_sample"]["target"]) == 4 and doc["per_sample"]["name"] == list(clean.name)
    assert adv.sample_meta["attack_target"].tolist() == doc["per_sample"]["target"]
    assert adv.sample_meta["attack_success"].tolist() == doc["per_sample"]["success"]
    assert "targeted_fooling_rate_over_correct" in doc["metrics"] and len(doc["history"]["ce"]) == 2
    assert (out / "stgcn" / "adversarial_data.npy").is_file()
    assert "targeted_fooling_rate_over_all" in captured.out


def test_fgsm_untargeted(main, files, tmp_path, capsys):
    out = tmp_path / "fgsm"
    rc = main(["attack", "--data", str(files["data"]), "--model", str(files["model"]), "--out", str(out),
               "--method", "fgsm", "--untargeted", "--eps", "0.01"])
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((out / "attack.json").read_text())
    assert doc["config"]["attack"] == "fgsm" and doc["per_sample"]["target"] is None
    assert doc["metrics"]["linf"] == pytest.approx(0.01, rel=1e-3)


def test_bf16_precision_is_recorded(main, files, tmp_path, capsys):
    out = tmp_path / "bf16"
    rc = main(["attack", "--data", str(files["data"]), "--model", str(files["model"]), "--out", str(out),
               "--iterations", "2", "--precision", "bf16", "--indices", "0,1"])
    assert rc == 0, capsys.readouterr().err
    assert load_skeleton_set(out / "adversarial.npz").provenance["attack"]["precision"] == "bf16"
    assert json.loads((out / "attack.json").read_text())["config"]["precision"] == "bf16"


@pytest.mark.parametrize("args,needle", [
    (["--precision", "fp16"], "precision"),
    (["--eps", "-0.01"], "eps"),
    (["--eps", "nan"], "eps"),
    (["--mode", "localized", "--region", "knee_left,kneee"], "kneee"),
    (["--mode", "advanced", "--eps", "0.01,0.02"], "expected 8"),
    (["--target", "given", "--targets", "40"], "outside the model's classes"),
    (["--indices", "0-99"], "outside"),
    (["--model-kind", "kinetics"], "layout"),
])
def test_bad_input_one_line_error(main, files, tmp_path, capsys, args, needle):
    out = tmp_path / "never"
    model = str(files["model"])
    if args[:1] == ["--model-kind"]:
        model, args = str(files["kinetics"]), []
    rc = main(["attack", "--data", str(files["data"]), "--model", model, "--out", str(out), "--iterations", "1",
               *args])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.startswith("error:") and needle in err and len(err.splitlines()) == 1
    assert not out.exists()
