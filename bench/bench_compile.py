"""Benchmark: ``torch.compile`` against eager for the recogniser's forward + backward on the CPU.

Times what CIASA does per iteration, one forward and a backward to the input, on the
bundled ``stgcn-ntu60`` (one-person 200-frame sequences, the second body absent): eager
(the baseline) and the network compiled by inductor (``dynamic=False``), alternating in the
same run, best of ``--repeats``; prints the first compiled call's time (the compilation),
the ratio, and how far the compiled input gradient is from eager's.

Run: ``.venv/bin/python bench/bench_compile.py [--batch 4] [--threads 1] [--repeats 3]``
"""

from __future__ import annotations

import time

import torch
from bench_precision import step_setup  # this folder is on the path when run as a script


def step(rec, x: torch.Tensor) -> tuple[float, torch.Tensor]:
    """Seconds for one forward + backward to the input, and the input gradient."""
    xx = x.clone().requires_grad_(True)
    t0 = time.perf_counter()
    out = rec(xx)
    (grad,) = torch.autograd.grad(out.float().sum(), xx)
    return time.perf_counter() - t0, grad


def main() -> None:
    args, rec, x = step_setup(__doc__)
    stream = rec.streams[0]
    eager = stream.net
    _, g_eager = step(rec, x)
    t0 = time.perf_counter()
    compiled = torch.compile(eager, dynamic=False)
    stream.net = compiled
    _, g_compiled = step(rec, x)
    first = time.perf_counter() - t0
    best = {"eager": float("inf"), "compiled": float("inf")}
    for _ in range(args.repeats):
        for name, net in (("eager", eager), ("compiled", compiled)):
            stream.net = net
            best[name] = min(best[name], step(rec, x)[0])
    stream.net = eager
    rel = float((g_eager - g_compiled).norm() / g_eager.norm())
    print(f"{args.threads} thread(s), batch {args.batch}; first compiled call {first:.1f} s (compilation)")
    print(f"eager (baseline): {best['eager']:.3f} s per forward + backward")
    print(f"torch.compile:    {best['compiled']:.3f} s per forward + backward")
    print(f"speed-up: {best['eager'] / best['compiled']:.2f}x; input gradient relative l2 difference {rel:.1e}")


if __name__ == "__main__":
    main()
