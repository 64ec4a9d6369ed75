"""``ciasa train``: train a recogniser on a skeleton dataset."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import build_config, config_option, console, progress_bar


class Arch(str, Enum):
    stgcn = "stgcn"
    agcn_joint = "agcn-joint"
    agcn_bone = "agcn-bone"
    ctrgcn = "ctrgcn"
    ctrgcn_bone = "ctrgcn-bone"
    ctrgcn_motion = "ctrgcn-motion"
    ctrgcn_bone_motion = "ctrgcn-bone-motion"
    msg3d = "msg3d"
    msg3d_bone = "msg3d-bone"


def _opt(field: str, *names: str, **kw):
    from pipeline.train_config import TrainConfig

    return config_option(TrainConfig, field, *names, **kw)


def _fractions(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"--lr-steps {text!r}: expected comma-separated fractions like 0.125,0.625") from exc


def train_command(
    data: Path = typer.Option(..., "--data", help="dataset: a folder with train.npz/val.npz (ciasa data synth) or st-gcn train_/val_ files, or an .npz with train/val splits"),
    arch: Arch = typer.Option(..., "--arch", help="architecture"),
    out: Path = typer.Option(..., "--out", help="checkpoint to write (.pt)"),
    epochs: int = _opt("epochs", "--epochs"),
    batch_size: int = _opt("batch_size", "--batch-size"),
    lr: float = _opt("lr", "--lr"),
    momentum: float = _opt("momentum", "--momentum"),
    weight_decay: float = _opt("weight_decay", "--weight-decay"),
    warmup_epochs: float = _opt("warmup_epochs", "--warmup-epochs"),
    schedule: str = _opt("schedule", "--schedule"),
    lr_steps: Optional[str] = typer.Option(None, "--lr-steps", help="step schedule: comma-separated fractions of the epochs where the rate drops x0.1 (default 0.125,0.625: the official ST-GCN 10 and 50 of 80)"),
    window: Optional[int] = _opt("window", "--window"),
    pad_to: Optional[int] = _opt("pad_to", "--pad-to"),
    precision: str = _opt("precision", "--precision"),
    width: Optional[int] = _opt("width", "--width"),
    dropout: float = _opt("dropout", "--dropout"),
    num_person: int = _opt("num_person", "--num-person"),
    preprocess: str = _opt("preprocess", "--preprocess"),
    random_crop: float = _opt("random_crop", "--random-crop"),
    random_move: bool = _opt("random_move", "--random-move/--no-random-move"),
    eval_every: int = _opt("eval_every", "--eval-every"),
    max_train_samples: Optional[int] = _opt("max_train_samples", "--max-train-samples"),
    seed: int = _opt("seed", "--seed"),
    threads: Optional[int] = _opt("threads", "--threads"),
    device: str = _opt("device", "--device"),
    train_part: str = typer.Option("train", help="training split name"),
    val_part: str = typer.Option("val", help="validation split name (skipped if absent)"),
    resume: bool = typer.Option(False, "--resume", help="continue from <out>.state.pt after its last finished epoch"),
    half: bool = typer.Option(False, "--half", help="store the final weights as float16"),
    name: Optional[str] = typer.Option(None, help="recogniser name (default: the file stem)"),
) -> None:
    """Train ST-GCN or a 2s-AGCN, CTR-GCN or MS-G3D stream; writes a ciasa checkpoint usable
    wherever a model path is accepted. Deterministic for a given seed; resumable per epoch."""
    from pipeline.errors import MissingInputError
    from pipeline.train import load_split, train_recognizer
    from pipeline.train_config import TrainConfig

    cfg = build_config(TrainConfig, arch=arch.value, epochs=epochs, batch_size=batch_size, lr=lr,
                       momentum=momentum, weight_decay=weight_decay, warmup_epochs=warmup_epochs, width=width,
                       dropout=dropout, num_person=num_person, preprocess=preprocess, random_crop=random_crop,
                       random_move=random_move, max_train_samples=max_train_samples, seed=seed,
                       threads=threads, device=device, schedule=schedule, window=window, pad_to=pad_to,
                       precision=precision, eval_every=eval_every,
                       **({"lr_steps": _fractions(lr_steps)} if lr_steps else {}))
    train_set = load_split(data, train_part)
    if train_set is None:
        raise MissingInputError(f"no {train_part!r} split found", path=data)
    val_set = load_split(data, val_part)
    import math

    n = min(len(train_set), max_train_samples or len(train_set))
    with progress_bar(f"training {arch.value} (steps)", math.ceil(n / batch_size) * epochs) as advance:
        state = {"done": 0}

        def on_step(done: int, total: int) -> None:
            advance(done - state["done"])
            state["done"] = done

        meta = train_recognizer(cfg, train_set, out, val_set=val_set, resume=resume, half=half,
                                name=name, data_path=str(data), progress=on_step)
    last = meta["history"][-1] if meta["history"] else {}
    console.print(f"wrote {out}: {len(train_set)} training samples, {meta['epochs']} epochs, "
                  f"{meta['train_seconds']:.0f} s"
                  + (f", validation top-1 {last['val_top1']:.3f}" if "val_top1" in last else ""))
