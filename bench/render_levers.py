"""Benchmark: what each render lever costs and what it does to extraction (issues 15 and 16).

Every configuration renders the same clean sequences (the default cross-modal run's draw
from the NTU-60-like world: ``ciasa run``'s source settings, ``--samples`` of them, cut to
their first ``--frames`` frames) with the product's render path (``render.api.render_set``:
retarget, one Blender worker per sequence, H.264), then extracts them with the default
extractor (``pose_extract.bundles.extract_bundles``) and compares with the render's own
ground truth. The baseline is the first configuration (the shipped ``default`` preset at
320x180), measured in the same run. Per configuration:

* seconds per frame of the whole render command (retarget, Blender start-up, scene build,
  render, encode; ``all``) and the worker's steady per-frame time after the first frame
  (``frame``), each as a speed-up over the baseline;
* detection rate and root-relative / PA / camera-frame MPJPE and left-right swaps of the
  extraction (means over the sequences); with ``--flip`` also with flip averaging.

A configuration is ``NAME:WxH:PRESET[:key=value,...]``: a shipped preset at a resolution
with Cycles settings changed (any key of ``blender_assets/quality_presets.json``'s presets;
values as JSON, ``samples=4,denoise=false``).

Run: ``.venv/bin/python bench/render_levers.py [--samples 4] [--frames 32] [--threads 2]
[--config NAME:WxH:PRESET[:k=v,...]]... [--flip] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_CONFIGS = (
    "baseline default 320x180:320x180:default",
    "default 480x270:480x270:default",
    "default 640x360:640x360:default",
    "preview 320x180:320x180:preview",
    "preview 640x360:640x360:preview",
)


def parse_config(text: str) -> tuple[str, tuple[int, int], str, dict[str, Any]]:
    """``NAME:WxH:PRESET[:k=v,...]`` -> ``(name, (w, h), preset, changes)``."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise SystemExit(f"bad --config {text!r}: NAME:WxH:PRESET[:key=value,...]")
    w, _, h = parts[1].partition("x")
    changes: dict[str, Any] = {}
    if len(parts) == 4 and parts[3]:
        for item in parts[3].split(","):
            key, _, value = item.partition("=")
            changes[key.strip()] = json.loads(value)
    return parts[0], (int(w), int(h)), parts[2], changes


def clean_draw(samples: int, frames: int) -> Any:
    """The default run's clean draw (``samples`` sequences), cut to ``frames`` frames."""
    from flows.config import CrossModalConfig
    from flows.stages import select_stage
    from pipeline.skeleton_set import load_skeleton_set

    cfg = CrossModalConfig.model_validate({"source": {"samples": samples}})
    with tempfile.TemporaryDirectory() as tmp:
        sset = load_skeleton_set(select_stage(cfg.source, cfg.model, tmp, "bench", device="cpu").path)
    data = np.ascontiguousarray(sset.data[:, :, :frames])
    return replace(sset, data=data, num_frames=np.minimum(np.asarray(sset.num_frames), frames))


def run_config(set_path: Path, n: int, out: Path, resolution: tuple[int, int], preset: str,
               changes: dict[str, Any], threads: int, flip: bool = False) -> dict[str, Any]:
    """Render and extract the set with one configuration; returns its figures."""
    import render.api as render_api
    from render.assets import quality_preset

    original = render_api.check_settings

    def patched(body: str, quality: str, res: tuple[int, int]) -> dict[str, Any]:
        original(body, quality, res)
        return {**quality_preset(quality), **changes}

    render_api.check_settings = patched
    try:
        t0 = time.perf_counter()
        results = render_api.render_set(set_path, list(range(n)), out, quality=preset, resolution=resolution,
                                        threads=threads, device="cpu")
        seconds = time.perf_counter() - t0
    finally:
        render_api.check_settings = original
    failed = [r.error for r in results if not r.ok]
    if failed:
        raise SystemExit(f"render failed: {failed[0]}")
    frames = sum(int(r.bundle.manifest["frames"]) if "frames" in r.bundle.manifest else
                 len(r.bundle.manifest["timings"]["frame_s"]) for r in results)
    steady = [float(np.median(r.bundle.manifest["timings"]["frame_s"][1:])) for r in results]
    row: dict[str, Any] = {"render_s": seconds, "frames": frames, "all_s_per_frame": seconds / frames,
                           "frame_s": float(np.mean(steady))}
    row.update(extraction_figures(out, flip=False))
    if flip:
        row["flip"] = extraction_figures(out, flip=True)
    return row


def extraction_figures(renders: Path, *, flip: bool) -> dict[str, Any]:
    """Mean detection rate and errors of the default extraction (``flip``: with flip
    averaging) of every bundle under ``renders``, and its seconds."""
    from pose_extract.bundles import extract_bundles
    from pose_extract.config import ExtractConfig

    t0 = time.perf_counter()
    _, report = extract_bundles(renders, config=ExtractConfig(flip=flip))
    s = report.summary()
    gt = s.get("mean_vs_source_joints") or s.get("mean_vs_body_joints") or {}
    return {"extract_s": time.perf_counter() - t0, "detection": s.get("mean_detection_rate"),
            "root_relative_mm": gt.get("root_relative_mpjpe_mm"), "pa_mm": gt.get("pa_mpjpe_mm"),
            "camera_mm": gt.get("mpjpe_mm"), "swap_rate": gt.get("swap_rate")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--config", action="append", default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="keep the renders under this folder")
    ap.add_argument("--flip", action="store_true", help="also extract every configuration with flip averaging")
    args = ap.parse_args()
    configs = [parse_config(c) for c in (args.config or DEFAULT_CONFIGS)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} cpus={os.cpu_count()} render threads={args.threads} "
          f"load(1 min)={load:.2f}", flush=True)
    from pipeline.skeleton_set import save_skeleton_set

    sset = clean_draw(args.samples, args.frames)
    print(f"{len(sset)} clean sequences of the default draw, {int(np.sum(sset.num_frames))} frames in all "
          f"(first {args.frames} of each)", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        set_path = save_skeleton_set(sset, root / "clean.npz")
        for k, (name, res, preset, changes) in enumerate(configs):
            row = {"name": name, "resolution": list(res), "preset": preset, "changes": changes,
                   **run_config(set_path, len(sset), root / f"config_{k}", res, preset, changes, args.threads,
                              args.flip)}
            rows.append(row)
            print(f"  {name}: {row['all_s_per_frame']:.3f} s/frame all, {row['frame_s']:.3f} s/frame steady, "
                  f"detection {row['detection']}, root-relative {row['root_relative_mm']} mm", flush=True)
    base = rows[0]
    print(f"\n{'configuration':<40} {'s/frame all':>11} {'x':>6} {'s/frame':>8} {'x':>6} {'detect':>7} "
          f"{'root-rel mm':>11} {'PA mm':>6} {'camera mm':>9} {'swaps':>6}")
    for r in rows:
        def fmt(v: Any, spec: str) -> str:
            return "-" if v is None else format(v, spec)
        print(f"{r['name']:<40} {r['all_s_per_frame']:>11.3f} {base['all_s_per_frame'] / r['all_s_per_frame']:>5.2f}x "
              f"{r['frame_s']:>8.3f} {base['frame_s'] / r['frame_s']:>5.2f}x {fmt(r['detection'], '.3f'):>7} "
              f"{fmt(r['root_relative_mm'], '.1f'):>11} {fmt(r['pa_mm'], '.1f'):>6} {fmt(r['camera_mm'], '.1f'):>9} "
              f"{fmt(r['swap_rate'], '.3f'):>6}")
        if "flip" in r:
            f = r["flip"]
            print(f"{'  + flip averaging':<40} {'':>11} {'':>6} {'':>8} {'':>6} {fmt(f['detection'], '.3f'):>7} "
                  f"{fmt(f['root_relative_mm'], '.1f'):>11} {fmt(f['pa_mm'], '.1f'):>6} "
                  f"{fmt(f['camera_mm'], '.1f'):>9} {fmt(f['swap_rate'], '.3f'):>6}")
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.machine(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
