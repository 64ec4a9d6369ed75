"""Table III of the paper as a pure function: CIASA on a source model, the adversarial
skeletons scored by other recognisers (:func:`transfer`), with the paper's row beside every
2s-AGCN target (:func:`paper_transfer_key`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from attack.config import DEFAULT_BATCH_SIZE, DEFAULT_GAN_FRAMES, DEFAULT_ITERATIONS
from attack.experiment_plumbing import (
    Model,
    Progress,
    Ticker,
    check_eps_list,
    ciasa_row_run,
    metric,
    settings_for,
    subset_for,
)
from attack.experiment_result import ExperimentResult, TransferRow
from attack.paper_protocol import PAPER_TABLE3, TABLE3_EPS
from attack.sample_selection import SampleSpec, Subset
from attack.transfer import evaluate_transfer
from pipeline.errors import ValidationError


def paper_transfer_key(name: str, model: Any) -> str | None:
    """The paper's Table III row for a target model: only 2s-AGCN streams and their
    ensemble have one (an MS-G3D joint stream is not the paper's 2s-AGCN joint stream).
    The model's ``arch`` decides when it has one; else its name must say 2s-AGCN."""
    arch = str(getattr(model, "arch", "") or "").lower()
    text = arch + " " + name.lower()
    if "agcn" not in (arch or text):
        return None
    for key in ("ensemble", "bone", "joint"):
        if key in text:
            return key
    return None


def labels_for(target: Any, source: Any, labels: np.ndarray) -> np.ndarray:
    """``labels`` (source class order) in ``target``'s class order, by class name."""
    from pipeline.evaluate import align_labels

    src, dst = getattr(source, "class_names", None), getattr(target, "class_names", None)
    if not src or not dst or list(src) == list(dst):
        return labels
    return align_labels(labels, list(src), list(dst))[0]


def transfer(model: Model, sset: Any, targets: Mapping[str, Model], *, eps: float = TABLE3_EPS,
             samples: SampleSpec | Subset | None = None, labels: np.ndarray | None = None,
             iterations: int = DEFAULT_ITERATIONS, gan_frames: int | None = DEFAULT_GAN_FRAMES, seed: int = 0,
             batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None,
             progress: Progress | None = None) -> ExperimentResult:
    """Table III: attack ``model`` (CIASA basic, ``eps``, least-likely targets), then score
    the adversarial skeletons with every model of ``targets`` (each applies its own
    preprocessing: 2s-AGCN pre-normalisation, bones).

    Args:
        model: the source (white-box) model, e.g. ST-GCN.
        targets: name -> model B (e.g. ``{"2s-AGCN joint": ..., "2s-AGCN bone": ...,
            "2s-AGCN ensemble": ...}``); a name or ``arch`` containing joint / bone /
            ensemble gets the paper's row. Class orders are matched by class name.
        eps: global clip bound (paper 0.012).
        samples: default: 4 per class, whatever the source model predicts (the paper
            reports each model's clean accuracy over the test set).
        Others: see :func:`basic_sweep`.
    Returns:
        The source model's row (white box) then one row per target model.
    Raises:
        ValidationError: no target model.
    """
    if not targets:
        raise ValidationError("transfer needs at least one target model", field="model")
    t0 = time.perf_counter()
    eps = check_eps_list([eps], "eps")[0]
    sub_set, sub = subset_for(model, sset, samples, "table3", labels, batch_size, device)
    ticker = Ticker(len(sub) * (1 + len(targets)), progress)
    r, secs, cfg = ciasa_row_run(model, sub_set, sub, ticker, batch_size, eps=eps, mode="basic",
                                  iterations=iterations, gan_frames=gan_frames, seed=seed, device=device)
    clean = torch.from_numpy(np.ascontiguousarray(sub_set.data, dtype=np.float32))
    adv = r.adversarial.to(torch.float32)
    rows = [TransferRow(
        model=str(getattr(model, "name", "source")), white_box=True, num_samples=len(sub),
        clean_accuracy=metric(r, "clean_accuracy"), attacked_accuracy=metric(r, "adversarial_accuracy"),
        fooling_rate_over_correct=metric(r, "untargeted_fooling_rate_over_correct"),
        targeted_transfer_over_correct=metric(r, "targeted_fooling_rate_over_correct"),
        paper_clean_accuracy=None, paper_attacked_accuracy=None, paper_fooling_rate=None)]
    for name, target in targets.items():
        lab = labels_for(target, model, sub.labels)
        rep = evaluate_transfer(target, clean, adv, torch.from_numpy(lab),
                                targets=None if r.targets is None else r.targets.cpu(), name=name,
                                batch_size=batch_size, device=device)
        ticker.add(len(sub))
        key = paper_transfer_key(name, target)
        paper = PAPER_TABLE3.get(key, {}) if key else {}
        rows.append(TransferRow(
            model=name, white_box=False, num_samples=rep.num_samples, clean_accuracy=rep.clean_accuracy,
            attacked_accuracy=rep.attacked_accuracy, fooling_rate_over_correct=rep.fooling_rate_over_correct,
            targeted_transfer_over_correct=rep.targeted_transfer_over_correct,
            paper_clean_accuracy=paper.get("clean_accuracy"), paper_attacked_accuracy=paper.get("attacked_accuracy"),
            paper_fooling_rate=paper.get("fooling_rate")))
    return ExperimentResult(
        name="table3", title=f"transfer of CIASA (basic, eps {eps:g}) from {rows[0].model} (paper Table III)",
        rows=rows, paper=PAPER_TABLE3, seconds=time.perf_counter() - t0,
        settings=settings_for(model, sub, eps=eps, iterations=iterations, seed=seed, attack=cfg, attack_seconds=secs,
                           targets=list(targets)),
        notes=["fooling = misclassified after the attack among the samples that model classified correctly; "
               "targeted transfer = predicted as the source attack's least-likely target",
               "the first row is the attacked (white-box) model itself"])
