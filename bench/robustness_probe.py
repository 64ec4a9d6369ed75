"""Probe: how robust is a recogniser to any perturbation within an l_inf ball, and where
does its input gradient live?

Not a benchmark of speed: an upper-bound check used in docs/RESULTS.md. On the first
``--per-class`` validation samples of every ``--class-step``-th class it prints

* clean top-1 and the mean logit gap between the true and the least-likely class;
* the l1 norm of the gradient of that gap with respect to the input (per metre) and the
  *linear eps*: gap / l1 norm, the l_inf budget a first-order model says closes the gap
  (a lower bound only if the network were linear);
* the share of that gradient on each of the layout's regions (the paper's regions 1-4:
  arms, legs, trunk and head);
* the *bone-preserving share*: the fraction of the gradient's energy (squared norm, over
  the valid frames of the present bodies) tangent to the bone-length constraints, i.e.
  left after projecting out, frame by frame, every direction that changes a bone's length
  (the row space of the bone-length Jacobian). CIASA's realignment (SSR) keeps bone lengths,
  so it can follow only this part. A direction drawn at random has ``1 - B / (3 V)``
  (68 % for NTU's 25 joints and 24 bones); a model that reads bone lengths more than a
  random direction would has less, and its *tangent linear eps* (gap / l1 of the tangent
  part) tells how far a first-order bone-preserving step has to go; the joints where the
  rest (the bone-length part) sits are listed;
* for each ``--eps``: plain projected gradient descent with no realignment, smoothness or
  GAN term (strictly stronger in the threat model than CIASA's constrained attack at the
  same eps): ``--steps`` signed steps of ``--step`` x eps (default eps / 8) on the cross-entropy to the
  least-likely class, clipped to ``|d| <= eps`` and masked to the valid frames. If this
  reaches no target, no constrained attack will.

Run: ``.venv/bin/python bench/robustness_probe.py --data build/ntu60/xview/val.npz --model
stgcn-ntu60 --eps 0.01,0.03,0.1 [--class-step 4] [--steps 40]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from pipeline.models import load_recognizer
from pipeline.skeleton_set import load_skeleton_set


def bone_tangent(g: torch.Tensor, x: torch.Tensor, parents: tuple[int, ...], mask: torch.Tensor) -> torch.Tensor:
    """The part of ``g`` ``(N, 3, T, V, M)`` that changes no bone length of ``x`` to first
    order: per valid frame of a present body, ``g - J^T (J J^T)^+ J g`` with ``J`` the
    ``(B, 3V)`` Jacobian of the bone lengths (unit bone directions at the child, their
    negatives at the parent). Frames outside ``mask`` and absent bodies give zeros."""
    bones = [(p, c) for c, p in enumerate(parents) if p >= 0]
    n, _, t, v, m = x.shape
    xs = x.permute(0, 4, 2, 3, 1).reshape(-1, v, 3).double()  # (N M T, V, 3)
    gs = g.permute(0, 4, 2, 3, 1).reshape(-1, v, 3).double()
    keep = (mask.expand(n, 1, t, 1, m)[:, 0, :, 0, :].permute(0, 2, 1).reshape(-1) > 0) & (xs.abs().sum((1, 2)) > 0)
    out = torch.zeros_like(gs)
    xk, gk = xs[keep], gs[keep]
    par = torch.tensor([b[0] for b in bones])
    chi = torch.tensor([b[1] for b in bones])
    u = xk[:, chi] - xk[:, par]
    u = u / u.norm(dim=-1, keepdim=True).clamp_min(1e-9)  # (F, B, 3)
    jac = torch.zeros(xk.shape[0], len(bones), v, 3, dtype=xk.dtype)
    rows = torch.arange(len(bones))
    jac[:, rows, chi] = u
    jac[:, rows, par] = -u
    jac = jac.reshape(xk.shape[0], len(bones), 3 * v)
    jg = jac @ gk.reshape(-1, 3 * v, 1)
    coef = torch.linalg.pinv(jac @ jac.transpose(1, 2)) @ jg
    out[keep] = gk - (jac.transpose(1, 2) @ coef).reshape(-1, v, 3)
    return out.reshape(n, m, t, v, 3).permute(0, 4, 2, 3, 1).to(g.dtype)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default="stgcn-ntu60", help="bundled name or checkpoint path")
    ap.add_argument("--eps", default="0.01,0.03")
    ap.add_argument("--per-class", type=int, default=1)
    ap.add_argument("--class-step", type=int, default=4, help="probe every k-th class")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--step", type=float, default=0.125, help="PGD step as a fraction of eps")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sset = load_skeleton_set(args.data)
    classes = np.unique(sset.label)[:: args.class_step]
    idx = [int(i) for c in classes for i in np.flatnonzero(sset.label == c)[: args.per_class]]
    x = torch.as_tensor(sset.data[idx])
    y = torch.as_tensor(sset.label[idx])
    nf = torch.as_tensor(sset.num_frames[idx])
    rec = load_recognizer(args.model).eval()
    mask = (torch.arange(x.shape[2])[None] < nf[:, None]).float()[:, None, :, None, None]

    xr = x.clone().requires_grad_(True)
    clean = rec(xr)
    target = clean.detach().argmin(1)
    gap = clean.gather(1, y[:, None])[:, 0] - clean.gather(1, target[:, None])[:, 0]
    (g,) = torch.autograd.grad(gap.sum(), xr)
    g = (g * mask).detach()
    l1 = g.abs().flatten(1).sum(1)
    print(f"{args.model}: {len(idx)} samples ({len(classes)} classes), clean top-1 "
          f"{(clean.argmax(1) == y).float().mean():.3f}, mean valid frames {nf.float().mean():.0f}")
    print(f"logit gap true - least likely: mean {gap.mean():.1f}; gradient l1 {l1.mean():.0f} per metre; "
          f"linear eps (gap / l1) mean {(gap / l1).mean() * 1000:.1f} mm, median {(gap / l1).median() * 1000:.1f} mm")
    per_joint = g.abs().sum(dim=(0, 1, 2, 4))  # V
    share = per_joint / per_joint.sum()
    print("gradient share by region: " + ", ".join(
        f"{name} {float(share[list(joints)].sum()) * 100:.1f} %" for name, joints in rec.layout.regions.items()))

    tangent = bone_tangent(g, x, rec.layout.parents, mask)
    energy = float((tangent ** 2).sum() / (g ** 2).sum())
    bones = sum(1 for p in rec.layout.parents if p >= 0)
    tl1 = tangent.abs().flatten(1).sum(1)
    print(f"bone-preserving share of the gradient (energy): {energy * 100:.1f} % (a random direction: "
          f"{(1 - bones / (3 * len(rec.layout.parents))) * 100:.1f} %); tangent linear eps (gap / l1 of that part) "
          f"mean {(gap / tl1).mean() * 1000:.1f} mm, median {(gap / tl1).median() * 1000:.1f} mm")
    normal = ((g - tangent) ** 2).sum(dim=(0, 1, 2, 4))  # V: where the bone-length part sits
    top = torch.argsort(normal, descending=True)[:5].tolist()
    print("bone-length part by joint (share of it): " + ", ".join(
        f"{rec.layout.joint_names[j]} {float(normal[j] / normal.sum()) * 100:.1f} %" for j in top))

    for eps in (float(e) for e in args.eps.split(",")):
        t0 = time.perf_counter()
        d = torch.zeros_like(x, requires_grad=True)
        for _ in range(args.steps):
            loss = torch.nn.functional.cross_entropy(rec(x + d * mask), target)
            (gd,) = torch.autograd.grad(loss, d)
            with torch.no_grad():
                d -= eps * args.step * gd.sign()
                d.clamp_(-eps, eps)
        with torch.no_grad():
            pred = rec(x + d * mask).argmax(1)
        print(f"eps {eps}: least-likely targeted {(pred == target).float().mean():.3f}, "
              f"untargeted (label changed) {(pred != y).float().mean():.3f} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
