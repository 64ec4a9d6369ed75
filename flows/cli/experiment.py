"""``ciasa experiment``: run one of the paper's experiments (Fig. 2, Tables I-III, the
ablation) on a seeded class-balanced subset and write ``<name>.md``, ``<name>.json`` and
``<name>.png``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import config_option, console, err_console


class ExperimentChoice(str, Enum):
    fig2 = "fig2"
    table1 = "table1"
    table2 = "table2"
    table3 = "table3"
    ablation = "ablation"


def _default(name: str):  # noqa: ANN202 - a default read from the library (one place)
    import attack.config as cfg  # torch-free, so --help stays fast

    return getattr(cfg, name)


def _parse_eps_list(text: Optional[str]) -> Optional[list[float]]:
    from pipeline.errors import ValidationError

    if text is None:
        return None
    try:
        values = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValidationError(f"cannot read eps {text!r} (numbers, comma-separated)", field="eps") from None
    if not values:
        raise ValidationError(f"empty eps {text!r}", field="eps")
    return values


def experiment_command(
    name: ExperimentChoice = typer.Argument(..., help="fig2 (FGSM eps sweep), table1 (basic eps sweep), table2 "
                                            "(localized regions), table3 (transfer to 2s-AGCN), ablation"),
    data: Path = typer.Option(..., "--data", help="skeleton set: a ciasa .npz, a folder (with --part), or any "
                              "format 'ciasa data info' reads"),
    model: str = typer.Option(..., "--model", help="attacked model: checkpoint path, bundled name (stgcn-synth), or pkg.module:factory / file.py:factory"),
    out: Path = typer.Option(..., "--out", help="output folder for <name>.md, <name>.json, <name>.png"),
    part: Optional[str] = typer.Option(None, "--part", help="split to use (e.g. val); default: the whole set"),
    per_class: int = typer.Option(_default("DEFAULT_EXPERIMENT_PER_CLASS"), "--per-class", min=1,
                                  help="samples per class (seeded, class-balanced; correctly classified only, "
                                  "except table3)"),
    correct_only: Optional[bool] = typer.Option(None, "--correct-only/--all-samples",
                                                help="attack only correctly classified samples, or any "
                                                "(default: correct only, except table3)"),
    iterations: int = config_option(_default("AttackConfig"), "iterations", "--iterations"),
    gan_frames: int = config_option(_default("AttackConfig"), "gan_frames", "--gan-frames"),
    eps: Optional[str] = typer.Option(None, "--eps", help="eps, data units (metres for NTU): comma-separated for "
                                      "fig2 and table1, one value otherwise; default: the paper's (fig2 "
                                      "0-0.04, table1 0.004-0.012, table2 0.04, table3 0.012, ablation 0.01)"),
    transfer_models: str = typer.Option("", "--transfer-models",
                                        help="table3: comma-separated models scored on the adversarial set "
                                        "(default: every other bundled model of the attacked model's world)"),
    seed: int = typer.Option(0, "--seed", help="seed of the subset draw and of the attacks"),
    batch_size: int = typer.Option(_default("DEFAULT_BATCH_SIZE"), "--batch-size", min=1,
                                   help="samples attacked at once"),
    device: str = typer.Option("cpu", "--device", help="torch device (cpu, cuda, ...)"),
) -> None:
    """Run one experiment of the paper on a subset and write a markdown table, a JSON
    record (with the paper's numbers beside the measured ones) and a plot."""
    import attack.experiments as ex
    from attack.paper_protocol import CORRECT_ONLY
    from attack.sample_selection import SampleSpec
    from attack.plots import plot_result
    from pipeline.errors import ValidationError
    from pipeline.evaluate import align_labels, load_evaluation_set
    from pipeline.io_utils import atomic_outputs
    from pipeline.models import load_recognizer

    eps_values = _parse_eps_list(eps)
    if eps_values is not None and name.value not in ("fig2", "table1") and len(eps_values) != 1:
        raise ValidationError(f"{name.value} takes one eps, got {len(eps_values)}", field="eps")
    rec = load_recognizer(model, device=device)
    sset = load_evaluation_set(data, part)
    if sset.layout != rec.layout.name:
        raise ValidationError(f"the set's layout is {sset.layout} but model {rec.name} takes {rec.layout.name}",
                              path=data, field="layout")
    labels, _ = align_labels(sset.label, list(sset.class_names), list(rec.class_names), path=str(data))
    spec = SampleSpec(per_class=per_class, seed=seed,
                      correct_only=CORRECT_ONLY[name.value] if correct_only is None else correct_only)
    kw: dict = {"samples": spec, "labels": labels, "seed": seed, "batch_size": batch_size, "device": device}
    if name.value != "fig2":
        kw.update(iterations=iterations, gan_frames=gan_frames or None)
    if eps_values is not None:
        kw["eps"] = eps_values if name.value in ("fig2", "table1") else eps_values[0]
    args: tuple = (rec, sset)
    if name.value == "table3":
        from pipeline.models import bundled_peers

        names = [s.strip() for s in transfer_models.split(",") if s.strip()] or bundled_peers(model)
        if not names:
            raise ValidationError(f"no bundled model shares {model!r}'s world: name the models to score with "
                                  "--transfer-models", field="transfer_models")
        targets = {}
        for n in names:
            target = load_recognizer(n, device=device)
            targets[_transfer_label(target, n)] = target
        args = (rec, sset, targets)
    with _progress() as prog:
        task = prog.add_task(f"{name.value} on {rec.name}", total=None)

        def on_progress(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total)

        result = ex.EXPERIMENTS[name.value](*args, progress=on_progress, **kw)
    result.settings.update(data=str(data), part=part, model_path=rec.meta.get("path"),
                           source_hash=sset.content_hash())
    fig = plot_result(result)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name.value}.{ext}" for ext in ("md", "json", "png")]
    with atomic_outputs() as o:
        o.path(paths[0]).write_text(result.to_markdown(), encoding="utf-8")
        o.path(paths[1]).write_text(result.to_json(), encoding="utf-8")
        fig.savefig(o.path(paths[2]), format="png", dpi=fig.dpi, facecolor="white")
    console.print(result.to_markdown())
    console.print("wrote " + ", ".join(str(p) for p in paths))


def _progress():  # noqa: ANN202
    """A rich progress bar on stderr (terminal only) whose total is set by the experiment
    once it has drawn its samples (units: samples attacked or scored)."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err_console, disable=not err_console.is_terminal)


def _transfer_label(model, name: str) -> str:  # noqa: ANN001
    """A row label for a transfer model: ``2s-AGCN joint``, ``CTR-GCN bone``, ``MS-G3D joint``
    etc. for those architectures, else its name."""
    arch = str(getattr(model, "arch", ""))
    kinds = {"agcn-joint": "2s-AGCN joint", "agcn-bone": "2s-AGCN bone", "agcn-ensemble": "2s-AGCN ensemble",
             "ctrgcn": "CTR-GCN joint", "ctrgcn-bone": "CTR-GCN bone", "ctrgcn-motion": "CTR-GCN joint motion",
             "ctrgcn-bone-motion": "CTR-GCN bone motion", "msg3d": "MS-G3D joint", "msg3d-bone": "MS-G3D bone"}
    return f"{kinds[arch]} ({name})" if arch in kinds else name
