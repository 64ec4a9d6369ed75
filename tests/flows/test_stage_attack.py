"""The attack stage in pieces (flows.stage_attack): pieces joined give exactly the one-call
attack, a piece that failed is the only one a resumed run redoes, and bad pieces or
settings are refused with the field named. Five 16-frame sequences of the twelve-class
world, stgcn-synth, CIASA advanced mode for 3 iterations, batches of 2, pieces of 2 (the
last one short)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flows.config import AttackStageConfig, SourceConfig
from flows.stage_attack import (
    CHUNK_FILE,
    attack_chunk_stage,
    attack_merge_stage,
    attack_stage,
    chunk_bounds,
    load_chunk,
    reuse_chunk,
)
from pipeline.errors import FormatError, ValidationError
from pipeline.skeleton_set import load_skeleton_set, save_skeleton_set
from pipeline.synth import SynthConfig

MODEL = "stgcn-synth"
CFG = AttackStageConfig(iterations=3, batch_size=2, chunk=2, device="cpu")
WHOLE = CFG.model_copy(update={"chunk": 0})


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> str:
    from flows.sources import load_source

    sset = load_source(SourceConfig(world="ntu12", synth=SynthConfig(samples=24, frames=16, seed=3), part=None))
    path = tmp_path_factory.mktemp("clean") / "clean.npz"
    save_skeleton_set(sset.subset(list(range(5))), path)
    return str(path)


@pytest.fixture(scope="module")
def whole(clean, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    return attack_stage(clean, MODEL, WHOLE, out, "k")


def test_chunk_bounds_tile_the_set():
    assert chunk_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]
    assert chunk_bounds(5, 0) == chunk_bounds(5, 8) == [(0, 5)]
    assert chunk_bounds(4, 2) == [(0, 2), (2, 4)]


def test_pieces_joined_are_the_one_call_attack(clean, whole, tmp_path):
    pieces = [attack_chunk_stage(clean, MODEL, CFG, a, b, tmp_path / f"piece{a}", f"p{a}")
              for a, b in chunk_bounds(5, CFG.chunk)]
    assert [(p.start, p.stop) for p in pieces] == [(0, 2), (2, 4), (4, 5)]
    assert all(Path(p.path).name == CHUNK_FILE for p in pieces)
    # any order of the files: the pieces are put back in sample order
    joined = attack_merge_stage(clean, MODEL, CFG, [p.path for p in reversed(pieces)], tmp_path / "joined", "k")
    assert joined.content_hash == whole.content_hash
    a, b = load_skeleton_set(whole.path), load_skeleton_set(joined.path)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.sample_meta["attack_target"], b.sample_meta["attack_target"])
    report = json.loads((Path(joined.folder) / "attack.json").read_text())
    assert report == json.loads((Path(whole.folder) / "attack.json").read_text())
    assert sum(p.successes for p in pieces) == sum(report["per_sample"]["success"])
    assert joined.info["success"] == whole.info["success"]
    # a complete piece is found again with its bounds
    again = reuse_chunk("p2", pieces[1].folder)
    assert (again.start, again.stop, again.reused, again.successes) == (2, 4, True, pieces[1].successes)


def test_pieces_that_do_not_tile_the_set_are_refused(clean, tmp_path):
    first = attack_chunk_stage(clean, MODEL, CFG, 0, 2, tmp_path / "a", "a")
    last = attack_chunk_stage(clean, MODEL, CFG, 4, 5, tmp_path / "c", "c")
    with pytest.raises(ValidationError, match="leave samples 2-3 out") as err:
        attack_merge_stage(clean, MODEL, CFG, [first.path, last.path], tmp_path / "j", "k")
    assert err.value.field == "attack.chunk" and err.value.path == clean
    with pytest.raises(ValidationError, match="end at sample 2 of 5"):
        attack_merge_stage(clean, MODEL, CFG, [first.path], tmp_path / "j", "k")
    with pytest.raises(ValidationError, match="does not start on a batch of 2") as err:
        attack_chunk_stage(clean, MODEL, CFG, 1, 3, tmp_path / "b", "b")
    assert err.value.field == "attack.chunk"
    with pytest.raises(ValidationError, match="piece 4-5 of 5"):
        attack_chunk_stage(clean, MODEL, CFG, 4, 6, tmp_path / "b", "b")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(FormatError, match="not a piece of an attack") as err:
        load_chunk(bad)
    assert err.value.path == str(bad)
    assert not (tmp_path / "j").exists()


def test_a_piece_must_hold_whole_batches():
    with pytest.raises(ValueError, match=r"attack.chunk \(3\) must be a multiple of attack.batch_size \(2\)"):
        AttackStageConfig(batch_size=2, chunk=3)
    assert AttackStageConfig(batch_size=4, chunk=8).chunk == 8


def test_the_flow_resumes_the_pieces_it_lacks_and_keys_as_one_task(harness, clean, whole, tmp_path):
    """attack_flow in pieces: the same key and set as in one task; after a piece failed, a
    second run redoes only the pieces without output."""
    import flows.stages as stages
    from flows.cross_modal import attack_flow

    one = attack_flow(clean_set=clean, model=MODEL, attack=WHOLE, run_dir=str(tmp_path / "one"))
    assert one.content_hash == whole.content_hash
    calls: list[int] = []
    real = stages.attack_chunk_stage

    def failing(clean_path, model, cfg, start, stop, *args, **kwargs):
        calls.append(start)
        if start == 2 and calls.count(2) == 1:
            raise RuntimeError("injected interruption")
        return real(clean_path, model, cfg, start, stop, *args, **kwargs)

    run = tmp_path / "pieces"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(stages, "attack_chunk_stage", failing)
        with pytest.raises(RuntimeError, match="injected interruption"):
            attack_flow(clean_set=clean, model=MODEL, attack=CFG, run_dir=str(run))
        assert not (run / "attack").exists()  # nothing joined
        first = list(calls)
        resumed = attack_flow(clean_set=clean, model=MODEL, attack=CFG, run_dir=str(run))
    redone = calls[len(first):]
    assert first[:2] == [0, 2] and 2 in redone and 0 not in redone
    assert resumed.key == one.key and resumed.content_hash == one.content_hash
    assert len(list((run / "attack-piece").iterdir())) == 3


def test_the_noise_control_runs_as_a_stage_in_pieces(clean, tmp_path):
    """``attack.method=noise``: an untargeted set (no ``attack_target``) whose pieces join to
    the one-call result, as CIASA's do."""
    cfg = CFG.model_copy(update={"method": "noise"})
    one = attack_stage(clean, MODEL, cfg.model_copy(update={"chunk": 0}), tmp_path / "one", "n")
    pieces = [attack_chunk_stage(clean, MODEL, cfg, a, b, tmp_path / f"n{a}", f"n{a}") for a, b in chunk_bounds(5, 2)]
    joined = attack_merge_stage(clean, MODEL, cfg, [p.path for p in pieces], tmp_path / "joined", "n")
    a, b, src = load_skeleton_set(one.path), load_skeleton_set(joined.path), load_skeleton_set(clean)
    np.testing.assert_array_equal(a.data, b.data)
    assert "attack_target" not in a.sample_meta
    assert not np.array_equal(a.data, src.data)
    report = json.loads((Path(one.folder) / "attack.json").read_text())
    assert report["config"]["attack"] == "noise" and report["config"]["target"] is None
