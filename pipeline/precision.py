"""Whether bf16 arithmetic is native on a device, and the warning when it is not.

``precision: bf16`` (attack and training) runs the model's forward and backward under
bf16 autocast. That pays only where the hardware has bf16: a GPU that supports it, or a
CPU whose oneDNN has a bf16 path (AVX-512 BF16 or AMX; on AVX-512 without BF16 oneDNN
converts, still faster than fp32 on the machines measured). On a CPU without AVX-512 the
bf16 kernels are emulated: measured on a 2-core AMD EPYC with AVX2 only (2026-12-07,
``bench/bench_precision.py``), ST-GCN's forward and backward of 4 sequences took 24-40 s in
bf16 against 1.4-1.6 s in fp32, 15-28 times slower (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

_warned: set[str] = set()


def bf16_is_native(device: Any) -> bool:
    """Whether bf16 autocast is hardware-supported on ``device`` (a torch device or its
    name): CUDA's own check on a GPU, oneDNN's on the CPU (False when torch cannot say)."""
    import torch

    dev = torch.device(device)
    try:
        if dev.type == "cuda":
            return bool(torch.cuda.is_bf16_supported())
        if dev.type == "cpu":
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
    return False


def warn_if_emulated(precision: str, device: Any, what: str) -> bool:
    """Log a warning (once per device type and ``what``) when ``precision`` is ``"bf16"``
    and ``device`` emulates it; returns whether it does."""
    if precision != "bf16" or bf16_is_native(device):
        return False
    import torch

    key = f"{torch.device(device).type}:{what}"
    if key not in _warned:
        _warned.add(key)
        log.warning("%s: bf16 is emulated on this %s (no AVX-512 / AMX bf16 path): expect it to be many times "
                    "slower than fp32 (measured 15-28x on an AVX2 CPU); use precision fp32 here", what,
                    torch.device(device).type.upper())
    return True


__all__ = ["bf16_is_native", "warn_if_emulated"]
