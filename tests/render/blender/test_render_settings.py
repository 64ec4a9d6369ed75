"""The Cycles CPU kernel switch (``CIASA_CYCLES_CPU_KERNEL``): its values and a clear error
for anything else. The kernel's effect on pixels is measured in bench/render_reproducibility.py."""

from __future__ import annotations

import pytest

from render.blender.render_settings import CPU_KERNEL_ENV, cpu_kernel


def test_kernel_defaults_to_auto_and_accepts_sse42(monkeypatch):
    monkeypatch.delenv(CPU_KERNEL_ENV, raising=False)
    assert cpu_kernel() == "auto"
    monkeypatch.setenv(CPU_KERNEL_ENV, " SSE42 ")
    assert cpu_kernel() == "sse42"
    monkeypatch.setenv(CPU_KERNEL_ENV, "")
    assert cpu_kernel() == "auto"


def test_unknown_kernel_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv(CPU_KERNEL_ENV, "avx512")
    with pytest.raises(ValueError, match="CIASA_CYCLES_CPU_KERNEL='avx512'.*auto, sse42"):
        cpu_kernel()
