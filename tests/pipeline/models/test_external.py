"""A model from the user's own code (``pkg.module:factory`` / ``file.py:factory``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from pipeline.classes import NTU60_CLASSES
from pipeline.errors import ValidationError
from pipeline.models import load_recognizer
from pipeline.models.external import is_external_spec

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "user_model.py"
SPEC = f"{FIXTURE}:make"


def test_specs_are_told_apart_from_checkpoints_and_bundled_names(tmp_path):
    assert is_external_spec(SPEC) and is_external_spec("mypkg.models:build")
    assert not is_external_spec("stgcn-synth") and not is_external_spec("model.pt")
    odd = tmp_path / "a:b.pt"
    odd.write_bytes(b"")
    assert not is_external_spec(odd)  # an existing file is a checkpoint, colon or not
    assert not is_external_spec("a.pt+b.pt") and not is_external_spec("x:1bad")


def test_a_file_outside_the_package_loads_as_a_recogniser():
    rec = load_recognizer(SPEC)
    assert rec.arch == "external" and rec.class_names == list(NTU60_CLASSES) and rec.layout.name == "ntu25"
    assert rec.meta["file"] == str(FIXTURE) and len(rec.meta["content_hash"]) == 64
    assert not rec.training and not any(p.requires_grad for p in rec.parameters())
    x = torch.randn(3, 3, 20, 25, 2)
    assert rec(x).shape == (3, 60)
    torch.testing.assert_close(rec(x), rec(x + 0.5))  # its own preprocessing runs inside


def test_a_module_spec_and_a_returned_description(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURE.parent))
    rec = load_recognizer("user_model:make_with_info")
    assert rec.class_names == list("abcde") and rec.input_spec.num_person == 1
    assert rec(torch.randn(2, 3, 32, 25, 1)).shape == (2, 5)


def test_the_weights_are_in_the_content_hash(tmp_path, monkeypatch):
    base = load_recognizer(SPEC).meta["content_hash"]
    state = {k: v + 1.0 for k, v in load_recognizer(SPEC).streams[0].net.state_dict().items()}
    torch.save(state, tmp_path / "w.pt")
    monkeypatch.setenv("CIASA_TEST_USER_MODEL_WEIGHTS", str(tmp_path / "w.pt"))
    assert load_recognizer(SPEC).meta["content_hash"] != base


@pytest.mark.parametrize("spec, words", [
    ("no_such_pkg_xyz.models:make", "no module named 'no_such_pkg_xyz'"),
    (f"{FIXTURE.parent}/absent.py:make", "no such file"),
    (f"{FIXTURE}:missing", "has no attribute 'missing'"),
    (f"{FIXTURE}:broken", "not callable"),
    (f"{FIXTURE}:not_a_module", "returned int, not a torch.nn.Module"),
    (f"{FIXTURE}:wrong_shape", "is not logits (N, K)"),
    (f"{FIXTURE}:wrong_layout", "unknown layout 'kinect99'"),
])
def test_bad_specs_give_one_line_errors_naming_the_spec(spec, words):
    with pytest.raises(ValidationError) as err:
        load_recognizer(spec)
    text = str(err.value)
    assert words in text and spec in text and "\n" not in text

