"""Measurement: where does a recogniser of the NTU-60-like world go wrong? (issue 14)

Evaluates ``--model`` on ``--data`` (a validation split of ``ciasa data synth-ntu60``) and
prints top-1, the accuracy of every fine-grained group (how often a sample is given its own
class) and the ten most-confused class pairs, each marked when both classes belong to one
fine-grained group (``pipeline.synth.ntu60.classes.FINE_GRAINED_GROUPS``). The acceptance
of issue 14 asks for at least 6 of those 10 pairs inside the groups, as on real NTU where
reading / writing / phone / typing and their like dominate the confusions.

Run: ``.venv/bin/python bench/ntu60_confusions.py --data build/ntu60/xview/val.npz
--model stgcn-ntu60 [--json build/confusions.json] [--report-dir build/eval-xview]`` (data from ``ciasa data synth-ntu60
--out build/ntu60``)
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="a ciasa .npz set of the NTU-60-like world")
    ap.add_argument("--model", required=True, help="bundled name or checkpoint")
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--report-dir", help="also write the evaluation (report.json with per-class accuracy and the "
                                         "confusion matrix, confusion.png) into this folder")
    args = ap.parse_args()
    import torch

    from pipeline.eval_report import write_evaluation
    from pipeline.evaluate import evaluate_recognizer, most_confused_pairs
    from pipeline.models import load_recognizer
    from pipeline.skeleton_set import load_skeleton_set
    from pipeline.synth.ntu60.classes import CLASSES, FINE_GRAINED_GROUPS, same_fine_grained_group

    torch.set_num_threads(args.threads)
    sset = load_skeleton_set(args.data)
    rep = evaluate_recognizer(load_recognizer(args.model), sset, data_path=args.data)
    if args.report_dir:
        write_evaluation(rep, args.report_dir)
    print(f"top-1 {100 * rep.top1:.2f} % on {rep.num_evaluated} samples (top-5 {100 * rep.top5:.2f} %)")
    groups = defaultdict(list)
    for c, spec in enumerate(CLASSES):
        groups[spec.group].append(c)
    out = {"top1": rep.top1, "top5": rep.top5, "samples": rep.num_evaluated, "groups": {}, "pairs": []}
    conf = rep.confusion
    for g in FINE_GRAINED_GROUPS:
        cls = groups[g]
        total = int(conf[cls].sum())
        if total == 0:
            continue
        own = int(conf[cls, cls].sum())
        inside = int(conf[np.ix_(cls, cls)].sum())
        out["groups"][g] = {"classes": len(cls), "samples": total, "top1": own / total,
                            "within_group": inside / total}
        print(f"  {g:24s} {len(cls)} classes: top-1 {100 * own / total:5.1f} %, "
              f"predicted inside the group {100 * inside / total:5.1f} %")
    pairs = most_confused_pairs(conf, args.pairs)
    inside = 0
    for a, b, n in pairs:
        same = same_fine_grained_group(a, b)
        inside += same
        out["pairs"].append({"a": CLASSES[a].name, "b": CLASSES[b].name, "count": n, "same_group": same})
        print(f"  {n:3d}  A{a + 1:03d} {CLASSES[a].name} <-> A{b + 1:03d} {CLASSES[b].name}"
              + (f"   [{CLASSES[a].group}]" if same else ""))
    out["pairs_inside_groups"] = inside
    print(f"{inside} of the {len(pairs)} most-confused pairs inside a fine-grained group")
    per_class = sorted((c.accuracy, c.name) for c in rep.per_class if c.accuracy is not None)[:8]
    print("weakest classes: " + ", ".join(f"{n} {100 * a:.0f} %" for a, n in per_class))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
