"""Training and measuring the learned Kinect adapter on render pairs
(:mod:`pose_extract.adapter_data`).

:func:`train_adapter` fits a :class:`~pose_extract.adapter_model.KinectAdapter` to
:class:`~pose_extract.adapter_data.PairSequence` rows: AdamW, cosine learning rate, batches
of whole sequences padded with masked frames, every sequence mirrored with probability 0.5
(:func:`~pose_extract.adapter_features.mirror_inputs`), loss per frame with a pose and its
body

    mean_j |J_j - G_j - (J_0 - G_0)| + camera_weight * mean_j |J_j - G_j|

(root-relative joint error plus the camera-frame joint error, metres; ``J`` composed by
:func:`~pose_extract.adapter_model.compose_torch`, ``G`` the Kinect joints). Every
``checkpoint_every`` epochs the whole state (model, optimiser, epoch, random state,
history) is written atomically to ``<out>.state.pt``; a run started again with the same
settings resumes from it. :func:`adapter_errors` measures the extractor with and without an
adapter on held-out rows.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pipeline.errors import ValidationError
from pipeline.io_utils import atomic_outputs
from pose_extract.adapter_data import PairSequence
from pose_extract.adapter_features import FEATURES, compose, mirror_inputs, mirror_joints
from pose_extract.adapter_model import AdapterConfig, KinectAdapter, compose_torch, run_adapter, save_adapter
from pose_extract.metrics import pose_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainAdapterConfig:
    """The recipe (module docstring)."""

    epochs: int = 30
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-2
    camera_weight: float = 0.5
    mirror: bool = True
    seed: int = 0
    checkpoint_every: int = 25
    eval_every: int = 25
    threads: int = 0


def _batch(rows: Sequence[PairSequence], flip: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    t = max(r.features.shape[0] for r in rows)
    f = np.zeros((len(rows), t, FEATURES), np.float32)
    ok = np.zeros((len(rows), t), bool)
    g = np.zeros((len(rows), t, 25, 3), np.float32)
    m = np.zeros((len(rows), t), bool)
    for k, r in enumerate(rows):
        n = r.features.shape[0]
        f[k, :n] = mirror_inputs(r.features) * r.ok[:, None] if flip[k] else r.features
        g[k, :n] = mirror_joints(r.target) if flip[k] else r.target
        ok[k, :n], m[k, :n] = r.ok, r.mask
    return torch.from_numpy(f), torch.from_numpy(ok), torch.from_numpy(g), torch.from_numpy(m)


def _loss(model: KinectAdapter, f: torch.Tensor, ok: torch.Tensor, g: torch.Tensor, m: torch.Tensor,
          camera_weight: float) -> torch.Tensor:
    j = compose_torch(f, model(f, ok))
    err = j - g
    cam = err.norm(dim=-1)  # N x T x 25
    rel = (err - err[..., :1, :]).norm(dim=-1)
    per_frame = rel.mean(-1) + camera_weight * cam.mean(-1)
    return (per_frame * m).sum() / m.sum().clamp_min(1)


def adapter_errors(model: KinectAdapter | None, rows: Sequence[PairSequence], *,
                   bones: bool = False) -> dict[str, Any]:
    """Mean errors over ``rows`` (frames with a pose and its body, each sequence weighted by
    its frames) of the extractor with ``model`` (None: without adapter) and, with ``bones``,
    one set of bone lengths per sequence after it (:func:`~pose_extract.bone_projection.constant_bones`,
    as ``ciasa extract --adapter learned`` does): camera-frame, root-relative and PA-MPJPE
    (mm), left-right swap rate, bone-length variation within a sequence (%), and the frame
    count."""
    from pose_extract.bone_projection import constant_bones

    keys = ("mpjpe_mm", "root_relative_mpjpe_mm", "pa_mpjpe_mm", "swap_rate", "bone_length_variation_pct")
    sums = dict.fromkeys(keys, 0.0)
    frames = 0
    for r in rows:
        if not r.mask.any():
            continue
        out = np.zeros((r.features.shape[0], 76)) if model is None else run_adapter(model, r.features, r.ok)
        world = r.features[:, :99].reshape(-1, 33, 3).astype(np.float64)
        root = r.features[:, 198:201].astype(np.float64)
        tz = np.exp(root[:, 2])
        t = np.stack([root[:, 0] * tz, root[:, 1] * tz, tz], -1)
        joints = compose(world, t, out)
        if bones:
            joints = constant_bones(joints, r.ok)
        e = pose_errors(joints, r.target.astype(np.float64), r.mask)
        for k in keys:
            v = getattr(e, k)
            if np.isfinite(v):
                sums[k] += v * e.frames
        frames += e.frames
    res: dict[str, Any] = {k: round(sums[k] / frames, 3) if frames else None for k in keys}
    res["frames"] = frames
    res["sequences"] = len(rows)
    return res


def train_adapter(train: Sequence[PairSequence], out: str | Path, *, val: Sequence[PairSequence] = (),
                  config: TrainAdapterConfig | None = None, model_config: AdapterConfig | None = None,
                  card: dict[str, Any] | None = None,
                  on_epoch: Callable[[int, float, dict[str, Any] | None], None] | None = None) -> dict[str, Any]:
    """Train an adapter on ``train`` and write it to ``out`` (module docstring); returns its
    history ``{"epochs": [...], "val": [...], "seconds": s}``. ``val`` rows are measured
    every ``eval_every`` epochs (never trained on). ``card`` is stored with the weights,
    with the recipe and history added."""
    cfg = config or TrainAdapterConfig()
    rows = [r for r in train if r.mask.any()]
    if not rows:
        raise ValidationError("no training frame with a pose and its body", field="train")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state_path = out.with_name(out.name + ".state.pt")
    torch.manual_seed(cfg.seed)
    model = KinectAdapter(model_config)
    model.set_normalisation(np.concatenate([r.features for r in rows]), np.concatenate([r.ok for r in rows]))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    history: dict[str, Any] = {"epochs": [], "val": [], "seconds": 0.0}
    start = 0
    rng_state = None
    recipe = {**asdict(cfg), "model": asdict(model.config), "train_sequences": len(rows),
              "train_frames": int(sum(r.mask.sum() for r in rows))}
    if state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        if state.get("recipe") == recipe:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            start, history = int(state["epoch"]), state["history"]
            torch.set_rng_state(state["torch_rng"])
            rng_state = state["numpy_rng"]
            log.info("resumed %s at epoch %d", state_path, start)
        else:
            log.warning("%s was made with another recipe or data; starting afresh", state_path)
    rng = np.random.default_rng(cfg.seed)
    if rng_state is not None:
        rng.bit_generator.state = rng_state
    steps = math.ceil(len(rows) / cfg.batch_size)
    for epoch in range(start, cfg.epochs):
        t0 = time.perf_counter()
        model.train()
        lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * epoch / cfg.epochs))
        for group in opt.param_groups:
            group["lr"] = lr
        order = rng.permutation(len(rows))
        total = 0.0
        for s in range(steps):
            idx = order[s * cfg.batch_size:(s + 1) * cfg.batch_size]
            flip = rng.random(len(idx)) < 0.5 if cfg.mirror else np.zeros(len(idx), bool)
            loss = _loss(model, *_batch([rows[i] for i in idx], flip), cfg.camera_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        history["seconds"] = float(history["seconds"]) + time.perf_counter() - t0
        history["epochs"].append(round(total / len(rows), 6))
        done = epoch + 1
        measured = None
        if val and (done % cfg.eval_every == 0 or done == cfg.epochs):
            model.eval()
            measured = {"epoch": done, **adapter_errors(model, val)}
            history["val"].append(measured)
        if on_epoch is not None:
            on_epoch(done, total / len(rows), measured)
        if done % cfg.checkpoint_every == 0 or done == cfg.epochs:
            with atomic_outputs() as files:
                torch.save({"recipe": recipe, "model": model.state_dict(), "optimizer": opt.state_dict(),
                            "epoch": done, "history": history, "torch_rng": torch.get_rng_state(),
                            "numpy_rng": rng.bit_generator.state}, files.path(state_path))
    model.eval()
    save_adapter(model, out, {**(card or {}), "recipe": recipe, "history": history})
    return history
