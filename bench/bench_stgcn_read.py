"""Benchmark: reading a 1,000-sample st-gcn file, memory-mapped vs eager.

Writes ``train_data.npy`` (1000, 3, 300, 25, 2) float32 (the official NTU shape,
~172 MiB) once, then times, each in a fresh subprocess so the page cache state is
comparable (the file is read once beforehand so both runs find it cached):

* open: ``read_stgcn`` without value checks (memmap vs eager); without the ciasa
  sidecar the valid lengths are inferred by scanning the data, with it they are not;
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
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]  # kB, reset at exec
print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mib": int(hwm) / 1024}))
"""


def run(path: Path, mmap: bool, mode: str, repeats: int = 5) -> tuple[float, float]:
    """Best wall time (s) over ``repeats`` fresh processes and their peak RSS (MiB)."""
    best, rss = float("inf"), 0.0
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), "1" if mmap else "0", mode],
                             capture_output=True, text=True, check=True)  # fmt: skip
        res = json.loads(out.stdout.strip().splitlines()[-1])
        best, rss = min(best, res["seconds"]), max(rss, res["rss_mib"])
    return best, rss


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
        # the same set written by ciasa: with the {part}_meta.json sidecar (num_frames known)
        from pipeline.formats.stgcn import read_stgcn, write_stgcn

        write_stgcn(read_stgcn(path, mmap=True, check_values=False), tmp / "ciasa", part="train")
        print(f"file: {path.stat().st_size / 2**20:.0f} MiB, shape ({args.samples}, 3, {args.frames}, 25, 2)")
        for label, p in (("official pair (no sidecar)", path), ("ciasa-written (sidecar)", tmp / "ciasa" / "train_data.npy")):
            p.read_bytes()  # warm the page cache for both variants
            print(label)
            for mode in ("open", "random", "full"):
                eager, rss_e = run(p, False, mode)
                mm, rss_m = run(p, True, mode)
                print(f"  {mode:7s}: eager {eager:.3f} s (peak RSS {rss_e:.0f} MiB), memory-mapped {mm:.3f} s "
                      f"(peak RSS {rss_m:.0f} MiB); ratio mmap/eager: time {mm / eager:.2f}, memory {rss_m / rss_e:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
