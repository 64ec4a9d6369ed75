"""Training: a tiny recogniser learns, runs are deterministic, resuming gives the same weights."""

from __future__ import annotations

import pytest
import torch

from pipeline.errors import ValidationError
from pipeline.models import load_recognizer
from pipeline.models.checkpoint import read_checkpoint
from pipeline.train import TrainConfig, load_split, lr_at, stream_preprocess, train_recognizer

TINY = dict(width=4, epochs=2, batch_size=16, threads=1, random_crop=0.9)


@pytest.fixture(scope="module")
def sets(small_synth):
    train = small_synth.split("train")
    val = small_synth.split("val")
    return train, val


def _weights(path):
    obj = read_checkpoint(path)
    return obj["streams"][0]["state_dict"]


@pytest.mark.parametrize("arch", ["stgcn", "agcn-joint", "agcn-bone"])
def test_trains_and_loads(arch, sets, tmp_path):
    train, val = sets
    cfg = TrainConfig(arch=arch, num_person=1, **TINY)
    meta = train_recognizer(cfg, train, tmp_path / "m.pt", val_set=val, data_path="mem")
    assert [h["epoch"] for h in meta["history"]] == [1, 2]
    assert all(h["loss"] > 0 and 0 <= h["val_top1"] <= 1 for h in meta["history"])
    assert not (tmp_path / "m.pt.state.pt").exists()  # removed when complete
    rec = load_recognizer(tmp_path / "m.pt")
    assert rec.arch == arch and rec.class_names == list(train.class_names)
    assert rec.meta["training"]["recipe"]["arch"] == arch
    assert rec.meta["training"]["data"]["train_hash"] == train.content_hash()
    logits = rec(torch.from_numpy(val.data[:3]))
    assert logits.shape == (3, 12) and torch.isfinite(logits).all()
    # every architecture keeps the bodies it was trained with (ST-GCN: the data's M)
    assert rec.input_spec.num_person == train.data.shape[4]


def test_learns_something(sets, tmp_path):
    """A narrow ST-GCN fits the training set far above chance (1/12) within a few epochs."""
    train, val = sets
    cfg = TrainConfig(arch="stgcn", width=8, epochs=8, batch_size=8, lr=0.05, threads=1, dropout=0.0,
                      preprocess="center", random_crop=1.0, random_move=False)
    meta = train_recognizer(cfg, train, tmp_path / "m.pt", val_set=val)
    assert meta["history"][-1]["train_top1"] > 0.4
    assert meta["history"][-1]["loss"] < meta["history"][0]["loss"]


def test_deterministic(sets, tmp_path):
    train, _ = sets
    cfg = TrainConfig(arch="stgcn", **TINY)
    train_recognizer(cfg, train, tmp_path / "a.pt")
    train_recognizer(cfg, train, tmp_path / "b.pt")
    a, b = _weights(tmp_path / "a.pt"), _weights(tmp_path / "b.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)


class _Stop(Exception):
    pass


def test_resume_continues_exactly(sets, tmp_path):
    train, val = sets
    cfg = TrainConfig(arch="stgcn", **TINY)
    train_recognizer(cfg, train, tmp_path / "full.pt", val_set=val)
    steps = -(-len(train) // cfg.batch_size)

    def stop_in_second_epoch(done, total):
        if done == steps + 1:
            raise _Stop

    out = tmp_path / "part.pt"
    with pytest.raises(_Stop):
        train_recognizer(cfg, train, out, val_set=val, progress=stop_in_second_epoch)
    assert (tmp_path / "part.pt.state.pt").is_file() and not out.exists()
    meta = train_recognizer(cfg, train, out, val_set=val, resume=True)
    assert len(meta["history"]) == 2
    a, b = _weights(tmp_path / "full.pt"), _weights(out)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_refuses_another_recipe(sets, tmp_path):
    train, _ = sets
    cfg = TrainConfig(arch="stgcn", **TINY)
    with pytest.raises(_Stop):
        train_recognizer(cfg, train, tmp_path / "m.pt", progress=lambda d, t: (_ for _ in ()).throw(_Stop)
                         if d == t // 2 + 1 else None)
    other = TrainConfig(arch="stgcn", **{**TINY, "width": 8})
    with pytest.raises(ValidationError, match="width"):
        train_recognizer(other, train, tmp_path / "m.pt", resume=True)


def test_unknown_labels_refused(sets, tmp_path):
    train, _ = sets
    bad = train.subset(slice(0, 20))
    bad.label[3] = -1
    with pytest.raises(ValidationError, match="unknown labels") as err:
        train_recognizer(TrainConfig(arch="stgcn", **TINY), bad, tmp_path / "m.pt")
    assert err.value.sample == bad.name[3]


def test_lr_schedule_warms_up_then_decays():
    cfg = TrainConfig(lr=0.1, warmup_epochs=1.0, epochs=4)
    lrs = [lr_at(s, 40, cfg, 10) for s in range(40)]
    assert lrs[0] == pytest.approx(0.01) and lrs[9] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:])) and lrs[-1] < 0.01


def test_load_split_layouts(tmp_path, small_synth):
    from pipeline.synth import write_synthetic

    write_synthetic(small_synth, tmp_path)
    assert len(load_split(tmp_path, "train")) == len(small_synth.split("train"))
    assert load_split(tmp_path, "nope") is None
    (tmp_path / "train.npz").unlink()  # falls back to the st-gcn files
    assert len(load_split(tmp_path, "train")) == len(small_synth.split("train"))


def test_step_schedule_drops_tenfold_at_the_fractions():
    cfg = TrainConfig(lr=0.1, warmup_epochs=0.0, epochs=8, schedule="step", lr_steps=(0.125, 0.625))
    lrs = [lr_at(s, 80, cfg, 10) for s in range(80)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(0.1)
    assert lrs[10] == pytest.approx(0.01) and lrs[49] == pytest.approx(0.01)
    assert lrs[50] == pytest.approx(0.001) and lrs[79] == pytest.approx(0.001)


def test_window_and_bf16_are_part_of_the_trained_model(sets, tmp_path):
    """``window`` puts the temporal resize into the saved recogniser; bf16 autocast trains
    (finite, decreasing loss) and the stored model evaluates in fp32."""
    train, val = sets
    cfg = TrainConfig(arch="stgcn", width=8, epochs=3, batch_size=8, lr=0.05, threads=1, dropout=0.0,
                      preprocess="center", random_crop=1.0, random_move=False, window=16, precision="bf16")
    meta = train_recognizer(cfg, train, tmp_path / "m.pt", val_set=val)
    assert meta["recipe"]["precision"] == "bf16" and meta["recipe"]["window"] == 16
    assert meta["history"][-1]["loss"] < meta["history"][0]["loss"]
    rec = load_recognizer(tmp_path / "m.pt")
    assert rec.streams[0].preprocess.kind == "resize16+center"
    x = torch.from_numpy(val.data[:4])
    longer = torch.cat([x, torch.zeros(4, *x.shape[1:2], 30, *x.shape[3:])], dim=2)
    assert torch.allclose(rec(x), rec(longer), atol=1e-5)  # padding does not matter


def test_pad_to_is_part_of_the_trained_model_and_its_padding_is_read(sets, tmp_path):
    """``pad_to`` zero-pads inside the saved recogniser (the official ST-GCN feeder's 300
    frames): the stored kind records it, and unlike the resize alone the prediction now
    depends on how much of the padded length the motion fills."""
    train, val = sets
    cfg = TrainConfig(arch="stgcn", width=8, epochs=1, batch_size=8, lr=0.05, threads=1, dropout=0.0,
                      preprocess="none", random_crop=1.0, random_move=False, window=16, pad_to=48,
                      max_train_samples=32)
    assert stream_preprocess(cfg) == "resize16+pad48+none"
    assert stream_preprocess(cfg.model_copy(update={"window": None})) == "pad48+none"
    meta = train_recognizer(cfg, train, tmp_path / "m.pt")
    assert meta["recipe"]["pad_to"] == 48
    rec = load_recognizer(tmp_path / "m.pt")
    assert rec.streams[0].preprocess.kind == "resize16+pad48+none"
    x = torch.from_numpy(val.data[:4])
    longer = torch.cat([x, torch.zeros(4, *x.shape[1:2], 30, *x.shape[3:])], dim=2)
    assert torch.allclose(rec(x), rec(longer), atol=1e-5)  # the input's own padding still does not matter
    short = TrainConfig(**{**cfg.model_dump(), "pad_to": 24})
    other = train_recognizer(short, train, tmp_path / "s.pt")
    assert other["history"][0]["loss"] != meta["history"][0]["loss"]  # the padded length is seen


def test_bf16_training_of_a_2s_agcn_stream(sets, tmp_path):
    """The pre-normalisation runs in fp32 inside the bf16 autocast region (it failed with a
    dtype error before)."""
    train, _ = sets
    cfg = TrainConfig(arch="agcn-bone", num_person=1, width=4, epochs=1, batch_size=16, threads=1,
                      precision="bf16", max_train_samples=32)
    meta = train_recognizer(cfg, train, tmp_path / "m.pt")
    assert meta["history"][0]["loss"] > 0
    fp32 = train_recognizer(cfg.model_copy(update={"precision": "fp32"}), train, tmp_path / "f.pt")
    assert meta["history"][0]["loss"] != fp32["history"][0]["loss"]  # autocast really ran in bf16
    assert meta["history"][0]["loss"] == pytest.approx(fp32["history"][0]["loss"], rel=0.05)


def test_eval_every_skips_epochs_and_always_evaluates_the_last(sets, tmp_path):
    train, val = sets
    cfg = TrainConfig(arch="stgcn", width=4, epochs=3, batch_size=16, threads=1, eval_every=2, max_train_samples=32)
    meta = train_recognizer(cfg, train, tmp_path / "m.pt", val_set=val)
    assert ["val_top1" in h for h in meta["history"]] == [False, True, True]


def test_a_state_from_before_a_setting_existed_resumes(sets, tmp_path):
    """Settings added later (schedule, window, precision, ...) read as their defaults in an
    older state; eval_every never blocks a resume."""
    train, _ = sets
    cfg = TrainConfig(arch="stgcn", width=4, epochs=2, batch_size=16, threads=1, max_train_samples=32)
    out = tmp_path / "m.pt"
    state_path = out.with_name(out.name + ".state.pt")

    def stop_in_the_second_epoch(done, total):
        if done == 3:  # 2 steps per epoch: the first epoch's state is written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_recognizer(cfg, train, out, progress=stop_in_the_second_epoch)
    state = read_checkpoint(state_path)
    newer = ("schedule", "lr_steps", "window", "pad_to", "precision", "eval_every")
    state["config"] = {k: v for k, v in state["config"].items() if k not in newer}  # as an older version wrote it
    torch.save(state, state_path)
    resumed = train_recognizer(cfg.model_copy(update={"eval_every": 3}), train, out, resume=True)
    straight = train_recognizer(cfg, train, tmp_path / "straight.pt")
    assert [h["epoch"] for h in resumed["history"]] == [1, 2]
    a, b = _weights(out), _weights(tmp_path / "straight.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert straight["history"][1]["loss"] == resumed["history"][1]["loss"]
    state["config"]["lr"] = 0.5
    torch.save(state, state_path)
    with pytest.raises(ValidationError, match="recipe differs"):
        train_recognizer(cfg, train, out, resume=True)


def test_lr_steps_must_be_increasing_fractions():
    with pytest.raises(ValueError, match="lr_steps"):
        TrainConfig(lr_steps=(0.6, 0.3))
    with pytest.raises(ValueError, match="lr_steps"):
        TrainConfig(lr_steps=(0.5, 1.5))
