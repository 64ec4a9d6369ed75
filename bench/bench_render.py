"""Benchmark: seconds per rendered frame at each quality preset (320x180 and 640x360; every
preset against the former default, ``classic`` at 320x180, measured in the same run), and
the speed-up of the product's persistent-scene animation render over rebuilding the scene
for every frame (the baseline, measured in the same run on the same frames).

One synthetic sequence is retargeted onto Anny once; every configuration then runs the
real Blender worker (``python -m render.blender.worker``) with ``--threads`` render threads
(default 2, the goal's budget). Reported per configuration: mean seconds per frame over the
whole animation render (first frame included: scene upload, BVH, denoiser start-up) and the
median of the frames after the first (steady state).

Run: ``.venv/bin/python bench/bench_render.py [--frames 8] [--threads 2] [--index 5]``
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--index", type=int, default=5, help="synthetic sample (class) to render")
    ap.add_argument("--presets", default="preview,default,classic,high")
    ap.add_argument("--resolutions", default="320x180,640x360")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    from pipeline.synth import SynthConfig, generate_synthetic
    from render.api import appearance_seed
    from render.appearance import body_region_rules, sample_appearance
    from render.assets import quality_preset
    from render.bodies import get_body
    from render.blender.job import CameraSpec, JobOutputs, RenderJob, write_job
    from render.coords import intrinsics_for
    from render.retarget import retarget_sample
    from render.worker_client import run_worker

    s = generate_synthetic(SynthConfig(samples=12, frames=max(16, args.frames), seed=0))
    i = args.index
    nf = min(int(s.num_frames[i]), args.frames)
    name = str(s.name[i])
    app = sample_appearance(appearance_seed(0, name, 0), "anny")
    res = retarget_sample(np.asarray(s.data[i], dtype=np.float64), nf, get_body("anny"), name=name,
                          base_shape=app["body_shape"])
    b = res.bodies[0]
    tmp = Path(tempfile.mkdtemp(prefix="bench_render_"))

    def run(preset: str, wh: tuple[int, int], mode: str = "animation") -> dict:
        intr = intrinsics_for(wh)
        job = RenderJob(resolution=wh, camera=CameraSpec(res.camera.camera_to_world.tolist(), intr.fx, intr.fy,
                                                         intr.cx, intr.cy),
                        quality=quality_preset(preset), appearance={**app, "body_regions": body_region_rules("anny")},
                        threads=args.threads, device="cpu", render_mode=mode,
                        outputs=JobOutputs(video=None if mode != "animation" else "video.mp4",
                                           frames_dir="frames" if mode != "animation" else None))
        d = tmp / f"{preset}_{wh[0]}x{wh[1]}_{mode}"
        write_job(d, job, b.rig, (b.rotations, b.transl))
        t0 = time.perf_counter()
        r = run_worker(d, timeout_s=3600, threads=1)
        r["wall_s"] = time.perf_counter() - t0
        return r

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load avg {os.getloadavg()[0]:.1f}; render threads {args.threads}; {nf} frames of {name}")
    print(f"{'preset':8s} {'resolution':10s} {'s/frame (all)':>14s} {'s/frame (steady)':>17s} {'worker wall s':>14s}")
    table = {}
    try:
        for wh_text in args.resolutions.split(","):
            wh = tuple(int(x) for x in wh_text.split("x"))
            for preset in args.presets.split(","):
                r = run(preset, wh)
                fs = np.array(r["frame_s"])
                table[(preset, wh)] = fs
                print(f"{preset:8s} {wh_text:10s} {fs.mean():14.2f} {np.median(fs[1:]) if len(fs) > 1 else fs[0]:17.2f} "
                      f"{r['wall_s']:14.1f}")
        old = table.get(("classic", (320, 180)))
        if old is not None and len(old) > 1:
            for (preset, wh), fs in table.items():
                if (preset, wh) != ("classic", (320, 180)) and len(fs) > 1:
                    print(f"{preset} at {wh[0]}x{wh[1]} against the former default (classic, 320x180): "
                          f"x{old.mean() / fs.mean():.2f} per frame (all), "
                          f"x{np.median(old[1:]) / np.median(fs[1:]):.2f} (steady state)")
        wh = (320, 180)
        base = run("default", wh, mode="rebuild_per_frame")
        bf = np.array(base["frame_s"])
        anim = table.get(("default", wh))
        if anim is None:
            anim = np.array(run("default", wh)["frame_s"])
        print(f"baseline (rebuild scene per frame, default 320x180): {bf.mean():.2f} s/frame; "
              f"animation render: {anim.mean():.2f} s/frame; speed-up x{bf.mean() / anim.mean():.2f} "
              f"(steady state x{np.median(bf[1:]) / np.median(anim[1:]):.2f})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
