"""``ciasa adapter`` through the real entry point: pairs of a render folder, a short
training run that writes a loadable adapter (and resumes), held-out errors, one-line
errors."""

from __future__ import annotations

from flows.cli.main import main


def _out(capsys) -> str:
    return " ".join(capsys.readouterr().out.split())


def test_pairs_train_evaluate(renders_dir, rendered_bundle, tmp_path, capsys):
    from pose_extract.adapter_data import load_pairs
    from pose_extract.adapter_model import load_adapter

    pairs = tmp_path / "pairs"
    assert main(["adapter", "pairs", "--renders", str(renders_dir), "--out", str(pairs)]) == 0
    assert "1 pair files" in _out(capsys)
    rows = load_pairs(pairs)
    assert [r.name for r in rows] == [rendered_bundle.name] and rows[0].mask.sum() > 0
    before = (pairs / f"{rendered_bundle.name}.npz").stat().st_mtime_ns
    assert main(["adapter", "pairs", "--renders", str(renders_dir), "--out", str(pairs)]) == 0  # reused
    assert (pairs / f"{rendered_bundle.name}.npz").stat().st_mtime_ns == before
    capsys.readouterr()

    adapter = tmp_path / "mine.pt"
    args = ["adapter", "train", "--pairs", str(pairs), "--out", str(adapter), "--epochs", "2",
            "--holdout-looks", "", "--val-fraction", "0", "--threads", "1"]
    assert main(args) == 0
    assert f"adapter written to {adapter}" in _out(capsys)
    _, card = load_adapter(adapter)
    assert card["data"]["train_sequences"] == 1 and len(card["history"]["epochs"]) == 2
    assert main(args) == 0  # finished: the saved state is reused, nothing retrained
    _, again = load_adapter(adapter)
    assert again["history"] == card["history"]
    capsys.readouterr()

    assert main(["adapter", "evaluate", "--pairs", str(pairs), "--adapter", str(adapter)]) == 0
    text = _out(capsys)
    assert "(no adapter): 1 sequences" in text and "(learned adapter + bones): 1 sequences" in text
    assert "root-relative" in text and "bone-length variation 0.0 %" in text


def test_a_missing_adapter_file_is_one_line(tmp_path, capsys):
    assert main(["adapter", "evaluate", "--pairs", str(tmp_path), "--adapter", str(tmp_path / "absent.pt")]) != 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "absent.pt" in err[0]
