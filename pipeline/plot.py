"""Skeleton figures: a "strip over time" (like Fig. 3 of the CIASA paper) and animated GIFs.

A strip shows several evenly spaced valid frames of one sequence side by side, left to
right, every panel at the same scale. Bones are drawn as lines along the layout's
kinematic tree (:attr:`pipeline.layouts.base.Layout.bones`), joints as dots. When a second
sequence is given (e.g. the adversarial version of the first) the original is drawn in
green and the comparison in red on top of it, in the same panels. Joints of the subject's
left side are drawn in a darker shade and those of the right side in a lighter shade of
the same colour, so left and right can be told apart.

Projections (horizontal, vertical) of a joint:

* ``kinect_camera`` (metres; Y up, Z into the scene, X to the sensor's left seen from
  behind it): ``view="front"`` draws what the camera sees, ``(-X, Y)``, so a subject facing
  the camera has their left shoulder (smaller X) on the image right, as in a video;
  ``view="side"`` draws ``(Z, Y)`` (depth grows to the right).
* image frames (``image_normalized_centered``, ``image_normalized``, ``image_pixels``;
  y points down): ``(x, -y)``. Joints whose score (channel 2) is 0 are not drawn.

Padded frames (``t >= num_frames``) and absent bodies (all-zero body slots) are never
drawn; a joint whose coordinates are all exactly zero is treated as missing too.

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
from pipeline.tensor import infer_num_frames

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from PIL import Image

    from pipeline.skeleton_set import SkeletonSet

log = logging.getLogger(__name__)

#: Image coordinate frames (y down, third channel a score).
IMAGE_FRAMES: frozenset[str] = frozenset(
    {"image_normalized_centered", "image_normalized", "image_pixels"}
)
#: Supported views for 3-D (Kinect camera) data.
VIEWS: tuple[str, ...] = ("front", "side")

#: Colours (RGB in 0..1) by role and side: ``left`` is darker, ``right`` lighter.
COLOURS: dict[str, dict[str, tuple[float, float, float]]] = {
    "original": {
        "left": (0.0, 0.45, 0.12), "center": (0.10, 0.62, 0.10), "right": (0.35, 0.80, 0.25),
    },
    "compare": {
        "left": (0.62, 0.0, 0.0), "center": (0.86, 0.08, 0.08), "right": (1.0, 0.38, 0.30),
    },
}

_SIDES = ("left", "center", "right")

DEFAULT_NUM_PANELS = 8
DEFAULT_PANEL_SIZE = (1.6, 2.6)  # inches (width, height) per strip panel
DEFAULT_DPI = 100
DEFAULT_GIF_SIZE_PX = 320
DEFAULT_LABELS = ("original", "perturbed")


# --------------------------------------------------------------------------- helpers


def _resolve_layout(layout: Layout | str) -> Layout:
    return layout if isinstance(layout, Layout) else get_layout(layout)


def _resolve_frame(coordinate_frame: str, lay: Layout) -> str:
    if coordinate_frame in (None, "", "unknown"):
        return lay.coordinate_frame
    return coordinate_frame


def _check_sequence(arr: Any, lay: Layout, field: str, sample: str | int | None) -> np.ndarray:
    """``arr`` as a float ``(C, T, V, M)`` array matching ``lay``; typed error otherwise."""
    a = np.asarray(arr, dtype=np.float64)
    if a.ndim != 4:
        raise ValidationError(
            f"expected a 4-d (C, T, V, M) array, got shape {tuple(a.shape)}",
            sample=sample, field=field,
        )
    c, _, v, _ = a.shape
    if c != len(lay.channels):
        raise ValidationError(
            f"expected C={len(lay.channels)} channels for layout {lay.name}, got {c}",
            sample=sample, field=field,
        )
    if v != lay.num_joints:
        raise ValidationError(
            f"expected V={lay.num_joints} joints for layout {lay.name}, got {v}",
            sample=sample, field=field,
        )
    bad = ~np.isfinite(a)
    if bad.any():
        ci, ti, vi, mi = (int(k) for k in np.argwhere(bad)[0])
        raise ValidationError(
            f"non-finite value at channel {ci}, frame {ti}, joint {vi}, body {mi}",
            sample=sample, field=field,
        )
    return a


def _resolve_num_frames(seq: np.ndarray, num_frames: int | None, sample: str | int | None) -> int:
    t = seq.shape[1]
    if num_frames is None:
        nf = int(infer_num_frames(seq[None])[0])
        if nf < 1:
            raise ValidationError(
                "sequence is all zero: nothing to draw", sample=sample, field="data"
            )
        return nf
    nf = int(num_frames)
    if not 1 <= nf <= t:
        raise ValidationError(f"num_frames={nf} outside 1..{t}", sample=sample, field="num_frames")
    return nf


def _check_inputs(layout: Layout | str, sequence: Any, compare: Any, num_frames: int | None
                  ) -> tuple[Layout, np.ndarray, int, np.ndarray | None]:  # fmt: skip
    """Layout, checked sequence, valid frame count and checked comparison (same shape)."""
    lay = _resolve_layout(layout)
    seq = _check_sequence(sequence, lay, "sequence", None)
    nf = _resolve_num_frames(seq, num_frames, None)
    cmp = None
    if compare is not None:
        cmp = _check_sequence(compare, lay, "compare", None)
        if cmp.shape != seq.shape:
            raise ValidationError(
                f"compare has shape {cmp.shape}, sequence {seq.shape}", field="compare"
            )
    return lay, seq, nf, cmp


def _joint_sides(lay: Layout) -> list[str]:
    out = []
    for n in lay.joint_names:
        low = n.lower()
        out.append("left" if "left" in low else "right" if "right" in low else "center")
    return out


def project(
    sequence: np.ndarray,
    layout: Layout | str,
    *,
    coordinate_frame: str = "kinect_camera",
    view: str = "front",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project a ``(C, T, V, M)`` sequence onto the drawing plane.

    Returns:
        ``(h, v, ok)``, each ``(T, V, M)``: horizontal and vertical drawing coordinates
        (metres for Kinect data, the data's image units otherwise; vertical grows upwards)
        and a bool mask of drawable joints (body present, joint not all-zero, score > 0
        for score layouts). Padding by ``num_frames`` is not applied here.
    """
    lay = _resolve_layout(layout)
    frame = _resolve_frame(coordinate_frame, lay)
    seq = np.asarray(sequence, dtype=np.float64)
    present = (seq != 0).any(axis=(0, 2))  # (T, M)
    ok = (seq != 0).any(axis=0) & present[:, None, :]  # (T, V, M)
    has_score = len(lay.channels) >= 3 and lay.channels[2] == "score"
    if frame in IMAGE_FRAMES or (frame not in ("kinect_camera",) and has_score):
        if view != "front":
            raise ValidationError(
                f"view {view!r} needs 3-D data; {frame} data has only the front view", field="view"
            )
        h, v = seq[0], -seq[1]
        if has_score:
            ok &= seq[2] > 0
        return h, v, ok
    if view == "front":
        h = -seq[0]
    elif view == "side":
        h = seq[2]
    else:
        raise ValidationError(f"unknown view {view!r}; known: {', '.join(VIEWS)}", field="view")
    return h, seq[1], ok


def _limits(
    hs: list[np.ndarray], vs: list[np.ndarray], oks: list[np.ndarray]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Common ``(xlim, ylim)`` over the drawable joints, with a margin."""
    hh = np.concatenate([h[o] for h, o in zip(hs, oks)]) if hs else np.zeros(0)
    vv = np.concatenate([v[o] for v, o in zip(vs, oks)]) if vs else np.zeros(0)
    if hh.size == 0:
        return (-1.0, 1.0), (-1.0, 1.0)
    h0, h1, v0, v1 = float(hh.min()), float(hh.max()), float(vv.min()), float(vv.max())
    span = max(h1 - h0, v1 - v0, 1e-6)
    m = 0.06 * span
    # never let one axis collapse (a single point, a straight line)
    hmin_half = max((h1 - h0) / 2 + m, 0.05 * span)
    vmin_half = max((v1 - v0) / 2 + m, 0.05 * span)
    hc, vc = (h0 + h1) / 2, (v0 + v1) / 2
    return (hc - hmin_half, hc + hmin_half), (vc - vmin_half, vc + vmin_half)


def _fit_box(
    xlim: tuple[float, float], ylim: tuple[float, float], box_w: float, box_h: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Widen ``xlim`` or ``ylim`` about its centre so that equal aspect fills a ``box_w`` x
    ``box_h`` axes box (any units): every panel then keeps the same limits and scale."""
    xr, yr = xlim[1] - xlim[0], ylim[1] - ylim[0]
    want = box_w / box_h
    if xr / yr < want:
        xc, xr = (xlim[0] + xlim[1]) / 2, yr * want
        xlim = (xc - xr / 2, xc + xr / 2)
    else:
        yc, yr = (ylim[0] + ylim[1]) / 2, xr / want
        ylim = (yc - yr / 2, yc + yr / 2)
    return xlim, ylim


def _box_inches(fig: Any, ax: Any) -> tuple[float, float]:
    pos = ax.get_position()
    fw, fh = fig.get_size_inches()
    return pos.width * fw, pos.height * fh


def _segments(h: np.ndarray, v: np.ndarray, ok: np.ndarray, bones: Sequence[tuple[int, int]]):
    """Polyline data (NaN-separated) for the drawable ``bones`` of one body in one frame."""
    xs: list[float] = []
    ys: list[float] = []
    for p, c in bones:
        if ok[p] and ok[c]:
            xs += [h[p], h[c], np.nan]
            ys += [v[p], v[c], np.nan]
    return xs, ys


class _BodyArtists:
    """Line artists of one body of one sequence in one axes: bones by side plus joints."""

    def __init__(self, ax: Any, lay: Layout, role: str, body: int, *, lw: float, ms: float) -> None:
        from matplotlib.lines import Line2D

        sides = _joint_sides(lay)
        self.bones_by_side = {s: [(p, c) for p, c in lay.bones if sides[c] == s] for s in _SIDES}
        col = COLOURS["original" if role == "original" else "compare"]
        z = 2 if role == "original" else 4
        if role != "original":  # thinner, so the original stays visible underneath
            lw, ms = 0.6 * lw, 0.8 * ms
        self.lines = {}
        for s in _SIDES:
            ln = Line2D([], [], color=col[s], lw=lw, solid_capstyle="round", zorder=z)
            ln.set_gid(f"{role}:body{body}:bones_{s}")
            ax.add_line(ln)
            self.lines[s] = ln
        self.joints = Line2D(
            [], [], linestyle="none", marker="o", markersize=ms, color=col["center"],
            markeredgewidth=0, zorder=z + 1,
        )
        self.joints.set_gid(f"{role}:body{body}:joints")
        ax.add_line(self.joints)

    def update(self, h: np.ndarray, v: np.ndarray, ok: np.ndarray) -> None:
        """Show joints ``h, v`` (``(V,)``) where ``ok`` (``(V,)``); hide the body if none are."""
        for s in _SIDES:
            self.lines[s].set_data(*_segments(h, v, ok, self.bones_by_side[s]))
        # joints in layout order; missing ones are NaN (not drawn)
        self.joints.set_data(np.where(ok, h, np.nan), np.where(ok, v, np.nan))


def _even_frames(num_frames: int, num_panels: int) -> list[int]:
    n = max(1, min(int(num_panels), num_frames))
    return sorted(set(np.linspace(0, num_frames - 1, n).round().astype(int).tolist()))


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

    lay, seq, nf, cmp = _check_inputs(layout, sequence, compare, num_frames)
    if frames is None:
        if num_panels < 1:
            raise ValidationError(f"num_panels={num_panels} must be >= 1", field="num_panels")
        ts = _even_frames(nf, num_panels)
    else:
        ts = [int(t) for t in frames]
        if not ts:
            raise ValidationError("no frames to draw", field="frames")
        bad = [t for t in ts if not 0 <= t < nf]
        if bad:
            raise ValidationError(
                f"frame {bad[0]} outside the valid frames 0..{nf - 1}", field="frames"
            )
    frame = _resolve_frame(coordinate_frame, lay)

    seqs = [("original", seq)] + ([("compare", cmp)] if cmp is not None else [])
    proj = {role: project(s, lay, coordinate_frame=frame, view=view) for role, s in seqs}
    tsel = np.asarray(ts)
    xlim, ylim = _limits(
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
    xlim, ylim = _fit_box(xlim, ylim, *_box_inches(fig, axes[0]))
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
                art = _BodyArtists(ax, lay, role, m, lw=lw, ms=2.6)
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
    lay = _resolve_layout(layout)
    frame = _resolve_frame(coordinate_frame, lay)
    hs, vs, oks = [], [], []
    for seq, t in frames:
        seq = _check_sequence(seq, lay, "sequence", None)
        if isinstance(t, bool) or not 0 <= int(t) < seq.shape[1]:
            raise ValidationError(f"frame {t} outside 0..{seq.shape[1] - 1}", field="t")
        h, v, ok = project(seq, lay, coordinate_frame=frame, view=view)
        hs.append(h[int(t)])
        vs.append(v[int(t)])
        oks.append(ok[int(t)])
    return _fit_box(*_limits(hs, vs, oks), *_box_inches(ax.figure, ax))


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
    lay = _resolve_layout(layout)
    seq = _check_sequence(sequence, lay, "sequence", None)
    if isinstance(t, bool) or not 0 <= int(t) < seq.shape[1]:
        raise ValidationError(f"frame {t} outside 0..{seq.shape[1] - 1}", field="t")
    t = int(t)
    h, v, ok = project(seq, lay, coordinate_frame=_resolve_frame(coordinate_frame, lay), view=view)
    if limits is None:
        limits = _fit_box(*_limits([h[t]], [v[t]], [ok[t]]), *_box_inches(ax.figure, ax))
    xlim, ylim = limits
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    for m in range(seq.shape[3]):
        if ok[t, :, m].any():
            _BodyArtists(ax, lay, role, m, lw=2.2, ms=2.6).update(h[t, :, m], v[t, :, m], ok[t, :, m])
    return (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))


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

    lay, seq, nf, cmp = _check_inputs(layout, sequence, compare, num_frames)
    frame = _resolve_frame(coordinate_frame, lay)
    seqs = [("original", seq)] + ([("compare", cmp)] if cmp is not None else [])
    proj = {role: project(s, lay, coordinate_frame=frame, view=view) for role, s in seqs}
    xlim, ylim = _limits(
        [proj[r][0][:nf] for r, _ in seqs],
        [proj[r][1][:nf] for r, _ in seqs],
        [proj[r][2][:nf] for r, _ in seqs],
    )

    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    xlim, ylim = _fit_box(xlim, ylim, *_box_inches(fig, ax))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    label = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize=8)
    artists = [
        (role, m, _BodyArtists(ax, lay, role, m, lw=2.6, ms=3.4))
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
        _save_gif(images, out.path(path), fps)
    return path


def _save_gif(images: list["Image.Image"], target: Path, fps: float) -> None:
    frames = _to_palette(images)
    frames[0].save(
        target, format="GIF", save_all=True, append_images=frames[1:],
        duration=max(10, int(round(1000.0 / fps))), loop=0, optimize=False, disposal=1,
    )


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
            _save_gif(frames_img, group.path(gif), fps)
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
