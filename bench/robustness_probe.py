"""Probe: how robust is a recogniser to any perturbation within an l_inf ball?

Not a benchmark of speed: an upper-bound check used in docs/RESULTS.md. Plain projected
gradient descent with no realignment, smoothness or GAN term (so strictly stronger in the
threat model than CIASA's constrained attack at the same eps): ``steps`` signed steps of
``eps / 10`` on the cross-entropy to the least-likely class, clipped to ``|d| <= eps`` and
masked to the valid frames. If this reaches no target, no constrained attack will.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/robustness_probe.py --data
build/synth-bundled/val.npz --model stgcn-synth --eps 0.01,0.02 [--per-class 2]``
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from pipeline.models import load_recognizer
from pipeline.skeleton_set import load_skeleton_set


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default="stgcn-synth")
    ap.add_argument("--eps", default="0.01,0.02")
    ap.add_argument("--per-class", type=int, default=2)
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(1)
    sset = load_skeleton_set(args.data)
    idx = [int(i) for c in np.unique(sset.label) for i in np.flatnonzero(sset.label == c)[: args.per_class]]
    x = torch.as_tensor(sset.data[idx])
    y = torch.as_tensor(sset.label[idx])
    nf = torch.as_tensor(sset.num_frames[idx])
    rec = load_recognizer(args.model)
    mask = (torch.arange(x.shape[2])[None] < nf[:, None]).float()[:, None, :, None, None]
    with torch.no_grad():
        clean = rec(x)
    target = clean.argmin(1)
    top = clean.sort(1, descending=True).values
    print(f"{args.model}: {len(idx)} samples, clean top-1 {(clean.argmax(1) == y).float().mean():.3f}, "
          f"mean logit gap top-1 - least likely {(top[:, 0] - top[:, -1]).mean():.1f}")
    for eps in (float(e) for e in args.eps.split(",")):
        d = torch.zeros_like(x, requires_grad=True)
        for _ in range(args.steps):
            loss = torch.nn.functional.cross_entropy(rec(x + d * mask), target)
            (g,) = torch.autograd.grad(loss, d)
            with torch.no_grad():
                d -= eps / 10 * g.sign()
                d.clamp_(-eps, eps)
        with torch.no_grad():
            pred = rec(x + d * mask).argmax(1)
        print(f"eps {eps}: least-likely targeted {(pred == target).float().mean():.3f}, "
              f"untargeted (label changed) {(pred != y).float().mean():.3f}")


if __name__ == "__main__":
    main()
