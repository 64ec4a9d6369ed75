"""The report page: one self-contained HTML document (inline CSS, figures as data-URL PNGs,
no script) rendered from the content of :mod:`flows.report.content`.

Everything taken from the inputs is HTML-escaped: the page builds its markup from
:class:`Html` fragments (:mod:`flows.report.html_parts`), and any other value is escaped
when it is put into one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flows.report.content import ATTACK_PERCEPTIBILITY, ATTACK_RATES, EXTRACTION_METRICS, pct
from flows.report.html_parts import (  # noqa: F401 - Cell, Html, esc, table, tag re-exported
    CSS,
    OPEN_ROWS,
    Cell,
    Html,
    esc,
    join,
    not_available,
    num,
    pp_cell,
    rate_cell,
    share_cell,
    table,
    tag,
)
from flows.report.control import NOT_REQUESTED as NO_CONTROL
from flows.report.control import control_html
from flows.report.transfer import NOT_REQUESTED, transfer_html


# --------------------------------------------------------------------------- sections


def header(c: dict[str, Any]) -> Html:
    cross = c["crossmodal"]
    paper = c["paper"]
    paper_line = (f"paper: {paper['model']} accuracy on {paper['num_samples']} {paper['dataset']} samples "
                  f"recovered by {paper['extractor']}: {pct(paper['clean_accuracy'])} clean, "
                  f"{pct(paper['adversarial_accuracy'])} adversarial")
    control = c.get("control") or {}
    if cross["available"]:
        against = [tag("div", "against the control: ", control["verdict"])] if control.get("available") else []
        headline = tag("div", tag("div", "measured: ", cross["headline"]), tag("div", cross.get("verdict", "")),
                       *against, tag("div", paper_line, cls="paper"), cls="headline")
    else:
        headline = tag("div", tag("div", "measured: not available: ", cross["reason"]),
                       tag("div", paper_line, cls="paper"), cls="headline")
    nav = tag("nav", *(tag("a", label, href=f"#{anchor}") for anchor, label in (
        ("run", "run"), ("crossmodal", "cross-modal"), ("figures", "figures"), ("extraction", "extraction"),
        ("attack", "attack"), ("samples", "samples and videos"), ("failures", "failures"))))
    meta = tag("p", f"created {c['created']} · model {c['model']} · {len(c['samples'])} samples · "
               f"{len(c['failures'])} failures", cls="meta")
    return join([tag("h1", c["title"]), meta, nav, headline])


def run_section(c: dict[str, Any]) -> Html:
    config = json.dumps(c["config"], indent=2, ensure_ascii=False, sort_keys=True)
    parts: list[Any] = [tag("h2", "Run", id="run"),
                        tag("details", tag("summary", "configuration"), tag("pre", config)),
                        tag("details", tag("summary", "input files"),
                            tag("pre", json.dumps(c["inputs"], indent=2, ensure_ascii=False)))]
    timings = c["timings"]
    if timings:
        total = c["total_seconds"] or 0.0
        rows = [[stage, num(sec, 1), Cell(pct(sec / total) if sec is not None and total else "n/a", "num")]
                for stage, sec in timings.items()]
        rows.append([tag("b", "total"), num(total, 1), Cell("", "num")])
        parts += [tag("h3", "timings"), table(["stage", "seconds", "share"], rows, table_id="timings-table")]
    else:
        parts += [tag("h3", "timings"), not_available("no timings recorded")]
    return join(parts)


def crossmodal_section(c: dict[str, Any]) -> Html:
    cross = c["crossmodal"]
    parts: list[Any] = [tag("h2", "Cross-modal evaluation", id="crossmodal")]
    if not cross["available"]:
        return join(parts + [not_available(cross["reason"])])
    headers = ["skeletons", "samples", "clean acc.", "adversarial acc.", "accuracy drop",
               "fooled (over correct)", "misclassified (over labelled)", "prediction changed",
               "still the target (over all)", "still the target (over correct)"]
    rows = [[r["label"], num(r["num_samples"]), rate_cell(r["clean_accuracy"]), rate_cell(r["adversarial_accuracy"]),
             pp_cell(r["accuracy_drop"]), rate_cell(r["untargeted_fooling_rate_over_correct"]),
             rate_cell(r["untargeted_fooling_rate_over_labelled"]), rate_cell(r["prediction_change_rate"]),
             rate_cell(r["targeted_fooling_rate_over_all"]), rate_cell(r["targeted_fooling_rate_over_correct"])]
            for r in cross["rows"]]
    p = cross["paper"]
    dash = Cell("—", "num muted")
    rows.append([f"paper: {p['model']}, {p['dataset']}, recovered by {p['extractor']}", num(p["num_samples"]),
                 Cell(pct(p["clean_accuracy"]), "num"), Cell(pct(p["adversarial_accuracy"]), "num"),
                 pp_cell(p["accuracy_drop"]), dash, dash, dash, dash, dash])
    parts.append(table(headers, rows, table_id="crossmodal-table",
                       row_classes=[None] * len(cross["rows"]) + ["paper"]))
    notes = [f"targets: {cross['targets_source'] or 'none (untargeted)'}",
             f"recovered prediction = source prediction: clean {rate_cell(cross['clean_agreement']).content}, "
             f"adversarial {rate_cell(cross['adversarial_agreement']).content}"]
    for which in ("clean", "adversarial"):
        missing = cross[f"missing_{which}_recovered"]
        if missing:
            notes.append(f"not recovered from the {which} videos ({len(missing)}): {', '.join(missing)}")
    parts.append(tag("ul", *(tag("li", n) for n in notes)))
    per_class = [[num(r["index"]), r["name"], num(r["support"]), share_cell(r["clean_source"]),
                  share_cell(r["adversarial_source"]), num(r["recovered_support"]), share_cell(r["clean_recovered"]),
                  share_cell(r["adversarial_recovered"])]
                 for r in cross["per_class"]]
    parts += [tag("h3", "per class (accuracy, %)"),
              table(["#", "class", "samples", "clean source", "adversarial source", "recovered samples",
                     "clean recovered", "adversarial recovered"], per_class, table_id="per-class-table")]
    return join(parts)


def _held(rec: dict[str, Any]) -> Cell:
    return rate_cell(rec.get("held_frames")) if rec.get("held_frames") else Cell("n/a", "num muted")


def extraction_section(c: dict[str, Any]) -> Html:
    parts: list[Any] = [tag("h2", "Pose extraction", id="extraction")]
    rec_rows = []
    for which, rec in c["recovered_sets"].items():
        if rec["available"]:
            rec_rows.append([which, num(rec["num_samples"]), _held(rec), rec["path"]])
        else:
            rec_rows.append([which, Cell("n/a", "num muted"), Cell("n/a", "num muted"),
                             tag("span", "not available: ", rec["reason"], cls="bad")])
    parts += [tag("h3", "recovered skeleton sets"),
              table(["set", "samples recovered", "held frames", "file"], rec_rows, table_id="recovered-table")]
    summary, per_sample, missing = [], [], []
    for which, ext in c["extraction"].items():
        if not ext["available"]:
            missing.append(tag("p", f"{which}: not available: ", ext["reason"], cls="na"))
            continue
        src, body = ext["means"].get("source_joints", {}), ext["means"].get("body_joints", {})
        summary.append([which, Cell(f"{ext['ok']}/{ext['samples_total']}", "num"),
                        Cell(pct(ext["mean_detection_rate"]), "num"),
                        *(num(src.get(k)) for k in EXTRACTION_METRICS[:4]), Cell(pct(src.get("swap_rate")), "num"),
                        *(num(body.get(k)) for k in EXTRACTION_METRICS[:3]),
                        Cell(pct(body.get("swap_rate")), "num")])
        for s in ext["samples"]:
            vs = s.get("vs_source_joints") or {}
            status = tag("span", s["status"], cls="ok" if s["status"] == "ok" else "bad")
            held = (f"{s['masked_frames']}/{s['video_frames']}"
                    if s.get("masked_frames") is not None and s.get("video_frames") else "n/a")
            bodies = (Cell(f"{s['people']}/{s['bodies']}", "num")
                      if s.get("people") is not None and s.get("bodies") is not None else num(s.get("people"), 0))
            per_sample.append([which, s["name"], status, s["reason"] or s.get("ground_truth_error") or "",
                               Cell(pct(s.get("detection_rate")), "num"), Cell(held, "num"),
                               *(num(vs.get(k)) for k in EXTRACTION_METRICS[:3]),
                               Cell(pct(vs.get("swap_rate")), "num"), num(vs.get("bone_length_error_pct")),
                               num(vs.get("bone_length_variation_pct")), bodies,
                               Cell(pct(s.get("all_recovered_rate")), "num"),
                               Cell(pct(s.get("identity_swap_rate")), "num")])
    parts.append(tag("h3", "errors against the ground truth (means over the successful samples, mm)"))
    if summary:
        parts.append(table(["set", "extracted", "detection rate", "MPJPE vs source", "root-relative",
                            "PA-MPJPE", "root error", "swap rate", "MPJPE vs rendered body", "root-relative",
                            "PA-MPJPE", "swap rate"], summary, table_id="extraction-table"))
    parts += missing
    if per_sample:
        rows = table(["set", "sample", "status", "reason", "detection rate", "held frames", "MPJPE",
                      "root-relative", "PA-MPJPE", "swap rate", "bone length error %",
                      "bone length variation %", "people / bodies", "all bodies recovered",
                      "identity swaps"], per_sample,
                     table_id="extraction-samples-table")
        summary_line = tag("summary", f"per sample ({len(per_sample)} rows; errors against the source skeleton, mm)")
        parts.append(tag("details", summary_line, rows, open="" if len(per_sample) <= OPEN_ROWS else None))
    return join(parts)


def _metric_cell(value: Any, unit: str) -> Cell:
    if unit == "%":
        return Cell(pct(value, 2), "num") if value is not None else Cell("n/a", "num muted")
    if value is None:
        return Cell("n/a", "num muted")
    return Cell(f"{value:.4g}", "num")


def attack_section(c: dict[str, Any]) -> Html:
    atk = c["attack"]
    parts: list[Any] = [tag("h2", "Attack", id="attack")]
    if not atk["available"]:
        return join(parts + [not_available(atk["reason"])])
    m = atk["metrics"]
    s = atk["success"]
    parts.append(tag("p", f"attack success (on the source skeletons): {rate_cell(s).content}; "
                 f"model {atk.get('model') or c['model']}"))
    rates = [[label, _metric_cell(m.get(key), "%")] for key, label in ATTACK_RATES if key in m]
    perc = [[label, _metric_cell(m.get(key), unit), "" if unit == "%" else unit]
            for key, label, unit in ATTACK_PERCEPTIBILITY if key in m]
    known = {k for k, _ in ATTACK_RATES} | {k for k, _, _ in ATTACK_PERCEPTIBILITY}
    other = [[key, _metric_cell(value, "")] for key, value in m.items() if key not in known]
    parts += [tag("h3", "success"), table(["rate", "value"], rates, table_id="attack-table"),
              tag("h3", "perceptibility"),
              table(["metric", "value", "unit"], perc, table_id="perceptibility-table")]
    if other:
        parts += [tag("h3", "other metrics"), table(["metric", "value"], other, table_id="attack-other-table")]
    parts.append(tag("details", tag("summary", "attack configuration"),
                     tag("pre", json.dumps(atk["config"], indent=2, ensure_ascii=False, sort_keys=True))))
    return join(parts)


@dataclass(frozen=True)
class FigureOut:
    """A figure of the page: PNG bytes, or None with the reason it is missing."""

    name: str
    caption: str
    png: bytes | None = None
    reason: str | None = None


def img(png: bytes, alt: str) -> Html:
    data = base64.b64encode(png).decode("ascii")
    return Html(f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">')


def figures_section(figures: Sequence[FigureOut]) -> Html:
    parts: list[Any] = [tag("h2", "Figures", id="figures")]
    if not figures:
        parts.append(not_available("no figure could be drawn"))
    for f in figures:
        if f.png is None:
            parts.append(tag("figure", not_available(f.reason or "not drawn"), tag("figcaption", f.caption)))
        else:
            parts.append(tag("figure", img(f.png, f.caption), tag("figcaption", f.caption), id=f"figure-{f.name}"))
    return join(parts)


def _pred_cell(pred: dict[str, Any] | None, target: int | None) -> Cell:
    if pred is None:
        return Cell("—", "muted")
    text = f"{pred['name'] or pred['pred']}"
    if pred.get("conf") is not None:
        text += f" ({pred['conf']:.2f})"
    if target is not None and pred["pred"] == target:
        return Cell(text, "target")
    return Cell(text, {True: "ok", False: "bad", None: None}[pred.get("correct")])


def _video_cell(video: dict[str, Any], extraction: dict[str, Any] | None) -> Html:
    if video["status"] != "ok":
        return tag("span", "failed: ", video["reason"], cls="bad")
    parts: list[Any] = [tag("a", "video", href=video["href"])]
    if extraction is not None:
        if extraction["status"] == "ok":
            mp = extraction.get("mpjpe_mm")
            parts.append(tag("span", f" · extracted{'' if mp is None else f', {mp:.0f} mm'}", cls="muted"))
        else:
            parts.append(tag("span", " · extraction failed: ", extraction["reason"], cls="bad"))
    return join(parts)


def samples_section(c: dict[str, Any]) -> Html:
    parts: list[Any] = [tag("h2", "Samples and videos", id="samples")]
    if not c["samples"]:
        return join(parts + [not_available("no sample is known (no attack report, sets or bundles)")])
    rows = []
    for s in c["samples"]:
        success = {True: Cell("yes"), False: Cell("no"), None: Cell("—", "muted")}[s["attack_success"]]
        label = s["label_name"] or ("" if s["label"] is None else s["label"])
        target = s["target_name"] or ("" if s["target"] is None or s["target"] < 0 else s["target"])
        rows.append([s["name"], label, target, success,
                     *(_pred_cell(s["predictions"][k], s["target"]) for k in
                       ("clean_source", "adversarial_source", "clean_recovered", "adversarial_recovered")),
                     _video_cell(s["videos"]["clean"], s["extraction"]["clean"]),
                     _video_cell(s["videos"]["adversarial"], s["extraction"]["adversarial"])])
    parts.append(tag("p", "predictions with their confidence; green: the label, red: another class, "
                     "bold red: the attack's target", cls="muted"))
    parts.append(table(["sample", "label", "target", "attack success", "clean source", "adversarial source",
                        "clean recovered", "adversarial recovered", "clean video", "adversarial video"], rows,
                          table_id="samples-table"))
    return join(parts)


def failures_section(c: dict[str, Any]) -> Html:
    parts: list[Any] = [tag("h2", "Failures", id="failures")]
    if not c["failures"]:
        return join(parts + [tag("p", "none", cls="ok")])
    extra = sorted({k for f in c["failures"] for k in f if k not in ("stage", "sample", "reason")})
    rows = [[f["stage"] or "", f["sample"] or "", f["reason"] or "",
             *(json.dumps(f.get(k), ensure_ascii=False) if k in f else "" for k in extra)] for f in c["failures"]]
    return join(parts + [table(["stage", "sample", "reason", *extra], rows, table_id="failures-table")])


def render(content: dict[str, Any], figures: Sequence[FigureOut]) -> str:
    """The whole page."""
    body = join([header(content), run_section(content), crossmodal_section(content),
                 transfer_html(content.get("transfer") or {"available": False, "reason": NOT_REQUESTED}),
                 control_html(content.get("control") or {"available": False, "reason": NO_CONTROL}),
                 figures_section(figures),
                 extraction_section(content), attack_section(content), samples_section(content),
                 failures_section(content)])
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(content['title'])}</title>\n<style>{CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


__all__ = ["Cell", "FigureOut", "Html", "esc", "render", "table", "tag"]
