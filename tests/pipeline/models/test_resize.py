"""The temporal resize of the valid frames (``resize<W>+`` preprocessing) and the zero padding (``pad<P>+``)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from pipeline.layouts import NTU25
from pipeline.models.preprocess import resize_valid_frames, valid_length, zero_pad_frames
from pipeline.models.recognizer import Preprocess, parse_preprocess


def _padded(lengths, t=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(len(lengths), 3, t, 25, 2)
    for n, length in enumerate(lengths):
        x[n, :, :length] = torch.randn(3, length, 25, 2, generator=g)
    return x


@pytest.mark.parametrize("window", [1, 16, 64])
def test_resize_is_interpolate_of_the_valid_frames(window):
    lengths = [40, 23, 1, 2]
    x = _padded(lengths)
    y = resize_valid_frames(x, window)
    assert y.shape == (4, 3, window, 25, 2)
    for n, length in enumerate(lengths):
        seq = x[n, :, :length].permute(0, 2, 3, 1).reshape(1, -1, length)  # 1 x (C V M) x L
        ref = F.interpolate(seq, size=window, mode="linear", align_corners=False)
        ref = ref.reshape(3, 25, 2, window).permute(0, 3, 1, 2)
        assert torch.allclose(y[n], ref, atol=1e-6), f"length {length}"


def test_padding_is_never_read_and_gradients_reach_valid_frames_only():
    x = _padded([20, 11], t=30)
    longer = torch.cat([x, torch.zeros(2, 3, 50, 25, 2)], dim=2)
    assert valid_length(x).tolist() == [20, 11]
    assert torch.equal(resize_valid_frames(x, 64), resize_valid_frames(longer, 64))
    x.requires_grad_(True)
    resize_valid_frames(x, 64).sum().backward()
    assert (x.grad[1, :, 11:] == 0).all() and (x.grad[1, :, :11] != 0).all()


def test_the_valid_length_is_the_last_frame_any_body_is_present():
    x = _padded([10, 10])
    x[0, :, :, :, 0] = 0  # sample 0: only body 1, frames 0..9
    x[1, :, 5:, :, 0] = 0  # sample 1: body 0 leaves after frame 4, body 1 stays to frame 9
    x[1, :, :3, :, 1] = 0  # ... and enters at frame 3
    assert valid_length(x).tolist() == [10, 10]


def test_index_arithmetic_does_not_depend_on_the_input_precision():
    """bf16 cannot count 287 frames; the source times are computed in float64."""
    x = _padded([287], t=300)
    ref = resize_valid_frames(x, 64)
    low = resize_valid_frames(x.to(torch.bfloat16), 64).float()
    assert (low - ref).abs().max() < 0.05  # bf16 rounding of the values only


def test_preprocess_kinds_with_a_resize():
    assert parse_preprocess("resize64+center") == (64, None, "center")
    assert parse_preprocess("agcn-prenorm+bone") == (None, None, "agcn-prenorm+bone")
    assert parse_preprocess("resize32+agcn-prenorm+bone") == (32, None, "agcn-prenorm+bone")
    assert parse_preprocess("resize32+pad128+none") == (32, 128, "none")
    assert parse_preprocess("pad300+none") == (None, 300, "none")
    for bad in ("resize+center", "resize0+center", "resizex+none", "resize64+rotate", "blur", "pad0+none",
                "pad+none", "pad64+resize32+none", "resize32+pad64+pad64+none"):
        with pytest.raises(ValueError, match="preprocessing|resize"):
            Preprocess(bad, NTU25)
    p = Preprocess("resize16+center", NTU25)
    out = p(_padded([30, 12]))
    assert out.shape[2] == 16
    assert torch.allclose(out[:, :, 0, NTU25.root, 0], torch.zeros(2, 3), atol=1e-6)


def test_zero_padding_keeps_the_frames_and_adds_zeros():
    """The official ST-GCN feeder's 300-frame zero padding: frames kept, zeros after."""
    x = _padded([30, 12], t=40)
    out = zero_pad_frames(x, 64)
    assert out.shape == (2, 3, 64, 25, 2)
    assert torch.equal(out[:, :, :40], x) and (out[:, :, 40:] == 0).all()
    assert torch.equal(zero_pad_frames(x, 30), x[:, :, :30])  # trailing padding dropped
    with pytest.raises(ValueError, match="30 frames, more than the padded length 20"):
        zero_pad_frames(x, 20)
    with pytest.raises(ValueError, match="at least 1"):
        zero_pad_frames(x, 0)


def test_a_padded_input_is_resized_transformed_then_padded_with_gradients_to_the_motion():
    p = Preprocess("resize16+pad64+center", NTU25)
    x = _padded([30, 12])
    x.requires_grad_(True)
    out = p(x)
    assert out.shape[2] == 64
    assert (out[:, :, 16:] == 0).all()  # the padding is zero after the centring
    assert torch.allclose(out[:, :, :16], Preprocess("resize16+center", NTU25)(x))
    out.square().sum().backward()
    assert (x.grad[0, :, :30] != 0).any() and (x.grad[1, :, 12:] == 0).all()
