"""Choosing the learned adapter's size and recipe by cross-validation on training renders.

The pair folders (``ciasa adapter data``) are split into ``--folds`` folds by sequence
(garment looks in ``--holdout-looks`` are left out entirely, as the bundled recipe leaves
them out); every configuration is trained on all folds but one and measured on that one,
and the errors (camera-frame / root-relative / PA-MPJPE, mm; frame-weighted over the folds)
are printed next to the extractor without adapter on the same sequences, as a ratio.

Run: ``.venv/bin/python bench/adapter_selection.py --pairs build/adapter/train/pairs
[--folds 3] [--config NAME:width=64,blocks=2,dropout=0.3,epochs=150]...``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_CONFIGS = (
    "default:",
    "narrow:width=64",
    "short:epochs=100",
    "dropout 0.4:dropout=0.4",
    "camera 0.2:camera_weight=0.2",
)
ARCH_KEYS = ("width", "blocks", "kernel", "dropout")


def parse(text: str) -> tuple[str, dict[str, Any]]:
    name, _, rest = text.partition(":")
    out: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        k, _, v = item.partition("=")
        out[k.strip()] = json.loads(v)
    return name, out


def weighted(rows: list[dict[str, Any]]) -> dict[str, float]:
    frames = sum(r["frames"] for r in rows)
    return {k: sum(r[k] * r["frames"] for r in rows) / frames
            for k in ("mpjpe_mm", "root_relative_mpjpe_mm", "pa_mpjpe_mm", "bone_length_variation_pct")}


def main() -> None:
    from pose_extract.adapter_data import load_pairs
    from pose_extract.adapter_model import AdapterConfig, load_adapter
    from pose_extract.adapter_train import TrainAdapterConfig, adapter_errors, train_adapter

    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=Path, action="append", required=True)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--holdout-looks", default="suit,shirt_skirt")
    ap.add_argument("--config", action="append", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("build/adapter/selection"))
    args = ap.parse_args()
    looks = {s for s in args.holdout_looks.split(",") if s}
    rows = [r for p in args.pairs for r in load_pairs(p) if r.look not in looks]
    names = sorted({r.name for r in rows})
    fold_of = {n: k % args.folds for k, n in enumerate(np.random.default_rng(0).permutation(names))}
    print(f"{len(rows)} sequences ({len(names)} renders), {args.folds} folds", flush=True)
    base = weighted([adapter_errors(None, [r for r in rows if fold_of[r.name] == f]) for f in range(args.folds)])
    print(f"{'without adapter':<24} camera {base['mpjpe_mm']:.1f}  root-rel {base['root_relative_mpjpe_mm']:.1f}  "
          f"PA {base['pa_mpjpe_mm']:.1f} mm  bones {base['bone_length_variation_pct']:.1f} %", flush=True)
    report("constant bones only", weighted([adapter_errors(None, [r for r in rows if fold_of[r.name] == f],
                                                           bones=True) for f in range(args.folds)]), base, 0.0)
    for text in args.config or DEFAULT_CONFIGS:
        name, changes = parse(text)
        arch = AdapterConfig(**{k: v for k, v in changes.items() if k in ARCH_KEYS})
        cfg = TrainAdapterConfig(threads=args.threads, checkpoint_every=10**6, eval_every=10**6,
                                 **{k: v for k, v in changes.items() if k not in ARCH_KEYS})
        t0 = time.perf_counter()
        per_fold = []
        for f in range(args.folds):
            path = args.out / f"{name.replace(' ', '_')}_fold{f}.pt"
            train_adapter([r for r in rows if fold_of[r.name] != f], path, config=cfg, model_config=arch)
            model, _ = load_adapter(path)
            held = [r for r in rows if fold_of[r.name] == f]
            per_fold.append((adapter_errors(model, held), adapter_errors(model, held, bones=True)))
        for e, label in ((weighted([a for a, _ in per_fold]), name), (weighted([b for _, b in per_fold]),
                                                                      f"{name} + bones")):
            report(label, e, base, time.perf_counter() - t0)


def report(name: str, e: dict[str, float], base: dict[str, float], seconds: float) -> None:
    """One row: the errors and their ratio to the extractor without adapter."""
    print(f"{name:<24} camera {e['mpjpe_mm']:.1f} ({e['mpjpe_mm'] / base['mpjpe_mm']:.2f}x)  root-rel "
              f"{e['root_relative_mpjpe_mm']:.1f} ({e['root_relative_mpjpe_mm'] / base['root_relative_mpjpe_mm']:.2f}x)  "
              f"PA {e['pa_mpjpe_mm']:.1f} ({e['pa_mpjpe_mm'] / base['pa_mpjpe_mm']:.2f}x)  "
              f"bones {e['bone_length_variation_pct']:.1f} %  {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
