"""The Prefect flows: one per stage (:func:`attack_flow`, :func:`render_flow`,
:func:`extract_flow`, :func:`evaluate_flow`) and :func:`cross_modal`, the paper's
cross-modal experiment composed of them (the stage flows run as its sub-flows).

A flow body reads as the list of its stages: compute each stage's key from its inputs'
content hashes and settings (:func:`flows.rundir.stage_key`), submit the stage's task(s)
(:mod:`flows.tasks`), collect the results. Mapped stages (render, extract) submit one task
per sequence; a sequence that fails is recorded with its reason and the others go on.
Sub-flows run on a copy of the parent's task runner, so ``--runner dask`` spreads every
stage over the same cluster.
"""

# No "from __future__ import annotations" here: a served or deployed run loads this file by
# path, and Prefect builds the flows' parameter models from the annotations, which must
# then be classes, not strings.
import json
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from pydantic import BaseModel, Field

from flows import tasks
from flows.config import (
    DEFAULT_MODEL,
    DEFAULT_RUN_DIR,
    AttackStageConfig,
    CrossModalConfig,
    EvaluateConfig,
    transfer_specs,
)
from flows.flow_plumbing import collect_mapped, default_runner, finish, gpu_annotation, one_line, sub_flow, timed
from flows.run_records import attack_metrics, compute_seconds, sample_statuses, source_fps, stage_states
from flows.rundir import is_complete, stage_dir, stage_key, versions, write_manifest
from flows.stages import (
    CONTROL,
    ROLES,
    EvaluateOutput,
    ExtractOutput,
    RecoveredOutput,
    RunReportInputs,
    SequenceOutput,
    SetOutput,
    chunk_bounds,
    model_fingerprint,
    sample_refs,
    source_fingerprint,
)
from pose_extract.config import ExtractConfig
from render.config import RenderConfig


class ExtractFlowOutput(BaseModel):
    """Per-sequence extractions and the recovered set of each role."""

    sequences: list[ExtractOutput] = Field(default_factory=list)
    recovered: dict[str, RecoveredOutput] = Field(default_factory=dict)


# --------------------------------------------------------------------------- stage flows


@flow(name="attack", log_prints=False, task_runner=default_runner())
def attack_flow(clean_set: str, model: str = DEFAULT_MODEL, attack: AttackStageConfig = AttackStageConfig(),
                run_dir: str = DEFAULT_RUN_DIR) -> SetOutput:
    """Attack the skeleton set ``clean_set`` (CIASA, advanced mode by default); writes
    ``<run_dir>/attack/<key>/adversarial.npz`` and ``attack.json``. With ``attack.chunk``
    the set is attacked in pieces of that many samples, one task each (saved in
    ``<run_dir>/attack-piece/``, reused by a resumed run; attacked at once by a process or
    Dask runner's workers), then joined: the same outputs and key as one task."""
    from pipeline.skeleton_set import load_skeleton_set

    clean = load_skeleton_set(clean_set)
    settings = attack.model_dump(mode="json", exclude=set(attack.RUN_ONLY))
    model_fp = model_fingerprint(model)
    key = stage_key("attack", clean=clean.content_hash(), model=model_fp, settings=settings)
    out_dir = str(stage_dir(run_dir, "attack", key))
    pieces = chunk_bounds(len(clean), attack.chunk)
    if len(pieces) == 1:
        kwargs = {"clean_path": str(clean_set), "model": model, "cfg": attack, "out_dir": out_dir, "key": key}
        t = tasks.with_run_storage(tasks.attack_task, run_dir)
        with gpu_annotation():
            fut = t.submit(**kwargs)
        return finish(fut, t, kwargs, lambda o: is_complete(o.folder, key))
    merge = tasks.with_run_storage(tasks.attack_merge_task, run_dir)
    kwargs = {"clean_path": str(clean_set), "model": model, "cfg": attack, "chunks": [], "out_dir": out_dir,
              "key": key}
    if is_complete(out_dir, key):  # joined before: the pieces are not needed
        return finish(merge.submit(**kwargs), merge, kwargs, lambda o: is_complete(o.folder, key))
    jobs = []
    for start, stop in pieces:
        piece_key = stage_key("attack-piece", attack=key, start=start, stop=stop)
        jobs.append({"clean_path": str(clean_set), "model": model, "cfg": attack, "start": start, "stop": stop,
                     "out_dir": str(stage_dir(run_dir, "attack-piece", piece_key)), "key": piece_key})
    t = tasks.with_run_storage(tasks.attack_chunk_task, run_dir)
    with gpu_annotation():
        futures = [t.submit(**job) for job in jobs]
    chunks = [finish(f, t, job, lambda o: is_complete(o.folder, o.key)) for f, job in zip(futures, jobs)]
    kwargs["chunks"] = [c.path for c in chunks]
    return finish(merge.submit(**kwargs), merge, kwargs, lambda o: is_complete(o.folder, key))


@flow(name="render", log_prints=False, task_runner=default_runner())
def render_flow(sets: dict[str, str], render: RenderConfig = RenderConfig(), run_dir: str = DEFAULT_RUN_DIR,
                retries: int = 1, retry_delay_s: float = 2.0) -> list[SequenceOutput]:
    """Render every sequence of the skeleton sets ``sets`` (role -> ``.npz``), one task
    per sequence, into ``<run_dir>/render/<key>/<name>/`` (one render bundle each)."""
    from pipeline.skeleton_set import load_skeleton_set
    from render.bundle import is_complete as bundle_complete

    settings = render.output_settings()
    jobs = []
    for role, path in sets.items():
        for ref in sample_refs(load_skeleton_set(path)):
            key = stage_key("render", sequence=ref.content_hash, settings=settings)
            jobs.append({"set_path": str(path), "index": ref.index, "name": ref.name, "role": role, "cfg": render,
                         "out_dir": str(stage_dir(run_dir, "render", key)), "key": key})
    t = tasks.with_run_storage(tasks.render_task, run_dir, retries=retries, retry_delay_seconds=retry_delay_s)
    futures = [t.submit(**job) for job in jobs]

    def failed(job: dict[str, Any], reason: str) -> SequenceOutput:
        return SequenceOutput(role=job["role"], name=job["name"], key=job["key"], status="failed", reason=reason)

    return collect_mapped(futures, jobs, t, "render", failed, lambda o: bundle_complete(o.bundle))


def extract_settings(extract: ExtractConfig) -> dict[str, Any]:
    """What decides an extraction besides its bundle, for the extract stage's key: the
    config, and with ``adapter="learned"`` the sha256 of the adapter weights' content (new
    weights at the same path re-run the stage)."""
    from pipeline.io_utils import file_sha256

    settings = extract.model_dump(mode="json")
    if extract.adapter == "learned":
        from pose_extract.adapter_model import BUNDLED_ADAPTER

        settings["adapter_sha256"] = file_sha256(extract.adapter_file or BUNDLED_ADAPTER)
    return settings


@flow(name="extract", log_prints=False, task_runner=default_runner())
def extract_flow(bundles: dict[str, list[str]], extract: ExtractConfig = ExtractConfig(), fps: float | None = None,
                 run_dir: str = DEFAULT_RUN_DIR, retries: int = 1, retry_delay_s: float = 2.0) -> ExtractFlowOutput:
    """Extract every render bundle of ``bundles`` (role -> bundle folders), one task per
    bundle, at ``fps`` (default: each source set's), then join each role's extractions
    into ``<run_dir>/recovered/<key>/<role>.npz``."""
    from pipeline.io_utils import file_sha256

    settings = extract_settings(extract)
    jobs = []
    for role, folders in bundles.items():
        for folder in folders:
            manifest = Path(folder) / "manifest.json"
            request = json.loads(manifest.read_text(encoding="utf-8")).get("request_key") or file_sha256(manifest)
            key = stage_key("extract", bundle=request, settings=settings, fps=fps)
            jobs.append({"bundle": str(folder), "name": Path(folder).name, "role": role, "cfg": extract, "fps": fps,
                         "out_dir": str(stage_dir(run_dir, "extract", key)), "key": key})
    t = tasks.with_run_storage(tasks.extract_task, run_dir, retries=retries, retry_delay_seconds=retry_delay_s)
    futures = [t.submit(**job) for job in jobs]

    def failed(job: dict[str, Any], reason: str) -> ExtractOutput:
        return ExtractOutput(role=job["role"], name=job["name"], key=job["key"], folder=job["out_dir"],
                             status="failed", reason=reason)

    sequences = collect_mapped(futures, jobs, t, "extract", failed, lambda o: is_complete(o.folder, o.key))
    merge = tasks.with_run_storage(tasks.merge_task, run_dir)
    recovered = {}
    for role in bundles:
        parts = [s for s in sequences if s.role == role and is_complete(s.folder, s.key)]
        key = stage_key("merge", role=role, parts=[s.key for s in parts])
        kwargs = {"role": role, "parts": [s.folder for s in parts], "out_dir": str(stage_dir(run_dir, "recovered", key)),
                  "key": key}
        recovered[role] = finish(merge.submit(**kwargs), merge, kwargs, lambda o: is_complete(o.folder, o.key))
    return ExtractFlowOutput(sequences=sequences, recovered=recovered)


@flow(name="evaluate", log_prints=False, task_runner=default_runner())
def evaluate_flow(clean: str, adversarial: str, clean_recovered: str | None, adversarial_recovered: str | None,
                  model: str = DEFAULT_MODEL, evaluate: EvaluateConfig = EvaluateConfig(),
                  run_dir: str = DEFAULT_RUN_DIR) -> EvaluateOutput:
    """Score ``model`` on the source and recovered, clean and adversarial sets; writes
    ``<run_dir>/evaluate/<key>/crossmodal.json`` and ``crossmodal.md``."""
    from pipeline.skeleton_set import load_skeleton_set

    hashes = {role: None if p is None else load_skeleton_set(p).content_hash()
              for role, p in (("clean", clean), ("adversarial", adversarial), ("clean_recovered", clean_recovered),
                              ("adversarial_recovered", adversarial_recovered))}
    evaluate = evaluate.model_copy(update={"transfer_models": transfer_specs(evaluate.transfer_models, model)})
    transfer = {"transfer": [model_fingerprint(m) for m in evaluate.transfer_models]} if evaluate.transfer_models else {}
    key = stage_key("evaluate", sets=hashes, model=model_fingerprint(model),
                    settings=evaluate.model_dump(mode="json", exclude={"device", "transfer_models"}), **transfer)
    kwargs = {"clean": clean, "adversarial": adversarial, "clean_recovered": clean_recovered,
              "adversarial_recovered": adversarial_recovered, "model": model, "cfg": evaluate,
              "out_dir": str(stage_dir(run_dir, "evaluate", key)), "key": key}
    t = tasks.with_run_storage(tasks.evaluate_task, run_dir)
    return finish(t.submit(**kwargs), t, kwargs, lambda o: is_complete(o.folder, key))


# --------------------------------------------------------------------------- the experiment


@flow(name="cross-modal", log_prints=False, task_runner=default_runner())
def cross_modal(config: CrossModalConfig = CrossModalConfig(), run_dir: str = DEFAULT_RUN_DIR) -> str:
    """The paper's cross-modal experiment: draw ``config.source.samples`` sequences the
    recogniser classifies correctly (class-balanced, seeded) -> CIASA -> render clean and
    adversarial sequences -> recover skeletons with MediaPipe -> evaluate -> report.
    With ``config.control="noise"`` the same clean samples are also perturbed at random
    within the attack's bounds (the control), rendered, recovered and scored, and the
    report compares the two (:mod:`pipeline.crossmodal_control`).
    Returns the report's path (the HTML report, else ``summary.md``)."""
    from flows.artifacts import publish_results

    logger = get_run_logger()
    run = Path(run_dir).resolve()
    run_s = str(run)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    ctx = FlowRunContext.get()
    manifest: dict[str, Any] = {
        "status": "running", "started": started, "flow_run": str(ctx.flow_run.id) if ctx and ctx.flow_run else None,
        "task_runner": type(ctx.task_runner).__name__ if ctx else None,
        "config": config.model_dump(mode="json"), "versions": versions(), "keys": {}, "timings": {},
    }
    write_manifest(run, manifest)
    timings: dict[str, float] = manifest["timings"]
    keys: dict[str, Any] = manifest["keys"]
    try:
        with timed(timings, "select"):
            mfp = model_fingerprint(config.model)
            picked = config.source.model_dump(mode="json", include={"samples", "seed", "correct_only", "shard"},
                                              exclude_none=True)
            key = stage_key("select", source=source_fingerprint(config.source), selection=picked, model=mfp)
            kwargs = {"source": config.source, "model": config.model, "out_dir": str(stage_dir(run, "select", key)),
                      "key": key, "batch_size": config.evaluate.batch_size, "device": config.evaluate.device}
            t = tasks.with_run_storage(tasks.select_task, run)
            clean = finish(t.submit(**kwargs), t, kwargs, lambda o: is_complete(o.folder, key))
            keys["select"] = clean.key
        logger.info("%d clean sequences: %s", len(clean.samples), clean.path)
        with timed(timings, "attack"):
            adversarial = sub_flow(attack_flow)(clean_set=clean.path, model=config.model, attack=config.attack, run_dir=run_s)
            keys["attack"] = adversarial.key
        control: SetOutput | None = None
        if config.control == "noise":
            with timed(timings, "control"):
                control = sub_flow(attack_flow)(clean_set=clean.path, model=config.model,
                                                attack=config.attack.model_copy(update={"method": "noise"}),
                                                run_dir=run_s)
                keys["control"] = control.key
        roles = ROLES + ((CONTROL,) if control is not None else ())
        sets = {"clean": clean.path, "adversarial": adversarial.path, **({CONTROL: control.path} if control else {})}
        with timed(timings, "render"):
            renders = sub_flow(render_flow)(sets=sets, render=config.render, run_dir=run_s,
                                        retries=config.render_retries, retry_delay_s=config.retry_delay_s)
            keys["render"] = {f"{r.role}/{r.name}": r.key for r in renders}
        with timed(timings, "extract"):
            fps = config.extract.fps or source_fps(clean.path)
            bundles = {role: [r.bundle for r in renders if r.role == role and r.status == "ok"] for role in roles}
            ext = sub_flow(extract_flow)(bundles=bundles, extract=config.extract, fps=fps, run_dir=run_s,
                                     retries=config.extract_retries, retry_delay_s=config.retry_delay_s)
            keys["extract"] = {f"{e.role}/{e.name}": e.key for e in ext.sequences}
            keys["recovered"] = {role: r.key for role, r in ext.recovered.items()}
        evaluation: EvaluateOutput | None = None
        evaluate_error = None
        with timed(timings, "evaluate"):
            try:
                evaluation = sub_flow(evaluate_flow)(
                    clean=clean.path, adversarial=adversarial.path, clean_recovered=ext.recovered["clean"].path,
                    adversarial_recovered=ext.recovered["adversarial"].path, model=config.model,
                    evaluate=config.evaluate, run_dir=run_s)
                keys["evaluate"] = evaluation.key
            except Exception as exc:  # noqa: BLE001 - the report lists why
                evaluate_error = one_line(exc)
                logger.error("evaluation failed: %s", evaluate_error)
        evaluated = set()
        if evaluation is not None:
            doc = json.loads(Path(evaluation.json_path).read_text(encoding="utf-8"))
            present = zip(doc["samples"]["name"], doc["samples"]["clean_recovered_present"],
                          doc["samples"]["adversarial_recovered_present"])
            evaluated = {n for n, a, b in present if a and b}
        control_eval, control_error = None, None
        if control is not None:
            with timed(timings, "evaluate_control"):
                control_eval, control_error = _evaluate_control(config, clean, control, ext, run_s)
                if control_eval is not None:
                    keys["evaluate_control"] = control_eval.key
        samples = sample_statuses(clean, adversarial, renders, ext.sequences, evaluated, roles)
        with timed(timings, "report"):
            inputs = RunReportInputs(
                run_dir=run_s, config=config.model_dump(mode="json"), stage_keys=keys, clean=clean.path,
                adversarial=adversarial.path, attack_json=str(Path(adversarial.folder) / "attack.json"),
                clean_recovered=ext.recovered["clean"].path, adversarial_recovered=ext.recovered["adversarial"].path,
                extract_reports={role: r.report for role, r in ext.recovered.items()},
                crossmodal_json=None if evaluation is None else evaluation.json_path,
                crossmodal_markdown=None if evaluation is None else evaluation.markdown_path,
                transfer_json=None if evaluation is None else evaluation.transfer_path,
                evaluate_error=evaluate_error,
                control_attack_json=None if control is None else str(Path(control.folder) / "attack.json"),
                control_crossmodal_json=None if control_eval is None else control_eval.json_path,
                control_error=control_error,
                bundles={role: {r.name: r.bundle for r in renders if r.role == role and r.bundle} for role in roles},
                samples=samples, timings={k: v for k, v in timings.items() if k != "report"})
            key = stage_key("report", inputs=inputs.model_dump(mode="json", exclude={"timings"}))
            kwargs = {"inputs": inputs, "out_dir": str(stage_dir(run, "report", key)), "key": key}
            t = tasks.with_run_storage(tasks.report_task, run)
            report = finish(t.submit(**kwargs), t, kwargs, lambda o: is_complete(o.folder, key))
            keys["report"] = report.key
        publish_results(report, inputs.crossmodal_json, attack_metrics(inputs.attack_json),
                        ext.sequences, samples)
        where = report.html or report.summary_markdown
        stages_out = {"select": clean, "attack": adversarial, "render": renders, "extract": ext.sequences,
                      "recovered": list(ext.recovered.values()), "report": report}
        if evaluation is not None:
            stages_out["evaluate"] = evaluation
        if control is not None:
            stages_out["control"] = control
        if control_eval is not None:
            stages_out["evaluate_control"] = control_eval
        manifest.update(status="completed", finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"), report=where,
                        summary=report.summary_json, headline=None if evaluation is None else evaluation.headline,
                        evaluate_error=evaluate_error, stage_states=stage_states(stages_out),
                        compute_seconds=compute_seconds(stages_out),
                        **_verdicts(report.summary_json, control is not None, control_error),
                        samples=[s.model_dump() for s in samples])
        write_manifest(run, manifest)
        logger.info("report: %s", where)
        return where
    except BaseException as exc:
        manifest.update(status="failed", finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"), error=one_line(exc))
        write_manifest(run, manifest)
        raise


def _evaluate_control(config: CrossModalConfig, clean: SetOutput, control: SetOutput, ext: ExtractFlowOutput,
                      run_dir: str) -> tuple[EvaluateOutput | None, str | None]:
    """Score the control's source and recovered sets beside the clean ones (the attacked
    recogniser only: the comparison is one recogniser's); ``(output, None)`` or ``(None,
    why not)``."""
    recovered = ext.recovered.get(CONTROL)
    if recovered is None or recovered.path is None or ext.recovered["clean"].path is None:
        return None, "no skeletons were recovered from the clean or the control videos"
    try:
        out = sub_flow(evaluate_flow)(
            clean=clean.path, adversarial=control.path, clean_recovered=ext.recovered["clean"].path,
            adversarial_recovered=recovered.path, model=config.model,
            evaluate=config.evaluate.model_copy(update={"transfer_models": []}), run_dir=run_dir)
    except Exception as exc:  # noqa: BLE001 - the report lists why
        get_run_logger().error("evaluation of the control failed: %s", one_line(exc))
        return None, one_line(exc)
    return out, None


def _verdicts(summary_json: str, has_control: bool, control_error: str | None) -> dict[str, str | None]:
    """From the run's summary, read once: the report's ``verdict`` on the cross-modal drop
    (None when the report has no cross-modal measurement) and, for a run with a control,
    the control's verdict ``control`` (or why there is none; None without a control)."""
    doc = json.loads(Path(summary_json).read_text(encoding="utf-8"))
    verdict = doc.get("verdict") if isinstance(doc.get("verdict"), str) else None
    if not has_control:
        return {"verdict": verdict, "control": None}
    block = doc.get("control")
    if isinstance(block, dict) and block.get("verdict"):
        return {"verdict": verdict, "control": str(block["verdict"])}
    return {"verdict": verdict,
            "control": f"no comparison: {control_error or 'the control could not be compared'}"}
