"""``ciasa adapter``: the learned Kinect adapter's recipe (``data``, ``train``) and its
measurement on held-out renders (``pairs``, ``evaluate``). See :mod:`flows.adapter_recipe`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console, err_console, progress_bar

app = typer.Typer(help="the learned Kinect adapter (MediaPipe -> Kinect joints): training data, pairs of "
                  "other renders, training, held-out errors", no_args_is_help=True)

#: Garment looks held out of training by default: the "unseen appearance" family.
DEFAULT_HOLDOUT_LOOKS = "suit,shirt_skirt"


@app.command("data")
def data_command(
    train_set: Path = typer.Option(..., "--train-set", help="the skeleton set to draw from: a synthetic world's "
                                   "training split (e.g. build/ntu60/xview/train.npz from 'ciasa data synth-ntu60')"),
    out: Path = typer.Option(..., "--out", help="recipe folder: windows.npz, renders/, pairs/"),
    per_class: int = typer.Option(2, "--per-class", min=1, help="sequences per class"),
    frames: int = typer.Option(40, "--frames", min=8, help="frames per sequence (a window at a seeded offset)"),
    body: str = typer.Option("anny", "--body", help="anny or smplx"),
    smplx_dir: Optional[Path] = typer.Option(None, "--smplx-dir", help="SMPL-X model files (with --body smplx)"),
    seed: int = typer.Option(0, "--seed", help="seed of the draw and of the appearances"),
    threads: int = typer.Option(0, "--threads", min=0, help="Blender render threads (0: all cores)"),
) -> None:
    """Draw training windows, render them (resumable: finished bundles are kept) and pair
    each extraction with the render's ground truth."""
    from flows.adapter_recipe import render_windows, training_windows
    from pipeline.skeleton_set import load_skeleton_set, save_skeleton_set
    from pose_extract.adapter_data import build_pairs

    out.mkdir(parents=True, exist_ok=True)
    windows = out / "windows.npz"
    sset = training_windows(load_skeleton_set(train_set), per_class=per_class, frames=frames, seed=seed)
    save_skeleton_set(sset, windows)
    with progress_bar(f"rendering {len(sset)} windows", len(sset)) as advance:
        results = render_windows(windows, out / "renders", body=body, seed=seed, threads=threads,
                                 smplx_dir=smplx_dir, on_done=lambda _r: advance(1))
    failed = [r for r in results if not r.ok]
    for r in failed:
        err_console.print(f"{r.name}: render failed: {r.error}", soft_wrap=True)
    with progress_bar("pairing extractions with ground truth", len(results) - len(failed)) as advance:
        files = build_pairs(out / "renders", out / "pairs", on_bundle=lambda _n, _r: advance(1))
    console.print(f"{len(files)} pair files in {out / 'pairs'} ({len(failed)} renders failed)")


@app.command("pairs")
def pairs_command(
    renders: Path = typer.Option(..., "--renders", help="a folder of render bundles ('ciasa render' output)"),
    out: Path = typer.Option(..., "--out", help="pair folder (one <name>.npz per bundle; finished ones are reused)"),
) -> None:
    """Extract render bundles and pair each extraction with the render's ground truth (the
    input of 'ciasa adapter train' and 'ciasa adapter evaluate')."""
    from pose_extract.bundles import find_bundles
    from pose_extract.adapter_data import build_pairs

    with progress_bar("pairing extractions with ground truth", len(find_bundles(renders))) as advance:
        files = build_pairs(renders, out, on_bundle=lambda _n, _r: advance(1))
    console.print(f"{len(files)} pair files in {out}")


@app.command("train")
def train_command(
    pairs: list[Path] = typer.Option(..., "--pairs", help="pair folders ('ciasa adapter data' --out/pairs)"),
    out: Path = typer.Option(..., "--out", help="the adapter file (.pt); its training state beside it "
                             "(<out>.state.pt) makes an interrupted run resume"),
    holdout_looks: str = typer.Option(DEFAULT_HOLDOUT_LOOKS, "--holdout-looks",
                                      help="garment looks never trained on (comma-separated; '' for none)"),
    val_fraction: float = typer.Option(0.1, "--val-fraction", min=0.0, max=0.5,
                                       help="share of the other sequences kept for validation (seeded)"),
    epochs: int = typer.Option(30, "--epochs", min=1, help="chosen by 3-fold cross-validation on the training "
                               "renders (bench/adapter_selection.py; docs/BENCHMARKS.md)"),
    lr: float = typer.Option(1e-3, "--lr"),
    seed: int = typer.Option(0, "--seed"),
    threads: int = typer.Option(0, "--threads", min=0),
) -> None:
    """Train the adapter on pair folders; prints its errors on the held-out sequences."""
    import numpy as np

    from pose_extract.adapter_data import load_pairs
    from pose_extract.adapter_train import TrainAdapterConfig, adapter_errors, train_adapter

    rows = [r for folder in pairs for r in load_pairs(folder)]
    looks = {s for s in holdout_looks.split(",") if s}
    unseen = [r for r in rows if r.look in looks]
    rest = [r for r in rows if r.look not in looks]
    names = sorted({r.name for r in rest})
    rng = np.random.default_rng(seed)
    val_names = set(rng.permutation(names)[:int(round(val_fraction * len(names)))].tolist())
    train = [r for r in rest if r.name not in val_names]
    val = [r for r in rest if r.name in val_names]
    cfg = TrainAdapterConfig(epochs=epochs, lr=lr, seed=seed, threads=threads)
    card = {"data": {"pairs": [str(p) for p in pairs], "train_sequences": len(train), "val_sequences": len(val),
                     "holdout_looks": sorted(looks), "holdout_sequences": len(unseen),
                     "val_names": sorted(val_names)}}
    with progress_bar(f"training on {len(train)} sequences", epochs) as advance:
        train_adapter(train, out, val=val, config=cfg, card=card, on_epoch=lambda *_a: advance(1))
    from pose_extract.adapter_model import load_adapter

    model, _ = load_adapter(out)
    for what, subset in (("validation", val), ("unseen looks", unseen)):
        if subset:
            base, adapted = adapter_errors(None, subset), adapter_errors(model, subset, bones=True)
            console.print(f"{what} ({len(subset)} sequences, {adapted['frames']} frames): camera / root-relative / "
                          f"PA MPJPE {base['mpjpe_mm']:.1f} / {base['root_relative_mpjpe_mm']:.1f} / "
                          f"{base['pa_mpjpe_mm']:.1f} mm without adapter -> {adapted['mpjpe_mm']:.1f} / "
                          f"{adapted['root_relative_mpjpe_mm']:.1f} / {adapted['pa_mpjpe_mm']:.1f} mm with it "
                          "(and one set of bone lengths)", markup=False)
    console.print(f"adapter written to {out}")


@app.command("evaluate")
def evaluate_command(
    pairs: list[Path] = typer.Option(..., "--pairs", help="pair folders of held-out renders"),
    adapter: Optional[Path] = typer.Option(None, "--adapter", help="adapter file (default: the bundled one)"),
) -> None:
    """Errors of the extractor on pair folders (per folder): without adapter, with one set of
    bone lengths only, and with the learned adapter as 'ciasa extract --adapter learned'
    runs it (adapter, then one set of bone lengths)."""
    from pose_extract.adapter_data import load_pairs
    from pose_extract.adapter_model import load_adapter
    from pose_extract.adapter_train import adapter_errors

    model, _ = load_adapter(adapter)
    for folder in pairs:
        rows = load_pairs(folder)
        for name, m, bones in (("no adapter", None, False), ("fit bones only", None, True),
                               ("learned adapter + bones", model, True)):
            e = adapter_errors(m, rows, bones=bones)
            if not e["frames"]:
                console.print(f"{folder}: no frame with a pose and its body")
                break
            console.print(f"{folder} ({name}): {e['sequences']} sequences, {e['frames']} frames; camera "
                          f"{e['mpjpe_mm']:.1f} mm, root-relative {e['root_relative_mpjpe_mm']:.1f} mm, PA "
                          f"{e['pa_mpjpe_mm']:.1f} mm, left-right swaps {100 * e['swap_rate']:.1f} %, bone-length "
                          f"variation {e['bone_length_variation_pct']:.1f} %", markup=False)
