"""``ciasa evaluate``: score a recogniser on a skeleton set (table, JSON report, confusion PNG)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console, progress_bar


class StreamChoice(str, Enum):
    joint = "joint"
    bone = "bone"
    motion = "motion"
    bone_motion = "bone-motion"


def _default_batch_size() -> int:
    from pipeline.evaluate import DEFAULT_BATCH_SIZE

    return DEFAULT_BATCH_SIZE


def _default_out(model: str, data: Path, part: Optional[str]) -> Path:
    stem = Path(model).stem if Path(model).suffix else model
    stem = stem.replace("+", "_")
    return Path("evaluation") / f"{stem}-{data.stem}{'-' + part if part else ''}"


def evaluate_command(
    data: Path = typer.Option(..., "--data", help="skeleton set: a ciasa .npz, a folder (with --part: <part>.npz "
                              "or st-gcn <part>_data.npy), or any format 'ciasa data info' reads"),
    model: str = typer.Option(..., "--model", help="checkpoint path, a bundled name (stgcn-ntu60, stgcn-synth, "
                              "agcn-joint-synth, agcn-bone-synth, agcn-synth), several joined by '+' (ensemble), or your own "
                              "pkg.module:factory / file.py:factory"),
    part: Optional[str] = typer.Option(None, "--part", help="split to evaluate (e.g. val); default: the whole set"),
    stream: Optional[StreamChoice] = typer.Option(None, "--stream", help="for an official 2s-AGCN or MS-G3D file: joint or bone; "
                                                  "for an official CTR-GCN file also motion or bone-motion "
                                                  "(default: from the file name, else joint)"),
    batch_size: int = typer.Option(_default_batch_size(), "--batch-size", min=1, help="samples per forward pass"),
    device: str = typer.Option("cpu", "--device", help="torch device (cpu, cuda, cuda:1...)"),
    out: Optional[Path] = typer.Option(None, "--out", help="output folder for report.json and confusion.png "
                                       "(default: evaluation/<model>-<data>[-<part>])"),
) -> None:
    """Evaluate a recogniser: top-1, top-5, confidence and per-class accuracy; writes a JSON
    report and a confusion-matrix PNG. Labels are matched to the model's classes by name."""
    from rich.table import Table

    from pipeline.evaluate import evaluate_recognizer, load_evaluation_set, summary_line, write_evaluation
    from pipeline.models import load_recognizer

    rec = load_recognizer(model, stream=stream.value if stream else None, device=device)
    sset = load_evaluation_set(data, part)
    with progress_bar(f"evaluating {rec.name}", len(sset)) as advance:
        state = {"done": 0}

        def on_batch(done: int, total: int) -> None:
            advance(done - state["done"])
            state["done"] = done

        report = evaluate_recognizer(rec, sset, batch_size=batch_size, device=device, progress=on_batch,
                                     data_path=data)
    target = out if out is not None else _default_out(model, data, part)
    written = write_evaluation(report, target)

    overview = Table(title=f"{rec.name} ({rec.arch}) on {data.name}{' [' + part + ']' if part else ''}")
    overview.add_column("metric")
    overview.add_column("value", justify="right")
    overview.add_row("samples scored", str(report.num_evaluated))
    if report.num_unlabelled:
        overview.add_row("unlabelled (skipped)", str(report.num_unlabelled))
    overview.add_row("top-1", f"{100 * report.top1:.2f} %")
    overview.add_row(f"top-{report.top_k}", f"{100 * report.top5:.2f} %")
    overview.add_row("confidence", "n/a" if report.confidence is None else f"{report.confidence:.3f}")
    console.print(overview)

    per_class = Table(title="per class")
    per_class.add_column("class")
    per_class.add_column("support", justify="right")
    per_class.add_column("correct", justify="right")
    per_class.add_column("accuracy", justify="right")
    for c in report.per_class:
        if c.support:
            per_class.add_row(c.name, str(c.support), str(c.correct), f"{100 * (c.accuracy or 0.0):.1f} %")
    console.print(per_class)
    console.print(summary_line(report))
    console.print("wrote " + ", ".join(str(p) for p in written))
