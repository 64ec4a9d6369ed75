"""Plumbing shared by the Prefect flows of :mod:`flows.cross_modal`: the default task
runner, sub-flows on the parent's runner, mapped-stage collection with per-sequence failure
records, cache-aware results, the GPU placement annotation and stage timings."""

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from prefect import get_run_logger
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner


def default_runner() -> ThreadPoolTaskRunner:
    """The flows' own task runner (a served or deployed run gets this one): one task at a
    time, so one Blender or MediaPipe process at a time; ``ciasa run --runner`` replaces it."""
    return ThreadPoolTaskRunner(max_workers=1)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if text else type(exc).__name__


def sub_flow(f: Any) -> Any:
    """Sub-flow ``f`` on a copy of the running flow's task runner (the same cluster)."""
    ctx = FlowRunContext.get()
    runner = getattr(ctx, "task_runner", None) if ctx is not None else None
    return f.with_options(task_runner=runner.duplicate()) if runner is not None else f


def state_name(fut: Any) -> str:
    try:
        return str(fut.state.name)
    except Exception:  # noqa: BLE001 - a state read must not fail the run
        return "Unknown"


def finish(fut: Any, t: Any, kwargs: dict[str, Any], complete: Callable[[Any], bool]) -> Any:
    """The result of ``fut`` (task ``t`` submitted with ``kwargs``), marked ``cached`` when
    Prefect answered from its cache. A cached result whose output folder is no longer
    complete (deleted by hand) is recomputed with the cache refreshed."""
    out = fut.result()
    cached = state_name(fut) == "Cached"
    if not complete(out):
        get_run_logger().warning("%s: the cached output %s is incomplete; recomputing", t.name, kwargs.get("out_dir"))
        out = t.with_options(refresh_cache=True).submit(**kwargs).result()
        cached = False
    return out.model_copy(update={"cached": cached})


def gpu_annotation() -> contextlib.AbstractContextManager:
    """``dask.annotate(resources={"GPU": 1})`` when the flow runs on a Dask cluster with a
    worker that declares a GPU resource (``dask worker ... --resources GPU=1``), so the
    attack goes there; a no-op otherwise (the attack then runs on any worker)."""
    ctx = FlowRunContext.get()
    runner = getattr(ctx, "task_runner", None) if ctx is not None else None
    if type(runner).__name__ != "DaskTaskRunner":
        return contextlib.nullcontext()
    workers = runner.client.scheduler_info().get("workers", {})
    if not any("GPU" in (w.get("resources") or {}) for w in workers.values()):
        return contextlib.nullcontext()
    import dask

    get_run_logger().info("a Dask worker declares a GPU: the attack is placed there")
    return dask.annotate(resources={"GPU": 1})


@contextlib.contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(time.perf_counter() - t0, 3)


def collect_mapped(futures: list[Any], jobs: list[dict[str, Any]], t: Any, label: str,
                    failed: Callable[[dict[str, Any], str], Any], complete: Callable[[Any], bool]) -> list[Any]:
    """Wait for mapped futures (updating the stage's progress artifact as each finishes)
    and return one output per job, in job order: the task's result, or ``failed(job,
    reason)`` for a task that failed after its retries.

    A result's ``role`` is the job's: a stage's key is its content (the same sequence
    rendered before as another set's, e.g. a noise run's "adversarial" that is now the
    control), so a cached record may carry the role of the run that made it."""
    from flows.artifacts import Progress

    progress = Progress(label, len(futures))
    for _ in as_completed(futures):
        progress.advance()
    out = []
    for fut, job in zip(futures, jobs):
        fut.wait()  # the final state, held locally (the API may not have it yet)
        if fut.state.is_completed():
            done = finish(fut, t, job, complete)
            if "role" in job and getattr(done, "role", job["role"]) != job["role"]:
                done = done.model_copy(update={"role": job["role"]})
            out.append(done)
        else:
            exc = fut.result(raise_on_failure=False)
            reason = one_line(exc) if isinstance(exc, BaseException) else f"task ended {state_name(fut)}"
            get_run_logger().error("%s %s %s failed: %s", label, job.get("role"), job.get("name"), reason)
            out.append(failed(job, reason))
    return out
