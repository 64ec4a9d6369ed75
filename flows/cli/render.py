"""``ciasa render``: skeleton sequences -> RGB videos of bodies in headless Blender, one
render bundle per sequence."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console, err_console, progress_bar
from render.api import DEFAULT_BODY, DEFAULT_QUALITY, DEFAULT_RESOLUTION
from render.assets import QUALITY_NAMES


class Body(str, Enum):
    anny = "anny"
    smplx = "smplx"


#: The quality presets of ``blender_assets/quality_presets.json`` (render.assets.QUALITY_NAMES).
Quality = Enum("Quality", {name: name for name in QUALITY_NAMES}, type=str)


def _resolution(text: str) -> tuple[int, int]:
    from pipeline.errors import ValidationError

    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise ValidationError(f"resolution must look like 320x180, got {text!r}", field="resolution") from None
    return w, h


def render_command(
    data: Path = typer.Option(..., "--data", help="skeleton set (.npz with its .json manifest), NTU-25 layout"),
    out: Path = typer.Option(..., "--out", help="output folder: one bundle folder per sequence"),
    indices: Optional[str] = typer.Option(None, "--indices", help="samples to render, e.g. 0,3,5-9 (default: all)"),
    body: Body = typer.Option(Body(DEFAULT_BODY), "--body", help="body model"),
    smplx_dir: Optional[Path] = typer.Option(None, "--smplx-dir", help="SMPL-X model folder (else $SMPLX_MODEL_DIR)"),
    quality: Quality = typer.Option(Quality(DEFAULT_QUALITY), "--quality", help="render quality preset"),
    resolution: str = typer.Option(f"{DEFAULT_RESOLUTION[0]}x{DEFAULT_RESOLUTION[1]}", "--resolution",
                                   help="video size WxH (even numbers)"),
    workers: int = typer.Option(1, "--workers", min=1, help="Blender processes rendering at once"),
    threads: int = typer.Option(0, "--threads", min=0, help="render threads per Blender process (0: all cores)"),
    seed: int = typer.Option(0, "--seed", help="appearance seed (recorded in each manifest)"),
    force: bool = typer.Option(False, "--force", help="re-render sequences whose bundle already exists"),
    keep_blend: bool = typer.Option(False, "--keep-blend", help="also save each scene as scene.blend"),
) -> None:
    """Render skeleton sequences as videos of Anny / SMPL-X bodies (H.264 + manifest + ground truth)."""
    from pipeline.skeleton_set import load_skeleton_set
    from render.api import parse_indices, render_set
    from render.worker_client import RenderError

    res = _resolution(resolution)
    sset = load_skeleton_set(data)
    idx = parse_indices(indices, len(sset))
    total_frames = int(sum(int(sset.num_frames[i]) for i in idx))
    seen: dict[int, int] = {}
    with progress_bar(f"rendering {len(idx)} sequences", total_frames) as advance:

        def on_frame(i: int, done: int, _total: int) -> None:
            advance(done - seen.get(i, 0))
            seen[i] = done

        def on_done(r) -> None:
            frames = int(sset.num_frames[r.index])
            advance(frames - seen.get(r.index, 0))
            seen[r.index] = frames
            if r.ok:
                console.print(f"{r.name}: {'skipped (exists)' if r.bundle.skipped else 'done'} -> {r.bundle.path}")
            else:
                err_console.print(f"{r.name}: failed: {r.error}", soft_wrap=True)

        results = render_set(data, idx, out, workers=workers, on_frame=on_frame, on_done=on_done,
                             body=body.value, smplx_dir=smplx_dir, quality=quality.value, resolution=res,
                             seed=seed, force=force, keep_blend=keep_blend, threads=threads)
    failed = [r for r in results if not r.ok]
    console.print(f"{len(results) - len(failed)} of {len(results)} sequences rendered to {out}")
    if failed:
        raise RenderError(f"{len(failed)} sequence(s) failed: " + "; ".join(f"{r.name}: {r.error}" for r in failed))
