"""``ciasa evaluate-crossmodal``: score a recogniser on the source skeletons and on those
recovered from their rendered videos, clean and adversarial (JSON and Markdown report)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console, progress_bar

_SET_HELP = "(a ciasa .npz, or any format 'ciasa data info' reads)"


def _default_batch_size() -> int:
    from pipeline.evaluate import DEFAULT_BATCH_SIZE

    return DEFAULT_BATCH_SIZE


def _default_out(model: str, adversarial: Path) -> Path:
    stem = Path(model).stem if Path(model).suffix else model
    stem = stem.replace("+", "_")
    run = adversarial.parent.name if adversarial.stem == "adversarial" and adversarial.parent.name else adversarial.stem
    return Path("crossmodal") / f"{stem}-{run}"


def crossmodal_command(
    clean: Path = typer.Option(..., "--clean", help=f"source clean skeleton set {_SET_HELP}"),
    adversarial: Path = typer.Option(..., "--adversarial", help="source adversarial set ('ciasa attack' "
                                     "adversarial.npz): the same sample names as --clean"),
    clean_recovered: Path = typer.Option(..., "--clean-recovered", help="skeletons recovered from the clean "
                                         "videos (source sample names; missing samples are reported)"),
    adversarial_recovered: Path = typer.Option(..., "--adversarial-recovered", help="skeletons recovered from "
                                               "the adversarial videos"),
    model: str = typer.Option(..., "--model", help="checkpoint path, a bundled name (stgcn-synth, agcn-joint-synth, "
                              "agcn-bone-synth, agcn-synth), several joined by '+' (ensemble), or your own "
                              "pkg.module:factory / file.py:factory"),
    targets: Optional[Path] = typer.Option(None, "--targets", help="the attack's attack.json (target per sample "
                                           "name); default: the adversarial set's per-sample 'attack_target' "
                                           "when present, else no target rates"),
    out: Optional[Path] = typer.Option(None, "--out", help="output folder for crossmodal.json and crossmodal.md "
                                       "(default: crossmodal/<model>-<attack folder>)"),
    transfer_models: str = typer.Option("", "--transfer-models", help="other recognisers, comma-separated, that "
                                        "score the same four sets (the transfer table: transfer.json and "
                                        "transfer.md); each must know the sets' classes"),
    batch_size: int = typer.Option(_default_batch_size(), "--batch-size", min=1, help="samples per forward pass"),
    device: str = typer.Option("cpu", "--device", help="torch device (cpu, cuda, cuda:1...)"),
) -> None:
    """Cross-modal evaluation: accuracy on the source and recovered skeletons, clean and
    adversarial; accuracy drop, fooling and target rates after recovery; per-class and
    per-sample outcomes. Samples are matched by name; labels to the model's classes by name."""
    from rich.table import Table

    from pipeline.crossmodal import ROLES, evaluate_crossmodal, read_attack_targets, write_crossmodal
    from pipeline.evaluate import load_evaluation_set
    from pipeline.models import load_recognizer

    given, target_classes = (None, None) if targets is None else read_attack_targets(targets)
    files = dict(zip(ROLES, (clean, adversarial, clean_recovered, adversarial_recovered)))
    sets = {role: load_evaluation_set(path) for role, path in files.items()}
    rec = load_recognizer(model, device=device)
    total = sum(len(s) for s in sets.values())
    with progress_bar(f"evaluating {rec.name} on 4 sets", total) as advance:
        state = {"done": 0}

        def on_batch(done: int, _total: int) -> None:
            advance(done - state["done"])
            state["done"] = done

        report = evaluate_crossmodal(rec, *(sets[role] for role in ROLES), targets=given,
                                     target_classes=target_classes if given is not None else None,
                                     batch_size=batch_size, device=device, progress=on_batch, paths=files)
    out_dir = out if out is not None else _default_out(model, adversarial)
    written = write_crossmodal(report, out_dir)
    others = [s.strip() for s in transfer_models.split(",") if s.strip()]
    transfer = None
    if others:
        from pipeline.crossmodal_transfer import evaluate_transfer, write_transfer

        recs = {spec: load_recognizer(spec, device=device) for spec in others}
        with progress_bar(f"scoring the run with {len(recs)} other recogniser(s)", len(recs)) as advance:
            transfer = evaluate_transfer(report, recs, *(sets[role] for role in ROLES), targets=given,
                                         target_classes=target_classes if given is not None else None,
                                         batch_size=batch_size, device=device, paths=files,
                                         progress=lambda _label: advance(1))
        written += write_transfer(transfer, out_dir)

    table = Table(title=f"{rec.name} ({rec.arch}): source vs recovered from video")
    for name, justify in (("skeletons", "left"), ("samples", "right"), ("clean acc.", "right"),
                          ("adversarial acc.", "right"), ("drop", "right"), ("fooled / correct", "right"),
                          ("still target", "right")):
        table.add_column(name, justify=justify)

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f} %"

    for title, m in (("source (all)", report.source), ("source (recovered samples)", report.source_on_recovered),
                     ("recovered", report.recovered)):
        target = m.targeted_fooling_rate_over_all
        table.add_row(title, str(m.num_samples), pct(m.clean_accuracy.value), pct(m.adversarial_accuracy.value),
                      "n/a" if m.accuracy_drop is None else f"{100 * m.accuracy_drop:.1f} pp",
                      pct(m.untargeted_fooling_rate_over_correct.value),
                      "n/a" if target is None else pct(target.value))
    console.print(table)
    missing = len(set(report.missing_clean_recovered) | set(report.missing_adversarial_recovered))
    if missing:
        console.print(f"missing recovery: {missing} of {report.num_samples} samples (left out of the recovered rows)")
    console.print(report.headline())
    if transfer is not None:
        ttable = Table(title="transfer: the same sets scored by other recognisers")
        for name in ("recogniser", "attacked", "recovered clean", "recovered adversarial", "recovered drop"):
            ttable.add_column(name, justify="left" if name == "recogniser" else "right")
        for r in transfer.rows:
            d = r.recovered_drop
            ttable.add_row(r.model, "yes" if r.attacked else "no", pct(r.recovered.clean_accuracy.value),
                           pct(r.recovered.adversarial_accuracy.value),
                           "n/a" if d is None else f"{100 * d.value:.1f} pp [{100 * d.low:.1f}, {100 * d.high:.1f}]")
        console.print(ttable)
    console.print("wrote " + ", ".join(str(p) for p in written))
