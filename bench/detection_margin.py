"""Measurement: how far a render is from the edge of MediaPipe's detection (issue 13).

For short synthetic clips (the ones the tests render, and others), renders each clip on the
Anny body over a grid of settings and runs the project's extractor (MediaPipe 0.10.21 legacy
Pose, complexity 1, video mode) on every render. Per setting it records the frames with a
detected person, the root-relative MPJPE and PA-MPJPE against the source skeleton (mm), and
the render time. The grid is

- resolution x subject distance at the default quality, for several appearance seeds
  (``--resolutions``, ``--distances``; ``own`` is the clip's own distance, ``--seeds``), and
- each other quality preset (``--qualities``) at every resolution, at the clip's own
  distance.

A clip is ``NAME=SEED:SAMPLES:FRAMES:CLASS[@LOW-HIGH]``: sample of class CLASS (an NTU class
name, or ``#i`` for index i) of ``generate_synthetic(seed=SEED, samples=SAMPLES,
frames=FRAMES, distance_range=(LOW, HIGH))``. A subject distance d regenerates the same set
with ``distance_range=(d - 0.05, d + 0.05)``: only the distance changes (the generator's
other draws are separate streams).

Renders are kept under ``--out`` and a finished setting is not rendered again, so an
interrupted run resumes. The figures go to ``--json`` and, as Markdown tables, to stdout.

This is a measurement, not a timing benchmark: its baseline is the detection each test needs
(every frame found), and it prints each setting's share of frames found against it.

Run: ``.venv/bin/python bench/detection_margin.py --out build/margin --json build/margin.json``
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import logging
import time
from pathlib import Path

import numpy as np

#: The clips the tests render (tests/flows/test_cross_modal.py, tests/render/test_mediapipe_detection.py,
#: tests/pose_extract/conftest.py), and the flow tests' range of distances.
DEFAULT_CLIPS = (
    "flow-sit=3:24:16:sitting down@2.3-2.9",
    "flow-touch=3:24:16:touch head (headache)@2.3-2.9",
    "render-cheer=11:12:16:cheer up",
    "extract-wave=11:12:16:hand waving",
)


def parse_clip(spec: str) -> dict:
    """``NAME=SEED:SAMPLES:FRAMES:CLASS[@LOW-HIGH]`` -> dict."""
    name, _, rest = spec.partition("=")
    rng = None
    if "@" in rest:
        rest, _, r = rest.rpartition("@")
        lo, hi = (float(x) for x in r.split("-"))
        rng = (lo, hi)
    seed, samples, frames, cls = rest.split(":", 3)
    return {"name": name, "seed": int(seed), "samples": int(samples), "frames": int(frames), "class": cls,
            "distance_range": rng}


def clip_set(clip: dict, distance: float | None):
    """The clip's set (regenerated with a narrow range around ``distance``) and its index."""
    from pipeline.synth import SynthConfig, generate_synthetic

    kw = {"seed": clip["seed"], "samples": clip["samples"], "frames": clip["frames"]}
    if distance is not None:
        kw["distance_range"] = (distance - 0.05, distance + 0.05)
    elif clip["distance_range"] is not None:
        kw["distance_range"] = clip["distance_range"]
    sset = generate_synthetic(SynthConfig(**kw))
    if clip["class"].startswith("#"):
        index = int(clip["class"][1:])
    else:
        names = np.array(sset.class_names)[sset.label]
        index = int(np.flatnonzero(names == clip["class"])[0])
    return sset, index


def measure(clip: dict, distance: float | None, resolution: tuple[int, int], quality: str, seed: int,
            out: Path, threads: int) -> dict:
    """Render one setting (or reuse its finished result) and extract it."""
    done = out / "result.json"
    if done.is_file():
        return json.loads(done.read_text())
    from pose_extract.bundles import extract_bundles
    from pose_extract.report import ExtractionError
    from render.api import render_sequence

    sset, index = clip_set(clip, distance)
    t0 = time.perf_counter()
    bundle = render_sequence(sset, index, out / "renders", quality=quality, resolution=resolution, seed=seed,
                             threads=threads, device="cpu", force=True)
    render_s = time.perf_counter() - t0
    frames = int(sset.num_frames[index])
    row = {"clip": clip["name"], "sample": str(sset.name[index]), "class": sset.class_names[int(sset.label[index])],
           "distance_m": round(float(sset.sample_meta["distance"][index]), 3), "resolution": list(resolution),
           "quality": quality, "seed": seed, "frames": frames, "render_s": round(render_s, 1)}
    try:
        _, report = extract_bundles([bundle.path])
        s = report.samples[0]
        row.update(detected=int(s.counts["detected_frames"]),
                   rr_mm=round(s.metrics["source_joints"]["root_relative_mpjpe_mm"], 1),
                   pa_mm=round(s.metrics["source_joints"]["pa_mpjpe_mm"], 1),
                   swap=round(s.metrics["source_joints"]["swap_rate"], 3))
    except ExtractionError:
        row.update(detected=0, rr_mm=None, pa_mm=None, swap=None)
    done.write_text(json.dumps(row))
    return row


def grid(clips: list[dict], resolutions: list[tuple[int, int]], distances: list[float], qualities: list[str],
         seeds: list[int]) -> list[tuple]:
    jobs = []
    for clip in clips:
        for seed in seeds:
            for res in resolutions:
                for d in distances:
                    jobs.append((clip, None if d == "own" else d, res, "default", seed))
                for q in qualities:
                    if q != "default":
                        jobs.append((clip, None, res, q, seed))
    return jobs


def _folder(root: Path, clip: dict, d: float | None, res: tuple[int, int], q: str, seed: int) -> Path:
    dist = "own" if d is None else f"{d:.2f}m"
    return root / clip["name"] / f"{res[0]}x{res[1]}_{dist}_{q}_s{seed}"


def _cell(rows: list[dict]) -> str:
    """'min found/frames, mean rr' over the seeds of one setting."""
    if not rows:
        return ""
    found = min(r["detected"] for r in rows)
    frames = rows[0]["frames"]
    rr = [r["rr_mm"] for r in rows if r["rr_mm"] is not None]
    mark = "" if all(r["detected"] == r["frames"] for r in rows) else " **x**"
    return f"{found}/{frames} ({np.mean(rr):.0f})" + mark if rr else f"0/{frames}" + mark


def tables(rows: list[dict], resolutions, distances, qualities) -> str:
    """Markdown: per clip, distance x resolution (default quality), then quality x resolution."""
    out = []
    res_names = [f"{w}x{h}" for w, h in resolutions]
    for clip in dict.fromkeys(r["clip"] for r in rows):
        cr = [r for r in rows if r["clip"] == clip]
        first = cr[0]
        seeds = sorted({r["seed"] for r in cr})
        out.append(f"\n**{clip}**: {first['sample']} ({first['class']}, {first['frames']} frames); cells: fewest "
                   f"frames found over appearance seeds {seeds} (mean root-relative MPJPE, mm); **x**: some seed "
                   "misses a frame\n")
        out.append("| distance \\ resolution | " + " | ".join(res_names) + " |")
        out.append("|---" * (len(res_names) + 1) + "|")
        own = sorted({r["distance_m"] for r in cr if r.get("distance_set") is None})
        for d in distances:
            dd = None if d == "own" else d
            cells = [_cell([r for r in cr if r["quality"] == "default" and r.get("distance_set") == dd
                            and r["resolution"] == list(res)]) for res in resolutions]
            label = f"own {', '.join(f'{x:.2f}' for x in own)} m" if d == "own" else f"{d:.2f} m"
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        for q in qualities:
            if q == "default":
                continue
            cells = [_cell([r for r in cr if r["quality"] == q and r.get("distance_set") is None
                            and r["resolution"] == list(res)]) for res in resolutions]
            out.append(f"| {q}, own {', '.join(f'{x:.2f}' for x in own)} m | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _res(s: str) -> tuple[int, int]:
    w, h = s.lower().split("x")
    return int(w), int(h)


def _distance(s: str) -> float | str:
    return "own" if s == "own" else float(s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the renders and per-setting results")
    ap.add_argument("--json", type=Path, help="write every setting's figures here")
    ap.add_argument("--clips", nargs="+", default=list(DEFAULT_CLIPS))
    ap.add_argument("--resolutions", nargs="+", type=_res, default=[(192, 108), (256, 144), (320, 180), (480, 270)])
    ap.add_argument("--distances", nargs="+", type=_distance, default=["own", 2.0, 2.5, 3.0, 3.5, 4.0],
                    help="subject distances, metres, or 'own' (the clip's)")
    ap.add_argument("--qualities", nargs="+", default=["default", "preview"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--jobs", type=int, default=2, help="settings rendered at once (each with one Blender thread)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    clips = [parse_clip(c) for c in args.clips]
    jobs = grid(clips, args.resolutions, args.distances, args.qualities, args.seeds)
    rows = []
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(measure, clip, d, res, q, seed, _folder(args.out, clip, d, res, q, seed), 1):
                (clip, d, res, q, seed) for clip, d, res, q, seed in jobs}
        for i, fut in enumerate(cf.as_completed(futs), 1):
            clip, d, res, q, seed = futs[fut]
            try:
                row = fut.result()
            except Exception as exc:  # noqa: BLE001 - one failed render is a row, not the end
                row = {"clip": clip["name"], "resolution": list(res), "quality": q, "seed": seed,
                       "error": f"{type(exc).__name__}: {exc}"}
            row["distance_set"] = d
            rows.append(row)
            print(f"[{i}/{len(jobs)} {time.perf_counter() - t0:6.0f}s] {json.dumps(row)}", flush=True)
    ok = [r for r in rows if "error" not in r]
    total = sum(r["frames"] for r in ok)
    found = sum(r["detected"] for r in ok)
    print(tables(ok, args.resolutions, args.distances, args.qualities))
    print(f"\nall settings: {found}/{total} frames found ({found / max(total, 1):.3f}x of every frame); "
          f"{sum(r['detected'] == r['frames'] for r in ok)}/{len(ok)} settings with every frame found; "
          f"{len(rows) - len(ok)} errors")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "clips": args.clips}, indent=1))


if __name__ == "__main__":
    main()
