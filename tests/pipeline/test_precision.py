"""bf16 is native or emulated: the check agrees with oneDNN, and an emulated bf16 is warned
about once."""

from __future__ import annotations

import logging

import torch

from pipeline import precision


def test_the_cpu_check_is_onednns():
    assert precision.bf16_is_native("cpu") == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    assert precision.bf16_is_native(torch.device("meta")) is False


def test_an_emulated_bf16_is_warned_about_once(monkeypatch, caplog):
    monkeypatch.setattr(precision, "_warned", set())
    monkeypatch.setattr(precision, "bf16_is_native", lambda device: False)
    with caplog.at_level(logging.WARNING, logger="pipeline.precision"):
        assert precision.warn_if_emulated("bf16", "cpu", "CIASA") is True
        assert precision.warn_if_emulated("bf16", "cpu", "CIASA") is True
        assert precision.warn_if_emulated("fp32", "cpu", "CIASA") is False
    warnings = [r for r in caplog.records if "emulated" in r.getMessage()]
    assert len(warnings) == 1 and "CIASA" in warnings[0].getMessage() and "fp32" in warnings[0].getMessage()
    monkeypatch.setattr(precision, "bf16_is_native", lambda device: True)
    assert precision.warn_if_emulated("bf16", "cpu", "training") is False
