"""``ciasa data`` through the real entry point: exit codes, outputs, one-line errors."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flows.cli.main import main


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    assert main(["data", "synth", "--out", str(out), "--samples", "48", "--frames", "32", "--seed", "3"]) == 0
    return out


def test_synth_writes_sets_and_stgcn(synth_dir):
    names = {p.name for p in synth_dir.iterdir()}
    assert {"train.npz", "train.json", "val.npz", "val.json", "train_data.npy", "train_label.pkl",
            "val_data.npy", "val_label.pkl"} <= names  # fmt: skip
    assert not [n for n in names if n.endswith(".part")]
    data = np.load(synth_dir / "val_data.npy")
    assert data.shape[1:] == (3, 32, 25, 1) and data.dtype == np.float32
    manifest = json.loads((synth_dir / "val.json").read_text())
    assert manifest["provenance"]["config"]["seed"] == 3


def test_info_json(synth_dir, capsys):
    assert main(["data", "info", str(synth_dir / "train.npz"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["samples"] + 0 == len(np.load(synth_dir / "train_data.npy", mmap_mode="r"))
    assert out["layout"] == "ntu25" and len(out["classes"]) == 12
    assert out["value_ranges"]["z"]["min"] > 1.0


def test_info_table_on_stgcn(synth_dir, capsys):
    assert main(["data", "info", str(synth_dir / "val_data.npy")]) == 0
    text = capsys.readouterr().out
    assert "kinect_camera" in text and "cheer up" in text


def test_plot_png_and_gif(synth_dir, tmp_path):
    png, gif = tmp_path / "s.png", tmp_path / "s.gif"
    assert main(["data", "plot", str(synth_dir / "val.npz"), "--index", "1", "--out", str(png),
                 "--gif", str(gif), "--compare", str(synth_dir / "val.npz")]) == 0  # fmt: skip
    from PIL import Image

    assert Image.open(png).size[0] > 200
    assert Image.open(gif).n_frames > 10


def test_convert_npz_to_pyskl_and_back(synth_dir, tmp_path):
    pkl = tmp_path / "s.pkl"
    assert main(["data", "convert", str(synth_dir / "val.npz"), str(pkl), "--from", "npz", "--to", "pyskl"]) == 0
    assert main(["data", "convert", str(pkl), str(tmp_path / "back"), "--from", "pyskl", "--to", "npz"]) == 0
    from pipeline.formats import read_set

    a = read_set("npz", synth_dir / "val.npz")
    b = read_set("npz", tmp_path / "back" / "all.npz")
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.name, b.name)


def test_convert_with_xview_split_from_ntu_names(synth_dir, tmp_path):
    out = tmp_path / "xview"
    assert main(["data", "convert", str(synth_dir / "train.npz"), str(out), "--from", "npz",
                 "--to", "stgcn", "--split", "xview"]) == 0  # fmt: skip
    from pipeline.formats import read_set

    tr = read_set("stgcn", out / "train_data.npy")
    va = read_set("stgcn", out / "val_data.npy")
    assert len(tr) + len(va) == len(read_set("npz", synth_dir / "train.npz"))
    assert all(n[4:8] in ("C002", "C003") for n in tr.name) and all(n[4:8] == "C001" for n in va.name)


def test_bad_inputs_one_line_errors(tmp_path, capsys):
    # non-existent path
    assert main(["data", "info", str(tmp_path / "nope.npz")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "nope.npz" in err and len(err.splitlines()) == 1
    # unknown format name: a usage error, non-zero
    assert main(["data", "convert", str(tmp_path), str(tmp_path / "o"), "--from", "bogus", "--to", "npz"]) != 0
    # malicious pickle: refused, nothing executed, nothing written
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps({"annotations": [Evil()], "split": {}}))
    out = tmp_path / "out_dir"
    assert main(["data", "convert", str(bad), str(out), "--from", "pyskl", "--to", "npz"]) == 1
    err = capsys.readouterr().err
    assert "evil.pkl" in err and "allow-list" in err
    assert not marker.exists() and not out.exists()
    # bad synth option
    assert main(["data", "synth", "--out", str(tmp_path / "s"), "--samples", "0"]) != 0
    assert not (tmp_path / "s").exists()


def test_cli_does_not_import_heavy_packages(tmp_path):
    code = (
        "import sys; from flows.cli.main import main; "
        f"rc = main(['data', 'synth', '--out', {str(tmp_path)!r}, '--samples', '12', '--frames', '16']); "
        f"rc |= main(['data', 'info', {str(tmp_path / 'train.npz')!r}]); "
        "heavy = [m for m in ('prefect', 'bpy', 'mediapipe', 'torch', 'anny') if m in sys.modules]; "
        "print('HEAVY', heavy); sys.exit(rc)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "HEAVY []" in res.stdout


def test_console_script_help():
    exe = Path(sys.executable).with_name("ciasa")
    res = subprocess.run([str(exe), "data", "--help"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "synth" in res.stdout and "convert" in res.stdout


def test_convert_truncated_skeleton_one_line_no_output(tmp_path, capsys):
    src = tmp_path / "raw"
    src.mkdir()
    (src / "S001C001P001R001A001.skeleton").write_text("2\n1\n72057594037931101 0 1 1 1 1 0 0.1 0.2 2\n25\n0.1 0.2\n")
    out = tmp_path / "out"
    assert main(["data", "convert", str(src), str(out), "--from", "ntu-raw", "--to", "npz"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "S001C001P001R001A001.skeleton" in err[0]
    assert not out.exists() or not any(out.iterdir())
