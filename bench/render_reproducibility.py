"""Measurement: is a render the same from run to run, across thread counts and across CPU
instruction sets? (issue 13)

Renders one short synthetic clip (default: the pose-extraction tests' clip, 16 frames of
"hand waving", Anny, 320x180, appearance seed 1; ``--distance 2.0`` is the tests' clip)
several times on this machine:

- the same settings twice (run-to-run),
- with 1 and 2 Blender render threads,
- with the Cycles kernel this CPU picks (AVX2 here) and with the SSE4.2 kernel that a CPU
  without AVX2 runs (``CIASA_CYCLES_CPU_KERNEL=sse42``),
- each for the ``default`` preset (OpenImageDenoise on) and the ``preview`` preset (no
  denoiser),

then compares each pair: the H.264 file bytes, the decoded frames (largest and mean
absolute difference in 8-bit levels, share of differing pixel values) and what MediaPipe
makes of them (frames found, root-relative MPJPE against the source, largest difference
between the two recovered skeletons). Per variant it prints the render time as a ratio
against the first variant's (the baseline of this run).

Run: ``.venv/bin/python bench/render_reproducibility.py --out build/repro --json build/repro.json``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

#: (label, quality, render threads, Cycles CPU kernel)
VARIANTS = (
    ("default", "default", 2, "auto"),
    ("default again", "default", 2, "auto"),
    ("default 1 thread", "default", 1, "auto"),
    ("default sse42", "default", 2, "sse42"),
    ("preview", "preview", 2, "auto"),
    ("preview again", "preview", 2, "auto"),
    ("preview 1 thread", "preview", 1, "auto"),
    ("preview sse42", "preview", 2, "sse42"),
)
#: Pairs compared: (variant, variant).
PAIRS = (
    ("default", "default again"), ("default", "default 1 thread"), ("default", "default sse42"),
    ("preview", "preview again"), ("preview", "preview 1 thread"), ("preview", "preview sse42"),
)


def frames_of(video: Path) -> np.ndarray:
    """Decoded frames (T, H, W, 3) uint8."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    out = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(bgr)
    cap.release()
    return np.stack(out)


def render_variant(sset, index: int, out: Path, quality: str, threads: int, kernel: str, resolution, seed: int):
    from pose_extract.bundles import extract_bundles
    from pose_extract.report import ExtractionError
    from render.api import render_sequence

    os.environ["CIASA_CYCLES_CPU_KERNEL"] = kernel
    try:
        t0 = time.perf_counter()
        bundle = render_sequence(sset, index, out, quality=quality, resolution=resolution, seed=seed,
                                 threads=threads, device="cpu", force=True)
        seconds = time.perf_counter() - t0
    finally:
        os.environ.pop("CIASA_CYCLES_CPU_KERNEL", None)
    used = bundle.manifest.get("render", {}).get("engine_used") or bundle.manifest.get("render", {})
    row = {"seconds": round(seconds, 2), "sha256": hashlib.sha256(bundle.video.read_bytes()).hexdigest(),
           "video": str(bundle.video), "used": used}
    try:
        sset_out, report = extract_bundles([bundle.path])
        s = report.samples[0]
        row.update(detected=int(s.counts["detected_frames"]), frames=int(s.counts["video_frames"]),
                   rr_mm=round(s.metrics["source_joints"]["root_relative_mpjpe_mm"], 1))
        row["_joints"] = sset_out.data[0]
    except ExtractionError:
        row.update(detected=0, rr_mm=None)
        row["_joints"] = None
    return row


def compare(a: dict, b: dict) -> dict:
    fa, fb = frames_of(Path(a["video"])), frames_of(Path(b["video"]))
    d = np.abs(fa.astype(np.int16) - fb.astype(np.int16)) if fa.shape == fb.shape else None
    out = {"same_bytes": a["sha256"] == b["sha256"],
           "max_level_diff": None if d is None else int(d.max()),
           "mean_level_diff": None if d is None else round(float(d.mean()), 4),
           "values_differing": None if d is None else round(float((d > 0).mean()), 4),
           "detected": [a["detected"], b["detected"]], "rr_mm": [a["rr_mm"], b["rr_mm"]]}
    ja, jb = a["_joints"], b["_joints"]
    if ja is not None and jb is not None and ja.shape == jb.shape:
        out["max_joint_diff_mm"] = round(float(np.abs(ja - jb).max()) * 1000, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--synth-seed", type=int, default=11)
    ap.add_argument("--class-name", default="hand waving")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--resolution", default="320x180")
    ap.add_argument("--seed", type=int, default=1, help="appearance seed")
    ap.add_argument("--distance", type=float, help="subject distance, metres (default: the generator's)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from pipeline.synth import SynthConfig, generate_synthetic

    extra = {} if args.distance is None else {"distance_range": (args.distance - 0.05, args.distance + 0.05)}
    sset = generate_synthetic(SynthConfig(samples=12, frames=args.frames, seed=args.synth_seed, **extra))
    index = int(np.flatnonzero(np.array(sset.class_names)[sset.label] == args.class_name)[0])
    res = tuple(int(x) for x in args.resolution.split("x"))
    rows = {}
    for label, quality, threads, kernel in VARIANTS:
        rows[label] = render_variant(sset, index, args.out / label.replace(" ", "_"), quality, threads, kernel, res,
                                     args.seed)
        base = rows[VARIANTS[0][0]]["seconds"]
        print(f"{label:18s} {rows[label]['seconds']:6.1f} s ({rows[label]['seconds'] / base:.2f}x of "
              f"'{VARIANTS[0][0]}')  found {rows[label]['detected']}/{args.frames}  rr {rows[label]['rr_mm']} mm  "
              f"sha {rows[label]['sha256'][:12]}", flush=True)
    pairs = {f"{a} vs {b}": compare(rows[a], rows[b]) for a, b in PAIRS}
    print("\n| pair | same bytes | max level diff | mean level diff | values differing | frames found | "
          "root-rel. MPJPE mm | max joint diff mm |")
    print("|---|---|---|---|---|---|---|---|")
    for name, c in pairs.items():
        print(f"| {name} | {c['same_bytes']} | {c['max_level_diff']} | {c['mean_level_diff']} | "
              f"{c['values_differing']} | {c['detected'][0]} / {c['detected'][1]} | {c['rr_mm'][0]} / {c['rr_mm'][1]} | "
              f"{c.get('max_joint_diff_mm')} |")
    if args.json:
        args.json.write_text(json.dumps({"variants": {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")}
                                                      for k, v in rows.items()}, "pairs": pairs}, indent=1))


if __name__ == "__main__":
    main()
