"""The run's report stage: the per-sequence status, the summary (``summary.json`` /
``summary.md``) and the HTML report, and its reuse."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from flows.stage_outputs import StageOutput


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
    transfer_json: str | None = None
    evaluate_error: str | None = None
    control_attack_json: str | None = None
    control_crossmodal_json: str | None = None
    control_error: str | None = None
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
        if self.control_error:
            out.append({"stage": "evaluate_control", "sample": "(all)", "reason": self.control_error})
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


def _summary_markdown(inputs: RunReportInputs, crossmodal_md: str | None, attack_metrics: dict[str, Any],
                      transfer_md: str | None = None, control_md: str | None = None,
                      verdict: str | None = None) -> str:
    failed = [s for s in inputs.samples if s.failed]
    lines = ["# Cross-modal run", "", f"Run folder: `{inputs.run_dir}`", "",
             f"{len(inputs.samples)} sequences, {len(inputs.samples) - len(failed)} through every step, "
             f"{len(failed)} with a failed step.", ""]
    if verdict:
        lines += [f"**Verdict:** {verdict}", ""]
    if inputs.evaluate_error:
        lines += [f"**Evaluation failed:** {inputs.evaluate_error}", ""]
    if crossmodal_md:
        lines += [crossmodal_md.strip(), ""]
    if transfer_md:
        lines += [transfer_md.strip(), ""]
    if control_md:
        lines += [control_md.strip(), ""]
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


def report_verdict(report_json: str | Path) -> str | None:
    """The report's one-sentence verdict on the cross-modal drop (``report.json``'s
    ``crossmodal.verdict``, :func:`flows.report.crossmodal_content.verdict`: does the drop
    survive the video, and is it the attack's), or None when the report has no
    cross-modal measurement."""
    doc = json.loads(Path(report_json).read_text(encoding="utf-8"))
    section = doc.get("crossmodal")
    value = section.get("verdict") if isinstance(section, dict) and section.get("available") else None
    return value if isinstance(value, str) else None


def control_comparison(inputs: RunReportInputs, crossmodal: dict[str, Any] | None,
                       attack_metrics: dict[str, Any]) -> tuple[Any, str | None]:
    """The attack against the control (:func:`pipeline.crossmodal_control.compare_control`)
    when the run has both evaluations: ``(comparison, None)``, ``(None, why not)``, or
    ``(None, None)`` for a run without a control. ``crossmodal`` and ``attack_metrics``:
    the attacked run's evaluation and attack metrics, as the report stage has read them."""
    from pipeline.crossmodal_control import compare_control
    from pipeline.errors import CiasaError

    if inputs.control_attack_json is None:
        return None, None
    if inputs.control_error or inputs.control_crossmodal_json is None or crossmodal is None:
        return None, inputs.control_error or inputs.evaluate_error or "the control was not evaluated"
    control = json.loads(Path(inputs.control_crossmodal_json).read_text(encoding="utf-8"))
    control_metrics = json.loads(Path(inputs.control_attack_json).read_text(encoding="utf-8")).get("metrics", {})
    moved = {"adversarial": attack_metrics.get("mean_joint_displacement_mm"),
             "control": control_metrics.get("mean_joint_displacement_mm")}
    try:
        return compare_control(crossmodal, control, displacement_mm=moved,
                               names=(inputs.crossmodal_json, inputs.control_crossmodal_json)), None
    except CiasaError as exc:
        return None, str(exc)


def report_stage(inputs: RunReportInputs, out_dir: str | Path, key: str) -> ReportOutput:
    """Write ``summary.json`` and ``summary.md`` (numbers, settings, per-sequence status,
    failures) and the HTML report with its figures (:func:`flows.report.build_report`:
    ``report.html``, ``report.json``, ``figures/*.png``) into ``out_dir``; with a control,
    also ``control.json`` and ``control.md`` (:mod:`pipeline.crossmodal_control`)."""
    from flows.report import ReportInputs, build_report
    from flows.rundir import mark_complete, seconds_since
    from pipeline.io_utils import atomic_outputs

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    attack_doc = json.loads(Path(inputs.attack_json).read_text(encoding="utf-8"))
    metrics = {k: attack_doc["metrics"][k] for k in ATTACK_METRICS if k in attack_doc.get("metrics", {})}
    crossmodal = (json.loads(Path(inputs.crossmodal_json).read_text(encoding="utf-8"))
                  if inputs.crossmodal_json else None)
    crossmodal_md = Path(inputs.crossmodal_markdown).read_text(encoding="utf-8") if inputs.crossmodal_markdown else None
    transfer = json.loads(Path(inputs.transfer_json).read_text(encoding="utf-8")) if inputs.transfer_json else None
    transfer_md = (Path(inputs.transfer_json).with_suffix(".md").read_text(encoding="utf-8")
                   if inputs.transfer_json and Path(inputs.transfer_json).with_suffix(".md").is_file() else None)
    extraction = {role: json.loads(Path(p).read_text(encoding="utf-8")).get("summary")
                  for role, p in inputs.extract_reports.items()}
    comparison, control_missing = control_comparison(inputs, crossmodal, attack_doc.get("metrics", {}))
    control_files = []
    if comparison is not None:
        from pipeline.crossmodal_control import write_control

        control_files = write_control(comparison, out_dir)
    paths = build_report(ReportInputs(
        title=f"Cross-modal run: {inputs.config.get('model')}", config=inputs.config,
        model=str(inputs.config.get("model")), clean_set=inputs.clean, adversarial_set=inputs.adversarial,
        attack_json=inputs.attack_json, clean_bundles=inputs.bundles.get("clean", {}),
        adversarial_bundles=inputs.bundles.get("adversarial", {}), clean_recovered=inputs.clean_recovered,
        adversarial_recovered=inputs.adversarial_recovered, extraction_reports=inputs.extract_reports,
        crossmodal_json=inputs.crossmodal_json, transfer_json=inputs.transfer_json,
        control_json=control_files[0] if control_files else None, failures=inputs.failures(),
        timings=inputs.timings,
        unavailable={**({"crossmodal": f"the evaluation failed: {inputs.evaluate_error}"} if inputs.evaluate_error
                        else {}), **({"control": control_missing} if control_missing else {})},
    ), out_dir)
    figures = [str(p) for p in paths.figures.values()]
    verdict = report_verdict(paths.json)
    summary = {"format": SUMMARY_FORMAT, "version": 1, "run_dir": inputs.run_dir, "keys": inputs.stage_keys,
               "report": str(paths.html), "crossmodal": crossmodal, "transfer": transfer,
               "control": None if comparison is None else comparison.to_dict(),
               "control_missing": control_missing, "attack_metrics": metrics,
               "extraction": extraction, "evaluate_error": inputs.evaluate_error,
               "samples": [s.model_dump() for s in inputs.samples], "failures": inputs.failures(),
               "timings": inputs.timings, "config": inputs.config, "verdict": verdict}
    json_path, md_path = out_dir / "summary.json", out_dir / "summary.md"
    with atomic_outputs() as group:
        group.path(json_path).write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
        control_md = None if comparison is None else comparison.to_markdown()
        group.path(md_path).write_text(_summary_markdown(inputs, crossmodal_md, metrics, transfer_md, control_md,
                                                         verdict), encoding="utf-8")
    files = [json_path, md_path, paths.html, paths.json, *paths.figures.values(), *control_files]
    mark_complete(out_dir, key, [f.relative_to(out_dir) for f in files], compute_seconds=seconds_since(t0))
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
