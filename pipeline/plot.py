"""Skeleton figures: a "strip over time" (like Fig. 3 of the CIASA paper) and animated GIFs.

A strip shows several evenly spaced valid frames of one sequence side by side, left to
right, every panel at the same scale. Bones are drawn as lines along the layout's
kinematic tree (:attr:`pipeline.layouts.base.Layout.bones`), joints as dots. When a second
sequence is given (e.g. the adversarial version of the first) the original is drawn in
green and the comparison in red on top of it, in the same panels. Joints of the subject's
left side are drawn in a darker shade and those of the right side in a lighter shade of
the same colour, so left and right can be told apart.

Projections, colours and input checks are in :mod:`pipeline.plot_geometry`, animated GIFs
in :mod:`pipeline.plot_animation`; both are re-exported here.

Matplotlib is imported inside the functions (``import pipeline.plot`` stays cheap) and
figures are built with :class:`matplotlib.figure.Figure` plus the Agg canvas, so no global
backend is selected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import ValidationError
from pipeline.io_utils import atomic_outputs
from pipeline.layouts import get_layout
from pipeline.layouts.base import Layout

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from pipeline.skeleton_set import SkeletonSet
from pipeline.plot_animation import animation_frames, save_gif, write_gif
from pipeline.plot_geometry import (
    COLOURS,
    DEFAULT_DPI,
    DEFAULT_GIF_SIZE_PX,
    DEFAULT_LABELS,
    DEFAULT_NUM_PANELS,
    DEFAULT_PANEL_SIZE,
    IMAGE_FRAMES,
    VIEWS,
    BodyArtists,
    box_inches,
    check_inputs,
    check_sequence,
    even_frames,
    fit_box,
    joint_limits,
    project,
    resolve_frame,
    resolve_layout,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- strip


def plot_strip(
    sequence: np.ndarray,
    layout: Layout | str,
    *,
    compare: np.ndarray | None = None,
    num_panels: int = DEFAULT_NUM_PANELS,
    frames: Sequence[int] | None = None,
    num_frames: int | None = None,
    coordinate_frame: str = "kinect_camera",
    title: str | None = None,
    view: str = "front",
    labels: tuple[str, str] = DEFAULT_LABELS,
    panel_size: tuple[float, float] = DEFAULT_PANEL_SIZE,
    dpi: int = DEFAULT_DPI,
) -> "Figure":
    """Draw frames of one skeleton sequence side by side, left to right (a strip over time).

    Args:
        sequence: ``(C, T, V, M)`` skeleton sequence (metres in the Kinect camera frame, or
            image x, y, score for 2-D layouts). Drawn in green.
        layout: the :class:`Layout` (or its key) giving joint names and the kinematic tree.
        compare: optional ``(C, T, V, M)`` sequence of the same shape (e.g. the adversarial
            version), drawn in red on top of ``sequence`` in the same panels and scale.
        num_panels: how many evenly spaced valid frames to draw (fewer if the sequence is
            shorter). Ignored when ``frames`` is given.
        frames: explicit frame indices to draw (each ``0 <= t < num_frames``).
        num_frames: valid frames of ``sequence``; frames from here on are padding and
            never drawn. ``None``: inferred from trailing all-zero frames.
        coordinate_frame: the data's frame (see :mod:`pipeline.skeleton_set`); decides the
            projection (module docstring). ``"unknown"`` uses the layout's usual frame.
        title: figure title (e.g. sample and class name).
        view: ``"front"`` (what the camera sees) or ``"side"`` (depth Z horizontal;
            Kinect data only).
        labels: names of the original and the comparison, shown in the title line.
        panel_size: ``(width, height)`` of one panel in inches.
        dpi: dots per inch; the figure is ``num_panels * width * dpi`` by
            ``height * dpi`` pixels.

    Returns:
        A :class:`matplotlib.figure.Figure` with an Agg canvas. Every panel's axes has
        gid ``"frame=<t>"``; line artists have gids ``"<role>:body<m>:joints"`` (joints in
        layout order, NaN where not drawn) and ``"<role>:body<m>:bones_<side>"`` with
        ``role`` ``original`` or ``compare``.

    Raises:
        ValidationError: wrong shapes, non-finite values, a frame index outside the valid
            frames, or an unknown view.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lay, seq, nf, cmp = check_inputs(layout, sequence, compare, num_frames)
    if frames is None:
        if num_panels < 1:
            raise ValidationError(f"num_panels={num_panels} must be >= 1", field="num_panels")
        ts = even_frames(nf, num_panels)
    else:
        ts = [int(t) for t in frames]
        if not ts:
            raise ValidationError("no frames to draw", field="frames")
        bad = [t for t in ts if not 0 <= t < nf]
        if bad:
            raise ValidationError(
                f"frame {bad[0]} outside the valid frames 0..{nf - 1}", field="frames"
            )
    frame = resolve_frame(coordinate_frame, lay)

    seqs = [("original", seq)] + ([("compare", cmp)] if cmp is not None else [])
    proj = {role: project(s, lay, coordinate_frame=frame, view=view) for role, s in seqs}
    tsel = np.asarray(ts)
    xlim, ylim = joint_limits(
        [proj[r][0][tsel] for r, _ in seqs],
        [proj[r][1][tsel] for r, _ in seqs],
        [proj[r][2][tsel] for r, _ in seqs],
    )

    n = len(ts)
    pw, ph = panel_size
    fig = Figure(figsize=(n * pw, ph), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    top = 1.0 - 0.55 / ph
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=top, wspace=0.05)
    axes = fig.subplots(1, n, squeeze=False)[0]
    m_bodies = seq.shape[3]
    lw = 2.2
    xlim, ylim = fit_box(xlim, ylim, *box_inches(fig, axes[0]))
    for ax, t in zip(axes, ts):
        ax.set_gid(f"frame={t}")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        ax.set_title(f"t={t}", fontsize=8, pad=2)
        for role, _ in seqs:
            h, v, ok = proj[role]
            for m in range(m_bodies):
                if not ok[t, :, m].any():
                    continue  # absent body in this frame
                art = BodyArtists(ax, lay, role, m, lw=lw, ms=2.6)
                art.update(h[t, :, m], v[t, :, m], ok[t, :, m])
    head = title or ""
    if cmp is not None:
        legend = f"green: {labels[0]}, red: {labels[1]}"
        head = f"{head}\n{legend}" if head else legend
    if head:
        fig.suptitle(head, fontsize=9, y=0.995, va="top")
    return fig


def frame_limits(
    ax: Any,
    frames: Sequence[tuple[np.ndarray, int]],
    layout: Layout | str,
    *,
    coordinate_frame: str = "kinect_camera",
    view: str = "front",
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Common ``(xlim, ylim)`` for drawing several skeleton frames at one scale in axes
    like ``ax``: the drawable joints of every ``(sequence (C, T, V, M), t)`` pair with a
    margin, widened to fill ``ax``'s box at equal aspect (pass them to :func:`draw_frame`).

    Raises:
        ValidationError: a sequence of the wrong shape or with non-finite values, or a
            frame ``t`` outside ``0..T-1``.
    """
    lay = resolve_layout(layout)
    frame = resolve_frame(coordinate_frame, lay)
    hs, vs, oks = [], [], []
    for seq, t in frames:
        seq = check_sequence(seq, lay, "sequence", None)
        if isinstance(t, bool) or not 0 <= int(t) < seq.shape[1]:
            raise ValidationError(f"frame {t} outside 0..{seq.shape[1] - 1}", field="t")
        h, v, ok = project(seq, lay, coordinate_frame=frame, view=view)
        hs.append(h[int(t)])
        vs.append(v[int(t)])
        oks.append(ok[int(t)])
    return fit_box(*joint_limits(hs, vs, oks), *box_inches(ax.figure, ax))


def draw_frame(
    ax: Any,
    sequence: np.ndarray,
    layout: Layout | str,
    t: int,
    *,
    role: str = "original",
    coordinate_frame: str = "kinect_camera",
    view: str = "front",
    limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Draw frame ``t`` of one skeleton sequence into existing matplotlib axes.

    For figures that combine skeletons with other panels (e.g. a rendered video frame);
    :func:`plot_strip` builds whole strips. The axes get equal aspect and no axis lines.

    Args:
        ax: matplotlib axes (of a figure with a canvas).
        sequence: ``(C, T, V, M)`` skeleton sequence (metres in the Kinect camera frame,
            or image x, y, score for 2-D layouts).
        layout: the :class:`Layout` (or its key).
        t: the frame to draw, ``0 <= t < T`` (padding draws nothing).
        role: ``"original"`` (green) or ``"compare"`` (red), as in :func:`plot_strip`.
        coordinate_frame, view: the projection, as in :func:`plot_strip`.
        limits: ``(xlim, ylim)`` in drawing units; default: this frame's joints with a
            margin, widened to fill the axes box.

    Returns:
        The ``(xlim, ylim)`` used (pass them to other panels to share the scale).

    Raises:
        ValidationError: wrong shapes, non-finite values, ``t`` outside ``0..T-1``, an
            unknown role or view.
    """
    if role not in COLOURS:
        raise ValidationError(f"unknown role {role!r}; known: {', '.join(COLOURS)}", field="role")
    lay = resolve_layout(layout)
    seq = check_sequence(sequence, lay, "sequence", None)
    if isinstance(t, bool) or not 0 <= int(t) < seq.shape[1]:
        raise ValidationError(f"frame {t} outside 0..{seq.shape[1] - 1}", field="t")
    t = int(t)
    h, v, ok = project(seq, lay, coordinate_frame=resolve_frame(coordinate_frame, lay), view=view)
    if limits is None:
        limits = fit_box(*joint_limits([h[t]], [v[t]], [ok[t]]), *box_inches(ax.figure, ax))
    xlim, ylim = limits
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    for m in range(seq.shape[3]):
        if ok[t, :, m].any():
            BodyArtists(ax, lay, role, m, lw=2.2, ms=2.6).update(h[t, :, m], v[t, :, m], ok[t, :, m])
    return (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))


# --------------------------------------------------------------------------- sample


def _check_index(sset: "SkeletonSet", index: int) -> int:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise ValidationError(
            f"sample index must be an integer, got {index!r}", sample=str(index), field="index"
        )
    i = int(index)
    if not 0 <= i < len(sset):
        raise ValidationError(
            f"sample index {i} out of range 0..{len(sset) - 1}", sample=i, field="index"
        )
    return i


def _match_compare(sset: "SkeletonSet", i: int, compare: "SkeletonSet") -> int:
    name = str(sset.name[i])
    if compare.layout != sset.layout and get_layout(compare.layout) is not get_layout(sset.layout):
        raise ValidationError(
            f"compare set has layout {compare.layout!r}, the set {sset.layout!r}",
            sample=name, field="layout",
        )
    if compare.coordinate_frame != sset.coordinate_frame:
        raise ValidationError(
            f"compare set is in frame {compare.coordinate_frame!r}, the set in "
            f"{sset.coordinate_frame!r}", sample=name, field="coordinate_frame",
        )
    hits = np.flatnonzero(compare.name == name)
    if hits.size:
        j = int(hits[0])
    elif i < len(compare):
        j = i
        log.info("sample %s not named in the compare set; using its index %d", name, i)
    else:
        raise ValidationError(
            f"not in the compare set (by name or index; it has {len(compare)} samples)",
            sample=name, field="compare",
        )
    if compare.data.shape[1:] != sset.data.shape[1:]:
        raise ValidationError(
            f"compare sample has shape (C, T, V, M)={tuple(compare.data.shape[1:])}, the set "
            f"{tuple(sset.data.shape[1:])}", sample=name, field="data",
        )
    return j


def plot_sample(
    sset: "SkeletonSet",
    index: int,
    *,
    compare: "SkeletonSet | None" = None,
    out: Path,
    gif: Path | None = None,
    gif_size_px: int = DEFAULT_GIF_SIZE_PX,
    **kw: Any,
) -> list[Path]:
    """Write a strip PNG (and optionally an animated GIF) of one sample of a skeleton set.

    Args:
        sset: the set; its layout, name, class names, ``num_frames``, fps and coordinate
            frame are used.
        index: 0-based sample index.
        compare: another set (e.g. adversarial) whose matching sample (same name, else the
            same index) is drawn in red over the original; same layout, frame and
            per-sample shape expected.
        out: the PNG path.
        gif: if given, an animated GIF of all valid frames at the set's fps.
        gif_size_px: side of the square GIF frames in pixels.
        **kw: passed to :func:`plot_strip` (``num_panels``, ``frames``, ``title``, ``view``,
            ``labels``, ``panel_size``, ``dpi``).

    Returns:
        The paths written (the PNG, then the GIF). Both appear together or neither does.

    Raises:
        ValidationError: index out of range, or a compare set that does not match (the
            sample and field are named).
    """
    i = _check_index(sset, index)
    lay = get_layout(sset.layout)
    name = str(sset.name[i])
    nf = int(sset.num_frames[i])
    seq = sset.data[i]
    cmp = None
    if compare is not None:
        j = _match_compare(sset, i, compare)
        cmp = compare.data[j]
    label = int(sset.label[i])
    cls = sset.class_names[label] if 0 <= label < len(sset.class_names) else None
    title = kw.pop("title", None) or (f"{name} ({cls})" if cls else name)
    view = kw.get("view", "front")
    try:
        fig = plot_strip(
            seq, lay, compare=cmp, num_frames=nf, coordinate_frame=sset.coordinate_frame,
            title=title, **kw,
        )
    except ValidationError as exc:
        raise ValidationError(exc.reason, sample=name, field=exc.field) from exc
    out = Path(out)
    written = [out]
    frames_img = None
    if gif is not None:
        frames_img = animation_frames(
            seq, lay, compare=cmp, num_frames=nf, coordinate_frame=sset.coordinate_frame,
            title=name, view=view, size_px=gif_size_px,
        )
    with atomic_outputs() as group:
        fig.savefig(group.path(out), format="png", dpi=fig.dpi, facecolor="white")
        if frames_img is not None and gif is not None:
            gif = Path(gif)
            fps = float(sset.fps) if sset.fps and sset.fps > 0 else 30.0
            save_gif(frames_img, group.path(gif), fps)
            written.append(gif)
    log.info("wrote %s", ", ".join(str(p) for p in written))
    return written


__all__ = [
    "COLOURS",
    "IMAGE_FRAMES",
    "VIEWS",
    "animation_frames",
    "draw_frame",
    "frame_limits",
    "plot_sample",
    "plot_strip",
    "project",
    "write_gif",
]
