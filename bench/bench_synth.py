"""Benchmark: ``ciasa data synth`` for 2,000 sequences of 64 frames.

Baseline, measured in the same run: writing the same arrays to the same kinds of
files (npz + st-gcn) without generating anything, i.e. the I/O floor. The figure is
the generation+write time as a ratio of that floor.

Run: ``.venv/bin/python bench/bench_synth.py [--samples 2000] [--frames 64]``
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from pipeline.synth import SynthConfig, generate_synthetic, write_synthetic


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--frames", type=int, default=64)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    try:
        cfg = SynthConfig(samples=args.samples, frames=args.frames)
        t0 = time.perf_counter()
        sset = generate_synthetic(cfg)
        t1 = time.perf_counter()
        write_synthetic(sset, tmp / "a")
        t2 = time.perf_counter()
        # baseline: the same outputs written again from the arrays already in memory
        write_synthetic(sset, tmp / "b")
        t3 = time.perf_counter()
        gen, wr, base = t1 - t0, t2 - t1, t3 - t2
        size = sum(p.stat().st_size for p in (tmp / "a").iterdir()) / 2**20
        print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={__import__('os').cpu_count()}")
        print(f"synth {args.samples} x {args.frames} frames: generate {gen:.2f} s, write {wr:.2f} s "
              f"({size:.0f} MiB), total {gen + wr:.2f} s")
        print(f"baseline (write only): {base:.2f} s")
        print(f"ratio total/baseline: {(gen + wr) / base:.2f}x")
        print(f"per sequence: {1000 * (gen + wr) / args.samples:.2f} ms; "
              f"{args.samples * args.frames / 30 / (gen + wr):.0f}x real time")
        assert np.isfinite(sset.data).all()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
