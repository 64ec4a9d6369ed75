"""The Recognizer: input checks before any compute, gradients from logits to raw input."""

from __future__ import annotations

import pytest
import torch

from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.models import build_recognizer, create_model
from pipeline.models.recognizer import INPUT_RAW

VALID = 10  # valid frames of body 0; frames VALID.. are zero padding


def _raw(t: int = 16, m: int = 2, seed: int = 0) -> torch.Tensor:
    """``(1, 3, t, 25, m)``: body 0 valid for VALID frames then zero; other bodies absent."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(1, 3, t, 25, m)
    x[0, :, :VALID, :, 0] = 0.3 * torch.randn(3, VALID, 25, generator=g) + torch.tensor([0.1, 0.2, 3.0])[:, None, None]
    return x


def _input_grad(rec: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    logits = rec(x)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([1]))
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def _frame_norms(grad: torch.Tensor, body: int = 0) -> torch.Tensor:
    return grad[0, :, :, :, body].abs().sum(dim=(0, 2))  # T


def test_stgcn_gradients(randomize):
    """ST-GCN sees raw coordinates and does not mask: the gradient is finite and non-zero
    on valid frames, and non-zero on zero-padded frames and on the absent second body too
    (the temporal convolutions and the M-average read them). An attack must mask them."""
    rec = randomize(build_recognizer("stgcn", 5, width=8), seed=1).requires_grad_(False)
    assert rec.input_spec.coordinates == INPUT_RAW and rec.input_spec.num_person is None
    grad = _input_grad(rec, _raw())
    assert torch.isfinite(grad).all()
    norms = _frame_norms(grad)
    assert (norms[:VALID] > 0).all()
    assert (norms[VALID:] > 0).all()
    assert grad[..., 1].abs().sum() > 0


@pytest.mark.parametrize("arch", ["agcn-joint", "agcn-bone"])
def test_agcn_gradients_flow_to_the_source_frames(arch, randomize):
    """2s-AGCN pre-normalises: padded frames are filled by repeating valid frames, so their
    gradient flows to those source frames; the padded slots themselves and the absent body
    (masked by the centring) get exactly zero."""
    rec = randomize(build_recognizer(arch, 5, width=8), seed=2).requires_grad_(False)
    grad = _input_grad(rec, _raw())
    assert torch.isfinite(grad).all()
    norms = _frame_norms(grad)
    assert (norms[:VALID] > 0).all()
    assert torch.equal(norms[VALID:], torch.zeros(16 - VALID))
    assert torch.equal(grad[..., 1], torch.zeros_like(grad[..., 1]))


def test_agcn_padding_is_repetition_for_gradients(randomize):
    """The repeated copies add their gradient to the source frames: padding a sequence
    with copies of itself gives the same logits as the padded input."""
    rec = randomize(build_recognizer("agcn-joint", 5, width=8), seed=3).requires_grad_(False)
    x = _raw()
    full = x.clone()
    full[0, :, VALID:, :, 0] = x[0, :, : 16 - VALID, :, 0]
    with torch.no_grad():
        torch.testing.assert_close(rec(x), rec(full), rtol=1e-5, atol=1e-5)


def _no_compute(rec: torch.nn.Module) -> list[str]:
    calls: list[str] = []
    for stream in rec.streams:
        stream.register_forward_pre_hook(lambda mod, args: calls.append("stream"))
    return calls


@pytest.mark.parametrize(
    "shape,field",
    [
        ((1, 2, 8, 25, 1), "C"),
        ((1, 3, 8, 18, 1), "V"),
        ((1, 3, 8, 25, 3), "M"),
        ((3, 8, 25, 1), "data"),
        ((1, 1, 3, 8, 25, 1), "data"),
        ((1, 3, 0, 25, 1), "data"),
    ],
)
def test_bad_input_is_refused_before_compute(shape, field):
    rec = build_recognizer("agcn-joint", 4, width=8).eval()
    calls = _no_compute(rec)
    with pytest.raises(ValidationError) as info:
        rec(torch.zeros(shape))
    assert info.value.field == field
    assert calls == []
    assert rec.name in str(info.value) or field == "data"


def test_stgcn_accepts_any_m_but_checks_c_and_v():
    rec = build_recognizer("stgcn", 4, width=8).eval()
    with torch.no_grad():
        assert rec(torch.zeros(1, 3, 8, 25, 3)).shape == (1, 4)
    with pytest.raises(ValidationError, match="V=25"):
        rec(torch.zeros(1, 3, 8, 17, 1))
    with pytest.raises(ValidationError, match="floating"):
        rec(torch.zeros(1, 3, 8, 25, 1, dtype=torch.int64))
    with pytest.raises(ValidationError, match="torch tensor"):
        rec([[0.0]])


def test_kinetics_recognizer_checks_against_its_layout():
    rec = build_recognizer("stgcn", 400, layout="openpose18", width=8).eval()
    assert rec.input_spec.num_joints == 18 and rec.class_names[399] == "class_399"
    with pytest.raises(ValidationError) as info:
        rec(torch.zeros(1, 3, 8, 25, 2))
    assert info.value.field == "V" and "openpose18" in str(info.value)


def test_create_model_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownFormatError) as info:
        create_model("resnet")
    for name in ("stgcn", "agcn-joint", "agcn-bone", "ctrgcn", "ctrgcn-bone-motion"):
        assert name in str(info.value)


def test_build_recognizer_class_names():
    rec = build_recognizer("stgcn", 60, width=8)
    assert rec.class_names[59] == "walking apart from each other"
    with pytest.raises(ValueError, match="3 class names for 4 classes"):
        build_recognizer("stgcn", 4, class_names=["a", "b", "c"], width=8)


def test_predict_batches_match_one_pass(randomize):
    rec = randomize(build_recognizer("stgcn", 3, width=8), seed=4).requires_grad_(False)
    x = torch.randn(5, 3, 8, 25, 1)
    with torch.no_grad():
        torch.testing.assert_close(rec.predict(x, batch_size=2), rec(x), rtol=1e-5, atol=1e-5)
