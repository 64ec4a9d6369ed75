"""``ciasa extract`` through the real entry point: help, render bundles with a report, one
video, one-line errors, a batch with a failed bundle."""

from __future__ import annotations

import json

import pytest

from flows.cli.main import main
from pipeline.skeleton_set import load_skeleton_set


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_help(capsys):
    assert main(["extract", "--help"]) == 0
    text = capsys.readouterr().out
    for opt in ("--renders", "--video", "--out", "--fov", "--fps", "--max-gap", "--smooth-window"):
        assert opt in text
    assert "84.1" in text  # the default field of view is shown


def test_renders_to_set_and_report(renders_dir, rendered_bundle, tmp_path, capsys):
    out = tmp_path / "out" / "extracted.npz"
    assert main(["extract", "--renders", str(renders_dir), "--out", str(out)]) == 0
    assert "1 of 1 videos extracted" in " ".join(capsys.readouterr().out.split())
    sset = load_skeleton_set(out)
    assert sset.name.tolist() == [rendered_bundle.name] and sset.coordinate_frame == "kinect_camera"
    report = json.loads((tmp_path / "out" / "extracted_report.json").read_text())
    sample = report["samples"][0]
    assert sample["status"] == "ok" and sample["metrics"]["source_joints"]["frames"] > 0
    assert report["settings"]["config"]["fov_deg"] == 84.1


def test_one_video(rendered_bundle, tmp_path, capsys):
    out = tmp_path / "one.npz"
    assert main(["extract", "--video", str(rendered_bundle / "video.mp4"), "--fps", "15", "--out", str(out)]) == 0
    assert "1 person, the main actor detected in 100.0 %" in " ".join(capsys.readouterr().out.split())
    sset = load_skeleton_set(out)
    assert len(sset) == 1 and sset.fps == 15.0 and sset.label.tolist() == [-1] and sset.data.shape[4] == 1
    assert sset.num_frames[0] == 8  # 16 frames at 30 fps -> 8 at 15 fps
    assert not (tmp_path / "one_report.json").exists()


def test_one_video_with_a_learned_adapter_file(rendered_bundle, tmp_path, capsys):
    """``--adapter learned --adapter-file F`` on a plain video: the adapter named by the user
    runs (recorded with its hash) and the recovered person keeps one set of bone lengths."""
    import numpy as np

    from pipeline.layouts.ntu25 import LAYOUT as NTU25
    from pipeline.io_utils import file_sha256
    from pose_extract.adapter_model import AdapterConfig, KinectAdapter, save_adapter

    adapter = save_adapter(KinectAdapter(AdapterConfig(width=8, blocks=1)), tmp_path / "mine.pt")
    out = tmp_path / "learned.npz"
    assert main(["extract", "--video", str(rendered_bundle / "video.mp4"), "--adapter", "learned",
                 "--adapter-file", str(adapter), "--out", str(out)]) == 0
    sset = load_skeleton_set(out)
    assert sset.provenance["extractor"]["learned_adapter"]["sha256"] == file_sha256(adapter)
    valid = sset.sample_meta["frame_valid"][0]
    x = np.transpose(sset.data[0, :, :, :, 0], (1, 2, 0))[valid]
    assert len(x) > 0
    bones = np.stack([np.linalg.norm(x[:, j] - x[:, p], axis=-1) for j, p in enumerate(NTU25.parents) if p >= 0], -1)
    assert (bones.std(0) / bones.mean(0)).max() < 1e-5


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "exactly one of --renders"),
        (["--renders", "R", "--video", "V"], "exactly one of --renders"),
        (["--renders", "{tmp}/absent"], "no such folder of render bundles"),
        (["--video", "{tmp}/absent.mp4"], "no such video file"),
        (["--video", "{tmp}/garbage.mp4"], "not a readable video"),
        (["--renders", "{tmp}", "--smooth-window", "0"], "smooth-window"),
        (["--video", "{tmp}/garbage.mp4", "--people-mask", "blur"], "people_mask"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, args, message):
    (tmp_path / "garbage.mp4").write_bytes(b"not a video" * 100)
    argv = ["extract", *(a.format(tmp=tmp_path) for a in args), "--out", str(tmp_path / "o.npz")]
    assert main(argv) != 0
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert message in text
    if "smooth-window" not in message:  # usage errors are click's, the rest ciasa's one line
        assert sum(ln.startswith("error:") for ln in captured.err.splitlines()) == 1
    assert not (tmp_path / "o.npz").exists()


def test_out_of_range_fov_is_one_line(renders_dir, tmp_path, capsys):
    assert main(["extract", "--renders", str(renders_dir), "--fov", "500", "--out", str(tmp_path / "o.npz")]) == 1
    assert "fov_deg" in _one_line_error(capsys)


def test_batch_with_a_failed_bundle_writes_the_rest_and_exits_1(renders_dir, tmp_path, capsys):
    (renders_dir / "broken").mkdir()
    out = tmp_path / "batch.npz"
    assert main(["extract", "--renders", str(renders_dir), "--out", str(out)]) == 1
    line = _one_line_error(capsys)
    assert "1 video(s) failed" in line and "broken" in line and "manifest.json is missing" in line
    assert len(load_skeleton_set(out)) == 1
    report = json.loads((tmp_path / "batch_report.json").read_text())
    assert sorted(s["status"] for s in report["samples"]) == ["failed", "ok"]
