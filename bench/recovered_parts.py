"""Probe: which part of a recovered skeleton costs the recogniser its accuracy?

Not a benchmark of speed: a diagnosis used in docs/RESULTS.md (issue 15). Given the source
skeletons of a cross-modal run and the skeletons recovered from their videos (same samples,
same frames: the run's ``select/<key>/clean.npz`` and ``recovered/<key>/clean.npz``), it
prints the recogniser's top-1 on

* the source and the recovered skeletons;
* hybrids per joint group (arms, hands, legs, trunk and head): the source with that group
  taken from the recovered skeleton, and the recovered skeleton with that group taken from
  the source (root-relative, placed on the other skeleton's root in every frame where the
  recovered body is present); the first says what that group's extraction error costs
  alone, the second what correcting only that group would buy;
* the recovered skeleton with one property made right: its size (every body scaled about
  its root to the source's summed bone length), its bone lengths (each bone's direction
  kept, the source's mean length), its root trajectory (the source's), its depth (the
  source's root-relative depth of every joint) or its image-plane coordinates (the
  source's root-relative X and Y).

Run: ``.venv/bin/python bench/recovered_parts.py --source RUN/select/KEY/clean.npz
--recovered RUN/recovered/KEY/clean.npz --model stgcn-ntu60``
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import torch

from attack.constraints import bone_lengths
from pipeline.evaluate import predict_set
from pipeline.layouts import NTU25
from pipeline.models import load_recognizer
from pipeline.skeleton_set import load_skeleton_set
from pose_extract.bone_projection import ORDER
from pose_extract.people_metrics import match_people

#: Joint groups of the NTU layout (0-based).
GROUPS = {
    "left arm": (4, 5, 6, 7, 21, 22),
    "right arm": (8, 9, 10, 11, 23, 24),
    "both arms": (4, 5, 6, 7, 21, 22, 8, 9, 10, 11, 23, 24),
    "hands (hands, tips, thumbs)": (7, 11, 21, 22, 23, 24),
    "legs": tuple(range(12, 20)),
    "trunk and head": (1, 2, 3, 20),
    "every joint but the root": tuple(range(1, 25)),
}


def aligned(source: np.ndarray, recovered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``recovered`` ``(N, C, T', V, M)`` zero-padded to the source's ``T``, its bodies in
    the order of the source's (paired as the extraction report pairs recovered people with
    rendered bodies, :func:`~pose_extract.people_metrics.match_people`: extraction orders
    people by motion, the source by its own body order), and the mask ``(N, 1, T, 1, M)``
    of the frames where the recovered body is present."""
    out = np.zeros_like(source)
    t = min(source.shape[2], recovered.shape[2])
    out[:, :, :t] = recovered[:, :, :t]
    for n in range(out.shape[0]):
        pred = out[n].transpose(3, 1, 2, 0)  # M T V C
        gt = source[n].transpose(1, 3, 2, 0)  # T M V C
        pred_valid = np.abs(pred).sum(axis=(2, 3)) > 0
        body_present = np.abs(gt).sum(axis=(2, 3)) > 0
        if pred_valid.any(-1).sum() < 2 or body_present.any(0).sum() < 2:
            continue
        order = match_people(pred, pred_valid, gt, body_present).person_of_body
        if sorted(order) == list(range(out.shape[4])):
            out[n] = out[n][..., order]
    return out, np.abs(out).sum(axis=(1, 3), keepdims=True) > 0


def swap_group(base: np.ndarray, donor: np.ndarray, joints: tuple[int, ...], present: np.ndarray,
               root: int, axes: tuple[int, ...] = (0, 1, 2)) -> np.ndarray:
    """``base`` with ``joints`` (on ``axes``) taken from ``donor`` relative to the donor's
    root and placed on the base's root, where ``present``."""
    out = base.copy()
    j = list(joints)
    for c in axes:
        moved = donor[:, c][:, :, j] - donor[:, c][:, :, root:root + 1] + base[:, c][:, :, root:root + 1]
        out[:, c][:, :, j] = np.where(present[:, 0], moved, base[:, c][:, :, j])
    return out


def mean_bone_lengths(x: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``(N, M, V)`` mean length of the bone ending at each joint over the present frames
    (0 at the root)."""
    w = present[:, 0].astype(np.float64)  # N T 1 M
    lengths = bone_lengths(torch.from_numpy(x), NTU25).numpy()  # N T V M
    return ((lengths * w).sum(1) / np.maximum(w.sum(1), 1.0)).transpose(0, 2, 1)


def with_bone_lengths(x: np.ndarray, lengths: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``x`` rebuilt from its root outwards (:data:`pose_extract.bone_projection.ORDER`) with
    every bone's direction kept and its length set to ``lengths`` ``(N, M, V)``, where
    ``present``."""
    out = x.copy()
    for v in ORDER:
        p = NTU25.parents[v]
        if p < 0:
            continue
        d = x[:, :, :, v] - x[:, :, :, p]
        u = d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
        out[:, :, :, v] = out[:, :, :, p] + u * lengths[:, None, None, :, v]
    return np.where(present, out, x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True, help="the run's source skeletons (select/<key>/clean.npz)")
    ap.add_argument("--recovered", required=True, help="the same samples recovered from video")
    ap.add_argument("--model", default="stgcn-ntu60")
    args = ap.parse_args()
    src, rec = load_skeleton_set(args.source), load_skeleton_set(args.recovered)
    if list(src.name) != list(rec.name):
        raise SystemExit(f"{args.recovered}: samples differ from {args.source}")
    model = load_recognizer(args.model)
    root = NTU25.root
    s = np.asarray(src.data, dtype=np.float64)
    r, present = aligned(s, np.asarray(rec.data, dtype=np.float64))

    def top1(x: np.ndarray) -> str:
        pred = predict_set(model, replace(src, data=x.astype(np.float32))).predictions
        return f"{100 * float((pred == src.label).mean()):5.1f} %"

    print(f"{len(src)} samples, {args.model}: source {top1(s)}, recovered {top1(r)}")
    print("| joint group | source with it recovered | recovered with it from the source |\n|---|---|---|")
    for name, joints in GROUPS.items():
        print(f"| {name} | {top1(swap_group(s, r, joints, present, root))} | "
              f"{top1(swap_group(r, s, joints, present, root))} |")
    ls, lr = mean_bone_lengths(s, present), mean_bone_lengths(r, present)
    scale = ls.sum(-1) / np.maximum(lr.sum(-1), 1e-9)  # N M
    rt = r[:, :, :, root:root + 1]
    fixes = {
        "size (scaled about the root)": np.where(present, rt + (r - rt) * scale[:, None, None, None, :], r),
        "bone lengths (directions kept)": with_bone_lengths(r, ls, present),
        "root trajectory": np.where(present, r - rt + s[:, :, :, root:root + 1], r),
        "depth Z of every joint (root-relative)": swap_group(r, s, GROUPS["every joint but the root"], present,
                                                             root, axes=(2,)),
        "image-plane X, Y of every joint (root-relative)": swap_group(r, s, GROUPS["every joint but the root"],
                                                                      present, root, axes=(0, 1)),
    }
    print("\n| the recovered skeleton with its ... from the source | top-1 |\n|---|---|")
    for name, x in fixes.items():
        print(f"| {name} | {top1(x)} |")


if __name__ == "__main__":
    main()
