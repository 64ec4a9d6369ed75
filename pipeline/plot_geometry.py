"""What every skeleton figure shares: input checks, the projection of joints onto the
page, common limits and boxes, the colours, and the artists that draw bodies.

Projections (horizontal, vertical) of a joint:

* ``kinect_camera`` (metres; Y up, Z into the scene, X to the sensor's left seen from
  behind it): ``view="front"`` draws what the camera sees, ``(-X, Y)``, so a subject facing
  the camera has their left shoulder (smaller X) on the image right, as in a video;
  ``view="side"`` draws ``(Z, Y)`` (depth grows to the right).
* image frames (``image_normalized_centered``, ``image_normalized``, ``image_pixels``;
  y points down): ``(x, -y)``. Joints whose score (channel 2) is 0 are not drawn.

Padded frames (``t >= num_frames``) and absent bodies (all-zero body slots) are never
drawn; a joint whose coordinates are all exactly zero is treated as missing too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import ValidationError
from pipeline.layouts import get_layout
from pipeline.layouts.base import Layout
from pipeline.tensor import infer_num_frames

if TYPE_CHECKING:  # pragma: no cover

    pass

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

SIDES = ("left", "center", "right")

DEFAULT_NUM_PANELS = 8
DEFAULT_PANEL_SIZE = (1.6, 2.6)  # inches (width, height) per strip panel
DEFAULT_DPI = 100
DEFAULT_GIF_SIZE_PX = 320
DEFAULT_LABELS = ("original", "perturbed")


# --------------------------------------------------------------------------- helpers


def resolve_layout(layout: Layout | str) -> Layout:
    return layout if isinstance(layout, Layout) else get_layout(layout)


def resolve_frame(coordinate_frame: str, lay: Layout) -> str:
    if coordinate_frame in (None, "", "unknown"):
        return lay.coordinate_frame
    return coordinate_frame


def check_sequence(arr: Any, lay: Layout, field: str, sample: str | int | None) -> np.ndarray:
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


def resolve_num_frames(seq: np.ndarray, num_frames: int | None, sample: str | int | None) -> int:
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


def check_inputs(layout: Layout | str, sequence: Any, compare: Any, num_frames: int | None
                  ) -> tuple[Layout, np.ndarray, int, np.ndarray | None]:  # fmt: skip
    """Layout, checked sequence, valid frame count and checked comparison (same shape)."""
    lay = resolve_layout(layout)
    seq = check_sequence(sequence, lay, "sequence", None)
    nf = resolve_num_frames(seq, num_frames, None)
    cmp = None
    if compare is not None:
        cmp = check_sequence(compare, lay, "compare", None)
        if cmp.shape != seq.shape:
            raise ValidationError(
                f"compare has shape {cmp.shape}, sequence {seq.shape}", field="compare"
            )
    return lay, seq, nf, cmp


def joint_sides(lay: Layout) -> list[str]:
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
    lay = resolve_layout(layout)
    frame = resolve_frame(coordinate_frame, lay)
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


def joint_limits(
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


def fit_box(
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


def box_inches(fig: Any, ax: Any) -> tuple[float, float]:
    pos = ax.get_position()
    fw, fh = fig.get_size_inches()
    return pos.width * fw, pos.height * fh


def bone_segments(h: np.ndarray, v: np.ndarray, ok: np.ndarray, bones: Sequence[tuple[int, int]]):
    """Polyline data (NaN-separated) for the drawable ``bones`` of one body in one frame."""
    xs: list[float] = []
    ys: list[float] = []
    for p, c in bones:
        if ok[p] and ok[c]:
            xs += [h[p], h[c], np.nan]
            ys += [v[p], v[c], np.nan]
    return xs, ys


class BodyArtists:
    """Line artists of one body of one sequence in one axes: bones by side plus joints."""

    def __init__(self, ax: Any, lay: Layout, role: str, body: int, *, lw: float, ms: float) -> None:
        from matplotlib.lines import Line2D

        sides = joint_sides(lay)
        self.bones_by_side = {s: [(p, c) for p, c in lay.bones if sides[c] == s] for s in SIDES}
        col = COLOURS["original" if role == "original" else "compare"]
        z = 2 if role == "original" else 4
        if role != "original":  # thinner, so the original stays visible underneath
            lw, ms = 0.6 * lw, 0.8 * ms
        self.lines = {}
        for s in SIDES:
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
        for s in SIDES:
            self.lines[s].set_data(*bone_segments(h, v, ok, self.bones_by_side[s]))
        # joints in layout order; missing ones are NaN (not drawn)
        self.joints.set_data(np.where(ok, h, np.nan), np.where(ok, v, np.nan))


def even_frames(num_frames: int, num_panels: int) -> list[int]:
    n = max(1, min(int(num_panels), num_frames))
    return sorted(set(np.linspace(0, num_frames - 1, n).round().astype(int).tolist()))
