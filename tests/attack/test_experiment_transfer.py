"""Table III (attack.experiment_transfer) on tiny models: the rows, the paper's figures and
which targets get the paper's 2s-AGCN row."""

from __future__ import annotations

import pytest
import torch

from attack.experiment_transfer import paper_transfer_key, transfer
from attack.sample_selection import SampleSpec
from pipeline.errors import ValidationError

ANY = SampleSpec(per_class=1, seed=0, correct_only=False)


def test_transfer_rows(tiny_model, synth_set):
    from pipeline.models import build_recognizer

    torch.manual_seed(1)
    joint = build_recognizer("agcn-joint", 12, width=8).eval()
    bone = build_recognizer("agcn-bone", 12, width=8).eval()
    res = transfer(tiny_model, synth_set, {"2s-AGCN joint": joint, "2s-AGCN bone": bone}, samples=ANY,
                      iterations=1)
    assert [r.model for r in res.rows][1:] == ["2s-AGCN joint", "2s-AGCN bone"]
    assert res.rows[0].white_box and not res.rows[1].white_box
    assert res.rows[1].paper_fooling_rate == 0.861 and res.rows[2].paper_attacked_accuracy == 0.068
    assert res.rows[0].paper_clean_accuracy is None and all(r.num_samples == 12 for r in res.rows)
    for r in res.rows:
        assert 0 <= r.clean_accuracy <= 1 and 0 <= r.attacked_accuracy <= 1
    with pytest.raises(ValidationError, match="target model"):
        transfer(tiny_model, synth_set, {}, samples=ANY)


def test_paper_transfer_rows_only_for_2s_agcn():
    from pipeline.models import build_recognizer

    msg3d = build_recognizer("msg3d", 12, width=6)
    assert paper_transfer_key("MS-G3D joint (msg3d-joint-ntu60)", msg3d) is None
    assert paper_transfer_key("agcn-bone-ntu60", build_recognizer("agcn-bone", 12, width=8)) == "bone"
    assert paper_transfer_key("my 2s-AGCN ensemble", torch.nn.Identity()) == "ensemble"
    assert paper_transfer_key("my joint model", torch.nn.Identity()) is None
