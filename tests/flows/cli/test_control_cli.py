"""``ciasa evaluate-control`` through the entry point: the table, the verdict and the files
from two evaluations; one-line errors for evaluations that do not pair or are not one."""

from __future__ import annotations

import json

import pytest

import flows.cli.main as cli_main
from tests.pipeline.test_crossmodal_control import WRONG, evaluation


@pytest.fixture
def docs(tmp_path):
    attack = evaluation([WRONG] * 4 + list(range(4, 10)), [WRONG] * 6 + [6, 7, 8, WRONG])
    control = evaluation([WRONG] + list(range(1, 10)), [WRONG] * 2 + [2, 3, 4, 5, 6, 7, WRONG, WRONG])
    paths = {}
    for name, doc in (("attack", attack), ("control", control)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(doc))
    (tmp_path / "attack_run.json").write_text(json.dumps({"metrics": {"mean_joint_displacement_mm": 20.2}}))
    return paths


def test_compares_and_writes(docs, tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = cli_main.main(["evaluate-control", "--attacked", str(docs["attack"]), "--control", str(docs["control"]),
                        "--out", str(out), "--attack-json", str(tmp_path / "attack_run.json")])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert {p.name for p in out.iterdir()} == {"control.json", "control.md"}
    doc = json.loads((out / "control.json").read_text())
    assert doc["source"]["attack_share"]["value"] == pytest.approx(0.3)
    assert doc["displacement_mm"] == {"adversarial": 20.2}
    text = " ".join(captured.out.split())
    assert "the attack against its control" in text and "30.0" in text
    assert doc["verdict"].split(":")[0] in text and "control.json" in text


def test_evaluations_that_do_not_pair_give_one_line(docs, tmp_path, capsys):
    other = json.loads(docs["control"].read_text())
    other["inputs"]["clean"]["content_hash"] = "x" * 64
    docs["control"].write_text(json.dumps(other))
    rc = cli_main.main(["evaluate-control", "--attacked", str(docs["attack"]), "--control", str(docs["control"]),
                        "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc != 0 and err.count("\n") == 1 and "inputs.clean.content_hash" in err and "same clean samples" in err
    docs["control"].write_text(json.dumps({"format": "ciasa.run_summary"}))
    rc = cli_main.main(["evaluate-control", "--attacked", str(docs["attack"]), "--control", str(docs["control"]),
                        "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc != 0 and err.count("\n") == 1 and "ciasa.crossmodal" in err
