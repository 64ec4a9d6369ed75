"""Benchmark: frames per second of pose extraction (MediaPipe + conversion to NTU-25 in the
camera frame) at 320x180 and 480x270, against MediaPipe alone measured in the same run.

For each resolution one synthetic sequence is rendered by the project's renderer (default
quality, Anny; or pass existing bundles with ``--bundle``). On its video three things are
timed, ``--repeats`` times in turn (interleaved, so that load changes on a shared machine
hit all three alike; the median is reported), all starting from the file:

* decode: ``cv2.VideoCapture`` reading every frame (the floor of any video pipeline);
* MediaPipe alone (the baseline): decode, BGR->RGB and ``Pose.process`` per frame, the
  same Pose settings, nothing kept;
* extraction: :func:`pose_extract.api.extract_video`, i.e. the baseline plus landmark
  arrays, lifting into the camera frame, the NTU mapping, gap filling and resampling.

The figure is extraction frames per second and its ratio to MediaPipe alone (1.0 = the
conversion costs nothing); the goal is >= 25 fps on 2 cores with ``OMP_NUM_THREADS=1``.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_extract.py [--frames 32]
[--bundle build/renders12/S001C003P031R001A022]``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

GOAL_FPS = 25.0


def render_clip(out: Path, resolution: tuple[int, int], frames: int, index: int) -> Path:
    """Render sample ``index`` of a small synthetic set; returns the bundle folder."""
    from pipeline.synth import SynthConfig, generate_synthetic
    from render.api import render_sequence

    sset = generate_synthetic(SynthConfig(samples=12, frames=frames, seed=0))
    return render_sequence(sset, index, out, quality="default", resolution=resolution, seed=0, threads=2).path


def time_decode(video: Path) -> tuple[float, int]:
    import cv2

    t0 = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return time.perf_counter() - t0, n


def time_mediapipe(video: Path) -> tuple[float, int]:
    import cv2
    import mediapipe as mp

    from pose_extract.mediapipe_runner import MODEL_COMPLEXITY

    t0 = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    n = 0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=MODEL_COMPLEXITY,
                                smooth_landmarks=True) as pose:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            n += 1
    cap.release()
    return time.perf_counter() - t0, n


def time_extract(video: Path, intrinsics) -> tuple[float, int]:
    from pose_extract.api import extract_video

    t0 = time.perf_counter()
    ext = extract_video(video, intrinsics=intrinsics)
    return time.perf_counter() - t0, ext.landmarks.num_frames


def bench_bundle(bundle: Path, repeats: int) -> dict:
    from pose_extract.bundle_manifest import read_bundle

    info = read_bundle(bundle)
    time_mediapipe(info.video)  # warm-up: model load, caches
    timers = {"decode": lambda: time_decode(info.video), "mediapipe": lambda: time_mediapipe(info.video),
              "extract": lambda: time_extract(info.video, info.intrinsics)}
    runs: dict[str, list[float]] = {k: [] for k in timers}
    frames = 0
    for _ in range(repeats):  # interleaved, so that load changes on a shared machine hit all three
        for label, fn in timers.items():
            seconds, frames = fn()
            runs[label].append(seconds)
    rows = {label: frames / statistics.median(v) for label, v in runs.items()}
    return {"bundle": str(bundle), "resolution": f"{info.intrinsics.width}x{info.intrinsics.height}",
            "frames": frames, "fps": rows, "ratio_extract_vs_mediapipe": rows["extract"] / rows["mediapipe"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, action="append", help="existing render bundle(s) instead of rendering")
    ap.add_argument("--resolutions", default="320x180,480x270")
    ap.add_argument("--frames", type=int, default=32, help="frames of the rendered clip")
    ap.add_argument("--index", type=int, default=6, help="synthetic sample (class) to render")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    if args.bundle:
        bundles = list(args.bundle)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="bench_extract_"))
        bundles = []
        for text in args.resolutions.split(","):
            w, h = (int(x) for x in text.split("x"))
            t0 = time.perf_counter()
            bundles.append(render_clip(tmp / text, (w, h), args.frames, args.index))
            print(f"rendered {text} in {time.perf_counter() - t0:.1f} s")
    results = [bench_bundle(b, args.repeats) for b in bundles]
    print(f"\npose extraction on {platform.processor() or platform.machine()}, median of {args.repeats} runs")
    print(f"{'resolution':>10} {'frames':>6} {'decode fps':>11} {'MediaPipe fps':>14} {'extract fps':>12} "
          f"{'extract / MediaPipe':>20} {'goal':>6}")
    for r in results:
        f = r["fps"]
        print(f"{r['resolution']:>10} {r['frames']:>6} {f['decode']:>11.0f} {f['mediapipe']:>14.1f} "
              f"{f['extract']:>12.1f} {r['ratio_extract_vs_mediapipe']:>20.3f} "
              f"{'ok' if f['extract'] >= GOAL_FPS else 'MISS':>6}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
