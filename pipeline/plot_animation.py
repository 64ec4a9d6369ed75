"""Animated skeleton GIFs: frames drawn with :mod:`pipeline.plot_geometry`, written as a
palette GIF atomically."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import ValidationError
from pipeline.io_utils import atomic_outputs
from pipeline.layouts.base import Layout

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

from pipeline.plot_geometry import (
    DEFAULT_GIF_SIZE_PX,
    BodyArtists,
    box_inches,
    check_inputs,
    fit_box,
    joint_limits,
    project,
    resolve_frame,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- animation


def animation_frames(
    sequence: np.ndarray,
    layout: Layout | str,
    *,
    compare: np.ndarray | None = None,
    num_frames: int | None = None,
    coordinate_frame: str = "kinect_camera",
    title: str | None = None,
    view: str = "front",
    size_px: int = DEFAULT_GIF_SIZE_PX,
) -> list["Image.Image"]:
    """Render every valid frame of a sequence as one full-body drawing each.

    One figure is built once and its line data updated per frame; the axis limits are
    fixed over the whole sequence (both sequences when ``compare`` is given).

    Args:
        sequence: ``(C, T, V, M)`` skeleton sequence, drawn in green.
        layout: the layout (or its key).
        compare: optional ``(C, T, V, M)`` sequence of the same shape, drawn in red on top.
        num_frames: valid frames (``None``: inferred); frames from here on are not drawn.
        coordinate_frame, view: the projection, as in :func:`plot_strip`.
        title: text above the drawing (the frame index is appended).
        size_px: the square image's side in pixels.

    Returns:
        ``num_frames`` RGB PIL images of ``size_px`` x ``size_px`` pixels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    lay, seq, nf, cmp = check_inputs(layout, sequence, compare, num_frames)
    frame = resolve_frame(coordinate_frame, lay)
    seqs = [("original", seq)] + ([("compare", cmp)] if cmp is not None else [])
    proj = {role: project(s, lay, coordinate_frame=frame, view=view) for role, s in seqs}
    xlim, ylim = joint_limits(
        [proj[r][0][:nf] for r, _ in seqs],
        [proj[r][1][:nf] for r, _ in seqs],
        [proj[r][2][:nf] for r, _ in seqs],
    )

    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    xlim, ylim = fit_box(xlim, ylim, *box_inches(fig, ax))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    label = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize=8)
    artists = [
        (role, m, BodyArtists(ax, lay, role, m, lw=2.6, ms=3.4))
        for role, _ in seqs
        for m in range(seq.shape[3])
    ]
    images: list[Image.Image] = []
    prefix = f"{title}  " if title else ""
    for t in range(nf):
        for role, m, art in artists:
            h, v, ok = proj[role]
            art.update(h[t, :, m], v[t, :, m], ok[t, :, m])
        label.set_text(f"{prefix}t={t}")
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        images.append(Image.fromarray(rgba[..., :3].copy(), "RGB"))
    return images


def _to_palette(images: list["Image.Image"]) -> list["Image.Image"]:
    """Quantize frames to one shared palette (built from a sample of frames)."""
    from PIL import Image

    k = min(len(images), 8)
    pick = np.linspace(0, len(images) - 1, k).round().astype(int)
    w, h = images[0].size
    sheet = Image.new("RGB", (w, h * k), "white")
    for i, j in enumerate(pick):
        sheet.paste(images[j], (0, i * h))
    ref = sheet.quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    return [im.quantize(palette=ref, dither=Image.Dither.NONE) for im in images]


def write_gif(images: list["Image.Image"], path: str | Path, *, fps: float = 30.0) -> Path:
    """Write frames as a looping animated GIF at ``fps``, atomically. Returns ``path``."""
    if not images:
        raise ValidationError("no frames to write", path=path, field="frames")
    if not fps > 0:
        raise ValidationError(f"fps={fps} must be > 0", path=path, field="fps")
    path = Path(path)
    with atomic_outputs() as out:
        save_gif(images, out.path(path), fps)
    return path


def save_gif(images: list["Image.Image"], target: Path, fps: float) -> None:
    frames = _to_palette(images)
    frames[0].save(
        target, format="GIF", save_all=True, append_images=frames[1:],
        duration=max(10, int(round(1000.0 / fps))), loop=0, optimize=False, disposal=1,
    )
