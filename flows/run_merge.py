"""``ciasa merge-runs``: the shards of one cross-modal run pooled into one result.

A run cut with ``source.shard=K/N`` (:class:`flows.config.SourceConfig`) runs its K-th
class-balanced block of the draw as a run of its own, in its own run folder, on any
machine or day. :func:`merge_runs` reads the finished runs' folders (``run.json``, the
report's ``summary.json``, the evaluation's ``crossmodal.json`` and
``transfer_samples.json``, the control's evaluation) and pools them: the cross-modal
evaluation, the transfer table and the control comparison recounted from the per-sample
predictions (:mod:`pipeline.crossmodal_pool`; the same numbers one run over all the
samples reports), the attack's and the extraction's means weighted by their sample counts,
and each stage's seconds summed over the runs (the work the whole run took on those
machines). Only the files named here are read, at their places under each run folder,
so a copy of a run folder holding just them merges the same as the original.

The runs must share every setting that changes a result (all but :data:`HOW_IT_RAN`: the
shard, threads, devices, batch sizes, retries; else a :class:`~pipeline.errors.ValidationError`
naming the run and the setting) and hold disjoint samples.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.rundir import MANIFEST, MANIFEST_FORMAT, stage_dir
from pipeline.crossmodal_report import CrossModalReport, fmt_pct, md_cell, md_row
from pipeline.crossmodal_pool import pooled_extraction, weighted_means
from pipeline.errors import ValidationError
from pipeline.io_utils import load_json, load_json_document

log = logging.getLogger(__name__)

MERGED_FORMAT = "ciasa.merged_runs"
MERGED_VERSION = 1
#: Attack metrics averaged over samples (weighted by each run's sample count) and maxima.
MEAN_ATTACK_METRICS = ("mean_joint_displacement_mm", "bone_length_error_mean")
MAX_ATTACK_METRICS = ("max_joint_displacement_mm", "clip_excess_max")
#: The stages whose seconds a run records (``run.json`` ``timings``), in the flow's order.
STAGES = ("select", "attack", "control", "render", "extract", "evaluate", "evaluate_control", "report")


@dataclass
class RunRecord:
    """One finished run folder: its manifest, its summary and the documents pooled."""

    folder: str
    manifest: dict[str, Any]
    summary: dict[str, Any]
    crossmodal: dict[str, Any]
    transfer_samples: dict[str, Any] | None
    control_crossmodal: dict[str, Any] | None

    @property
    def shard(self) -> str | None:
        return ((self.manifest.get("config") or {}).get("source") or {}).get("shard")

    @property
    def num_samples(self) -> int:
        return int(self.crossmodal.get("num_samples") or 0)


def _key(manifest: Mapping[str, Any], stage: str, path: Path) -> str:
    key = (manifest.get("keys") or {}).get(stage)
    if not isinstance(key, str):
        raise ValidationError(f"no {stage} stage key: the run has no {stage} output", path=path, field=f"keys.{stage}")
    return key


def read_run(folder: str | Path) -> RunRecord:
    """The documents of a finished run folder.

    Raises:
        MissingInputError / FormatError: ``run.json`` or a document missing or unreadable
            (naming the file).
        ValidationError: the run did not complete, or has no evaluation (naming
            ``run.json`` and the field).
    """
    folder = Path(folder)
    path = folder / MANIFEST
    manifest = load_json_document(path, MANIFEST_FORMAT, "run manifest")
    if manifest.get("status") != "completed":
        raise ValidationError(f"the run's status is {manifest.get('status')!r}: only completed runs merge", path=path,
                              field="status")
    summary = load_json(stage_dir(folder, "report", _key(manifest, "report", path)) / "summary.json", "run summary")
    evaluate = stage_dir(folder, "evaluate", _key(manifest, "evaluate", path))
    crossmodal = load_json(evaluate / "crossmodal.json", "cross-modal evaluation")
    samples = evaluate / "transfer_samples.json"
    transfer = load_json(samples, "transfer samples") if samples.is_file() else None
    control = None
    if (manifest.get("keys") or {}).get("evaluate_control"):
        control = load_json(stage_dir(folder, "evaluate", _key(manifest, "evaluate_control", path))
                            / "crossmodal.json", "control evaluation")
    return RunRecord(folder=str(folder), manifest=manifest, summary=summary, crossmodal=crossmodal,
                     transfer_samples=transfer, control_crossmodal=control)


#: Settings that say how a run ran, not what it computed (the stages' keys leave them out):
#: merged runs may differ in them. ``control``: the control is pooled only when every run has it.
HOW_IT_RAN = ("source.shard", "attack.chunk", "attack.device", "render.threads", "render.timeout_s",
              "evaluate.batch_size", "evaluate.device", "render_retries", "extract_retries", "retry_delay_s",
              "control")


def _settings(record: RunRecord) -> dict[str, Any]:
    """The run's settings without :data:`HOW_IT_RAN`."""
    config = json.loads(json.dumps(record.manifest.get("config") or {}))
    for dotted in HOW_IT_RAN:
        *parents, leaf = dotted.split(".")
        node = config
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return config


def _first_difference(a: Any, b: Any, where: str = "") -> str | None:
    """The dotted name of the first setting where ``a`` and ``b`` differ (None: equal)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b)):
            got = _first_difference(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
            if got:
                return got
        return None
    return None if a == b else (where or "config")


def check_shards(records: Sequence[RunRecord]) -> str:
    """Check that the runs are shards of one run; returns what they cover, e.g.
    ``"shards 1, 2 of 4"`` or ``"all 4 shards"`` or ``"2 runs"`` (unsharded runs of
    disjoint samples).

    Raises:
        ValidationError: settings that differ beyond the shard (naming the run and the
            setting), a shard given twice, shards of different counts.
    """
    base = _settings(records[0])
    for rec in records[1:]:
        diff = _first_difference(base, _settings(rec))
        if diff:
            raise ValidationError(f"differs from {records[0].folder}: the runs merged must share every setting "
                                  "that changes a result", path=Path(rec.folder) / MANIFEST, field=f"config.{diff}")
    shards = [rec.shard for rec in records]
    if all(s is None for s in shards):
        return f"{len(records)} runs"
    if any(s is None for s in shards):
        bad = next(rec for rec in records if rec.shard is None)
        raise ValidationError("not a shard, where the others are", path=Path(bad.folder) / MANIFEST,
                              field="config.source.shard")
    pairs = [tuple(int(x) for x in str(s).split("/")) for s in shards]
    counts = {n for _, n in pairs}
    if len(counts) > 1:
        raise ValidationError(f"shards of {sorted(counts)} parts: one run's shards share N",
                              path=Path(records[-1].folder) / MANIFEST, field="config.source.shard")
    seen: dict[int, str] = {}
    for rec, (k, _) in zip(records, pairs):
        if k in seen:
            raise ValidationError(f"shard {rec.shard} is also {seen[k]}", path=Path(rec.folder) / MANIFEST,
                                  field="config.source.shard")
        seen[k] = rec.folder
    n = counts.pop()
    got = sorted(seen)
    return f"all {n} shards" if got == list(range(1, n + 1)) else f"shards {', '.join(map(str, got))} of {n}"


@dataclass
class MergedRuns:
    """The pooled result (:func:`merge_runs`); ``files`` written."""

    coverage: str
    runs: list[dict[str, Any]]
    timings: dict[str, float]
    crossmodal: CrossModalReport
    transfer: Any | None
    control: Any | None
    attack_metrics: dict[str, Any]
    extraction: dict[str, Any]
    #: Per stage, the seconds of computation summed over every run (``run.json``
    #: ``compute_seconds``); None for a stage some run did not record.
    compute: dict[str, float | None] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def _compute_lines(self) -> list[str]:
        """The table of computation seconds per run and stage (``run.json``
        ``compute_seconds``), when any run recorded them."""
        order = (*STAGES[:5], "recovered", *STAGES[5:])  # the merge of each role's extractions after extract
        stages = [s for s in order if s in self.compute]
        if not stages:
            return []

        def cell(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.0f}"
        lines = [md_row(["run", *stages]), md_row(["---"] * (len(stages) + 1))]
        for run in self.runs:
            c = run.get("compute_seconds") or {}
            lines.append(md_row([md_cell(run["folder"]), *[cell(c.get(s)) for s in stages]]))
        lines.append(md_row(["**all**", *[f"**{cell(self.compute[s])}**" for s in stages]]))
        return lines + ["", "Seconds of computation behind each stage's outputs (`run.json` `compute_seconds`), cached "
                        "or not, so a resumed run counts every sitting; summed over a stage's outputs, so for the "
                        "render and extract stages these are worker-seconds (above the wall time when workers ran "
                        "at once). n/a: a run that did not record them.", ""]

    def verdict(self) -> str:
        """The pooled measurement's verdict, as one run's report words it
        (:func:`flows.report.crossmodal_content.verdict`): does the drop survive the video,
        and is it the attack's (weighed against the pooled control when every run had one)."""
        from flows.report.crossmodal_content import control_share, paired_drop, paper_drop, verdict

        samples = self.crossmodal.to_dict().get("samples") or {}
        control = None if self.control is None else self.control.to_dict()
        return verdict(paired_drop(samples, "recovered"), paired_drop(samples, "source"), paper_drop(),
                       control_share(control))

    @property
    def wall_seconds(self) -> float:
        return sum(self.timings.values())

    def to_dict(self) -> dict[str, Any]:
        return {"format": MERGED_FORMAT, "version": MERGED_VERSION, "coverage": self.coverage, "runs": self.runs,
                "timings": self.timings, "wall_seconds": round(self.wall_seconds, 1),
                "compute_seconds": self.compute,
                "headline": self.crossmodal.headline(), "verdict": self.verdict(),
                "crossmodal": self.crossmodal.to_dict(),
                "transfer": None if self.transfer is None else self.transfer.to_dict(),
                "control": None if self.control is None else self.control.to_dict(),
                "attack_metrics": self.attack_metrics, "extraction": self.extraction}

    def to_markdown(self) -> str:
        lines = [f"# Merged cross-modal run: {md_cell(self.coverage)}", "",
                 f"**{md_cell(self.crossmodal.headline())}**", "", f"**Verdict:** {md_cell(self.verdict())}", ""]
        head = ["run", "shard", "samples", *[s for s in STAGES if s in self.timings], "total s"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for run in self.runs:
            t = run["timings"]
            lines.append(md_row([md_cell(run["folder"]), str(run["shard"] or "-"), str(run["samples"]),
                                 *[f"{t.get(s, 0.0):.0f}" for s in STAGES if s in self.timings],
                                 f"{sum(t.values()):.0f}"]))
        lines.append(md_row(["**all**", "", str(sum(r["samples"] for r in self.runs)),
                             *[f"**{self.timings[s]:.0f}**" for s in STAGES if s in self.timings],
                             f"**{self.wall_seconds:.0f}**"]))
        m = self.attack_metrics
        lines += ["", "Stage seconds as each run recorded them (`run.json` `timings`), summed over the runs: the "
                  "wall time of each run's last sitting, where a stage found in the cache counts its lookup.", ""]
        lines += self._compute_lines()
        lines += [
                  "## The attack on the source skeletons", "",
                  f"- targeted fooling (over correct): {fmt_pct(m.get('targeted_fooling_rate_over_correct'))}; "
                  f"decisions changed: {fmt_pct(m.get('prediction_change_rate'))}",
                  f"- mean joint displacement {_num(m.get('mean_joint_displacement_mm'))} mm (largest "
                  f"{_num(m.get('max_joint_displacement_mm'))} mm); bone-length error "
                  f"{_num(m.get('bone_length_error_mean'), '.2g')}", "",
                  "## Extraction (means over the recovered sequences, mm)", ""]
        head = ["videos", "count", "extracted", "detection", "root-relative", "PA", "camera frame"]
        lines += [md_row(head), md_row(["---"] * len(head))]
        for role, doc in self.extraction.items():
            if doc is None:
                continue
            gt = doc.get("mean_vs_source_joints") or {}
            lines.append(md_row([md_cell(role), str(doc["samples"]), str(doc["ok"]),
                                 fmt_pct(doc.get("mean_detection_rate")),
                                 _num(gt.get("root_relative_mpjpe_mm")), _num(gt.get("pa_mpjpe_mm")),
                                 _num(gt.get("mpjpe_mm"))]))
        lines += ["", self.crossmodal.to_markdown()]
        if self.transfer is not None:
            lines += ["", self.transfer.to_markdown()]
        if self.control is not None:
            lines += ["", self.control.to_markdown()]
        return "\n".join(lines) + "\n"


def _num(value: Any, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(float(value), spec)


def merge_runs(folders: Sequence[str | Path]) -> MergedRuns:
    """Pool finished runs (module docstring); nothing is written.

    Raises:
        ValidationError: no folder, or as :func:`read_run`, :func:`check_shards` and
            :func:`pipeline.crossmodal_pool.pool_crossmodal` (naming the run's file).
    """
    from pipeline.crossmodal_control import compare_control
    from pipeline.crossmodal_pool import pool_crossmodal
    from pipeline.crossmodal_transfer import crossmodal_transfer

    if not folders:
        raise ValidationError("nothing to merge: no run folder given", field="runs")
    records = [read_run(f) for f in folders]
    coverage = check_shards(records)
    names = [str(Path(r.folder) / "evaluate") for r in records]
    pooled = pool_crossmodal([r.crossmodal for r in records], names=names)
    transfer = None
    if all(r.transfer_samples is not None for r in records):
        labels = list(records[0].transfer_samples["reports"])
        others = [pool_crossmodal([r.transfer_samples["reports"][label] for r in records], names=names)
                  for label in labels]
        for label, report in zip(labels, others):
            report.model = label
        transfer = crossmodal_transfer(pooled, others)
    elif any(r.transfer_samples is not None for r in records):
        log.warning("only some runs kept their transfer models' per-sample predictions: no pooled transfer table")
    control = None
    if all(r.control_crossmodal is not None for r in records):
        pooled_control = pool_crossmodal([r.control_crossmodal for r in records], names=names)
        moved = weighted_means([(r.num_samples, (r.summary.get("control") or {}).get("displacement_mm") or {})
                                for r in records], ["adversarial", "control"])
        control = compare_control(pooled.to_dict(), pooled_control.to_dict(),
                                  displacement_mm={k: v for k, v in moved.items() if v is not None},
                                  names=("pooled attacked evaluation", "pooled control evaluation"))
    sizes = [r.num_samples for r in records]
    metrics = [r.summary.get("attack_metrics") or {} for r in records]
    attack = weighted_means(list(zip(sizes, metrics)), MEAN_ATTACK_METRICS)
    for key in MAX_ATTACK_METRICS:
        values = [float(m[key]) for m in metrics if m.get(key) is not None]
        attack[key] = max(values) if values else None
    src = pooled.source
    attack.update(clean_accuracy=src.clean_accuracy.value, adversarial_accuracy=src.adversarial_accuracy.value,
                  targeted_fooling_rate_over_correct=None if src.targeted_fooling_rate_over_correct is None
                  else src.targeted_fooling_rate_over_correct.value,
                  untargeted_fooling_rate_over_correct=src.untargeted_fooling_rate_over_correct.value,
                  prediction_change_rate=src.prediction_change_rate.value)
    roles = sorted({role for r in records for role in (r.summary.get("extraction") or {})})
    extraction = {role: pooled_extraction([(r.summary.get("extraction") or {}).get(role) for r in records])
                  for role in roles}
    timings: dict[str, float] = {}
    runs = []
    for r in records:
        t = {k: float(v) for k, v in (r.manifest.get("timings") or {}).items()}
        for k, v in t.items():
            timings[k] = timings.get(k, 0.0) + v
        runs.append({"folder": r.folder, "shard": r.shard, "samples": r.num_samples, "timings": t,
                     "compute_seconds": _compute_of(r.manifest),
                     "started": r.manifest.get("started"), "finished": r.manifest.get("finished")})
    return MergedRuns(coverage=coverage, runs=runs, timings=timings, compute=summed_compute(runs), crossmodal=pooled,
                      transfer=transfer, control=control, attack_metrics=attack, extraction=extraction)


def _compute_of(manifest: dict[str, Any]) -> dict[str, float | None]:
    """A run's ``compute_seconds`` per stage (None for a stage with an output that
    recorded none); empty for a run made before runs recorded them."""
    doc = manifest.get("compute_seconds")
    if not isinstance(doc, dict):
        return {}
    return {k: (float(v["seconds"]) if isinstance(v, dict) and not v.get("unrecorded") else None)
            for k, v in doc.items()}


def summed_compute(runs: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Per stage, the runs' ``compute_seconds`` summed; None for a stage that some run
    did not record (or recorded only in part)."""
    stages = {s for run in runs for s in run.get("compute_seconds") or {}}
    out: dict[str, float | None] = {}
    for stage in stages:
        values = [(run.get("compute_seconds") or {}).get(stage) for run in runs]
        out[stage] = None if any(v is None for v in values) else round(sum(values), 3)
    return out


def write_merged(merged: MergedRuns, out_dir: str | Path) -> list[Path]:
    """Write ``merged.json`` / ``merged.md``, the pooled ``crossmodal.json`` / ``.md``, and
    where pooled ``transfer.json`` / ``.md`` and ``control.json`` / ``.md`` into
    ``out_dir``, atomically each."""
    from pipeline.crossmodal import write_crossmodal
    from pipeline.crossmodal_control import write_control
    from pipeline.crossmodal_transfer import write_transfer
    from pipeline.io_utils import atomic_outputs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = list(write_crossmodal(merged.crossmodal, out))
    if merged.transfer is not None:
        paths += write_transfer(merged.transfer, out)
    if merged.control is not None:
        paths += write_control(merged.control, out)
    with atomic_outputs() as group:
        group.path(out / "merged.json").write_text(json.dumps(merged.to_dict(), indent=1), encoding="utf-8")
        group.path(out / "merged.md").write_text(merged.to_markdown(), encoding="utf-8")
    paths += [out / "merged.json", out / "merged.md"]
    merged.files = [str(p) for p in paths]
    return paths


__all__ = ["MERGED_FORMAT", "MergedRuns", "RunRecord", "check_shards", "merge_runs", "read_run", "write_merged"]
