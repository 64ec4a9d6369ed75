"""``ciasa merge-runs``: the shards of one cross-modal run (``source.shard=K/N``), or runs
of disjoint samples with the same settings, pooled into one result
(:mod:`flows.run_merge`)."""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import console


def merge_runs_command(
    runs: list[Path] = typer.Argument(..., help="finished run folders (each with its run.json); a copy holding "
                                      "only run.json, the report's summary.json and the evaluations' files merges "
                                      "the same"),
    out: Path = typer.Option(..., "--out", help="output folder: merged.json / merged.md, the pooled "
                             "crossmodal.json, transfer.json and control.json"),
) -> None:
    """Pool runs: the cross-modal evaluation, transfer table and control recounted from
    every sample's predictions (the numbers one run over all the samples gives), attack
    and extraction means weighted by sample counts, stage seconds summed."""
    from rich.table import Table

    from flows.run_merge import STAGES, merge_runs, write_merged

    merged = merge_runs(runs)
    written = write_merged(merged, out)
    stages = [s for s in STAGES if s in merged.timings]
    table = Table(title=f"merged: {merged.coverage}")
    for name in ("run", "shard", "samples", *stages, "total s"):
        table.add_column(name, justify="left" if name == "run" else "right")
    for run in merged.runs:
        t = run["timings"]
        table.add_row(run["folder"], str(run["shard"] or "-"), str(run["samples"]),
                      *[f"{t.get(s, 0.0):.0f}" for s in stages], f"{sum(t.values()):.0f}")
    table.add_row("all", "", str(sum(r["samples"] for r in merged.runs)),
                  *[f"{merged.timings[s]:.0f}" for s in stages], f"{merged.wall_seconds:.0f}")
    console.print(table)
    console.print(merged.crossmodal.headline())
    if merged.compute:
        known = {k: v for k, v in merged.compute.items() if v is not None}
        console.print(f"seconds of computation, every sitting (worker-seconds where workers ran at once): "
                      f"{sum(known.values()):.0f} over {len(known)} stages"
                      + ("" if len(known) == len(merged.compute) else
                         f" ({len(merged.compute) - len(known)} stages not recorded by every run)"),
                      soft_wrap=True, markup=False)
    console.print("verdict: " + merged.verdict(), soft_wrap=True, markup=False)
    if merged.control is not None:
        console.print("against the control: " + merged.control.verdict())
    console.print("wrote " + ", ".join(str(p) for p in written))
