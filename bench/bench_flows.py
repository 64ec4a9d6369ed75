"""Benchmark: what Prefect adds to the cross-modal job, and what 2 workers buy.

On one tiny job (2 synthetic sequences of 16 frames, 5 CIASA iterations, default quality
at 256x144: 4 renders and 4 extractions), all in the same process and run:

1. direct: the stage functions of :mod:`flows.stages` called in order, no Prefect (the
   baseline);
2. Prefect start-up (fixed cost): ``import prefect``, then the first run of an empty flow
   (which starts the ephemeral API server on a fresh ``PREFECT_HOME``), then a second empty
   flow run (the cost every run pays on a running server);
3. Prefect per task: a flow submitting ``--tasks`` no-op tasks and waiting for each in
   turn, with the stage tasks' options (cache key function, results persisted as JSON),
   followed by an empty flow run (which waits for the server to record the tasks), minus
   two empty flow runs, per task;
4. the job as the ``cross_modal`` flow (local runner, one task at a time) in a fresh run
   folder, then the direct job once more: the flow's wall time against the mean of the
   two direct runs (the first one also pays the process's first loads); the difference
   split into the fixed part (the empty flow run, plus one per sub-flow) and the rest (per
   task);
5. render + extraction of the same 4 sequences on ``--runner`` (``dask``: a temporary local
   cluster of worker processes; or ``process``) with 1 worker against ``--workers``
   workers, each in a fresh run folder (both start cold: each worker process loads the
   body model and MediaPipe once).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_flows.py [--runner dask] [--workers 2]
[--tasks 300] [--repeats 3] [--only-overhead]``. Prints every figure and its ratio to the baseline measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

TINY = ["model=stgcn-synth", "source.world=ntu12", "source.synth.samples=24", "source.synth.frames=16",
        "source.synth.seed=3",
        "source.synth.distance_range=[2.3,2.9]", "source.part=null", "source.samples=2", "attack.iterations=5",
        "render.quality=default", "render.resolution=[256,144]", "render.threads=1", "render_retries=0",
        "extract_retries=0"]


def run_direct(cfg, out: Path) -> tuple[float, int]:
    """The job through the stage functions alone; returns (seconds, stage calls)."""
    from flows import stages
    from flows.stages import RunReportInputs, SampleStatus

    t0 = time.perf_counter()
    calls = 0
    clean = stages.select_stage(cfg.source, cfg.model, out / "select", "k", batch_size=cfg.evaluate.batch_size,
                                device=cfg.evaluate.device)
    adv = stages.attack_stage(clean.path, cfg.model, cfg.attack, out / "attack", "k")
    calls += 2
    fps = 30.0
    recovered, reports, bundles = {}, {}, {}
    for role, s in (("clean", clean), ("adversarial", adv)):
        parts = []
        bundles[role] = {}
        for ref in s.samples:
            r = stages.render_stage(s.path, ref.index, role, cfg.render, out / "render" / role, "k")
            e = stages.extract_stage(r.bundle, role, cfg.extract, fps, out / "extract" / role / ref.name, "k")
            bundles[role][ref.name] = r.bundle
            parts.append(e.folder)
            calls += 2
        m = stages.merge_stage(role, parts, out / "recovered", "k")
        recovered[role], reports[role] = m.path, m.report
        calls += 1
    ev = stages.evaluate_stage(clean.path, adv.path, recovered["clean"], recovered["adversarial"], cfg.model,
                               cfg.evaluate, out / "evaluate", "k")
    samples = [SampleStatus(name=r.name, label=r.label) for r in clean.samples]
    stages.report_stage(RunReportInputs(
        run_dir=str(out), config=cfg.model_dump(mode="json"), stage_keys={}, clean=clean.path, adversarial=adv.path,
        attack_json=str(Path(adv.folder) / "attack.json"), clean_recovered=recovered["clean"],
        adversarial_recovered=recovered["adversarial"], extract_reports=reports, crossmodal_json=ev.json_path,
        crossmodal_markdown=ev.markdown_path, bundles=bundles, samples=samples), out / "report", "k")
    calls += 2
    return time.perf_counter() - t0, calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runner", choices=("dask", "process"), default="dask", help="the parallel runner")
    ap.add_argument("--workers", type=int, default=2, help="workers of the parallel runner")
    ap.add_argument("--tasks", type=int, default=300, help="no-op tasks for the per-task cost")
    ap.add_argument("--repeats", type=int, default=3, help="alternated runs of the empty and no-op flows")
    ap.add_argument("--only-overhead", action="store_true", help="measure Prefect's fixed and per-task costs only")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_flows_"))
    os.environ["PREFECT_HOME"] = str(tmp / "prefect-home")
    os.environ.pop("PREFECT_API_URL", None)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        from flows.config import load_config

        cfg = load_config(None, TINY)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, OMP_NUM_THREADS="
              f"{os.environ.get('OMP_NUM_THREADS')}; job: 2 sequences x (clean, adversarial), 16 frames, "
              f"{cfg.render.quality} {cfg.render.resolution[0]}x{cfg.render.resolution[1]}", flush=True)

        if not args.only_overhead:
            t_direct, n_calls = run_direct(cfg, tmp / "direct")
            print(f"direct (stage functions, no Prefect): {t_direct:.1f} s, {n_calls} stage calls", flush=True)

        t0 = time.perf_counter()
        from prefect import flow, task

        t_import = time.perf_counter() - t0

        @task(cache_key_fn=lambda ctx, p: f"noop-{p['i']}-{time.time_ns()}", persist_result=True,
              result_serializer="json", result_storage=tmp / "noop-results")
        def noop(i: int) -> int:
            return i

        @flow
        def empty() -> None:
            return None

        @flow
        def many(n: int) -> int:
            # submitted and awaited one after the other, as the flows' single tasks run
            return sum(noop.submit(i).result() for i in range(n))

        t0 = time.perf_counter()
        empty()
        t_first = time.perf_counter() - t0
        # The server records task states from events after the flow returns, and the next
        # flow run waits for that backlog: each measure is a pair of flow runs, the second an
        # empty one, so the backlog is paid inside it. Alternated, medians (runs vary by ~1 s).
        pairs_empty, pairs_many = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            empty()
            empty()
            pairs_empty.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            many(args.tasks)
            empty()
            pairs_many.append(time.perf_counter() - t0)
        t_empty = statistics.median(pairs_empty) / 2
        t_many = statistics.median(pairs_many) - t_empty
        per_task = (t_many - t_empty) / args.tasks
        print(f"import prefect: {t_import:.2f} s; first empty flow run (ephemeral server start): {t_first:.1f} s; "
              f"empty flow run on the running server: {t_empty:.2f} s", flush=True)
        print(f"per task ({args.tasks} no-op tasks, persisted JSON results; median of {args.repeats}): "
              f"{per_task * 1000:.1f} ms ({t_many:.2f} s against the empty flow's {t_empty:.2f} s)", flush=True)

        if args.only_overhead:
            return
        from flows.cross_modal import cross_modal

        t0 = time.perf_counter()
        cross_modal(config=cfg, run_dir=str(tmp / "flow"))
        t_flow = time.perf_counter() - t0
        # the first direct run also paid this process's first loads (body model, MediaPipe,
        # file cache): run it again after the flow and take the mean of the two as baseline
        t_direct2, _ = run_direct(cfg, tmp / "direct2")
        print(f"direct again, after the flow: {t_direct2:.1f} s (before it: {t_direct:.1f} s)", flush=True)
        t_direct = (t_direct + t_direct2) / 2
        m = json.loads((tmp / "flow" / "run.json").read_text())
        n_tasks = sum(sum(c.values()) for c in m["stage_states"].values())
        flows_n = 5  # cross_modal + 4 stage sub-flows
        fixed = flows_n * t_empty
        over = t_flow - t_direct
        print(f"cross_modal flow: {t_flow:.1f} s for {n_tasks} tasks in {flows_n} flow runs; overhead over direct "
              f"{over:+.1f} s (ratio {t_flow / t_direct:.3f}); fixed part ({flows_n} flow runs x empty) "
              f"{fixed:.1f} s, rest {over - fixed:+.1f} s = {(over - fixed) / n_tasks * 1000:+.0f} ms per task "
              f"(no-op estimate {per_task * 1000:.0f} ms); plus {t_first:.1f} s once per process for the "
              "ephemeral server", flush=True)

        from flows.cross_modal import extract_flow, render_flow
        from flows.runners import RunnerSpec, task_runner

        sets = {"clean": str(next((tmp / "flow" / "select").glob("*/clean.npz"))),
                "adversarial": str(next((tmp / "flow" / "attack").glob("*/adversarial.npz")))}
        times = {}
        for label, spec, n in (("1 worker", RunnerSpec(args.runner), 1),
                               (f"{args.workers} workers", RunnerSpec(args.runner), args.workers)):
            run_dir = tmp / f"speed-{n}"
            t0 = time.perf_counter()
            with task_runner(spec, n) as tr:
                t_start = time.perf_counter() - t0
                renders = render_flow.with_options(task_runner=tr)(sets=sets, render=cfg.render, run_dir=str(run_dir),
                                                                    retries=0)
                bundles = {role: [r.bundle for r in renders if r.role == role and r.status == "ok"]
                           for role in sets}
                extract_flow.with_options(task_runner=tr)(bundles=bundles, extract=cfg.extract, fps=30.0,
                                                          run_dir=str(run_dir), retries=0)
            times[n] = time.perf_counter() - t0
            per_seq = sum(r.seconds for r in renders) / max(1, len(renders))
            print(f"render + extract, {args.runner}, {label}: {times[n]:.1f} s (runner start {t_start:.1f} s; one render "
                  f"{per_seq:.1f} s on average)", flush=True)
        print(f"speed-up with {args.workers} workers: {times[1] / times[args.workers]:.2f}x", flush=True)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
