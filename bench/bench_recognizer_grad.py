"""Benchmark: the unit cost of an attack iteration, a recogniser's input gradient.

For ST-GCN at the official width (64), 12 classes, M = 1 body, at 64 and 300 frames
and batch 1 and 16: forward + backward with respect to the input only (eval mode,
parameters frozen, cross-entropy against a label, ``torch.autograd.grad`` on the
input). Baseline, measured in the same run on the same inputs: the forward pass alone
under ``torch.no_grad()``. The figures are seconds per sequence and the ratio
gradient / forward. 2s-AGCN (joint stream, pre-normalisation included) at 64 frames,
batch 1, for comparison.

Timings are the best of ``--repeats`` runs (alternating gradient and forward runs), so
that other jobs on a shared CPU disturb them as little as possible.

Run: ``.venv/bin/python bench/bench_recognizer_grad.py [--threads 2] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import torch

from pipeline.models import build_recognizer


def _inputs(batch: int, frames: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Camera-frame-like skeletons ``(batch, 3, frames, 25, 1)`` (metres, ~3 m away) and labels."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(batch, 3, frames, 25, 1, generator=g)
    x[:, 2] += 3.0
    return x, torch.randint(0, 12, (batch,), generator=g)


def measure(rec: torch.nn.Module, batch: int, frames: int, repeats: int) -> tuple[float, float]:
    """``(gradient seconds per sequence, forward seconds per sequence)``: the best of
    ``repeats`` runs each, after one warm-up; gradient and forward runs alternate so that
    both see the same machine load (the best run is the least disturbed on a shared CPU)."""
    x, y = _inputs(batch, frames)

    def grad() -> None:
        xi = x.clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(rec(xi), y)
        (g,) = torch.autograd.grad(loss, xi)
        assert torch.isfinite(g).all()

    def forward() -> None:
        with torch.no_grad():
            rec(x)

    grad()
    forward()
    best_grad = best_fwd = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        grad()
        t1 = time.perf_counter()
        forward()
        t2 = time.perf_counter()
        best_grad, best_fwd = min(best_grad, t1 - t0), min(best_fwd, t2 - t1)
    return best_grad / batch, best_fwd / batch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
          f"torch={torch.__version__} threads={torch.get_num_threads()}")

    stgcn = build_recognizer("stgcn", 12).eval().requires_grad_(False)
    agcn = build_recognizer("agcn-joint", 12).eval().requires_grad_(False)
    rows = [("ST-GCN", stgcn, 64, 1), ("ST-GCN", stgcn, 64, 16), ("ST-GCN", stgcn, 300, 1),
            ("ST-GCN", stgcn, 300, 16), ("2s-AGCN joint", agcn, 64, 1)]
    print(f"{'model':<14} {'T':>4} {'batch':>5} {'fwd+bwd s/seq':>14} {'fwd s/seq':>10} {'ratio':>6}")
    for name, rec, frames, batch in rows:
        grad_s, fwd_s = measure(rec, batch, frames, args.repeats)
        print(f"{name:<14} {frames:>4} {batch:>5} {grad_s:>14.4f} {fwd_s:>10.4f} {grad_s / fwd_s:>5.2f}x")


if __name__ == "__main__":
    main()
