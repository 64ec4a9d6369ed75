"""Training a recogniser on a skeleton set (``ciasa train``).

Recipe (every default in :class:`TrainConfig`): SGD with Nesterov momentum 0.9 and weight
decay 1e-4 as the official ST-GCN and 2s-AGCN recipes, a short linear warm-up then a
cosine decay of the learning rate per step, or the official step decay (x0.1 at fixed
fractions of the epochs), cross-entropy, optional st-gcn style augmentation on the raw
coordinates (random crop of the valid frames, random move) before the recogniser's own
preprocessing, optional bf16 autocast for the forward and backward (evaluation stays
fp32).

Determinism and resuming: the weights are initialised from ``seed``; epoch ``e`` shuffles
and augments with generators seeded from ``(seed, e)`` and re-seeds torch's global
generator (dropout) from them, so a run resumed after epoch ``e`` continues exactly as
an uninterrupted one. After every epoch the full training state (weights, optimiser,
history) is written atomically to ``<out>.state.pt``; ``resume=True`` continues from it
when its configuration and data match. The final checkpoint goes to ``out`` with the
recipe, data hashes, timings and validation accuracy in its metadata.
"""

from __future__ import annotations

import logging
import math
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from pipeline.augment import random_crop, random_move
from pipeline.errors import FormatError, MissingInputError, ValidationError
from pipeline.precision import warn_if_emulated
from pipeline.skeleton_set import SkeletonSet
from pipeline.train_config import TrainConfig

log = logging.getLogger(__name__)

STATE_FORMAT = "ciasa-train-state"


def _gen(seed: int, epoch: int, stream: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(np.random.SeedSequence([seed, epoch, stream]).generate_state(1)[0]))
    return g


def lr_at(step: int, total: int, cfg: TrainConfig, steps_per_epoch: int) -> float:
    """Learning rate at global ``step`` of ``total``: linear warm-up, then cosine to 0
    (``schedule="cosine"``) or the peak rate times 0.1 for every ``lr_steps`` fraction of
    the training already passed (``"step"``, the official recipes' decay)."""
    warm = int(round(cfg.warmup_epochs * steps_per_epoch))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    if cfg.schedule == "step":
        drops = sum(step >= int(round(f * total)) for f in cfg.lr_steps)
        return cfg.lr * 0.1 ** drops
    progress = (step - warm) / max(1, total - warm)
    return 0.5 * cfg.lr * (1.0 + math.cos(math.pi * min(1.0, progress)))


def stream_preprocess(cfg: TrainConfig, layout: str = "ntu25") -> str | None:
    """The recogniser's input transform for ``cfg`` on data of ``layout``: its
    ``preprocess`` (None for the architecture's official one for that layout), prefixed by
    the temporal resize when ``window`` is set and the zero padding when ``pad_to`` is."""
    if cfg.window is None and cfg.pad_to is None:
        return None if cfg.preprocess == "official" else cfg.preprocess
    from pipeline.layouts import get_layout
    from pipeline.models import official_preprocess

    base = official_preprocess(cfg.arch, get_layout(layout)) if cfg.preprocess == "official" else cfg.preprocess
    resize = "" if cfg.window is None else f"resize{cfg.window}+"
    pad = "" if cfg.pad_to is None else f"pad{cfg.pad_to}+"
    return f"{resize}{pad}{base}"


def _tensors(sset: SkeletonSet, device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (torch.from_numpy(np.ascontiguousarray(sset.data, dtype=np.float32)).to(device),
            torch.from_numpy(np.asarray(sset.label, dtype=np.int64)).to(device),
            torch.from_numpy(np.asarray(sset.num_frames, dtype=np.int64)).to(device))


def check_training_set(sset: SkeletonSet, what: str, path: str | Path | None) -> None:
    """Labels must all be known (0..K-1) for training and validation."""
    if len(sset) == 0:
        raise ValidationError(f"the {what} set is empty", path=path)
    bad = np.flatnonzero((sset.label < 0) | (sset.label >= len(sset.class_names)))
    if bad.size:
        raise ValidationError(f"the {what} set has unknown labels (e.g. {int(sset.label[bad[0]])})",
                              path=path, sample=sset.name[bad[0]], field="label")


def load_split(path: str | Path, part: str) -> SkeletonSet | None:
    """Split ``part`` of a dataset at ``path``: a folder with ``<part>.npz`` (what ``ciasa
    data synth`` writes) or st-gcn ``<part>_data.npy`` files, or one ``.npz`` with named
    splits. Returns None when the split does not exist."""
    from pipeline.formats import read_set
    from pipeline.skeleton_set import load_skeleton_set

    p = Path(path)
    if p.is_dir():
        if (p / f"{part}.npz").is_file():
            return load_skeleton_set(p / f"{part}.npz")
        if (p / f"{part}_data.npy").is_file():
            return read_set("stgcn", p, part=part)
        return None
    if p.suffix == ".npz" and p.is_file():
        sset = load_skeleton_set(p)
        return sset.split(part) if part in sset.splits else None
    if not p.exists():
        raise MissingInputError("no such training data", path=p)
    raise FormatError("training data must be a folder (<part>.npz or <part>_data.npy) or an .npz set", path=p)


def _state_path(out: Path) -> Path:
    return out.with_name(out.name + ".state.pt")


def evaluate_top1(rec: torch.nn.Module, data: torch.Tensor, label: torch.Tensor,
                  batch_size: int) -> tuple[float, float]:
    """``(top-1 accuracy, mean max-probability over correct predictions)``, eval mode."""
    was = rec.training
    rec.eval()
    with torch.no_grad():
        logits = torch.cat([rec(data[i:i + batch_size]) for i in range(0, len(data), batch_size)])
    rec.train(was)
    prob = logits.softmax(-1)
    conf, pred = prob.max(-1)
    ok = pred == label
    return float(ok.float().mean()), float(conf[ok].mean()) if ok.any() else 0.0


def train_recognizer(cfg: TrainConfig, train_set: SkeletonSet, out: str | Path, *,
                     val_set: SkeletonSet | None = None, resume: bool = False, half: bool = False,
                     name: str | None = None, data_path: str | None = None,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Train ``cfg.arch`` on ``train_set`` and write the checkpoint ``out``.

    Args:
        cfg: the recipe.
        train_set, val_set: skeleton sets sharing class names (validation optional).
        out: checkpoint path (a ciasa checkpoint; ``<out>.state.pt`` holds resumable state
            and is removed when training completes).
        resume: continue from ``<out>.state.pt`` if present (its recipe must match).
        half: store the final weights as float16.
        name: the recogniser's name (default: the file stem).
        data_path: where the data came from (recorded).
        progress: called as ``progress(steps_done, steps_total)`` after every step.
    Returns:
        The metadata written into the checkpoint (history, accuracies, timings).
    """
    from pipeline.io_utils import atomic_outputs
    from pipeline.models import build_recognizer, save_recognizer

    out = Path(out)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    check_training_set(train_set, "training", data_path)
    if val_set is not None:
        check_training_set(val_set, "validation", data_path)
        if list(val_set.class_names) != list(train_set.class_names):
            raise ValidationError("training and validation sets have different class names",
                                  path=data_path, field="class_names")
    if cfg.max_train_samples:
        train_set = train_set.subset(slice(0, cfg.max_train_samples))

    torch.manual_seed(cfg.seed)
    # ST-GCN averages over the bodies it is given: it keeps the training data's M
    extra = ({"dropout": cfg.dropout, "num_person": int(train_set.data.shape[4])} if cfg.arch == "stgcn"
             else {"num_person": cfg.num_person})
    try:
        rec = build_recognizer(cfg.arch, len(train_set.class_names), layout=train_set.layout,
                               class_names=list(train_set.class_names), name=name or out.stem,
                               preprocess=stream_preprocess(cfg, train_set.layout),
                               width=cfg.width, **extra).to(cfg.device)
    except ValueError as exc:  # the architecture's own constructor checks (width, joints...)
        raise ValidationError(f"cannot build {cfg.arch}: {exc}", path=data_path, field="arch") from None
    opt = torch.optim.SGD(rec.parameters(), lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0,
                          weight_decay=cfg.weight_decay)
    warn_if_emulated(cfg.precision, cfg.device, "training")
    data, label, nframes = _tensors(train_set, cfg.device)
    val = _tensors(val_set, cfg.device) if val_set is not None else None
    n = len(train_set)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    data_info = {"train_path": data_path, "train_hash": train_set.content_hash(), "train_samples": n,
                 "val_hash": val_set.content_hash() if val_set is not None else None,
                 "val_samples": len(val_set) if val_set is not None else 0,
                 "frames": int(train_set.data.shape[2]), "provenance": train_set.provenance}

    start_epoch, history, elapsed = 0, [], 0.0
    state_file = _state_path(out)
    if resume and state_file.is_file():
        start_epoch, history, elapsed = _restore(state_file, rec, opt, cfg, data_info)
        log.info("resuming %s after epoch %d", out, start_epoch)

    rec.train()
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        torch.manual_seed(int(_gen(cfg.seed, epoch, 3).initial_seed()))
        order = torch.randperm(n, generator=_gen(cfg.seed, epoch, 0)).to(cfg.device)
        aug = _gen(cfg.seed, epoch, 1)
        loss_sum, correct = 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            x, y, nf = data[idx], label[idx], nframes[idx]
            if cfg.random_crop < 1.0:
                x, nf = random_crop(x, nf, cfg.random_crop, aug)
            if cfg.random_move:
                x = random_move(x, nf, aug)
            step = epoch * steps_per_epoch + b
            for group in opt.param_groups:
                group["lr"] = lr_at(step, total, cfg, steps_per_epoch)
            with torch.autocast(device_type=torch.device(cfg.device).type, dtype=torch.bfloat16,
                                enabled=cfg.precision == "bf16"):
                logits = rec(x)
            logits = logits.float()
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(-1) == y).sum())
            if progress is not None:
                progress(step + 1, total)
        entry: dict[str, Any] = {"epoch": epoch + 1, "loss": loss_sum / n, "train_top1": correct / n,
                                 "seconds": time.perf_counter() - t0}
        if val is not None and ((epoch + 1) % cfg.eval_every == 0 or epoch + 1 == cfg.epochs):
            entry["val_top1"], entry["val_confidence"] = evaluate_top1(rec, val[0], val[1], 64)
        elapsed += entry["seconds"]
        history.append(entry)
        log.info("epoch %d/%d: %s", epoch + 1, cfg.epochs,
                 ", ".join(f"{k} {v:.4g}" for k, v in entry.items() if k != "epoch"))
        with atomic_outputs() as files:
            torch.save({"format": STATE_FORMAT, "config": cfg.model_dump(), "data": _hashes(data_info),
                        "epoch": epoch + 1, "history": history, "elapsed": elapsed,
                        "model": rec.state_dict(), "optimizer": opt.state_dict()}, files.path(state_file))

    rec.eval()
    meta = {"recipe": cfg.model_dump(), "data": data_info, "history": history,
            "train_seconds": elapsed, "epochs": cfg.epochs,
            "val_top1": history[-1].get("val_top1") if history else None,
            "val_confidence": history[-1].get("val_confidence") if history else None,
            "machine": {"platform": platform.platform(), "processor": platform.processor(),
                        "torch": str(torch.__version__), "threads": torch.get_num_threads()},
            "storage": "float16" if half else "float32"}
    save_recognizer(rec, out, half=half, meta={"training": meta})
    state_file.unlink(missing_ok=True)
    return meta


def _hashes(info: dict[str, Any]) -> dict[str, Any]:
    return {"train_hash": info["train_hash"], "val_hash": info["val_hash"]}


def _restore(path: Path, rec: torch.nn.Module, opt: torch.optim.Optimizer, cfg: TrainConfig,
             data_info: dict[str, Any]) -> tuple[int, list[dict[str, Any]], float]:
    from pipeline.models.checkpoint import read_checkpoint

    state = read_checkpoint(path)
    if state.get("format") != STATE_FORMAT:
        raise FormatError("not a ciasa training state", path=path)
    ignore = ("threads", "device", "eval_every")  # where it runs and how often it is measured do not change the weights
    now = {k: v for k, v in cfg.model_dump().items() if k not in ignore}
    # a state written before a setting existed ran with that setting's default
    then = {k: v for k, v in {**TrainConfig().model_dump(), **state["config"]}.items() if k not in ignore}
    then = {k: tuple(v) if isinstance(now.get(k), tuple) and isinstance(v, list) else v for k, v in then.items()}
    if then != now:
        diff = sorted(k for k in now if then.get(k) != now[k])
        raise ValidationError(f"cannot resume: the recipe differs ({', '.join(diff)})", path=path,
                              field="config")
    if state["data"] != _hashes(data_info):
        raise ValidationError("cannot resume: the training data differs (content hash)", path=path,
                              field="data")
    rec.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    return int(state["epoch"]), list(state["history"]), float(state["elapsed"])
