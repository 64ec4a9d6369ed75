"""The extract stage's key: what it holds, so that a changed adapter re-runs the stage."""

from __future__ import annotations

import shutil

from flows.cross_modal import extract_settings
from flows.rundir import stage_key
from pose_extract.adapter_model import BUNDLED_ADAPTER
from pose_extract.config import ExtractConfig


def _key(cfg: ExtractConfig) -> str:
    return stage_key("extract", bundle="b" * 64, settings=extract_settings(cfg), fps=None)


def test_the_learned_adapters_content_is_in_the_extract_key(tmp_path):
    weights = tmp_path / "adapter.pt"
    shutil.copyfile(BUNDLED_ADAPTER, weights)
    cfg = ExtractConfig(adapter="learned", adapter_file=str(weights))
    first = _key(cfg)
    assert first == _key(cfg)  # stable
    weights.write_bytes(weights.read_bytes() + b"\0")  # retrained weights at the same path
    assert _key(cfg) != first
    # the bundled weights are hashed too, and differ from another file's
    bundled = extract_settings(ExtractConfig(adapter="learned"))
    assert len(bundled["adapter_sha256"]) == 64
    assert _key(ExtractConfig(adapter="learned")) != first


def test_no_adapter_hash_without_the_learned_adapter():
    for adapter in ("none", "fit"):
        settings = extract_settings(ExtractConfig(adapter=adapter))
        assert "adapter_sha256" not in settings and settings["adapter"] == adapter
    assert _key(ExtractConfig(adapter="none")) != _key(ExtractConfig(adapter="fit"))
