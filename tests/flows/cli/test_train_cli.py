"""``ciasa train``: every architecture the library trains is a choice, the written
checkpoint loads as a recogniser, a bad choice is a usage error."""

from __future__ import annotations

import pytest

from flows.cli.main import main
from pipeline.models import load_recognizer
from pipeline.skeleton_set import load_skeleton_set


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    assert main(["data", "synth", "--out", str(out), "--samples", "48", "--frames", "16", "--seed", "3"]) == 0
    return out


@pytest.mark.parametrize("arch", ["stgcn", "ctrgcn-bone-motion"])
def test_one_epoch_writes_a_loadable_recogniser(data, tmp_path, arch):
    out = tmp_path / "m.pt"
    assert main(["train", "--data", str(data), "--arch", arch, "--width", "8", "--epochs", "1",
                 "--batch-size", "8", "--threads", "1", "--out", str(out)]) == 0
    rec = load_recognizer(out)
    assert rec.arch == arch and len(rec.class_names) == 12
    # ST-GCN keeps the training data's bodies (it averages over what it is given); the
    # others have --num-person (default 2) in their data_bn and pad the data up to it
    bodies = load_skeleton_set(data / "train.npz").data.shape[4]
    assert rec.input_spec.num_person == (bodies if arch == "stgcn" else 2)


def test_msg3d_trains_at_a_width_it_accepts_and_refuses_others_in_one_line(data, tmp_path, capsys):
    out = tmp_path / "m.pt"
    assert main(["train", "--data", str(data), "--arch", "msg3d-bone", "--width", "6", "--epochs", "1",
                 "--batch-size", "8", "--max-train-samples", "8", "--threads", "1", "--out", str(out)]) == 0
    rec = load_recognizer(out)
    assert rec.arch == "msg3d-bone" and rec.streams[0].preprocess.kind == "agcn-prenorm+bone"
    assert main(["train", "--data", str(data), "--arch", "msg3d", "--width", "64", "--out",
                 str(tmp_path / "w.pt")]) == 1
    err = capsys.readouterr().err
    assert "cannot build msg3d" in err and "multiple of 6" in err and "Traceback" not in err
    assert not (tmp_path / "w.pt").exists()


def test_an_unknown_architecture_is_a_usage_error(data, tmp_path):
    assert main(["train", "--data", str(data), "--arch", "resnet", "--out", str(tmp_path / "m.pt")]) == 2
    assert not (tmp_path / "m.pt").exists()


def test_a_width_the_architecture_refuses_is_one_line(data, tmp_path, capsys):
    assert main(["train", "--data", str(data), "--arch", "ctrgcn", "--width", "6", "--out",
                 str(tmp_path / "m.pt")]) == 1
    err = capsys.readouterr().err
    assert "cannot build ctrgcn" in err and "width" in err and "Traceback" not in err
