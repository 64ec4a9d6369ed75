"""The cross-modal experiment's stages as plain functions over files (no Prefect).

Each function reads its inputs from files, calls the stage's library function, writes its
outputs into the folder it is given (atomically) and, for the whole-folder stages, the
folder's completion marker (:mod:`flows.rundir`); it returns a small typed record
(:class:`SetOutput`, :class:`SequenceOutput`, ...) that the Prefect tasks pass on and
persist as JSON. The Prefect tasks (:mod:`flows.tasks`) wrap these one to one; the
benchmark calls them directly to measure what Prefect adds.

The records live in :mod:`flows.stage_outputs`, the source data and fingerprints in
:mod:`flows.sources`, the attack stage (whole or in resumable pieces) in
:mod:`flows.stage_attack`, the report stage in :mod:`flows.stage_report`; all are
re-exported here, where the tasks look them up.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from flows.rundir import mark_complete, seconds_since
from flows.sources import (  # noqa: F401 - re-exported: the stages' public helpers
    load_source,
    model_fingerprint,
    resolve_device,
    sample_refs,
    sequence_hash,
    source_fingerprint,
)
from flows.stage_attack import (  # noqa: F401 - re-exported
    ATTACK_CPU_THREADS,
    ChunkOutput,
    attack_chunk_stage,
    attack_merge_stage,
    attack_stage,
    chunk_bounds,
    reuse_chunk,
    write_attack_outputs,
)
from flows.stage_outputs import (  # noqa: F401 - re-exported
    CONTROL,
    ROLES,
    EvaluateOutput,
    ExtractOutput,
    RecoveredOutput,
    Role,
    SampleRef,
    SequenceOutput,
    SetOutput,
    StageOutput,
)
from flows.stage_report import (  # noqa: F401 - re-exported
    ATTACK_METRICS,
    SUMMARY_FORMAT,
    ReportOutput,
    RunReportInputs,
    SampleStatus,
    report_stage,
    reuse_report,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- stages


def select_stage(source: Any, model: str, out_dir: str | Path, key: str, *, batch_size: int = 16,
                 device: str = "auto") -> SetOutput:
    """Draw ``source.samples`` sequences (class-balanced, seeded; correctly classified with
    ``source.correct_only``) and write them as ``<out_dir>/clean.npz``."""
    from attack.sample_selection import select_total
    from pipeline.evaluate import align_labels
    from pipeline.models import load_recognizer
    from pipeline.skeleton_set import save_skeleton_set

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    dev = resolve_device(device)
    sset = load_source(source)
    rec = load_recognizer(model, device=dev)
    labels, _ = align_labels(sset.label, list(sset.class_names), list(rec.class_names),
                             path=None if source.data is None else str(source.data))
    sub = select_total(rec, sset, source.samples, seed=source.seed, correct_only=source.correct_only,
                       labels=labels, batch_size=batch_size, device=dev,
                       shard=source.shard_pair)
    clean = sset.subset(sub.indices)
    clean.provenance = {"stage": "select", "source": source.model_dump(mode="json"), "model": model,
                        "selection": sub.to_dict(), "source_provenance": sset.provenance,
                        "source_hash": sset.content_hash()}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = save_skeleton_set(clean, out_dir / "clean.npz")
    seconds = seconds_since(t0)
    mark_complete(out_dir, key, [path.name, path.with_suffix(".json").name], compute_seconds=seconds)
    log.info("selected %d of %d sequences (%d scored)", len(clean), len(sset), sub.candidates_scored)
    return SetOutput(stage="select", key=key, folder=str(out_dir), path=str(path), content_hash=clean.content_hash(),
                     samples=sample_refs(clean), info={"selection": sub.to_dict()}, seconds=seconds)


def render_stage(set_path: str | Path, index: int, role: Role, cfg: Any, out_dir: str | Path, key: str,
                 progress: Any = None) -> SequenceOutput:
    """Render sample ``index`` of the set at ``set_path`` with the settings of ``cfg``
    (:class:`~render.config.RenderConfig`) to the bundle ``<out_dir>/<name>/``; an existing
    complete bundle of the same request is reused (:func:`render.api.render_sequence`).
    Raises what the render raises (the caller decides about retries)."""
    from pipeline.skeleton_set import load_skeleton_set
    from render.api import render_sequence

    t0 = time.perf_counter()
    sset = load_skeleton_set(set_path)
    bundle = render_sequence(sset, index, out_dir, progress=progress, source_path=set_path, **cfg.call_kwargs())
    return SequenceOutput(role=role, name=str(sset.name[index]), key=key, bundle=str(bundle.path),
                          frames=int(bundle.manifest.get("video", {}).get("frames", 0)),
                          seconds=seconds_since(t0), reused=bundle.skipped)


SAMPLE_FILE = "sample.npz"


def extract_stage(bundle: str | Path, role: Role, cfg: Any, fps: float | None, out_dir: str | Path,
                  key: str) -> ExtractOutput:
    """Extract one render bundle (:func:`pose_extract.bundles.extract_bundle`) at ``fps``
    into ``<out_dir>/sample.npz`` and ``sample_report.json``; a bundle that cannot be
    extracted gives a failed record (the report says why), not an exception."""
    from pose_extract.bundles import extract_bundle
    from pose_extract.extracted_set import save_extraction

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    sset, report = extract_bundle(bundle, config=cfg, fps=fps)
    out_dir.mkdir(parents=True, exist_ok=True)
    set_path, rep_path = save_extraction(sset, report, out_dir / SAMPLE_FILE)
    files = [rep_path.name] + ([] if set_path is None else [set_path.name, set_path.with_suffix(".json").name])
    seconds = seconds_since(t0)
    mark_complete(out_dir, key, files, compute_seconds=seconds)
    return extract_output(role, key, out_dir, report, seconds=seconds)


def extract_output(role: Role, key: str, out_dir: str | Path, report: Any, *, seconds: float = 0.0,
                   reused: bool = False) -> ExtractOutput:
    """The :class:`ExtractOutput` of a one-bundle report."""
    s = report.samples[0]
    gt = s.metrics.get("source_joints") if isinstance(s.metrics.get("source_joints"), dict) else {}
    return ExtractOutput(role=role, name=s.name, key=key, folder=str(out_dir), status="ok" if s.ok else "failed",
                         reason=s.reason, detection_rate=s.counts.get("detection_rate"), mpjpe_mm=gt.get("mpjpe_mm"),
                         seconds=round(seconds, 3), reused=reused)


def merge_stage(role: Role, parts: list[str | Path], out_dir: str | Path, key: str) -> RecoveredOutput:
    """Join one-bundle extractions (folders written by :func:`extract_stage`) into
    ``<out_dir>/<role>.npz`` and ``<role>_report.json``; with no sequence recovered only
    the report is written (``path`` None)."""
    from pose_extract.extracted_set import load_extraction, merge_extractions, save_extraction
    from pose_extract.report import ExtractionError

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    loaded = [load_extraction(Path(p) / SAMPLE_FILE) for p in parts]
    try:
        sset, report = merge_extractions(loaded)
    except ExtractionError as exc:
        sset, report = None, exc.report
    out_dir.mkdir(parents=True, exist_ok=True)
    set_path, rep_path = save_extraction(sset, report, out_dir / f"{role}.npz")
    files = [rep_path.name] + ([] if set_path is None else [set_path.name, set_path.with_suffix(".json").name])
    seconds = seconds_since(t0)
    mark_complete(out_dir, key, files, compute_seconds=seconds)
    return RecoveredOutput(role=role, key=key, folder=str(out_dir), path=None if set_path is None else str(set_path),
                           report=str(rep_path), content_hash=None if sset is None else sset.content_hash(),
                           samples=[] if sset is None else [str(s) for s in sset.name], seconds=seconds)


def evaluate_stage(clean: str | Path, adversarial: str | Path, clean_recovered: str | Path | None,
                   adversarial_recovered: str | Path | None, model: str, cfg: Any, out_dir: str | Path,
                   key: str) -> EvaluateOutput:
    """Score ``model`` on the four sets (:func:`pipeline.crossmodal.evaluate_crossmodal`);
    a recovered set that is None (no sequence recovered) counts every sample as missing.
    Writes ``crossmodal.json`` and ``crossmodal.md`` into ``out_dir``, and with
    ``cfg.transfer_models`` the transfer table (``transfer.json``, ``transfer.md``,
    :mod:`pipeline.crossmodal_transfer`) of those recognisers on the same sets."""
    from pipeline.crossmodal import evaluate_crossmodal, write_crossmodal
    from pipeline.models import load_recognizer
    from pipeline.skeleton_set import load_skeleton_set

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    dev = resolve_device(cfg.device)
    rec = load_recognizer(model, device=dev)
    sets = {"clean": load_skeleton_set(clean), "adversarial": load_skeleton_set(adversarial)}
    for role, path in (("clean_recovered", clean_recovered), ("adversarial_recovered", adversarial_recovered)):
        sets[role] = load_skeleton_set(path) if path is not None else sets["clean"].subset([])
    classes = sets["adversarial"].provenance.get("model_class_names")
    report = evaluate_crossmodal(rec, sets["clean"], sets["adversarial"], sets["clean_recovered"],
                                 sets["adversarial_recovered"], target_classes=classes, batch_size=cfg.batch_size,
                                 device=dev, paths={"clean": clean, "adversarial": adversarial,
                                                    "clean_recovered": clean_recovered,
                                                    "adversarial_recovered": adversarial_recovered})
    json_path, md_path = write_crossmodal(report, out_dir)
    files = [json_path.name, md_path.name]
    transfer_path = None
    if cfg.transfer_models:
        from pipeline.crossmodal_transfer import evaluate_transfer, write_transfer

        others = {spec: load_recognizer(spec, device=dev) for spec in cfg.transfer_models}
        table = evaluate_transfer(report, others, sets["clean"], sets["adversarial"], sets["clean_recovered"],
                                  sets["adversarial_recovered"], target_classes=classes, batch_size=cfg.batch_size,
                                  device=dev)
        written = write_transfer(table, out_dir)
        files += [p.name for p in written]
        transfer_path = str(written[0])
    seconds = seconds_since(t0)
    mark_complete(out_dir, key, files, headline=report.headline(), compute_seconds=seconds)
    return EvaluateOutput(key=key, folder=str(out_dir), json_path=str(json_path), markdown_path=str(md_path),
                          headline=report.headline(), transfer_path=transfer_path, seconds=seconds)


# --------------------------------------------------------------------------- reuse


def reuse_set(stage: str, key: str, out_dir: str | Path, filename: str) -> SetOutput:
    """The :class:`SetOutput` of a complete select / attack folder (read back from files)."""
    from pipeline.skeleton_set import load_skeleton_set

    out_dir = Path(out_dir)
    sset = load_skeleton_set(out_dir / filename)
    info: dict[str, Any] = {}
    if stage == "attack":
        doc = json.loads((out_dir / "attack.json").read_text(encoding="utf-8"))
        info = {"metrics": {k: v for k, v in doc.get("metrics", {}).items() if isinstance(v, (int, float)) or v is None},
                "success": [bool(s) for s in doc.get("per_sample", {}).get("success", [])]}
    elif stage == "select":
        info = {"selection": sset.provenance.get("selection", {})}
    return SetOutput(stage=stage, key=key, folder=str(out_dir), path=str(out_dir / filename),
                     content_hash=sset.content_hash(), samples=sample_refs(sset), info=info, reused=True)


def reuse_recovered(role: Role, key: str, out_dir: str | Path) -> RecoveredOutput:
    """The :class:`RecoveredOutput` of a complete merge folder."""
    from pipeline.skeleton_set import load_skeleton_set
    from pose_extract.report import report_path

    out_dir = Path(out_dir)
    path = out_dir / f"{role}.npz"
    sset = load_skeleton_set(path) if path.is_file() else None
    return RecoveredOutput(role=role, key=key, folder=str(out_dir), path=None if sset is None else str(path),
                           report=str(report_path(path)), content_hash=None if sset is None else sset.content_hash(),
                           samples=[] if sset is None else [str(s) for s in sset.name], reused=True)


def reuse_evaluation(key: str, out_dir: str | Path) -> EvaluateOutput:
    """The :class:`EvaluateOutput` of a complete evaluation folder."""
    from flows.rundir import read_marker

    out_dir = Path(out_dir)
    doc = read_marker(out_dir) or {}
    return EvaluateOutput(key=key, folder=str(out_dir), json_path=str(out_dir / "crossmodal.json"),
                          markdown_path=str(out_dir / "crossmodal.md"), headline=str(doc.get("headline", "")),
                          transfer_path=str(out_dir / "transfer.json") if (out_dir / "transfer.json").is_file() else None,
                          reused=True)


__all__ = ["ATTACK_CPU_THREADS", "ATTACK_METRICS", "CONTROL", "ROLES", "SAMPLE_FILE", "SUMMARY_FORMAT",
           "EvaluateOutput", "ExtractOutput", "RecoveredOutput", "ReportOutput", "Role", "RunReportInputs", "SampleRef", "SampleStatus",
           "SequenceOutput", "SetOutput", "StageOutput", "ChunkOutput", "attack_chunk_stage", "attack_merge_stage",
           "attack_stage", "chunk_bounds", "reuse_chunk", "evaluate_stage", "extract_output",
           "extract_stage", "load_source", "merge_stage", "model_fingerprint", "render_stage", "report_stage",
           "resolve_device", "reuse_evaluation", "reuse_recovered", "reuse_report", "reuse_set", "sample_refs",
           "select_stage", "sequence_hash", "source_fingerprint", "write_attack_outputs"]
