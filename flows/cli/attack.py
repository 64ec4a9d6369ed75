"""``ciasa attack``: run FGSM or CIASA on a skeleton set and write the adversarial set,
the targets and the metrics."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from flows.cli.common import build_config, config_option, console, progress_bar


class MethodChoice(str, Enum):
    fgsm = "fgsm"
    ciasa = "ciasa"
    noise = "noise"


class ModeChoice(str, Enum):
    basic = "basic"
    localized = "localized"
    advanced = "advanced"


class TargetChoice(str, Enum):
    least_likely = "least-likely"
    random = "random"
    given = "given"


def _opt(field: str, *names: str, **kw):
    """An option whose default, help and bounds come from :class:`attack.config.AttackConfig`."""
    from attack.config import AttackConfig

    return config_option(AttackConfig, field, *names, **kw)


def _default_batch_size() -> int:
    from attack.config import DEFAULT_BATCH_SIZE

    return DEFAULT_BATCH_SIZE


def parse_eps(text: Optional[str]) -> Any:
    """``--eps``: one number, comma-separated numbers, or ``joint=value`` pairs."""
    from pipeline.errors import ValidationError

    if text is None:
        return None
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ValidationError(f"empty eps {text!r}", field="eps")
    try:
        if all("=" in s for s in items):
            pairs = [s.split("=", 1) for s in items]
            out: Any = {k.strip(): float(v) for k, v in pairs}
            values = list(out.values())
        elif any("=" in s for s in items):
            raise ValueError("mix of values and joint=value pairs")
        else:
            values = [float(s) for s in items]
            out = values[0] if len(values) == 1 else values
    except ValueError as exc:
        raise ValidationError(f"cannot read eps {text!r}: {exc}", field="eps") from None
    for v in values:
        if not math.isfinite(v) or v < 0:
            raise ValidationError(f"eps must be finite and >= 0, got {v}", field="eps")
    return out


def parse_indices(text: Optional[str], n: int) -> Optional[list[int]]:
    """``--indices``: ``0,3,5-9`` (0-based, inclusive ranges) -> sorted unique indices in ``0..n-1``."""
    from pipeline.errors import ValidationError

    if text is None:
        return None
    out: set[int] = set()
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        try:
            lo, _, hi = item.partition("-")
            a, b = int(lo), int(hi) if hi else int(lo)
        except ValueError:
            raise ValidationError(f"cannot read index {item!r} (use e.g. 0,3,5-9)", field="indices") from None
        if not (0 <= a <= b < n):
            raise ValidationError(f"index {item!r} outside 0..{n - 1}", field="indices")
        out.update(range(a, b + 1))
    if not out:
        raise ValidationError("no index selected", field="indices")
    return sorted(out)


def _parse_targets(text: Optional[str], n: int) -> Optional[list[int]]:
    from pipeline.errors import ValidationError

    if text is None:
        return None
    try:
        values = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValidationError(f"cannot read targets {text!r} (class indices, comma-separated)",
                              field="target") from None
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise ValidationError(f"{len(values)} targets for {n} samples", field="target")
    return values


def attack_command(
    data: Path = typer.Option(..., "--data", help="skeleton set (.npz, a folder with --part, or any format "
                              "'ciasa data info' reads)"),
    model: str = typer.Option(..., "--model", help="checkpoint path, bundled name (stgcn-synth, ...), or your own pkg.module:factory / file.py:factory"),
    out: Path = typer.Option(..., "--out", help="output folder: adversarial.npz/.json, attack.json"),
    method: MethodChoice = typer.Option(MethodChoice.ciasa, "--method", help="fgsm (one step), ciasa, or noise (the "
                                      "control: a smooth random displacement in the same bounds, no gradient)"),
    mode: ModeChoice = typer.Option(ModeChoice.basic, "--mode", help="basic, localized (needs --region) or "
                                    "advanced (region + per-joint eps; legs by default)"),
    region: Optional[str] = _opt("region", "--region"),
    eps: Optional[str] = typer.Option(None, "--eps", help="clip bound, data units (metres for NTU): a number, "
                                      "one value per region joint (comma-separated) or joint=value pairs; "
                                      "default 0.01, advanced: hips 0.01 knees 0.05 ankles 0.15 feet 0.25"),
    iterations: int = _opt("iterations", "--iterations"),
    lr: float = _opt("lr", "--lr"),
    lam: float = _opt("lam", "--lam"),
    target: TargetChoice = typer.Option(TargetChoice.least_likely, "--target",
                                        help="target class: least-likely, random, or given (--targets)"),
    targets: Optional[str] = typer.Option(None, "--targets", help="with --target given: one class index for "
                                          "all samples or one per sample, comma-separated"),
    untargeted: bool = typer.Option(False, "--untargeted", help="FGSM only: untargeted (add eps*sign(grad))"),
    no_smoothness: bool = typer.Option(False, "--no-smoothness", help="CIASA without the smoothness loss"),
    no_realign: bool = typer.Option(False, "--no-realign", help="CIASA without skeleton realignment"),
    no_gan: bool = typer.Option(False, "--no-gan", help="CIASA without the GAN regulariser"),
    gan_frames: int = _opt("gan_frames", "--gan-frames"),
    early_stop: Optional[float] = _opt("early_stop", "--early-stop"),
    alternate_tol: Optional[float] = _opt("alternate_tol", "--alternate-tol"),
    precision: str = _opt("precision", "--precision"),
    seed: int = _opt("seed", "--seed"),
    part: Optional[str] = typer.Option(None, "--part", help="split to attack (e.g. val); default: the whole set"),
    indices: Optional[str] = typer.Option(None, "--indices", help="samples to attack, 0-based: 0,3,5-9"),
    batch_size: int = typer.Option(_default_batch_size(), "--batch-size", min=1, help="samples attacked at once"),
    stgcn: bool = typer.Option(False, "--stgcn", help="also write st-gcn files (out/stgcn/adversarial_*.npy/pkl)"),
    device: str = typer.Option("cpu", "--device", help="torch device (cpu, cuda, ...)"),
) -> None:
    """Attack a recogniser on a skeleton set; writes the adversarial set (its manifest records
    the attack), the targets and per-sample outcomes, and the metrics (attack.json)."""
    import numpy as np
    from rich.table import Table

    from attack.config import AttackConfig
    from attack.runner import adversarial_set, attack_provenance, attack_report, attack_set, build_attack
    from flows.stages import write_attack_outputs
    from pipeline.evaluate import align_labels, load_evaluation_set
    from pipeline.models import load_recognizer

    eps_value = parse_eps(eps)
    target_kind = target.value.replace("-", "_")
    cfg = build_config(AttackConfig, method=method.value, mode=mode.value, region=region, eps=eps_value,
                       iterations=iterations, lr=lr, lam=lam, target=target_kind, targeted=not untargeted,
                       smoothness=not no_smoothness, realign=not no_realign, gan=not no_gan, gan_frames=gan_frames,
                       early_stop=early_stop, alternate_tol=alternate_tol, seed=seed, precision=precision)
    rec = load_recognizer(model, device=device)
    sset = load_evaluation_set(data, part)
    idx = parse_indices(indices, len(sset))
    if idx is not None:
        sset = sset.subset(idx)
    if sset.layout != rec.layout.name:
        from pipeline.errors import ValidationError

        raise ValidationError(f"the set's layout is {sset.layout} but model {rec.name} takes {rec.layout.name}",
                              path=data, field="layout")
    labels, _ = align_labels(sset.label, list(sset.class_names), list(rec.class_names), path=str(data))
    given = _parse_targets(targets, len(sset)) if target_kind == "given" else None
    if targets is not None and target_kind != "given":
        from pipeline.errors import ValidationError

        raise ValidationError("--targets needs --target given", field="target")
    atk = build_attack(cfg, rec, layout=sset.layout, device=device)
    with progress_bar(f"{cfg.method} on {rec.name}", len(sset)) as advance:
        state = {"done": 0}

        def on_batch(done: int, total: int) -> None:
            advance(done - state["done"])
            state["done"] = done

        result = attack_set(atk, sset, labels=labels, targets=None if given is None else np.asarray(given),
                            batch_size=batch_size, progress=on_batch)

    provenance = attack_provenance(atk, cfg.model_dump(mode="json"), rec, sset, source_data=str(data),
                                   source_part=part, indices=idx)
    adv_set = adversarial_set(sset, result, provenance)
    summary = attack_report(result, sset, rec)
    summary["source_data"] = str(data)
    written = write_attack_outputs(out, adv_set, summary)
    if stgcn:
        from pipeline.formats.stgcn import write_stgcn

        written += write_stgcn(adv_set, out / "stgcn", part="adversarial")

    table = Table(title=f"{cfg.method} ({atk.config().get('mode', 'one step')}) on {rec.name}, {len(sset)} samples")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("clean_accuracy", "adversarial_accuracy", "targeted_fooling_rate_over_correct",
                "targeted_fooling_rate_over_all", "untargeted_fooling_rate_over_correct",
                "untargeted_fooling_rate_over_all", "mean_joint_displacement_mm", "max_joint_displacement_mm",
                "bone_length_error_mean", "clip_excess_max"):
        value = result.metrics.get(key)
        if key in result.metrics:
            table.add_row(key, "n/a" if value is None else f"{value:.4g}")
    console.print(table)
    console.print("wrote " + ", ".join(str(p) for p in written))
