"""Benchmark: bf16 autocast against fp32 for the recogniser's forward + backward on this CPU.

``precision: bf16`` pays only where the CPU has a bf16 path (AVX-512 BF16 or AMX); where it
does not, oneDNN emulates it. This times what CIASA and training do per step, one forward
and a backward to the input, on the bundled ``stgcn-ntu60`` (one-person 200-frame
sequences, the second body absent), fp32 (the baseline) and bf16 in the same run,
alternating, best of ``--repeats``; prints whether torch reports a native bf16 path and
the ratio bf16 / fp32.

Run: ``.venv/bin/python bench/bench_precision.py [--batch 4] [--threads 1] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import torch

from pipeline.models import load_recognizer
from pipeline.precision import bf16_is_native


def step(rec, x: torch.Tensor, precision: str) -> float:
    xx = x.clone().requires_grad_(True)
    t0 = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        out = rec(xx)
    torch.autograd.grad(out.float().sum(), xx)
    return time.perf_counter() - t0


def step_setup(doc: str) -> tuple[argparse.Namespace, object, torch.Tensor]:
    """Parse ``--batch --threads --repeats`` and return them with the bundled
    ``stgcn-ntu60`` and ``batch`` one-person sequences of 200 frames (the second body
    absent): what this bench and bench_compile.py time a step on."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rec = load_recognizer("stgcn-ntu60", device="cpu")
    x = torch.randn(args.batch, 3, 200, 25, 2, generator=torch.Generator().manual_seed(0)) * 0.3
    x[..., 1] = 0
    return args, rec, x


def main() -> None:
    args, rec, x = step_setup(__doc__)
    step(rec, x, "fp32")  # warm-up
    best = {"fp32": float("inf"), "bf16": float("inf")}
    for _ in range(args.repeats):
        for precision in best:
            best[precision] = min(best[precision], step(rec, x, precision))
    print(f"native bf16 on this CPU: {bf16_is_native('cpu')}; {args.threads} thread(s), batch {args.batch}")
    print(f"fp32 (baseline): {best['fp32']:.3f} s per forward + backward")
    print(f"bf16 autocast:   {best['bf16']:.3f} s per forward + backward")
    print(f"bf16 / fp32: {best['bf16'] / best['fp32']:.2f}x the time")


if __name__ == "__main__":
    main()
