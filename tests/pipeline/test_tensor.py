"""The (N, C, T, V, M) contract: masks for numpy and torch, length inference, checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.errors import ValidationError
from pipeline.tensor import (
    body_mask,
    check_skeleton_array,
    frame_mask,
    infer_num_frames,
    row_chunks,
    valid_mask,
)


@pytest.fixture
def data(rng):
    x = rng.normal(size=(3, 3, 10, 25, 2)).astype(np.float32)
    x[0, :, 7:] = 0  # sample 0: 7 frames
    x[1, :, :, :, 1] = 0  # sample 1: second body absent
    x[2, :, 2:5, :, 1] = 0  # sample 2: second body absent in frames 2-4
    return x


def test_masks_numpy(data):
    nf = np.array([7, 10, 10])
    fm = frame_mask(nf, 10)
    assert fm.shape == (3, 10) and fm[0].sum() == 7 and fm[1:].all()
    vm = valid_mask(data, nf)
    assert vm.shape == (3, 10, 2)
    assert not vm[0, 7:].any() and vm[0, :7].all()
    assert vm[1, :, 0].all() and not vm[1, :, 1].any()
    assert not vm[2, 2:5, 1].any() and vm[2, 5:, 1].all()
    bm = body_mask(data, nf)
    assert bm.tolist() == [[True, True], [True, False], [True, True]]


def test_masks_torch_match_numpy(data):
    nf = np.array([7, 10, 10])
    vt = valid_mask(torch.from_numpy(data), torch.from_numpy(nf))
    assert isinstance(vt, torch.Tensor) and vt.dtype == torch.bool
    np.testing.assert_array_equal(vt.numpy(), valid_mask(data, nf))
    np.testing.assert_array_equal(body_mask(torch.from_numpy(data)).numpy(), body_mask(data))


def test_infer_num_frames(data):
    np.testing.assert_array_equal(infer_num_frames(data), [7, 10, 10])
    empty = np.zeros((1, 3, 5, 25, 1), np.float32)
    assert infer_num_frames(empty)[0] == 0
    gap = np.zeros((1, 3, 6, 25, 1), np.float32)
    gap[0, :, [0, 3]] = 1.0  # an empty frame inside the sequence is not the end
    assert infer_num_frames(gap)[0] == 4


def test_check_skeleton_array_errors(data):
    check_skeleton_array(data, num_joints=25, num_channels=3)
    with pytest.raises(ValidationError, match="5-d"):
        check_skeleton_array(data[0])
    with pytest.raises(ValidationError, match="wrong joint count"):
        check_skeleton_array(data[:, :, :, :24], num_joints=25, path="x.npy")
    bad = data.copy()
    bad[1, 2, 3, 4, 0] = np.inf
    with pytest.raises(ValidationError) as err:
        check_skeleton_array(bad, names=["a", "b", "c"], path="x.npy")
    msg = str(err.value)
    assert "x.npy" in msg and "sample b" in msg and "channel 2, frame 3, joint 4, body 0" in msg


def test_row_chunks_cover_every_row_within_the_budget():
    a = np.zeros((10, 3, 4), np.float32)  # 48 bytes a row
    chunks = list(row_chunks(a, 100))
    assert chunks == [slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8), slice(8, 10)]
    assert list(row_chunks(a.astype(np.float64), 200)) == [slice(0, 2), slice(2, 4), slice(4, 6),
                                                          slice(6, 8), slice(8, 10)]  # fmt: skip
    assert list(row_chunks(a, 1)) == [slice(i, i + 1) for i in range(10)]  # at least one row
    assert list(row_chunks(a, 10**9)) == [slice(0, 10)]
    assert list(row_chunks(np.zeros(5, np.int16), 4)) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert list(row_chunks(np.zeros((0, 3, 4)), 100)) == []
    assert list(row_chunks(np.zeros((4, 0)), 100)) == [slice(0, 4)]  # zero-byte rows
    with pytest.raises(ValidationError):
        list(row_chunks(np.zeros(()), 100))


def test_row_chunks_blocks_match_the_whole(data):
    got = np.concatenate([data[sl] for sl in row_chunks(data, data[0].nbytes + 1)])
    np.testing.assert_array_equal(got, data)


def test_empty_arrays_pass_through():
    empty = np.zeros((0, 3, 10, 25, 2), np.float32)
    nf = infer_num_frames(empty)
    assert nf.shape == (0,) and nf.dtype == np.int64
    check_skeleton_array(empty, num_joints=25, num_channels=3)
    assert valid_mask(empty, nf).shape == (0, 10, 2)


def test_chunked_scans_name_the_right_sample_across_chunks(data, monkeypatch):
    import pipeline.tensor as tensor

    small = lambda a, budget: row_chunks(a, 1)  # noqa: E731  one sample per chunk
    monkeypatch.setattr(tensor, "row_chunks", small)
    np.testing.assert_array_equal(tensor.infer_num_frames(data), [7, 10, 10])
    bad = data.copy()
    bad[2, 0, 1, 2, 0] = np.nan
    with pytest.raises(ValidationError, match="sample c"):
        tensor.check_skeleton_array(bad, names=["a", "b", "c"])


def test_summary_of_an_empty_set_has_no_ranges():
    from pipeline.skeleton_set import SkeletonSet
    from pipeline.summary import summarize

    empty = SkeletonSet(
        data=np.zeros((0, 3, 10, 25, 2), np.float32), label=np.zeros(0, np.int64),
        name=np.array([], dtype="U8"), num_frames=np.zeros(0, np.int64), layout="ntu25",
    )
    s = summarize(empty)
    assert s["samples"] == 0 and s["frames"] == {} and s["classes"] == []
    assert s["value_ranges"]["x"] == {"min": None, "mean": None, "max": None}
