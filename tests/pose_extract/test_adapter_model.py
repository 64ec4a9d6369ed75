"""The learned adapter network, its files and its training (pose_extract.adapter_model,
pose_extract.adapter_train)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.errors import FormatError, MissingInputError
from pose_extract.adapter_features import OUTPUTS, compose
from pose_extract.adapter_model import (AdapterConfig, KinectAdapter, compose_torch, load_adapter, run_adapter,
                                        save_adapter)
from pose_extract.adapter_train import TrainAdapterConfig, adapter_errors, train_adapter
from tests.pose_extract.adapter_fixtures import pair_rows

OFFSET = np.zeros((25, 3))
OFFSET[3, 1] = 0.08  # the head 8 cm higher than the mapping puts it
OFFSET[[7, 11, 21, 23], 2] = -0.05  # hands and tips 5 cm nearer the camera


def test_untrained_adapter_is_the_extractor_without_one():
    rows = pair_rows(2, 12, offset=OFFSET, scale=1.1)
    model = KinectAdapter(AdapterConfig(width=16))
    out = run_adapter(model, rows[0].features, rows[0].ok)
    assert out.shape == (12, OUTPUTS) and not out.any()
    assert adapter_errors(model, rows) == adapter_errors(None, rows)


def test_torch_and_numpy_composition_agree():
    row = pair_rows(1, 10, offset=OFFSET, scale=1.0)[0]
    out = np.random.default_rng(0).normal(0, 0.05, (10, OUTPUTS))
    world = row.features[:, :99].reshape(10, 33, 3).astype(np.float64)
    root = row.features[:, 198:201].astype(np.float64)
    tz = np.exp(root[:, 2])
    t = np.stack([root[:, 0] * tz, root[:, 1] * tz, tz], -1)
    a = compose(world, t, out)
    b = compose_torch(torch.as_tensor(row.features)[None], torch.as_tensor(out, dtype=torch.float32)[None])[0]
    np.testing.assert_allclose(b.numpy(), a, atol=1e-4)


def test_training_learns_a_systematic_difference_and_resumes(tmp_path):
    train, val = pair_rows(24, 16, offset=OFFSET, scale=1.1, seed=0), pair_rows(6, 16, offset=OFFSET, scale=1.1, seed=1)
    cfg = TrainAdapterConfig(epochs=60, batch_size=8, lr=3e-3, checkpoint_every=30, eval_every=30, threads=1)
    out = tmp_path / "adapter.pt"
    history = train_adapter(train, out, val=val, config=cfg, model_config=AdapterConfig(width=32, blocks=2),
                            card={"data": "synthetic"})
    model, card = load_adapter(out)
    before, after = adapter_errors(None, val), adapter_errors(model, val)
    assert after["mpjpe_mm"] < 0.5 * before["mpjpe_mm"], (before, after)
    assert after["root_relative_mpjpe_mm"] < 0.5 * before["root_relative_mpjpe_mm"], (before, after)
    assert card["data"] == "synthetic" and len(card["history"]["epochs"]) == 60
    assert [v["epoch"] for v in history["val"]] == [30, 60]
    # a finished state resumes at its end: nothing more is trained, the same weights come out
    again = train_adapter(train, tmp_path / "adapter.pt", val=val, config=cfg,
                          model_config=AdapterConfig(width=32, blocks=2), card={"data": "synthetic"})
    assert again["epochs"] == history["epochs"]
    model2, _ = load_adapter(out)
    for a, b in zip(model.state_dict().values(), model2.state_dict().values()):
        assert torch.equal(a, b)


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    train = pair_rows(8, 12, offset=OFFSET, scale=1.0)
    arch = AdapterConfig(width=16, blocks=1)
    full = train_adapter(train, tmp_path / "a.pt", config=TrainAdapterConfig(epochs=10, checkpoint_every=5, threads=1),
                         model_config=arch)

    stopped = []

    def stop_at_7(epoch, *_):
        if epoch == 7:
            stopped.append(epoch)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_adapter(train, tmp_path / "b.pt", config=TrainAdapterConfig(epochs=10, checkpoint_every=5, threads=1),
                      model_config=arch, on_epoch=stop_at_7)
    resumed = train_adapter(train, tmp_path / "b.pt", config=TrainAdapterConfig(epochs=10, checkpoint_every=5,
                                                                                threads=1), model_config=arch)
    assert stopped == [7]
    np.testing.assert_allclose(resumed["epochs"], full["epochs"], rtol=1e-5)


def test_save_and_load_round_trip(tmp_path):
    model = KinectAdapter(AdapterConfig(width=8, blocks=1))
    path = save_adapter(model, tmp_path / "x.pt", {"note": "n"})
    loaded, card = load_adapter(path)
    assert card == {"note": "n"} and loaded.config == model.config and not loaded.training


def test_bad_adapter_files_give_one_line_errors(tmp_path):
    with pytest.raises(MissingInputError, match="adapter file not found"):
        load_adapter(tmp_path / "missing.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a torch file")
    with pytest.raises(FormatError, match="not a readable adapter file") as info:
        load_adapter(corrupt)
    assert "corrupt.pt" in str(info.value) and "\n" not in str(info.value)
    other = tmp_path / "other.pt"
    torch.save({"format": "something else"}, other)
    with pytest.raises(FormatError, match="not a ciasa.kinect_adapter file"):
        load_adapter(other)
    wrong = tmp_path / "wrong.pt"
    doc = {"format": "ciasa.kinect_adapter", "version": 1, "config": {"width": 8, "blocks": 1, "kernel": 3,
                                                                       "dropout": 0.0},
           "state_dict": KinectAdapter(AdapterConfig(width=16, blocks=1)).state_dict(), "card": {}}
    torch.save(doc, wrong)
    with pytest.raises(FormatError, match="weights do not fit the adapter"):
        load_adapter(wrong)
