"""Checkpoints: ciasa round trip (fp32 and fp16) and every kind of bad file."""

from __future__ import annotations

import os

import pytest
import torch

from pipeline.errors import FormatError, MissingInputError, UnsafePickleError
from pipeline.models import build_recognizer, load_recognizer, save_recognizer
from pipeline.models.checkpoint import FORMAT, read_checkpoint
from pipeline.models.stgcn import STGCN


class NotAWeight:
    """An arbitrary class: unpickling it must be refused."""

    def __init__(self) -> None:
        self.payload = [1, 2, 3]


def _x(m: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(9)
    return torch.randn(2, 3, 8, 25, m, generator=g)


@pytest.mark.parametrize("arch", ["stgcn", "agcn-joint", "agcn-bone"])
def test_ciasa_round_trip(tmp_path, arch, randomize):
    classes = ["wave", "kick", "jump"]
    rec = randomize(build_recognizer(arch, 3, class_names=classes, name="mine", width=8), seed=1)
    path = save_recognizer(rec, tmp_path / "sub" / "rec.pt", meta={"epochs": 2})
    assert path.is_file() and not list(path.parent.glob("*.part"))
    obj = read_checkpoint(path)
    assert obj["format"] == FORMAT and obj["class_names"] == classes
    back = load_recognizer(path)
    assert back.arch == arch and back.class_names == classes and back.name == "mine"
    assert back.meta["epochs"] == 2 and back.meta["path"] == str(path)
    assert back.streams[0].preprocess.kind == rec.streams[0].preprocess.kind
    with torch.no_grad():
        torch.testing.assert_close(back(_x()), rec(_x()), rtol=0, atol=0)


def test_half_round_trip(tmp_path, randomize):
    rec = randomize(build_recognizer("stgcn", 4, width=16), seed=2)
    full = save_recognizer(rec, tmp_path / "f32.pt")
    half = save_recognizer(rec, tmp_path / "f16.pt", half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    stored = read_checkpoint(half)["streams"][0]["state_dict"]
    assert stored["fcn.weight"].dtype == torch.float16
    assert stored["data_bn.num_batches_tracked"].dtype == torch.int64
    back = load_recognizer(half)
    assert back.model.fcn.weight.dtype == torch.float32
    with torch.no_grad():
        ref, got = rec(_x()), back(_x())
    scale = ref.abs().max()
    assert (got - ref).abs().max() <= 1e-2 * scale
    assert torch.equal(got.argmax(1), ref.argmax(1))


def test_ensemble_members_must_agree(tmp_path):
    a = save_recognizer(build_recognizer("agcn-joint", 3, class_names=["a", "b", "c"], width=8), tmp_path / "a.pt")
    b = save_recognizer(build_recognizer("agcn-bone", 3, class_names=["a", "b", "x"], width=8), tmp_path / "b.pt")
    with pytest.raises(FormatError, match="disagree"):
        load_recognizer(f"{a}+{b}")


# ----------------------------------------------------------------------------- bad files


def _stgcn_state(width: int = 8) -> dict[str, torch.Tensor]:
    return STGCN(num_class=5, width=width).state_dict()


def test_missing_and_unexpected_keys_are_listed(tmp_path):
    state = _stgcn_state()
    for k in ("fcn.bias", "st_gcn_networks.9.tcn.2.weight", "edge_importance.3"):
        del state[k]
    state["st_gcn_networks.4.residual.2.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(FormatError) as info:
        load_recognizer(tmp_path / "bad.pt")
    msg = str(info.value)
    assert "missing keys" in msg and "fcn.bias" in msg and "edge_importance.3" in msg
    assert "unexpected keys" in msg and "st_gcn_networks.4.residual.2.weight" in msg
    assert "stgcn" in msg and "width" in msg  # the architecture it was checked against
    assert str(tmp_path / "bad.pt") in msg


def test_wrong_shapes_are_listed_with_a_cap(tmp_path):
    state = _stgcn_state()
    bad = [k for k in state if k.endswith("tcn.2.weight")]  # 10 of them
    for k in bad:
        state[k] = torch.zeros(3, 3, 9, 1)
    torch.save(state, tmp_path / "shapes.pt")
    with pytest.raises(FormatError) as info:
        load_recognizer(tmp_path / "shapes.pt")
    msg = str(info.value)
    assert "shape mismatches" in msg and "(3, 3, 9, 1) vs (8, 8, 9, 1)" in msg
    assert bad[0] in msg and bad[9] not in msg and "(+5 more)" in msg


def test_unknown_architecture(tmp_path):
    torch.save({"conv.weight": torch.zeros(2, 2)}, tmp_path / "other.pt")
    with pytest.raises(FormatError, match="unrecognised architecture"):
        load_recognizer(tmp_path / "other.pt")


def test_arbitrary_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": _stgcn_state(), "extra": NotAWeight()}, path)
    with pytest.raises(UnsafePickleError, match="refused") as info:
        load_recognizer(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "obj,match",
    [
        ([torch.zeros(1)], "list, not a state dict"),
        ({"a": "b", "c": "d"}, "not a state dict"),
        ({"fcn.weight": torch.zeros(1), "note": "hello"}, "entry 'note' is a str"),
        ({}, "empty"),
        ({"state_dict": {}}, "empty"),
    ],
)
def test_not_a_state_dict(tmp_path, obj, match):
    path = tmp_path / "x.pt"
    torch.save(obj, path)
    with pytest.raises(FormatError, match=match) as info:
        load_recognizer(path)
    assert not isinstance(info.value, UnsafePickleError)


@pytest.mark.parametrize(
    "content",
    [os.urandom(256), b"", b"hello, this is a text file\n", b"PK\x03\x04 truncated zip", b"\x80\x02}q\x00."],
    ids=["random", "empty", "text", "zip-header", "pickle-fragment"],
)
def test_garbage_bytes(tmp_path, content):
    path = tmp_path / "garbage.pt"
    path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        load_recognizer(path)
    assert not isinstance(info.value, UnsafePickleError)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(MissingInputError) as info:
        load_recognizer(tmp_path / "nope.pt")
    assert "stgcn-synth" in str(info.value)  # the bundled names are suggested
    with pytest.raises(MissingInputError):
        read_checkpoint(tmp_path / "nope.pt")
