"""The learned Kinect adapter's recipe: training renders drawn from the synthetic world's
**training** split, rendered by the product's render path, extracted by the product's
extractor, paired with the render's ground truth, and the adapter trained on the pairs.

Steps (each resumable: a complete render bundle, an extracted pair file or a training
checkpoint already on disk is reused):

1. :func:`training_windows`: ``per_class`` sequences of every class of the training split
   (seeded, class-balanced), each cut to a ``frames``-frame window at a seeded offset inside
   its valid frames, so that a fixed render budget covers many performers, set-ups, views
   and bodies rather than a few long takes;
2. :func:`render_windows`: ``render.api.render_set`` on them (Anny body with its seeded
   phenotype, clothes, hair, light, HDRI background and ground per sequence);
3. ``pose_extract.adapter_data.build_pairs`` and ``pose_extract.adapter_train.train_adapter``
   (called by ``ciasa adapter``).

This module sits in ``flows/`` because it chains ``render/`` and ``pose_extract/``, which
may not import each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ValidationError
from pipeline.skeleton_set import SkeletonSet

log = logging.getLogger(__name__)

#: The quality preset the bundled adapter's training renders were made with (its model card);
#: the recipe keeps it when the render default changes, so that it reproduces those weights.
ADAPTER_QUALITY = "default"


def training_windows(sset: SkeletonSet, *, per_class: int, frames: int, seed: int) -> SkeletonSet:
    """``per_class`` samples of every class of ``sset``, each cut to at most ``frames``
    frames starting at a seeded offset; sample ``k``'s choice depends only on ``seed``.

    Returns a new set (same layout, names and metadata of the chosen samples) whose data is
    ``(N, C, frames, V, M)``, zero after each sample's valid frames.
    """
    if per_class < 1 or frames < 8:
        raise ValidationError("per_class must be >= 1 and frames >= 8", field="per_class/frames")
    rng = np.random.default_rng([int(seed), 0x4144])
    chosen: list[int] = []
    for label in np.unique(sset.label):
        members = np.flatnonzero(sset.label == label)
        chosen.extend(int(i) for i in rng.permutation(members)[:per_class])
    chosen.sort()
    n, c, _, v, m = len(chosen), sset.data.shape[1], sset.data.shape[2], sset.data.shape[3], sset.data.shape[4]
    data = np.zeros((n, c, frames, v, m), np.float32)
    num = np.zeros(n, np.int64)
    for k, i in enumerate(chosen):
        nf = int(sset.num_frames[i])
        start = int(rng.integers(0, max(nf - frames, 0) + 1))
        take = min(frames, nf - start)
        data[k, :, :take] = sset.data[i, :, start:start + take]
        num[k] = take
    idx = np.asarray(chosen)
    return replace(sset, data=data, label=sset.label[idx], name=sset.name[idx], num_frames=num,
                   sample_meta={key: np.asarray(val)[idx] for key, val in sset.sample_meta.items()},
                   splits={}, provenance={**sset.provenance, "adapter_windows": {
                       "per_class": per_class, "frames": frames, "seed": seed}})


def render_windows(set_path: str | Path, out_dir: str | Path, *, body: str = "anny",
                   resolution: tuple[int, int] | None = None, quality: str | None = None, seed: int = 0,
                   threads: int = 0, smplx_dir: str | Path | None = None,
                   on_done: Callable[[Any], None] | None = None) -> list[Any]:
    """Render every sample of the set at ``set_path`` into ``out_dir`` (complete bundles with
    the same request are reused, so an interrupted recipe resumes). Returns
    ``render.api.SequenceResult`` per sample."""
    from render.api import DEFAULT_RESOLUTION, render_set

    return render_set(set_path, None, out_dir, body=body, resolution=resolution or DEFAULT_RESOLUTION,
                      quality=quality or ADAPTER_QUALITY, seed=seed, threads=threads, smplx_dir=smplx_dir,
                      device="cpu", on_done=on_done)
