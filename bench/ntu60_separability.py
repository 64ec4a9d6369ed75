"""Measurement: does a class of the NTU-60-like world need its temporal pattern, and how
confusable are the fine-grained groups? (issue 14)

Fits a ridge classifier (closed form, numpy) on root-relative, stature-normalised joints of
the main actor, X-view protocol (cameras 2 and 3 train, camera 1 tests), from

- one random valid frame per sample,
- 8 frames spread over the valid length,

and reports the test accuracy of each, and, for the 8-frame classifier, the accuracy inside
each fine-grained group (how often a sample of the group is given another class of the same
group) and the most confused class pairs. A linear probe is no recogniser: it shows how
much a single posture gives away, and where the difficulty lives.

Run: ``.venv/bin/python bench/ntu60_separability.py --takes 6``
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np


def features(sset, frames: np.ndarray) -> np.ndarray:
    """(N, F) features: main actor's joints at ``frames`` (N, K) relative to the spine base,
    divided by the spine length of frame 0."""
    x = np.transpose(sset.data[..., 0], (0, 2, 3, 1)).astype(np.float64)  # N T V C
    n = len(sset)
    picked = x[np.arange(n)[:, None], frames]  # N K V C
    rel = picked - picked[:, :, :1]
    scale = np.linalg.norm(x[:, 0, 20] - x[:, 0, 0], axis=-1)[:, None, None, None]
    return (rel / np.maximum(scale, 1e-3)).reshape(n, -1)


def ridge(xtr, ytr, xte, k: int, lam: float = 1.0) -> np.ndarray:
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    a, b = (xtr - mu) / sd, (xte - mu) / sd
    y = np.eye(k)[ytr]
    w = np.linalg.solve(a.T @ a + lam * len(a) * np.eye(a.shape[1]) / 100, a.T @ y)
    return (b @ w).argmax(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--takes", type=int, default=6, help="takes per class (6 samples each)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bias-mm", type=float, default=None, help="override NTU60Config.bias_mm")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="override any NTU60Config field (repeatable), e.g. --set mix=0.5 --set occlusion_mm=60")
    args = ap.parse_args()
    from pipeline.synth.ntu60.classes import CLASSES
    from pipeline.synth.ntu60.world import NTU60Config, generate_ntu60

    extra = {} if args.bias_mm is None else {"bias_mm": args.bias_mm}
    for item in args.set:
        field, _, value = item.partition("=")
        extra[field] = float(value)
    sset = generate_ntu60(NTU60Config(takes_per_class=args.takes, seed=args.seed, **extra))
    rng = np.random.default_rng(0)
    nf = sset.num_frames
    one = (rng.random(len(sset)) * nf).astype(int)[:, None]
    eight = np.stack([np.minimum((nf * (k + 0.5) / 8).astype(int), nf - 1) for k in range(8)], 1)
    train = np.isin(sset.name, sset.splits["xview_train"])
    y = sset.label
    results = {}
    for label, frames in (("one random frame", one), ("8 frames over time", eight)):
        f = features(sset, frames)
        pred = ridge(f[train], y[train], f[~train], 60)
        results[label] = pred
        print(f"{label:20s}: X-view test accuracy {np.mean(pred == y[~train]):.3f} "
              f"({(~train).sum()} samples; chance {1 / 60:.3f})")
    pred, truth = results["8 frames over time"], y[~train]
    groups = {c.group for c in CLASSES}
    print("\nper group (8 frames): accuracy, and share of errors that stay inside the group")
    for g in sorted(groups):
        members = [i for i, c in enumerate(CLASSES) if c.group == g]
        m = np.isin(truth, members)
        wrong = m & (pred != truth)
        inside = np.isin(pred[wrong], members).mean() if wrong.any() else float("nan")
        print(f"  {g:28s} {len(members):2d} classes  accuracy {np.mean(pred[m] == truth[m]):.3f}  "
              f"errors inside the group {inside:.2f}")
    pairs = Counter((int(t), int(p)) for t, p in zip(truth, pred) if t != p)
    print("\nmost confused pairs (8 frames): count, true -> predicted, same group?")
    for (t, p), c in pairs.most_common(10):
        print(f"  {c:3d}  {CLASSES[t].name} -> {CLASSES[p].name}  {CLASSES[t].group == CLASSES[p].group}")


if __name__ == "__main__":
    main()
