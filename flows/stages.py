"""The cross-modal experiment's stages as plain functions over files (no Prefect).

Each function reads its inputs from files, calls the stage's library function, writes its
outputs into the folder it is given (atomically) and, for the whole-folder stages, the
folder's completion marker (:mod:`flows.rundir`); it returns a small typed record
(:class:`SetOutput`, :class:`SequenceOutput`, ...) that the Prefect tasks pass on and
persist as JSON. The Prefect tasks (:mod:`flows.tasks`) wrap these one to one; the
benchmark calls them directly to measure what Prefect adds.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from flows.rundir import file_sha256, mark_complete

log = logging.getLogger(__name__)

Role = Literal["clean", "adversarial"]
ROLES: tuple[Role, Role] = ("clean", "adversarial")


class StageOutput(BaseModel):
    """What every stage output record has: the stage key, the seconds the stage function
    took, whether the output folder was found complete and reused without calling it
    (``reused``) and whether Prefect answered from its cache (``cached``, set by the flow)."""

    key: str
    seconds: float = 0.0
    reused: bool = False
    cached: bool = False


class SampleRef(BaseModel):
    """One sequence of a set: its name, index, label, valid frames and content hash
    (SHA-256 over the valid frames and the name)."""

    name: str
    index: int
    label: int
    num_frames: int
    content_hash: str


class SetOutput(StageOutput):
    """A skeleton set written by a stage (``path``, ``.npz`` with its ``.json`` manifest)."""

    stage: str
    folder: str
    path: str
    content_hash: str
    samples: list[SampleRef] = Field(default_factory=list)
    info: dict[str, Any] = Field(default_factory=dict)


class SequenceOutput(StageOutput):
    """One sequence's render (``bundle``) or its failure (``reason``)."""

    role: Role
    name: str
    status: Literal["ok", "failed"] = "ok"
    reason: str | None = None
    bundle: str | None = None
    frames: int = 0


class ExtractOutput(StageOutput):
    """One bundle's extraction: ``folder`` holds ``sample.npz`` (absent when it failed)
    and ``sample_report.json``."""

    role: Role
    name: str
    folder: str
    status: Literal["ok", "failed"] = "ok"
    reason: str | None = None
    detection_rate: float | None = None
    mpjpe_mm: float | None = None


class RecoveredOutput(StageOutput):
    """The recovered set of one role (``path`` None when no sequence was recovered) and
    the joined extraction report."""

    role: Role
    folder: str
    path: str | None
    report: str
    content_hash: str | None
    samples: list[str] = Field(default_factory=list)


class EvaluateOutput(StageOutput):
    """``crossmodal.json`` / ``crossmodal.md`` and the headline numbers."""

    folder: str
    json_path: str
    markdown_path: str
    headline: str


# --------------------------------------------------------------------------- helpers


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU here, else ``cpu``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def model_fingerprint(spec: str) -> str:
    """SHA-256 over the name and the bytes of the checkpoint file(s) behind ``spec``."""
    import hashlib

    from pipeline.models import resolve

    h = hashlib.sha256(str(spec).encode("utf-8"))
    for f in resolve(spec):
        h.update(file_sha256(f).encode("ascii"))
    return h.hexdigest()


def source_fingerprint(source: Any) -> dict[str, Any]:
    """What identifies the source data of a :class:`~flows.config.SourceConfig`: the
    synthetic generator's settings; a file's (and its manifest's) bytes; for a folder (a
    dataset of many files), every file's name, size and modification time."""
    if source.data is None and source.world == "ntu60":
        from pipeline.synth.ntu60.world import GENERATOR_NAME, GENERATOR_VERSION

        return {"world": GENERATOR_NAME, "ntu60": source.ntu60.model_dump(mode="json"),
                "generator_version": GENERATOR_VERSION, "benchmark": source.benchmark, "part": source.part}
    if source.data is None:
        from pipeline.synth.generate import GENERATOR_VERSION

        return {"synth": source.synth.model_dump(mode="json"), "generator_version": GENERATOR_VERSION,
                "part": source.part}
    path = Path(source.data)
    if path.is_dir():
        return {"folder": {str(f.relative_to(path)): [f.stat().st_size, f.stat().st_mtime_ns]
                           for f in sorted(path.rglob("*")) if f.is_file()}, "part": source.part}
    return {"data": {f.name: file_sha256(f) for f in (path, path.with_suffix(".json")) if f.is_file()},
            "part": source.part}


def sequence_hash(sset: Any, index: int) -> str:
    """SHA-256 over sample ``index``'s valid frames and name (what its render depends on)."""
    import numpy as np

    from pipeline.io_utils import hash_arrays

    nf = int(sset.num_frames[index])
    return hash_arrays({"data": np.asarray(sset.data[index], dtype=np.float64)[:, :nf],
                        "name": np.array(str(sset.name[index]))})


def sample_refs(sset: Any) -> list[SampleRef]:
    """One :class:`SampleRef` per sample of ``sset``."""
    return [SampleRef(name=str(sset.name[i]), index=i, label=int(sset.label[i]), num_frames=int(sset.num_frames[i]),
                      content_hash=sequence_hash(sset, i)) for i in range(len(sset))]


def load_source(source: Any) -> Any:
    """The skeleton set a :class:`~flows.config.SourceConfig` describes (its ``part``)."""
    if source.data is None and source.world == "ntu60":
        from pipeline.synth.ntu60.world import generate_ntu60, split_indices

        indices = None if source.part is None else split_indices(source.ntu60, source.benchmark, source.part)
        return generate_ntu60(source.ntu60, indices=indices)
    if source.data is None:
        from pipeline.synth import generate_synthetic

        sset = generate_synthetic(source.synth)
        return sset if source.part is None else sset.split(source.part)
    from pipeline.evaluate import load_evaluation_set

    return load_evaluation_set(source.data, source.part)


# --------------------------------------------------------------------------- stages


def select_stage(source: Any, model: str, out_dir: str | Path, key: str, *, batch_size: int = 16,
                 device: str = "auto") -> SetOutput:
    """Draw ``source.samples`` sequences (class-balanced, seeded; correctly classified with
    ``source.correct_only``) and write them as ``<out_dir>/clean.npz``."""
    from attack.experiments import select_total
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
                       labels=labels, batch_size=batch_size, device=dev)
    clean = sset.subset(sub.indices)
    clean.provenance = {"stage": "select", "source": source.model_dump(mode="json"), "model": model,
                        "selection": sub.to_dict(), "source_provenance": sset.provenance,
                        "source_hash": sset.content_hash()}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = save_skeleton_set(clean, out_dir / "clean.npz")
    mark_complete(out_dir, key, [path.name, path.with_suffix(".json").name])
    log.info("selected %d of %d sequences (%d scored)", len(clean), len(sset), sub.candidates_scored)
    return SetOutput(stage="select", key=key, folder=str(out_dir), path=str(path), content_hash=clean.content_hash(),
                     samples=sample_refs(clean), info={"selection": sub.to_dict()},
                     seconds=round(time.perf_counter() - t0, 3))


def write_attack_outputs(out: str | Path, adv_set: Any, report: dict[str, Any]) -> list[Path]:
    """Write ``adversarial.npz`` (+ ``.json``) and ``attack.json`` into ``out``, together
    (both appear or neither does)."""
    from pipeline.io_utils import atomic_outputs
    from pipeline.skeleton_set import save_skeleton_set

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_outputs() as group:
        written = [save_skeleton_set(adv_set, out / "adversarial.npz")]
        group.path(out / "attack.json").write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    return written + [out / "attack.json"]


#: torch threads of the attack on the CPU (see :func:`attack_stage`).
ATTACK_CPU_THREADS = 1


def attack_stage(clean_path: str | Path, model: str, cfg: Any, out_dir: str | Path, key: str,
                 progress: Any = None) -> SetOutput:
    """Attack the set at ``clean_path`` with the attack of ``cfg``
    (:class:`~flows.config.AttackStageConfig`); writes ``adversarial.npz`` and
    ``attack.json`` into ``out_dir``."""
    import numpy as np

    import torch

    from attack.runner import adversarial_set, attack_provenance, attack_report, attack_set, build_attack
    from pipeline.evaluate import align_labels
    from pipeline.models import load_recognizer
    from pipeline.skeleton_set import load_skeleton_set

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    dev = resolve_device(cfg.device)
    acfg = cfg.attack_config()
    rec = load_recognizer(model, device=dev)
    sset = load_skeleton_set(clean_path)
    labels, _ = align_labels(sset.label, list(sset.class_names), list(rec.class_names), path=str(clean_path))
    atk = build_attack(acfg, rec, layout=sset.layout, device=dev)
    # One torch thread on the CPU: float sums depend on the thread count, so a fixed count
    # makes the adversarial set (and every key downstream of its content hash) identical
    # in the main process, a process pool or a Dask worker; one thread is also the fastest
    # setting for the attack on a shared CPU (docs/BENCHMARKS.md).
    threads = torch.get_num_threads()
    if str(dev).startswith("cpu"):
        torch.set_num_threads(ATTACK_CPU_THREADS)
    try:
        result = attack_set(atk, sset, labels=labels, batch_size=cfg.batch_size, progress=progress)
    finally:
        torch.set_num_threads(threads)
    provenance = attack_provenance(atk, acfg.model_dump(mode="json"), rec, sset, source_data=str(clean_path),
                                   device=dev)
    adv = adversarial_set(sset, result, provenance)
    report = attack_report(result, sset, rec)
    report["source_data"] = str(clean_path)
    written = write_attack_outputs(out_dir, adv, report)
    mark_complete(out_dir, key, [p.relative_to(out_dir) for p in written] + ["adversarial.json"])
    metrics = {k: v for k, v in result.metrics.items() if isinstance(v, (int, float)) or v is None}
    log.info("attack: success %.3f on %d samples", float(np.mean(result.success.numpy())), len(sset))
    return SetOutput(stage="attack", key=key, folder=str(out_dir), path=str(written[0]),
                     content_hash=adv.content_hash(), samples=sample_refs(adv),
                     info={"metrics": metrics, "success": result.success.numpy().astype(bool).tolist(),
                           "device": dev}, seconds=round(time.perf_counter() - t0, 3))


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
                          seconds=round(time.perf_counter() - t0, 3), reused=bundle.skipped)


SAMPLE_FILE = "sample.npz"


def extract_stage(bundle: str | Path, role: Role, cfg: Any, fps: float | None, out_dir: str | Path,
                  key: str) -> ExtractOutput:
    """Extract one render bundle (:func:`pose_extract.bundles.extract_bundle`) at ``fps``
    into ``<out_dir>/sample.npz`` and ``sample_report.json``; a bundle that cannot be
    extracted gives a failed record (the report says why), not an exception."""
    from pose_extract.bundles import extract_bundle, save_extraction

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    sset, report = extract_bundle(bundle, config=cfg, fps=fps)
    out_dir.mkdir(parents=True, exist_ok=True)
    set_path, rep_path = save_extraction(sset, report, out_dir / SAMPLE_FILE)
    files = [rep_path.name] + ([] if set_path is None else [set_path.name, set_path.with_suffix(".json").name])
    mark_complete(out_dir, key, files)
    return extract_output(role, key, out_dir, report, seconds=time.perf_counter() - t0)


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
    from pose_extract.bundles import ExtractionError, load_extraction, merge_extractions, save_extraction

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
    mark_complete(out_dir, key, files)
    return RecoveredOutput(role=role, key=key, folder=str(out_dir), path=None if set_path is None else str(set_path),
                           report=str(rep_path), content_hash=None if sset is None else sset.content_hash(),
                           samples=[] if sset is None else [str(s) for s in sset.name],
                           seconds=round(time.perf_counter() - t0, 3))


def evaluate_stage(clean: str | Path, adversarial: str | Path, clean_recovered: str | Path | None,
                   adversarial_recovered: str | Path | None, model: str, cfg: Any, out_dir: str | Path,
                   key: str) -> EvaluateOutput:
    """Score ``model`` on the four sets (:func:`pipeline.crossmodal.evaluate_crossmodal`);
    a recovered set that is None (no sequence recovered) counts every sample as missing.
    Writes ``crossmodal.json`` and ``crossmodal.md`` into ``out_dir``."""
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
    mark_complete(out_dir, key, [json_path.name, md_path.name], headline=report.headline())
    return EvaluateOutput(key=key, folder=str(out_dir), json_path=str(json_path), markdown_path=str(md_path),
                          headline=report.headline(), seconds=round(time.perf_counter() - t0, 3))


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
    from pose_extract.bundles import report_path

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
                          reused=True)


# --------------------------------------------------------------------------- report


class SampleStatus(BaseModel):
    """One sequence through the run: per step ``ok`` / ``failed`` / ``skipped`` (not
    reached because an earlier step failed) and the reason of a failure."""

    name: str
    label: int
    attack_success: bool | None = None
    steps: dict[str, str] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(v == "failed" for v in self.steps.values())


class RunReportInputs(BaseModel):
    """What the run's report is made of: paths of the stage outputs, the settings, the
    per-sequence status and the timings."""

    run_dir: str
    config: dict[str, Any]
    stage_keys: dict[str, Any]
    clean: str
    adversarial: str
    attack_json: str
    clean_recovered: str | None
    adversarial_recovered: str | None
    extract_reports: dict[str, str]
    crossmodal_json: str | None
    crossmodal_markdown: str | None
    evaluate_error: str | None = None
    bundles: dict[str, dict[str, str]] = Field(default_factory=dict)
    samples: list[SampleStatus]
    timings: dict[str, float] = Field(default_factory=dict)

    def failures(self) -> list[dict[str, str]]:
        """One entry per failed step of a sequence (``stage``, ``sample``, ``reason``), plus
        the evaluation's failure."""
        out = [{"stage": step, "sample": s.name, "reason": s.reasons.get(step, "")}
               for s in self.samples for step, state in s.steps.items() if state == "failed"]
        if self.evaluate_error:
            out.append({"stage": "evaluate", "sample": "(all)", "reason": self.evaluate_error})
        return out


class ReportOutput(StageOutput):
    """The report's files: ``summary.json`` / ``summary.md``, and the HTML report
    (:func:`flows.report.build_report`) with its figures."""

    folder: str
    summary_json: str
    summary_markdown: str
    figures: list[str] = Field(default_factory=list)
    html: str | None = None


SUMMARY_FORMAT = "ciasa.run_summary"
#: Attack metrics the summary lists (perceptibility and success).
ATTACK_METRICS = ("clean_accuracy", "adversarial_accuracy", "targeted_fooling_rate_over_correct",
                  "untargeted_fooling_rate_over_correct", "mean_joint_displacement_mm", "max_joint_displacement_mm",
                  "bone_length_error_mean", "clip_excess_max")


def _summary_markdown(inputs: RunReportInputs, crossmodal_md: str | None, attack_metrics: dict[str, Any]) -> str:
    failed = [s for s in inputs.samples if s.failed]
    lines = ["# Cross-modal run", "", f"Run folder: `{inputs.run_dir}`", "",
             f"{len(inputs.samples)} sequences, {len(inputs.samples) - len(failed)} through every step, "
             f"{len(failed)} with a failed step.", ""]
    if inputs.evaluate_error:
        lines += [f"**Evaluation failed:** {inputs.evaluate_error}", ""]
    if crossmodal_md:
        lines += [crossmodal_md.strip(), ""]
    if attack_metrics:
        lines += ["## Attack (source skeletons)", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {'n/a' if v is None else f'{v:.4g}'} |" for k, v in attack_metrics.items()]
        lines.append("")
    failures = inputs.failures()
    if failures:
        lines += ["## Failures", "", "| sequence | step | reason |", "|---|---|---|"]
        for f in failures:
            lines.append(f"| {f['sample']} | {f['stage']} | {' '.join(f['reason'].split()).replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def report_stage(inputs: RunReportInputs, out_dir: str | Path, key: str) -> ReportOutput:
    """Write ``summary.json`` and ``summary.md`` (numbers, settings, per-sequence status,
    failures) and the HTML report with its figures (:func:`flows.report.build_report`:
    ``report.html``, ``report.json``, ``figures/*.png``) into ``out_dir``."""
    from flows.report import ReportInputs, build_report
    from flows.rundir import mark_complete
    from pipeline.io_utils import atomic_outputs

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    attack_doc = json.loads(Path(inputs.attack_json).read_text(encoding="utf-8"))
    metrics = {k: attack_doc["metrics"][k] for k in ATTACK_METRICS if k in attack_doc.get("metrics", {})}
    crossmodal = (json.loads(Path(inputs.crossmodal_json).read_text(encoding="utf-8"))
                  if inputs.crossmodal_json else None)
    crossmodal_md = Path(inputs.crossmodal_markdown).read_text(encoding="utf-8") if inputs.crossmodal_markdown else None
    extraction = {role: json.loads(Path(p).read_text(encoding="utf-8")).get("summary")
                  for role, p in inputs.extract_reports.items()}
    paths = build_report(ReportInputs(
        title=f"Cross-modal run: {inputs.config.get('model')}", config=inputs.config,
        model=str(inputs.config.get("model")), clean_set=inputs.clean, adversarial_set=inputs.adversarial,
        attack_json=inputs.attack_json, clean_bundles=inputs.bundles.get("clean", {}),
        adversarial_bundles=inputs.bundles.get("adversarial", {}), clean_recovered=inputs.clean_recovered,
        adversarial_recovered=inputs.adversarial_recovered, extraction_reports=inputs.extract_reports,
        crossmodal_json=inputs.crossmodal_json, failures=inputs.failures(), timings=inputs.timings,
        unavailable={"crossmodal": f"the evaluation failed: {inputs.evaluate_error}"} if inputs.evaluate_error else {},
    ), out_dir)
    figures = [str(p) for p in paths.figures.values()]
    summary = {"format": SUMMARY_FORMAT, "version": 1, "run_dir": inputs.run_dir, "keys": inputs.stage_keys,
               "report": str(paths.html), "crossmodal": crossmodal, "attack_metrics": metrics,
               "extraction": extraction, "evaluate_error": inputs.evaluate_error,
               "samples": [s.model_dump() for s in inputs.samples], "failures": inputs.failures(),
               "timings": inputs.timings, "config": inputs.config}
    json_path, md_path = out_dir / "summary.json", out_dir / "summary.md"
    with atomic_outputs() as group:
        group.path(json_path).write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
        group.path(md_path).write_text(_summary_markdown(inputs, crossmodal_md, metrics), encoding="utf-8")
    files = [json_path, md_path, paths.html, paths.json, *paths.figures.values()]
    mark_complete(out_dir, key, [f.relative_to(out_dir) for f in files])
    return ReportOutput(key=key, folder=str(out_dir), summary_json=str(json_path), summary_markdown=str(md_path),
                        figures=figures, html=str(paths.html))


def reuse_report(key: str, out_dir: str | Path) -> ReportOutput:
    """The :class:`ReportOutput` of a complete report folder."""
    from flows.rundir import read_marker

    out_dir = Path(out_dir)
    doc = read_marker(out_dir) or {}
    names = list(doc.get("files", {}))
    return ReportOutput(key=key, folder=str(out_dir), summary_json=str(out_dir / "summary.json"),
                        summary_markdown=str(out_dir / "summary.md"),
                        figures=[str(out_dir / n) for n in names if n.endswith(".png")],  # figures/*.png
                        html=next((str(out_dir / n) for n in names if n.endswith(".html")), None), reused=True)
