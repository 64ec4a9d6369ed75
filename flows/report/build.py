""":func:`build_report`: read a cross-modal run's outputs, draw its figures and write the
self-contained ``report.html``, ``report.json`` and ``figures/*.png`` together."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.report.content import Loaded, assemble, load_all
from flows.report.html import FigureOut, render
from flows.report.inputs import SETS, ReportInputs, ReportPaths

log = logging.getLogger(__name__)

HTML_NAME, JSON_NAME, FIGURES_DIR = "report.html", "report.json", "figures"
#: Skeleton strips drawn (the figure sample first).
MAX_STRIPS = 2
#: Frames per skeleton strip.
STRIP_PANELS = 6


def pick_samples(content: dict[str, Any], loaded: Loaded, wanted: str | None, count: int) -> list[str]:
    """Up to ``count`` sample names to draw: ``wanted`` first when it is a known sample,
    then the samples with the most to show (in both source sets, both videos, recovered
    from both, fooled by the attack; ties in sample order)."""
    held = {key: set() if sset is None else set(sset.name.tolist()) for key, sset in loaded.sets.items()}

    def score(s: dict[str, Any]) -> tuple[int, ...]:
        return (sum(s["name"] in held.get(k, ()) for k in SETS),
                sum(v["status"] == "ok" for v in s["videos"].values()),
                sum(s["name"] in held.get(f"{k}_recovered", ()) for k in SETS), int(bool(s["attack_success"])))

    names = [s["name"] for s in sorted(content["samples"], key=score, reverse=True)]
    if wanted is not None and wanted in names:
        names.remove(wanted)
        names.insert(0, wanted)
    elif wanted is not None:
        log.warning("figure sample %r is not a sample of this run; drawing %s instead", wanted,
                    names[0] if names else "nothing")
    return names[:count]


def _describe(s: dict[str, Any]) -> str:
    """``name (label), target <class>, attack succeeded|failed`` with what is known."""
    label = s["label_name"] or s["label"]
    text = s["name"] if label is None else f"{s['name']} ({label})"
    if s["target"] is not None and s["target"] >= 0:
        text += f", target {s['target_name'] or s['target']}"
    if s["attack_success"] is not None:
        text += ", attack " + ("succeeded" if s["attack_success"] else "failed")
    return text


def _draw(name: str, caption: str, make: Callable[[], Any]) -> FigureOut:
    """Draw one figure; a figure that fails is reported as missing, not raised: one broken
    figure must not cost the report of a whole run (the traceback of an unexpected error
    is logged)."""
    from flows.report.figures import png_bytes
    from pipeline.errors import CiasaError

    try:
        return FigureOut(name, caption, png=png_bytes(make()))
    except CiasaError as exc:  # bad or missing data: the reason says it all
        log.info("figure %s not drawn: %s", name, exc)
        return FigureOut(name, caption, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("figure %s not drawn: %s", name, exc, exc_info=True)
        return FigureOut(name, caption, reason=f"could not draw it: {exc}")


def make_figures(content: dict[str, Any], loaded: Loaded, inputs: ReportInputs) -> list[FigureOut]:
    """The page's figures: accuracy against the paper, skeleton strips (clean vs
    adversarial) and the Fig. 5-like source / video / recovered panels."""
    from flows.report import figures as F

    out = []
    cross = content["crossmodal"]
    caption = "Accuracy on the source skeletons and on those recovered from video, beside the paper's."
    if cross["available"]:
        out.append(_draw("accuracy", caption, lambda: F.accuracy_figure(cross, content["paper"])))
    else:
        out.append(FigureOut("accuracy", caption, reason="needs the cross-modal evaluation (not available)"))
    by_name = {s["name"]: s for s in content["samples"]}
    chosen = pick_samples(content, loaded, inputs.figure_sample, MAX_STRIPS)
    clean, adversarial = loaded.sets.get("clean"), loaded.sets.get("adversarial")
    for k, name in enumerate(chosen):
        caption = (f"{STRIP_PANELS} evenly spaced frames of the clean (green) and adversarial (red) skeleton of "
                   f"{_describe(by_name[name])} (cf. Figs. 2 and 3 of the paper).")
        if clean is None or adversarial is None:
            reason = loaded.reasons.get("clean") or loaded.reasons.get("adversarial") or "no source sets"
            out.append(FigureOut(f"strip_{k + 1}", caption, reason=reason))
            continue
        out.append(_draw(f"strip_{k + 1}", caption, lambda n=name: F.strip_figure(
            clean, adversarial, n, num_panels=STRIP_PANELS, title=_describe(by_name[n]))))
    if chosen:
        name = chosen[0]
        caption = (f"Cross-modality (cf. Fig. 5 of the paper), {_describe(by_name[name])}: the source skeleton, a "
                   f"frame of its rendered video and the skeleton recovered from that video, clean (top) and "
                   f"adversarial (bottom).")
        bundles = {which: inputs.bundles(which).get(name) for which in SETS}
        reasons = {**loaded.reasons, **{f"{w}_bundle": v["reason"] for w, v in by_name[name]["videos"].items()
                                        if v["status"] != "ok"}}
        out.append(_draw("crossmodal_panels", caption, lambda: F.crossmodal_sample_figure(
            name, loaded.sets, bundles, title=_describe(by_name[name]), reasons=reasons)))
    return out


def build_report(inputs: ReportInputs, out_dir: str | Path) -> ReportPaths:
    """Write the report of a cross-modal run into ``out_dir`` (created).

    Reads every input of ``inputs`` (:class:`~flows.report.inputs.ReportInputs`); a piece
    that is missing or unreadable becomes a "not available: <reason>" section. Writes,
    atomically and together: ``report.html`` (one self-contained page: inline CSS, the
    figures as data-URL PNGs, no script; video links relative to
    ``inputs.links_relative_to``, default ``out_dir``), ``report.json`` (the same content
    as data, with the figure list) and ``figures/<name>.png``.

    Returns:
        The :class:`~flows.report.inputs.ReportPaths` written.
    Raises:
        OSError, ValidationError: ``out_dir`` cannot be written (nothing is left half
            written).
    """
    from pipeline.io_utils import atomic_outputs

    out_dir = Path(out_dir)
    base = inputs.links_relative_to if inputs.links_relative_to is not None else out_dir
    loaded = load_all(inputs)
    content = assemble(inputs, loaded, base)
    figures = make_figures(content, loaded, inputs)
    content["figures"] = [
        {"name": f.name, "caption": f.caption, "available": f.png is not None,
         "file": f"{FIGURES_DIR}/{f.name}.png" if f.png is not None else None, "reason": f.reason}
        for f in figures]
    page = render(content, figures)
    data = json.dumps(content, indent=2, ensure_ascii=False, allow_nan=False)
    paths = ReportPaths(html=out_dir / HTML_NAME, json=out_dir / JSON_NAME,
                        figures={f.name: out_dir / FIGURES_DIR / f"{f.name}.png" for f in figures if f.png})
    with atomic_outputs() as out:
        out.path(paths.html).write_text(page, encoding="utf-8")
        out.path(paths.json).write_text(data + "\n", encoding="utf-8")
        for f in figures:
            if f.png is not None:
                out.path(paths.figures[f.name]).write_bytes(f.png)
    log.info("wrote %s (%d figures, %d samples)", paths.html, len(paths.figures), len(content["samples"]))
    return paths


def read_report(path: str | Path) -> dict[str, Any]:
    """A ``report.json`` written by :func:`build_report`.

    Raises:
        MissingInputError: no such file. FormatError: not JSON, or not a run report.
    """
    from flows.report.content import REPORT_FORMAT
    from pipeline.errors import MissingInputError
    from pipeline.io_utils import load_json_document

    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such report", path=path)
    return load_json_document(path, REPORT_FORMAT, "run report")


__all__ = ["build_report", "make_figures", "pick_samples", "read_report"]
