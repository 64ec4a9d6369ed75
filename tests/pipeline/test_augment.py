"""st-gcn style augmentation: padding stays zero, windows are real windows, determinism."""

from __future__ import annotations

import numpy as np
import torch

from pipeline.augment import random_crop, random_move


def _batch(small_synth, n=12):
    x = torch.from_numpy(small_synth.data[:n].astype(np.float32))
    nf = torch.from_numpy(small_synth.num_frames[:n].astype(np.int64))
    return x, nf


def _gen(seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def test_crop_is_a_window_of_valid_frames(small_synth):
    x, nf = _batch(small_synth)
    out, new = random_crop(x, nf, 0.5, _gen())
    assert out.shape == x.shape
    for i in range(len(x)):
        n, k = int(nf[i]), int(new[i])
        assert int(np.ceil(0.5 * n)) <= k <= n
        assert torch.all(out[i, :, k:] == 0)  # zero after the window
        # the kept frames are consecutive source frames starting somewhere in the valid range
        starts = [s for s in range(0, n - k + 1) if torch.equal(out[i, :, :k], x[i, :, s:s + k])]
        assert starts, f"sample {i}: cropped frames are not a window of the source"


def test_crop_ratio_one_keeps_everything(small_synth):
    x, nf = _batch(small_synth)
    out, new = random_crop(x, nf, 1.0, _gen())
    assert torch.equal(out, x) and torch.equal(new, nf)


def test_move_keeps_padding_and_depth(small_synth):
    x, nf = _batch(small_synth)
    out = random_move(x, nf, _gen())
    assert torch.equal(out[:, 2], x[:, 2])  # z untouched
    for i in range(len(x)):
        assert torch.all(out[i, :, int(nf[i]):] == 0)
    assert not torch.allclose(out[:, :2], x[:, :2])


def test_move_is_a_similarity_per_frame(small_synth):
    """Within one frame, distances in the x-y plane scale by one common factor in [0.9, 1.1]."""
    x, nf = _batch(small_synth, 4)
    out = random_move(x, nf, _gen(3))
    for i in range(4):
        for t in (0, int(nf[i]) // 2, int(nf[i]) - 1):
            a, b = x[i, :2, t, :, 0], out[i, :2, t, :, 0]  # 2 x V
            da = torch.cdist(a.T, a.T)
            db = torch.cdist(b.T, b.T)
            ratio = db[da > 0.05] / da[da > 0.05]
            assert torch.allclose(ratio, ratio.mean().expand_as(ratio), atol=1e-4)
            assert 0.9 - 1e-4 <= float(ratio.mean()) <= 1.1 + 1e-4


def test_zero_ranges_give_identity(small_synth):
    x, nf = _batch(small_synth)
    out = random_move(x, nf, _gen(), max_angle_deg=0.0, scale_range=(1.0, 1.0), max_shift=0.0)
    assert torch.allclose(out, x, atol=1e-6)


def test_same_generator_same_result(small_synth):
    x, nf = _batch(small_synth)
    assert torch.equal(random_move(x, nf, _gen(5)), random_move(x, nf, _gen(5)))
    assert torch.equal(random_crop(x, nf, 0.7, _gen(5))[0], random_crop(x, nf, 0.7, _gen(5))[0])
