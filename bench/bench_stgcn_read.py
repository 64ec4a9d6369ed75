"""Benchmark: reading a 1,000-sample st-gcn file, memory-mapped vs eager.

Writes ``train_data.npy`` (1000, 3, 300, 25, 2) float32 (the official NTU shape,
~450 MiB) once, then times, each in a fresh subprocess so the page cache state is
comparable (the file is read once beforehand so both runs find it cached):

* open: ``read_stgcn`` without value checks (memmap vs eager);
* random access: open + read 64 random samples (what a data loader does per batch);
* full pass with value checks (every value validated).

The baseline is the eager read; figures are printed as ratios against it.

Run: ``.venv/bin/python bench/bench_stgcn_read.py [--samples 1000] [--frames 300]``
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time
import numpy as np
from pipeline.formats.stgcn import read_stgcn
path, mmap, mode = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
t0 = time.perf_counter()
s = read_stgcn(__import__("pathlib").Path(path), mmap=mmap, check_values=(mode == "full"))
if mode == "random":
    idx = np.random.default_rng(0).choice(len(s), 64, replace=False)
    x = np.asarray(s.data[np.sort(idx)]).sum()
elif mode == "full":
    x = float(np.asarray(s.data[-1]).sum())
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


def run(path: Path, mmap: bool, mode: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), "1" if mmap else "0", mode],
                             capture_output=True, text=True, check=True)  # fmt: skip
        best = min(best, json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_stgcn_"))
    try:
        rng = np.random.default_rng(0)
        data = np.zeros((args.samples, 3, args.frames, 25, 2), dtype=np.float32)
        data[:, :, : args.frames * 2 // 3, :, 0] = rng.normal(size=(args.samples, 3, args.frames * 2 // 3, 25))
        path = tmp / "train_data.npy"
        np.save(path, data)
        names = [f"S001C001P001R001A{(i % 60) + 1:03d}_{i}" for i in range(args.samples)]
        with open(tmp / "train_label.pkl", "wb") as f:
            pickle.dump((names, [i % 60 for i in range(args.samples)]), f)
        del data
        path.read_bytes()  # warm the page cache for both variants
        print(f"file: {path.stat().st_size / 2**20:.0f} MiB, shape ({args.samples}, 3, {args.frames}, 25, 2)")
        for mode in ("open", "random", "full"):
            eager = run(path, False, mode)
            mm = run(path, True, mode)
            print(f"{mode:7s}: eager {eager:.3f} s, memory-mapped {mm:.3f} s, ratio mmap/eager {mm / eager:.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
