"""Prefect tasks: one per stage function of :mod:`flows.stages`, nothing else.

Every task

* takes the stage's inputs (file paths, a settings model), its output folder and its key
  (:func:`flows.rundir.stage_key`, computed by the flow from the inputs' content hashes and
  every setting that changes the output);
* is cached by that key (``cache_key_fn``; results persisted as JSON in the run folder,
  see :func:`with_run_storage`), so a second run of the same inputs is a cache hit;
* first looks at its output folder and returns the existing output when it is complete,
  without calling the stage function, so a run resumes from files even with a fresh
  Prefect home or server;
* otherwise calls the stage function through :mod:`flows.stages` (looked up at call time).

A render that fails raises, so Prefect retries it (``retries`` set by the flow) and marks
it failed; the flow carries on with the other sequences. The Blender worker's log of each
sequence goes to the run logger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from flows import stages
from flows.rundir import is_complete
from flows.stages import ChunkOutput, EvaluateOutput, ExtractOutput, RecoveredOutput, Role, SequenceOutput, SetOutput

#: Lines of a Blender worker log sent to the run logger (per-frame lines are counted, not sent).
LOG_LINES = 40
#: Marks Blender's per-frame progress lines in its log.
FRAME_LINE = "Video append frame"
#: Sub-folder of the run folder holding Prefect's persisted results (the cache records).
RESULTS_DIR = ".prefect-results"


def _key(context: Any, parameters: dict[str, Any]) -> str:
    """The cache key: the task's name and the stage key the flow computed."""
    return f"{context.task.name}-{parameters['key']}"


_TASK_OPTIONS: dict[str, Any] = {"cache_key_fn": _key, "persist_result": True, "result_serializer": "json"}


def with_run_storage(t: Any, run_dir: str | Path, **options: Any) -> Any:
    """``t`` with its results (and so its cache records) stored under
    ``<run_dir>/.prefect-results``, plus ``options`` (retries, ...)."""
    return t.with_options(result_storage=(Path(run_dir).resolve() / RESULTS_DIR), **options)


def _log_worker(path: Path, title: str, level: str = "info") -> None:
    """Send a Blender worker's log to the run logger: every line but the per-frame ones
    (counted instead), at most the last :data:`LOG_LINES`."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    kept = [ln for ln in lines if FRAME_LINE not in ln]
    frames = len(lines) - len(kept)
    body = "\n".join(kept[-LOG_LINES:])
    getattr(get_run_logger(), level)("%s (%s; %d per-frame lines not shown):\n%s", title, path, frames, body)


@task(name="select-samples", **_TASK_OPTIONS)
def select_task(source: Any, model: str, out_dir: str, key: str, batch_size: int = 16,
                device: str = "auto") -> SetOutput:
    """Draw the clean sequences (:func:`flows.stages.select_stage`)."""
    if is_complete(out_dir, key):
        return stages.reuse_set("select", key, out_dir, "clean.npz")
    return stages.select_stage(source, model, out_dir, key, batch_size=batch_size, device=device)


@task(name="attack", **_TASK_OPTIONS)
def attack_task(clean_path: str, model: str, cfg: Any, out_dir: str, key: str) -> SetOutput:
    """Attack the clean set (:func:`flows.stages.attack_stage`)."""
    if is_complete(out_dir, key):
        return stages.reuse_set("attack", key, out_dir, "adversarial.npz")
    logger = get_run_logger()

    def progress(done: int, total: int) -> None:
        logger.info("attacked %d of %d samples", done, total)

    return stages.attack_stage(clean_path, model, cfg, out_dir, key, progress=progress)


@task(name="attack-piece", task_run_name="attack-{start}-{stop}", **_TASK_OPTIONS)
def attack_chunk_task(clean_path: str, model: str, cfg: Any, start: int, stop: int, out_dir: str,
                      key: str) -> ChunkOutput:
    """Attack one piece of the clean set (:func:`flows.stages.attack_chunk_stage`)."""
    if is_complete(out_dir, key):
        return stages.reuse_chunk(key, out_dir)
    logger = get_run_logger()

    def progress(done: int, total: int) -> None:
        logger.info("attacked %d of %d samples of piece %d-%d", done, total, start, stop - 1)

    return stages.attack_chunk_stage(clean_path, model, cfg, start, stop, out_dir, key, progress=progress)


@task(name="attack-join", **_TASK_OPTIONS)
def attack_merge_task(clean_path: str, model: str, cfg: Any, chunks: list[str], out_dir: str, key: str) -> SetOutput:
    """Join the attack's pieces (:func:`flows.stages.attack_merge_stage`)."""
    if is_complete(out_dir, key):
        return stages.reuse_set("attack", key, out_dir, "adversarial.npz")
    return stages.attack_merge_stage(clean_path, model, cfg, chunks, out_dir, key)


@task(name="render-sequence", task_run_name="render-{role}-{name}", **_TASK_OPTIONS)
def render_task(set_path: str, index: int, name: str, role: Role, cfg: Any, out_dir: str, key: str) -> SequenceOutput:
    """Render one sequence (:func:`flows.stages.render_stage`); raises when it fails
    (after logging the Blender worker's log)."""
    from render.bundle import is_complete as bundle_complete
    from render.bundle import load_bundle

    bundle_dir = Path(out_dir) / name
    if bundle_complete(bundle_dir):
        b = load_bundle(bundle_dir)
        return SequenceOutput(role=role, name=name, key=key, bundle=str(b.path),
                              frames=int(b.manifest.get("video", {}).get("frames", 0)), reused=True)
    try:
        out = stages.render_stage(set_path, index, role, cfg, out_dir, key)
    except Exception as exc:
        kept = getattr(exc, "log_path", None)
        if kept:
            _log_worker(Path(kept), f"Blender worker log of {role} {name}", "error")
        raise
    _log_worker(bundle_dir / "render.log", f"Blender worker log of {role} {name}")
    return out


@task(name="extract-sequence", task_run_name="extract-{role}-{name}", **_TASK_OPTIONS)
def extract_task(bundle: str, name: str, role: Role, cfg: Any, fps: float | None, out_dir: str,
                 key: str) -> ExtractOutput:
    """Extract one bundle (:func:`flows.stages.extract_stage`); a bundle without a
    usable person gives a failed record, not an error."""
    if is_complete(out_dir, key):
        from pose_extract.extracted_set import load_extraction

        _, report = load_extraction(Path(out_dir) / stages.SAMPLE_FILE)
        return stages.extract_output(role, key, out_dir, report, reused=True)
    out = stages.extract_stage(bundle, role, cfg, fps, out_dir, key)
    if out.status == "failed":
        get_run_logger().warning("extraction of %s %s failed: %s", role, out.name, out.reason)
    return out


@task(name="merge-recovered", task_run_name="merge-{role}", **_TASK_OPTIONS)
def merge_task(role: Role, parts: list[str], out_dir: str, key: str) -> RecoveredOutput:
    """Join one role's extractions (:func:`flows.stages.merge_stage`)."""
    if is_complete(out_dir, key):
        return stages.reuse_recovered(role, key, out_dir)
    return stages.merge_stage(role, parts, out_dir, key)


@task(name="evaluate", **_TASK_OPTIONS)
def evaluate_task(clean: str, adversarial: str, clean_recovered: str | None, adversarial_recovered: str | None,
                  model: str, cfg: Any, out_dir: str, key: str) -> EvaluateOutput:
    """Score the recogniser on the four sets (:func:`flows.stages.evaluate_stage`)."""
    if is_complete(out_dir, key):
        return stages.reuse_evaluation(key, out_dir)
    return stages.evaluate_stage(clean, adversarial, clean_recovered, adversarial_recovered, model, cfg, out_dir, key)


@task(name="report", **_TASK_OPTIONS)
def report_task(inputs: Any, out_dir: str, key: str) -> Any:
    """Write the run's report (:func:`flows.stages.report_stage`: summary and HTML report)."""
    if is_complete(out_dir, key):
        return stages.reuse_report(key, out_dir)
    return stages.report_stage(inputs, out_dir, key)
