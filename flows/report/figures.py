"""Figures of a cross-modal run, in the style of the CIASA paper.

* :func:`strip_figure`: clean and adversarial skeleton frames of one sample side by side
  (Fig. 2/3-like; :func:`pipeline.plot.plot_strip` with the adversarial skeleton in red
  over the clean one in green).
* :func:`plot_crossmodal_panels` (arrays) and :func:`crossmodal_sample_figure` (files):
  for one sample, a row per set (clean, adversarial) of three panels: the source skeleton,
  the rendered video frame and the skeleton recovered from the video (Fig. 5-like). Also
  meant for ``docs/RESULTS.md``.
* :func:`accuracy_figure`: accuracy clean / adversarial on the source and the recovered
  skeletons beside the paper's numbers.

Matplotlib is imported inside the functions and figures use the Agg canvas (no pyplot);
these functions write nothing: :func:`png_bytes` renders a figure to PNG bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import FormatError, MissingInputError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from pipeline.skeleton_set import SkeletonSet

#: Figure resolution (dots per inch) of the report's figures.
DPI = 90
#: Panel size (inches) of :func:`plot_crossmodal_panels`.
PANEL_SIZE = (2.3, 2.6)
#: Rows of the Fig. 5-like figure: set -> (label, colour role in :mod:`pipeline.plot`).
ROW_STYLE = {"clean": ("clean", "original"), "adversarial": ("adversarial", "compare")}


def png_bytes(fig: "Figure") -> bytes:
    """The figure as PNG bytes at its own dpi, white background."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white")
    return buf.getvalue()


def _figure(width: float, height: float, dpi: int = DPI) -> "Figure":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _row_of(sset: "SkeletonSet", name: str) -> int:
    hits = np.flatnonzero(sset.name == name)
    if hits.size == 0:
        raise ValidationError("not in the set", sample=name, field="name")
    return int(hits[0])


# --------------------------------------------------------------------------- strips


def strip_figure(clean: "SkeletonSet", adversarial: "SkeletonSet", name: str, *, num_panels: int = 6,
                 title: str | None = None) -> "Figure":
    """Clean (green) and adversarial (red) skeleton of sample ``name`` at ``num_panels``
    evenly spaced frames, one scale for all panels.

    Raises:
        ValidationError: the sample is missing from either set or the sets do not match
            (layout, frame, shape).
    """
    from pipeline.plot import plot_strip

    i, j = _row_of(clean, name), _row_of(adversarial, name)
    if adversarial.data.shape[1:] != clean.data.shape[1:] or adversarial.layout != clean.layout:
        raise ValidationError("the adversarial sample does not match the clean one (layout or shape)",
                              sample=name, field="data")
    return plot_strip(clean.data[i], clean.layout, compare=adversarial.data[j], num_panels=num_panels,
                      num_frames=int(clean.num_frames[i]), coordinate_frame=clean.coordinate_frame,
                      title=title or name, labels=("clean", "adversarial"), dpi=DPI)


# --------------------------------------------------------------------------- Fig. 5-like panels


@dataclass(frozen=True)
class PanelRow:
    """One row of :func:`plot_crossmodal_panels`: a sample in one set.

    Attributes:
        label: the row's name (e.g. ``"clean"``).
        source: ``(C, T, V, M)`` source skeleton (metres, Kinect camera frame), or None.
        t: the source frame drawn.
        frame: ``(H, W, 3)`` uint8 RGB video frame, or None.
        frame_index: its index in the video.
        recovered: ``(C, T', V, M)`` skeleton recovered from the video, or None.
        recovered_t: the recovered frame drawn.
        held: the recovered frame is a held one (no detection there).
        role: colour of the skeletons (``"original"`` green, ``"compare"`` red).
        missing: panel (``"source"``, ``"frame"``, ``"recovered"``) -> why it is absent.
    """

    label: str
    source: np.ndarray | None = None
    t: int = 0
    frame: np.ndarray | None = None
    frame_index: int | None = None
    recovered: np.ndarray | None = None
    recovered_t: int | None = None
    held: bool = False
    role: str = "original"
    missing: Mapping[str, str] = field(default_factory=dict)


def _not_available(ax: Any, reason: str) -> None:
    ax.set_axis_off()
    text = "\n".join(textwrap.wrap(f"not available: {reason}", 28)[:8])
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=7, color="0.35", transform=ax.transAxes)


def plot_crossmodal_panels(rows: Sequence[PanelRow], layout: str = "ntu25", *,
                           coordinate_frame: str = "kinect_camera", title: str | None = None,
                           panel_size: tuple[float, float] = PANEL_SIZE, dpi: int = DPI) -> "Figure":
    """Source skeleton | rendered frame | recovered skeleton, one row per :class:`PanelRow`.

    A panel whose data is None shows "not available: <reason>" (``row.missing``). The two
    skeleton panels of a row are drawn at the same scale (the joints of both), so the
    recovered skeleton's error in size and position is visible.

    Returns:
        A figure of ``len(rows)`` x 3 panels (Agg canvas); every axes has gid
        ``"<label>:source"``, ``"<label>:frame"`` or ``"<label>:recovered"``.
    Raises:
        ValidationError: no rows, or an array of the wrong shape.
    """
    from pipeline.plot import draw_frame, frame_limits

    if not rows:
        raise ValidationError("no rows to draw", field="rows")
    pw, ph = panel_size
    fig = _figure(3 * pw, len(rows) * ph + (0.35 if title else 0.0), dpi)
    top = 1.0 - (0.35 / (len(rows) * ph + 0.35) if title else 0.0)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=top - 0.02, wspace=0.06, hspace=0.18)
    axes = fig.subplots(len(rows), 3, squeeze=False)
    for r, row in enumerate(rows):
        ax_src, ax_img, ax_rec = axes[r]
        for ax, part in ((ax_src, "source"), (ax_img, "frame"), (ax_rec, "recovered")):
            ax.set_gid(f"{row.label}:{part}")
        # one scale for both skeletons of the row
        drawn = [(s, t) for s, t in ((row.source, row.t), (row.recovered, row.recovered_t))
                 if s is not None and t is not None]
        limits = frame_limits(ax_src, drawn, layout, coordinate_frame=coordinate_frame) if drawn else None
        if row.source is not None:
            draw_frame(ax_src, row.source, layout, row.t, role=row.role, coordinate_frame=coordinate_frame,
                       limits=limits)
            ax_src.set_title(f"{row.label}: source skeleton, t={row.t}", fontsize=8)
        else:
            _not_available(ax_src, row.missing.get("source", "no source skeleton"))
            ax_src.set_title(f"{row.label}: source skeleton", fontsize=8)
        if row.frame is not None:
            frame = np.asarray(row.frame)
            if frame.ndim != 3 or frame.shape[2] != 3:
                raise ValidationError(f"video frame of shape {frame.shape}, expected (H, W, 3)", field="frame")
            ax_img.imshow(frame)
            ax_img.set_axis_off()
            ax_img.set_title(f"rendered video, frame {row.frame_index}", fontsize=8)
        else:
            _not_available(ax_img, row.missing.get("frame", "no rendered video"))
            ax_img.set_title("rendered video", fontsize=8)
        if row.recovered is not None and row.recovered_t is not None:
            draw_frame(ax_rec, row.recovered, layout, row.recovered_t, role=row.role,
                       coordinate_frame=coordinate_frame, limits=limits)
            held = " (held)" if row.held else ""
            ax_rec.set_title(f"recovered skeleton, t={row.recovered_t}{held}", fontsize=8)
        else:
            _not_available(ax_rec, row.missing.get("recovered", "no recovered skeleton"))
            ax_rec.set_title("recovered skeleton", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9, y=0.995, va="top")
    return fig


def read_video_frame(path: str | Path, index: int) -> np.ndarray:
    """Frame ``index`` (0-based) of a video as ``(H, W, 3)`` uint8 RGB.

    Raises:
        MissingInputError: no such file. FormatError: the video cannot be opened or has
            no frame ``index``.
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such video", path=path)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise FormatError("cannot open the video", path=path)
        if index > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(index))
        ok, bgr = cap.read()
        if not ok and index > 0:  # some containers do not seek: read up to the frame
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            for _ in range(int(index) + 1):
                ok, bgr = cap.read()
                if not ok:
                    break
        if not ok or bgr is None:
            raise FormatError(f"the video has no frame {index}", path=path, field="frame")
    finally:
        cap.release()
    return np.ascontiguousarray(bgr[..., ::-1])


def _video_info(bundle: Path) -> tuple[Path, float | None, int | None]:
    """The bundle's video file, frame rate and frame count (None when not recorded)."""
    from flows.report.inputs import read_manifest, video_file

    manifest = read_manifest(bundle)
    block = manifest.get("video") if isinstance(manifest.get("video"), dict) else {}
    fps, frames = block.get("fps"), block.get("frames")
    fps = float(fps) if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0 else None
    frames = frames if isinstance(frames, int) and not isinstance(frames, bool) and frames > 0 else None
    return video_file(bundle, manifest), fps, frames


def _frame_valid(sset: "SkeletonSet", row: int) -> np.ndarray:
    """``(T,)`` frames of a recovered sample that were detected or interpolated."""
    nf = int(sset.num_frames[row])
    valid = np.zeros(sset.data.shape[2], dtype=bool)
    valid[:nf] = True
    meta = sset.sample_meta.get("frame_valid")
    if meta is not None and np.shape(meta) == (len(sset), sset.data.shape[2]):
        valid &= np.asarray(meta[row], dtype=bool)
    return valid


def choose_frame(name: str, sets: Mapping[str, "SkeletonSet | None"]) -> int:
    """The source frame to show for sample ``name``: the middle one of its valid source
    frames that are recovered (not held) at the same index in every recovered set holding
    the sample; the middle source frame when there is none (0 without a source)."""
    sources = [s for s in (sets.get("clean"), sets.get("adversarial"))
               if s is not None and name in set(s.name.tolist())]
    if not sources:
        return 0
    nf = int(sources[0].num_frames[_row_of(sources[0], name)])
    ok = np.ones(nf, dtype=bool)
    for key in ("clean_recovered", "adversarial_recovered"):
        sset = sets.get(key)
        if sset is None or name not in set(sset.name.tolist()):
            continue
        valid = _frame_valid(sset, _row_of(sset, name))
        ok &= np.pad(valid, (0, max(0, nf - valid.size)))[:nf]
    candidates = np.flatnonzero(ok)
    if candidates.size == 0:
        return nf // 2
    return int(candidates[candidates.size // 2])


def crossmodal_rows(name: str, sets: Mapping[str, "SkeletonSet | None"], bundles: Mapping[str, Path | None], *,
                    t: int | None = None, reasons: Mapping[str, str] | None = None) -> list[PanelRow]:
    """The two :class:`PanelRow` (clean, adversarial) of sample ``name``.

    Args:
        name: the sample name.
        sets: ``clean``, ``adversarial``, ``clean_recovered``, ``adversarial_recovered``
            -> :class:`~pipeline.skeleton_set.SkeletonSet` or None.
        bundles: ``clean`` / ``adversarial`` -> the sample's render bundle folder or None.
        t: the source frame (default :func:`choose_frame`). The video frame is ``t`` (one
            video frame per source frame, clipped to the video); the recovered frame is
            ``t`` scaled from the video's frame rate to the recovered set's.
        reasons: why a set or bundle is missing, by the same keys (shown in its panel).
    """
    reasons = dict(reasons or {})
    t = choose_frame(name, sets) if t is None else int(t)
    rows = []
    for which, (label, role) in ROW_STYLE.items():
        missing: dict[str, str] = {}
        source = sets.get(which)
        seq = None
        if source is None:
            missing["source"] = reasons.get(which, f"no {which} set")
        elif name not in set(source.name.tolist()):
            missing["source"] = f"{name} is not in the {which} set"
        else:
            seq = source.data[_row_of(source, name)]
        frame = index = video_fps = None
        bundle = bundles.get(which)
        if bundle is None:
            missing["frame"] = reasons.get(f"{which}_bundle", "render failed (no bundle)")
        else:
            try:
                video, video_fps, frames = _video_info(Path(bundle))
                index = t if frames is None else min(t, frames - 1)
                frame = read_video_frame(video, index)
            except (FormatError, MissingInputError) as exc:
                missing["frame"] = str(exc)
        rec_seq, rec_t, held = None, None, False
        rec = sets.get(f"{which}_recovered")
        if rec is None:
            missing["recovered"] = reasons.get(f"{which}_recovered", "nothing recovered")
        elif name not in set(rec.name.tolist()):
            missing["recovered"] = f"{name} was not recovered from the {which} video"
        else:
            k = _row_of(rec, name)
            scale = 1.0 if video_fps is None else float(rec.fps) / video_fps
            rec_t = min(int(round(t * scale)), int(rec.num_frames[k]) - 1)
            rec_seq, held = rec.data[k], not bool(_frame_valid(rec, k)[rec_t])
        rows.append(PanelRow(label=label, source=seq, t=t, frame=frame, frame_index=index, recovered=rec_seq,
                             recovered_t=rec_t, held=held, role=role, missing=missing))
    return rows


def crossmodal_sample_figure(name: str, sets: Mapping[str, "SkeletonSet | None"],
                             bundles: Mapping[str, Path | None], *, t: int | None = None,
                             title: str | None = None, reasons: Mapping[str, str] | None = None) -> "Figure":
    """Fig. 5-like figure of one sample from files already read: rows clean and
    adversarial, panels source skeleton, rendered frame, recovered skeleton
    (:func:`crossmodal_rows` then :func:`plot_crossmodal_panels`).

    Raises:
        ValidationError: not one panel has anything to draw (the reasons are named).
    """
    rows = crossmodal_rows(name, sets, bundles, t=t, reasons=reasons)
    if all(r.source is None and r.frame is None and r.recovered is None for r in rows):
        reasons_seen = dict.fromkeys(v for r in rows for v in r.missing.values())
        raise ValidationError(f"nothing to draw: {'; '.join(reasons_seen)}", sample=name)
    source = sets.get("clean") if sets.get("clean") is not None else sets.get("adversarial")
    layout = "ntu25" if source is None else source.layout
    frame = "kinect_camera" if source is None else source.coordinate_frame
    return plot_crossmodal_panels(rows, layout, coordinate_frame=frame, title=title or name)


# --------------------------------------------------------------------------- accuracy


def accuracy_figure(crossmodal: Mapping[str, Any], paper: Mapping[str, Any]) -> "Figure":
    """Bars of clean and adversarial accuracy (%) on the source skeletons and on those
    recovered from video, beside the paper's recovered accuracies (hatched).

    Args:
        crossmodal: the report's cross-modal section (``rows`` of rates).
        paper: ``clean_accuracy``, ``adversarial_accuracy``, ``num_samples``, ``dataset``,
            ``extractor``, ``model``.
    """
    rows = {r["key"]: r for r in crossmodal["rows"]}
    groups = [("source", "source\n(all)"), ("recovered", "recovered\nfrom video")]
    labels = [g for _, g in groups] + [f"paper\n({paper['dataset']}, {paper['extractor']})"]

    def val(rate: Any) -> float:
        return float("nan") if rate is None or rate.get("value") is None else 100.0 * rate["value"]

    clean = [val(rows[k]["clean_accuracy"]) for k, _ in groups] + [100.0 * paper["clean_accuracy"]]
    adv = [val(rows[k]["adversarial_accuracy"]) for k, _ in groups] + [100.0 * paper["adversarial_accuracy"]]
    counts = [f"n={rows[k]['clean_accuracy']['total']}" for k, _ in groups] + [f"n={paper['num_samples']}"]
    fig = _figure(5.6, 3.3)
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    hatch = ["", "", "//"]
    for i in range(len(labels)):
        for dx, values, colour, name in ((-0.19, clean, "tab:green", "clean"), (0.19, adv, "tab:red", "adversarial")):
            ax.bar(x[i] + dx, values[i], 0.36, color=colour, alpha=0.45 if hatch[i] else 0.85, hatch=hatch[i],
                   label=name if i == 0 else None)
            if np.isfinite(values[i]):
                ax.text(x[i] + dx, values[i] + 1.5, f"{values[i]:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x)
    ax.set_xticklabels([f"{lab}\n{c}" for lab, c in zip(labels, counts)], fontsize=7)
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 110)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(f"{crossmodal.get('model') or 'model'}: clean vs adversarial accuracy", fontsize=9)
    fig.tight_layout()
    return fig


__all__ = ["PanelRow", "accuracy_figure", "choose_frame", "crossmodal_rows", "crossmodal_sample_figure",
           "plot_crossmodal_panels", "png_bytes", "read_video_frame", "strip_figure"]
