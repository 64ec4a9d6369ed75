"""The report's cross-modal section: the three pair rows (source, source on the recovered
samples, recovered), the paper's numbers, the paired accuracy drop with its 95 % interval
and a one-sentence verdict; per-class rows. Read from ``crossmodal.json``
(:meth:`pipeline.crossmodal_report.CrossModalReport.to_dict`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from flows.report.inputs import clean_number
from flows.report.loading import Loaded
from flows.report.values import _rate_of, _unavailable, pct, rate

#: The paper's cross-modality measurement (CIASA, Liu, Akhtar and Mian, IEEE TNNLS): ST-GCN
#: on skeletons recovered by VNect from videos of clean and adversarial NTU-XV samples.
PAPER_CROSSMODAL: dict[str, Any] = {
    "model": "ST-GCN", "dataset": "NTU-XV", "num_samples": 240, "extractor": "VNect",
    "clean_accuracy": 0.533, "adversarial_accuracy": 0.389,
}

#: The cross-modal comparisons, in display order: key in ``crossmodal.json`` -> label.
PAIR_ROWS = (
    ("source", "source skeletons, all samples"),
    ("source_on_recovered", "source skeletons, samples recovered in both sets"),
    ("recovered", "recovered from video"),
)


def crossmodal_section(loaded: Loaded) -> dict[str, Any]:
    """The cross-modal table: the three pair rows, the paper's numbers, per class."""
    doc = loaded.crossmodal
    if doc is None:
        return _unavailable(loaded.reasons["crossmodal"])
    rows = []
    for key, label in PAIR_ROWS:
        block = doc[key]
        row: dict[str, Any] = {"key": key, "label": label, "num_samples": clean_number(block.get("num_samples"))}
        for name in ("clean_accuracy", "adversarial_accuracy", "untargeted_fooling_rate_over_correct",
                     "untargeted_fooling_rate_over_labelled", "prediction_change_rate",
                     "targeted_fooling_rate_over_all", "targeted_fooling_rate_over_correct"):
            row[name] = _rate_of(block.get(name))
        clean, adv = row["clean_accuracy"]["value"], row["adversarial_accuracy"]["value"]
        row["accuracy_drop"] = None if clean is None or adv is None else clean - adv
        rows.append(row)
    recovered = rows[-1]
    paper = dict(PAPER_CROSSMODAL)
    paper["accuracy_drop"] = paper_drop()
    classes = list(doc["class_names"])
    per_class = []
    for r in doc["per_class"]:
        per_class.append({
            "index": clean_number(r.get("index")), "name": str(r.get("name", "")),
            "support": clean_number(r.get("support")), "recovered_support": clean_number(r.get("recovered_support")),
            **{k: clean_number(r.get(k)) for k in ("clean_source", "adversarial_source", "clean_recovered",
                                                   "adversarial_recovered")},
        })
    model = str(doc.get("model", ""))
    n_rec = recovered["clean_accuracy"]["total"]
    drop = paired_drop(doc.get("samples") or {}, "recovered")
    source_drop = paired_drop(doc.get("samples") or {}, "source")
    return {
        "available": True,
        "model": model, "arch": doc.get("arch"),
        "headline": (f"{model} accuracy on {n_rec} recovered samples: {pct(recovered['clean_accuracy']['value'])} "
                     f"clean, {pct(recovered['adversarial_accuracy']['value'])} adversarial"),
        "drop": drop, "source_drop": source_drop,
        "verdict": verdict(drop, source_drop, paper["accuracy_drop"], control_share(loaded.control)),
        "num_samples": clean_number(doc.get("num_samples")), "num_recovered": clean_number(doc.get("num_recovered")),
        "num_unlabelled": clean_number(doc.get("num_unlabelled")), "targets_source": doc.get("targets_source"),
        "rows": rows, "paper": paper,
        "clean_agreement": _rate_of(doc.get("clean_agreement")),
        "adversarial_agreement": _rate_of(doc.get("adversarial_agreement")),
        "missing_clean_recovered": [str(s) for s in doc.get("missing_clean_recovered") or []],
        "missing_adversarial_recovered": [str(s) for s in doc.get("missing_adversarial_recovered") or []],
        "class_names": classes, "per_class": per_class,
    }


def paper_drop() -> float:
    """The paper's cross-modal accuracy drop (clean - adversarial, a fraction)."""
    return round(PAPER_CROSSMODAL["clean_accuracy"] - PAPER_CROSSMODAL["adversarial_accuracy"], 6)


def control_share(control: dict[str, Any] | None) -> dict[str, Any] | None:
    """The control comparison's attack share on the recovered skeletons, or None (no
    control, or no recovered sample to compare)."""
    block = control.get("recovered") if isinstance(control, dict) else None
    share = block.get("attack_share") if isinstance(block, dict) else None
    if not isinstance(share, dict) or any(not isinstance(share.get(k), (int, float)) for k in ("value", "low", "high")):
        return None
    return share


def paired_drop(samples: dict[str, Any], which: str) -> dict[str, Any] | None:
    """Clean minus adversarial accuracy over the labelled samples of ``crossmodal.json``'s
    per-sample columns, on the ``"source"`` skeletons or the ``"recovered"`` ones (samples
    recovered in both sets), with Newcombe's paired 95 % interval and the Wilson intervals
    of the two accuracies; None when no sample counts."""
    from pipeline.stats import paired_difference_interval, wilson_interval

    label = np.asarray(samples.get("label") or [], dtype=object)
    clean = np.asarray(samples.get(f"clean_{which}_pred") or [], dtype=object)
    adv = np.asarray(samples.get(f"adversarial_{which}_pred") or [], dtype=object)
    if not (len(label) == len(clean) == len(adv)) or len(label) == 0:
        return None
    use = np.array([lab is not None and lab >= 0 and c is not None and a is not None
                    for lab, c, a in zip(label, clean, adv)], dtype=bool)
    if not use.any():
        return None
    lab = label[use].astype(np.int64)
    clean_ok, adv_ok = clean[use].astype(np.int64) == lab, adv[use].astype(np.int64) == lab
    diff, low, high = paired_difference_interval(clean_ok, adv_ok)
    n = int(use.sum())
    return {"value": diff, "low": low, "high": high, "num_samples": n,
            "clean": {**rate(int(clean_ok.sum()), n), "interval": wilson_interval(int(clean_ok.sum()), n)},
            "adversarial": {**rate(int(adv_ok.sum()), n), "interval": wilson_interval(int(adv_ok.sum()), n)}}


def verdict(drop: dict[str, Any] | None, source_drop: dict[str, Any] | None, paper: float,
            control: dict[str, Any] | None = None) -> str:
    """One plain sentence (two at most): does the accuracy drop survive the trip through
    video, and is it the attack's? ``control``: the control comparison's attack share
    on the recovered skeletons (control - adversarial accuracy, ``value``/``low``/``high``/
    ``num_samples``), when the run had a control. A recovered drop is credited to the attack
    only when the control leaves it a share above zero or, without a control, when the
    attack measurably lowered the source skeletons' accuracy too; otherwise the sentence
    says what the drop cannot be told from."""
    def pp(v: float) -> str:
        return f"{100 * v:.1f} pp"

    if drop is None:
        return "No sample was recovered from both of its videos: there is no cross-modal measurement."
    span = f"95 % interval {pp(drop['low'])} to {pp(drop['high'])}, {drop['num_samples']} samples; paper {pp(paper)}"
    src = ("" if source_drop is None else
           f" On the source skeletons the drop is {pp(source_drop['value'])} ({pp(source_drop['low'])} to "
           f"{pp(source_drop['high'])}).")
    if drop["low"] <= 0:
        return (f"No measurable effect after recovery: the drop is {pp(drop['value'])} ({span}); the interval "
                f"includes zero.{src}")
    found = f"recovered adversarial accuracy is {pp(drop['value'])} below clean ({span})"
    if control is not None:
        share = (f"{pp(control['value'])} ({pp(control['low'])} to {pp(control['high'])}, "
                 f"{control['num_samples']} samples)")
        if control["low"] > 0:
            return f"The attack's effect survives the video: {found}, and its share beyond the control is {share}.{src}"
        if control["high"] < 0:
            return (f"Not the attack's: {found}, but the control lowers it more; the attack's own share is "
                    f"{share}.{src}")
        return (f"Not shown to be the attack's: {found}, but the control lowers it about as much; the attack's own "
                f"share is {share}, an interval that holds zero.{src}")
    if source_drop is not None and source_drop["low"] <= 0:
        return (f"Not shown to be the attack's: {found}, but the attack did not measurably lower the accuracy on the "
                f"source skeletons ({pp(source_drop['value'])}, {pp(source_drop['low'])} to "
                f"{pp(source_drop['high'])}); a random perturbation of the same joints may lower it as much "
                "(control=noise measures that).")
    return f"The attack's effect survives the video: {found}.{src}"
