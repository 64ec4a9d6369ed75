"""``ciasa data`` through the real entry point: exit codes, outputs, one-line errors."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from dataclasses import replace
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


def _rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def _reddish(path: Path) -> int:
    a = _rgb(path)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((r > 120) & (r - g > 80) & (r - b > 80)).sum())


def _greenish(path: Path) -> int:
    a = _rgb(path)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((g > 100) & (g - r > 60) & (g - b > 60)).sum())


def test_plot_png_and_gif(synth_dir, tmp_path):
    from PIL import Image

    from pipeline.layouts import NTU25
    from pipeline.skeleton_set import load_skeleton_set, save_skeleton_set
    from pipeline.tensor import valid_mask

    clean = load_skeleton_set(synth_dir / "val.npz")
    # the comparison: both arms moved 5 cm to the side in every valid (frame, body) slot
    data = np.array(clean.data, copy=True)
    arms = list(NTU25.region("left_arm")) + list(NTU25.region("right_arm"))
    vm = valid_mask(data, clean.num_frames)  # (N, T, M)
    offset = np.zeros(data.shape, np.float32)
    offset[:, 0][:, :, arms] = 0.05  # x, metres
    data += offset * vm[:, None, :, None, :]  # padding and absent bodies stay zero
    adv = save_skeleton_set(replace(clean, data=data), tmp_path / "adv.npz")
    png, gif = tmp_path / "s.png", tmp_path / "s.gif"
    assert main(["data", "plot", str(synth_dir / "val.npz"), "--index", "1", "--out", str(png),
                 "--gif", str(gif), "--compare", str(adv)]) == 0  # fmt: skip
    assert Image.open(png).size[0] > 200
    assert _reddish(png) > 100  # the moved arms are drawn in red
    with Image.open(gif) as im:
        assert im.n_frames == int(clean.num_frames[1])
    # against itself the red copy hides the green one; moved arms uncover the green arms
    same = tmp_path / "same.png"
    assert main(["data", "plot", str(synth_dir / "val.npz"), "--index", "1", "--out", str(same),
                 "--compare", str(synth_dir / "val.npz")]) == 0  # fmt: skip
    assert _greenish(png) > 2 * _greenish(same) + 100


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


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error:")
    return err[0]


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_convert_split_directory_in_the_way_writes_nothing(synth_dir, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "val_meta.json").mkdir(parents=True)  # the last file the val part would write
    rc = main(["data", "convert", str(synth_dir / "train.npz"), str(out), "--from", "npz",
               "--to", "stgcn", "--split", "xview"])  # fmt: skip
    assert rc == 1
    line = _one_error_line(capsys)
    assert "val_meta.json" in line and "directory" in line
    # neither part appeared (train was fine on its own) and no temporaries are left
    assert _leftovers(out) == []
    assert [p.name for p in out.iterdir()] == ["val_meta.json"]


def test_convert_directory_in_the_way_of_a_single_set(synth_dir, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "all.json").mkdir(parents=True)  # the npz writer's manifest name
    rc = main(["data", "convert", str(synth_dir / "val.npz"), str(out), "--from", "npz", "--to", "npz"])
    assert rc == 1
    assert "all.json" in _one_error_line(capsys)
    assert _leftovers(out) == [] and [p.name for p in out.iterdir()] == ["all.json"]


def test_convert_split_with_an_empty_part_writes_nothing(synth_dir, tmp_path, capsys):
    from pipeline.skeleton_set import load_skeleton_set, save_skeleton_set

    full = load_skeleton_set(synth_dir / "train.npz")
    front = [i for i, n in enumerate(full.name.tolist()) if n[4:8] == "C001"]
    assert front
    src = save_skeleton_set(full.subset(front), tmp_path / "front.npz")  # camera 1 only
    out = tmp_path / "out"
    for to in ("stgcn", "npz", "pyskl"):
        target = out if to != "pyskl" else tmp_path / "x.pkl"
        rc = main(["data", "convert", str(src), str(target), "--from", "npz", "--to", to,
                   "--split", "xview"])  # fmt: skip
        assert rc == 1
        line = _one_error_line(capsys)
        assert "split xview has no train samples" in line and "front.npz" in line
        assert not target.exists()


def test_convert_into_a_path_below_a_file_is_one_line(synth_dir, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    rc = main(["data", "convert", str(synth_dir / "val.npz"), str(blocker / "out"), "--from", "npz",
               "--to", "stgcn"])  # fmt: skip
    assert rc == 1
    line = _one_error_line(capsys)
    assert "a_file" in line and "Traceback" not in line
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_os_error_from_a_writer_is_one_line(synth_dir, tmp_path, capsys, monkeypatch):
    import pipeline.io_utils as io_utils

    def denied(*args, dir=None, **kwargs):  # as when the output folder is not writable
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr(io_utils.tempfile, "mkstemp", denied)
    out = tmp_path / "out"
    rc = main(["data", "convert", str(synth_dir / "val.npz"), str(out), "--from", "npz", "--to", "npz"])
    assert rc == 1
    assert _one_error_line(capsys) == f"error: {out}: Permission denied"
    assert not out.exists()  # the folder made for the output is removed again


def test_info_on_a_folder_of_several_parts_names_the_file_to_pass(synth_dir, capsys):
    assert main(["data", "info", str(synth_dir)]) == 1
    line = _one_error_line(capsys)
    assert "train_data.npy" in line and "val_data.npy" in line
    assert "_data.npy file" in line and "part=" not in line


def test_synth_val_fraction_bound_comes_from_the_config(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["data", "synth", "--out", str(out), "--val-fraction", "1.0", "--samples", "12"]) == 1
    line = _one_error_line(capsys)
    assert "val_fraction" in line and "less than 1" in line
    assert not out.exists()
    # 0.97 is a valid SynthConfig value, so the CLI accepts it too
    assert main(["data", "synth", "--out", str(out), "--val-fraction", "0.97", "--samples", "24",
                 "--frames", "16"]) == 0  # fmt: skip
    capsys.readouterr()


def test_convert_max_bodies_default_is_the_readers():
    import inspect

    import typer

    from flows.cli.data import app
    from pipeline.formats.ntu_raw import read_ntu_raw

    convert = typer.main.get_command(app).commands["convert"]
    default = {p.name: p.default for p in convert.params}["max_bodies"]
    assert default == inspect.signature(read_ntu_raw).parameters["max_bodies"].default


def test_convert_kinetics_json_max_frames(tmp_path, capsys):
    src = tmp_path / "kinetics_val"
    src.mkdir()
    pose = [0.5 + 0.01 * k for k in range(36)]
    frames = [{"frame_index": t, "skeleton": [{"pose": pose, "score": [0.9] * 18}]} for t in (0, 1, 300)]
    (src / "vid1.json").write_text(json.dumps({"data": frames, "label": "dancing", "label_index": 3}))
    (tmp_path / "kinetics_val_label.json").write_text(
        json.dumps({"vid1": {"has_skeleton": True, "label": "dancing", "label_index": 3}})
    )
    out = tmp_path / "out"
    assert main(["data", "convert", str(src), str(out), "--from", "kinetics-json", "--to", "npz"]) == 1
    err = capsys.readouterr().err
    assert "vid1.json" in err and "300" in err and not out.exists()
    assert main(["data", "convert", str(src), str(out), "--from", "kinetics-json", "--to", "npz",
                 "--max-frames", "301"]) == 0  # fmt: skip
    from pipeline.formats import read_set

    s = read_set("npz", out / "all.npz")
    assert s.shape[2] == 301 and s.num_frames[0] == 301 and s.class_names[3] == "dancing"


def test_synth_ntu60_writes_both_benchmarks(tmp_path, capsys):
    out = tmp_path / "ntu60"
    assert main(["data", "synth-ntu60", "--out", str(out), "--takes-per-class", "1", "--seed", "2"]) == 0
    from pipeline.skeleton_set import load_skeleton_set

    counts = {}
    for bench in ("xview", "xsub"):
        for part in ("train", "val"):
            s = load_skeleton_set(out / bench / f"{part}.npz")
            counts[bench, part] = len(s)
            assert s.data.shape[1:] == (3, 200, 25, 2) and len(s.class_names) == 60
            assert (out / bench / f"{part}_data.npy").is_file() and (out / bench / f"{part}_label.pkl").is_file()
    assert counts["xview", "train"] == 240 and counts["xview", "val"] == 120
    assert counts["xsub", "train"] + counts["xsub", "val"] == 360
    assert json.loads((out / "xview" / "val.json").read_text())["provenance"]["config"]["seed"] == 2


def test_synth_ntu60_posture_is_taken_and_recorded(tmp_path, capsys):
    out = tmp_path / "ntu60"
    assert main(["data", "synth-ntu60", "--out", str(out), "--takes-per-class", "1", "--posture", "1.5"]) == 0
    assert json.loads((out / "xview" / "val.json").read_text())["provenance"]["config"]["posture"] == 1.5
    assert main(["data", "synth-ntu60", "--out", str(tmp_path / "bad"), "--posture", "-1"]) != 0
    assert not (tmp_path / "bad").exists()


def test_synth_ntu60_vague_performances_self_occlusion_and_attitude_are_taken_and_recorded(tmp_path, capsys):
    out = tmp_path / "ntu60"
    assert main(["data", "synth-ntu60", "--out", str(out), "--takes-per-class", "1", "--mix", "0.5",
                 "--occlusion-mm", "60", "--attitude-deg", "1.5", "--fit-mm", "80"]) == 0
    cfg = json.loads((out / "xview" / "val.json").read_text())["provenance"]["config"]
    assert cfg["mix"] == 0.5 and cfg["occlusion_mm"] == 60.0 and cfg["attitude_deg"] == 1.5 and cfg["fit_mm"] == 80.0
    assert main(["data", "synth-ntu60", "--out", str(tmp_path / "bad"), "--mix", "0.9"]) != 0
    assert not (tmp_path / "bad").exists()
    assert main(["data", "synth-ntu60", "--out", str(tmp_path / "bad2"), "--attitude-deg", "-1"]) != 0
    assert not (tmp_path / "bad2").exists()
    assert main(["data", "synth-ntu60", "--out", str(tmp_path / "bad3"), "--fit-mm", "-5"]) != 0
    assert not (tmp_path / "bad3").exists()


def test_synth_ntu60_bad_setting_is_one_line(tmp_path, capsys):
    assert main(["data", "synth-ntu60", "--out", str(tmp_path / "x"), "--frames", "20"]) != 0
    assert not (tmp_path / "x").exists()
