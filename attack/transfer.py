"""Transfer evaluation: adversarial skeletons made on model A, scored by model B (paper
Table III: ST-GCN -> 2s-AGCN joint, bone, ensemble).

Model B sees the raw skeletons and applies its own preprocessing inside its forward
(2s-AGCN pre-normalisation, bone transform), as a recogniser from ``pipeline.models``
does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

from pipeline.errors import ValidationError

DEFAULT_BATCH_SIZE = 32


@dataclass
class TransferReport:
    """Model B on clean and adversarial skeletons.

    Attributes:
        model: model B's name.
        num_samples: samples scored (labelled ones).
        clean_accuracy: top-1 on the clean skeletons.
        attacked_accuracy: top-1 on the adversarial skeletons.
        fooling_rate_over_correct: share misclassified after the attack among the samples
            B classified correctly before it (the paper's "fooling").
        prediction_changed_over_all: share whose prediction by B changed, over all.
        targeted_transfer_over_correct: share predicted as A's target among B's correct
            samples (``None`` for untargeted attacks).
    """

    model: str
    num_samples: int
    clean_accuracy: float
    attacked_accuracy: float
    fooling_rate_over_correct: float | None
    prediction_changed_over_all: float
    targeted_transfer_over_correct: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@torch.no_grad()
def _predict(model: Callable[[torch.Tensor], torch.Tensor], data: torch.Tensor, batch_size: int,
             device: torch.device) -> torch.Tensor:
    out = []
    for lo in range(0, data.shape[0], batch_size):
        logits = model(data[lo:lo + batch_size].to(device))
        if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
            raise ValidationError("the model must return logits (N, K)", field="model")
        out.append(logits.argmax(dim=1).cpu())
    return torch.cat(out)


def evaluate_transfer(model: Callable[[torch.Tensor], torch.Tensor], clean: torch.Tensor, adversarial: torch.Tensor,
                      labels: torch.Tensor, *, targets: torch.Tensor | None = None, name: str | None = None,
                      batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None) -> TransferReport:
    """Score model B on clean and adversarial skeletons.

    Args:
        model: model B (callable ``(N, C, T, V, M) -> (N, K)``), in eval mode.
        clean, adversarial: ``(N, C, T, V, M)`` the same samples before and after the
            attack on model A.
        labels: ``(N,)`` true classes in B's class order (``-1``: left out).
        targets: ``(N,)`` A's targets (targeted attacks), optional.
        name: B's name for the report (default: its ``name`` attribute).
        batch_size: samples per forward pass.
        device: where B runs (default: its parameters' device, else CPU).
    Raises:
        ValidationError: shapes disagree, or no labelled sample.
    """
    if clean.shape != adversarial.shape or clean.dim() != 5:
        raise ValidationError(f"clean {tuple(clean.shape)} and adversarial {tuple(adversarial.shape)} must be the "
                              "same (N, C, T, V, M) shape", field="data")
    labels = torch.as_tensor(labels).reshape(-1).cpu()
    if labels.numel() != clean.shape[0]:
        raise ValidationError(f"{labels.numel()} labels for {clean.shape[0]} samples", field="label")
    if batch_size < 1:
        raise ValidationError(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
    keep = labels >= 0
    if not bool(keep.any()):
        raise ValidationError("no labelled sample to score", field="label")
    if device is None:
        params = list(model.parameters()) if isinstance(model, torch.nn.Module) else []
        device = params[0].device if params else torch.device("cpu")
    device = torch.device(device)
    was_training = model.training if isinstance(model, torch.nn.Module) else None
    if isinstance(model, torch.nn.Module):
        model.eval()
    try:
        p_clean = _predict(model, clean[keep], batch_size, device)
        p_adv = _predict(model, adversarial[keep], batch_size, device)
    finally:
        if was_training is not None:
            model.train(was_training)
    y = labels[keep]
    correct = p_clean == y
    nc = int(correct.sum())
    tgt = None if targets is None else torch.as_tensor(targets).reshape(-1).cpu()[keep]
    return TransferReport(
        model=name or str(getattr(model, "name", type(model).__name__)),
        num_samples=int(keep.sum()),
        clean_accuracy=float(correct.float().mean()),
        attacked_accuracy=float((p_adv == y).float().mean()),
        fooling_rate_over_correct=None if nc == 0 else float((p_adv[correct] != y[correct]).float().mean()),
        prediction_changed_over_all=float((p_adv != p_clean).float().mean()),
        targeted_transfer_over_correct=None if tgt is None or nc == 0 else
        float((p_adv[correct] == tgt[correct]).float().mean()),
    )


def transfer_table(models: dict[str, Callable[[torch.Tensor], torch.Tensor]], clean: torch.Tensor,
                   adversarial: torch.Tensor, labels: torch.Tensor, **kwargs: Any) -> list[TransferReport]:
    """:func:`evaluate_transfer` for several target models (one row each, in order)."""
    return [evaluate_transfer(m, clean, adversarial, labels, name=k, **kwargs) for k, m in models.items()]
