"""The run's settings: defaults, a preset, the YAML file and the overrides, in that order."""

from __future__ import annotations

import pytest

from flows.config import PRESETS, load_config
from pipeline.errors import ValidationError


def test_paper_preset_is_the_paper_scale_and_gives_way(tmp_path):
    assert load_config().source.samples == 12
    paper = load_config(preset="paper")
    assert paper.source.samples == 240 and paper.model == "stgcn-ntu60" and paper.source.part == "val"
    assert paper.render == load_config().render
    # the attack runs in resumable pieces of one batch; what it computes is the default's
    assert paper.attack.chunk == paper.attack.batch_size == 16
    assert paper.attack.model_copy(update={"chunk": 0}) == load_config().attack
    cfg = tmp_path / "run.yaml"
    cfg.write_text("source:\n  seed: 5\n")
    merged = load_config(cfg, ["attack.iterations=7"], preset="paper")
    assert (merged.source.samples, merged.source.seed, merged.attack.iterations) == (240, 5, 7)
    cfg.write_text("source:\n  samples: 60\n")
    assert load_config(cfg, preset="paper").source.samples == 60
    assert load_config(cfg, ["source.samples=8"], preset="paper").source.samples == 8


def test_unknown_preset_lists_the_valid_ones():
    with pytest.raises(ValidationError, match="no preset 'huge' \\(presets: paper\\)") as info:
        load_config(preset="huge")
    assert info.value.field == "preset" and "paper" in PRESETS


def test_transfer_models_default_empty():
    assert load_config().evaluate.transfer_models == []
    cfg = load_config(overrides=["evaluate.transfer_models=[agcn-synth]"])
    assert cfg.evaluate.transfer_models == ["agcn-synth"]


def test_peers_stand_for_the_attacked_models_bundled_peers():
    from flows.config import PEERS, transfer_specs
    from pipeline.models import bundled_peers

    assert transfer_specs([PEERS], "stgcn-synth") == ["agcn-bone-synth", "agcn-joint-synth", "agcn-synth"]
    assert transfer_specs(["agcn-synth", PEERS, "x.pt"], "stgcn-synth") == \
        ["agcn-synth", "agcn-bone-synth", "agcn-joint-synth", "x.pt"]
    assert transfer_specs([PEERS, "stgcn-synth"], "stgcn-synth") == bundled_peers("stgcn-synth")
    assert transfer_specs([PEERS], "my/model.pt") == [] and transfer_specs([], "stgcn-ntu60") == []
    assert load_config(preset="paper").evaluate.transfer_models == [PEERS]


def test_the_control_is_off_by_default_and_takes_only_the_noise():
    assert load_config().control == "none"
    assert load_config(overrides=["control=noise"]).control == "noise"
    with pytest.raises(ValidationError) as info:
        load_config(overrides=["control=pgd"])
    assert "control" in str(info.value)


def test_a_shard_is_k_of_n_blocks_of_the_draw():
    assert load_config().source.shard is None and load_config().source.shard_pair is None
    cfg = load_config(overrides=["source.shard=2/4"], preset="paper")
    assert cfg.source.shard_pair == (2, 4) and cfg.source.samples == 240
    for bad in ("0/4", "5/4", "2", "1/13"):
        with pytest.raises(ValidationError) as info:
            load_config(overrides=[f"source.shard={bad}"])
        assert "shard" in str(info.value)
