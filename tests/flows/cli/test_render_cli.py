"""``ciasa render`` through the real entry point: help, one render, skip, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flows.cli.main import main


@pytest.fixture(scope="module")
def set_path(tmp_path_factory):
    from pipeline.skeleton_set import SkeletonSet, save_skeleton_set
    from pipeline.synth import SynthConfig, generate_synthetic

    s = generate_synthetic(SynthConfig(samples=12, frames=16, seed=4, noise=False))
    data = np.zeros((2, 3, 6, 25, s.data.shape[-1]), np.float32)
    data[:, :, :4] = s.data[:2, :, :4]
    small = SkeletonSet(data=data, label=s.label[:2], name=s.name[:2], num_frames=np.full(2, 4), layout="ntu25",
                        class_names=s.class_names)
    return save_skeleton_set(small, tmp_path_factory.mktemp("set") / "small.npz")


def test_help(capsys):
    assert main(["render", "--help"]) == 0
    text = capsys.readouterr().out
    for opt in ("--data", "--indices", "--body", "--smplx-dir", "--quality", "--resolution", "--workers",
                "--seed", "--force", "--out"):
        assert opt in text


def test_render_one_sequence_then_skip(set_path, tmp_path, capsys):
    pytest.importorskip("anny")
    args = ["render", "--data", str(set_path), "--indices", "1", "--quality", "preview", "--resolution", "64x36",
            "--threads", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    bundles = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(bundles) == 1
    m = json.loads((bundles[0] / "manifest.json").read_text())
    assert m["video"]["frames"] == 4 and m["sample"]["index"] == 1
    assert "1 of 1 sequences rendered" in capsys.readouterr().out
    assert main(args) == 0
    assert "skipped" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--indices", "7"], "out of range"),
        (["--resolution", "64by36"], "resolution"),
        (["--resolution", "63x36"], "even"),
    ],
)
def test_bad_input_is_one_line(set_path, tmp_path, capsys, extra, message):
    assert main(["render", "--data", str(set_path), "--out", str(tmp_path / "o"), "--quality", "preview", *extra]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and len(err.splitlines()) == 1


def test_missing_set(tmp_path, capsys):
    assert main(["render", "--data", str(tmp_path / "none.npz"), "--out", str(tmp_path / "o")]) == 1
    assert "no such skeleton set" in capsys.readouterr().err
