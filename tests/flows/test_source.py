"""Where a run's clean sequences come from: the synthetic worlds and their fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.config import CrossModalConfig, SourceConfig
from flows.stages import load_source, source_fingerprint
from pipeline.formats.ntu_names import parse_ntu_name
from pipeline.synth.ntu60.world import NTU60Config


def test_the_default_source_is_the_default_models_world():
    from flows.config import DEFAULT_MODEL
    from pipeline.models import load_recognizer

    src = CrossModalConfig().source
    assert src.part == "val" and src.benchmark == "xview" and src.ntu60 == NTU60Config()
    sset = load_source(src.model_copy(update={"ntu60": NTU60Config(takes_per_class=1)}))
    assert set(sset.class_names) <= set(load_recognizer(DEFAULT_MODEL).class_names)


def test_ntu60_source_generates_only_the_split_asked_for():
    src = SourceConfig(world="ntu60", ntu60=NTU60Config(takes_per_class=1, seed=2))
    sset = load_source(src)
    assert len(sset) == 120 and len(sset.class_names) == 60
    assert {parse_ntu_name(n).camera for n in sset.name} == {1}
    xsub = load_source(src.model_copy(update={"benchmark": "xsub", "part": "train"}))
    assert {parse_ntu_name(n).performer for n in xsub.name} <= {1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25,
                                                                  27, 28, 31, 34, 35, 38}


def test_fingerprints_name_the_world_and_its_settings():
    a = source_fingerprint(SourceConfig(world="ntu60"))
    b = source_fingerprint(SourceConfig(world="ntu60", ntu60=NTU60Config(seed=1)))
    c = source_fingerprint(SourceConfig(world="ntu12"))
    assert a != b and a != c and b != c
    assert a["world"] == "ciasa.synth.ntu60" and "synth" in c


def test_a_synthetic_world_has_only_train_and_val():
    with pytest.raises(ValueError, match="train and val"):
        CrossModalConfig(source=SourceConfig(part="test"))


def test_the_run_cache_key_follows_the_weights(tmp_path, monkeypatch):
    import torch

    from flows.sources import model_fingerprint
    from pipeline.models import load_recognizer

    spec = f"{Path(__file__).resolve().parents[1] / 'fixtures' / 'user_model.py'}:make"
    base = model_fingerprint(spec)
    assert model_fingerprint(spec) == base
    state = {k: v * 2.0 for k, v in load_recognizer(spec).streams[0].net.state_dict().items()}
    torch.save(state, tmp_path / "w.pt")
    monkeypatch.setenv("CIASA_TEST_USER_MODEL_WEIGHTS", str(tmp_path / "w.pt"))
    assert model_fingerprint(spec) != base
