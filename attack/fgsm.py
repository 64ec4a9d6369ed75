"""FGSM, the paper's one-step attack (Eq. 10), targeted and untargeted, masked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from attack.base import Attack, Batch
from attack.config import DEFAULT_EPS
from attack.regions import EpsSpec, RegionSpec
from pipeline.layouts import Layout


class FGSM(Attack):
    """``V' = V + eps * sign(grad_V CE(F(V), y))`` (untargeted, true label ``y``) or
    ``V' = V - eps * sign(grad_V CE(F(V), c))`` (targeted, target ``c``).

    Only valid joints of the region move (padding, absent bodies, other joints and the
    Kinetics score channel are bit-identical to the input). Untargeted steps use the
    label, or the clean prediction where no label is known.

    Args:
        model: callable ``(N, C, T, V, M) -> (N, K)`` logits.
        eps: step size, data units (metres for NTU); scalar or per joint.
        targeted: subtract towards ``target`` instead of adding away from the label.
        region, target, layout, seed, device, fps: see :class:`attack.base.Attack`.
    """

    name = "fgsm"

    def __init__(self, model: Callable[[torch.Tensor], torch.Tensor], eps: EpsSpec = DEFAULT_EPS,
                 targeted: bool = False, *, region: RegionSpec = None,
                 target: str | int | Sequence[int] | torch.Tensor = "least_likely",
                 layout: str | Layout | None = None, seed: int = 0, device: str | torch.device | None = None,
                 fps: float = 30.0) -> None:
        super().__init__(model, eps=eps, region=region, target=target, layout=layout, seed=seed, device=device,
                         fps=fps)
        self.targeted = bool(targeted)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "targeted": self.targeted}

    def _run(self, batch: Batch, clean_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, Any]]:
        x = batch.x
        if self.targeted:
            goal = self.select_targets(clean_logits, batch)
        else:
            goal = clean_logits.argmax(dim=1)
            if batch.labels is not None:
                goal = torch.where(batch.labels >= 0, batch.labels, goal)
        probe = x.clone().requires_grad_(True)
        loss = F.cross_entropy(self.logits(probe), goal, reduction="sum")
        (grad,) = torch.autograd.grad(loss, probe)
        eps = torch.as_tensor(self.eps_vec, dtype=x.dtype, device=x.device).reshape(1, 1, 1, -1, 1)
        step = eps * grad.sign()
        adv = x - step if self.targeted else x + step
        adv = torch.where(batch.mask, adv, x)
        return adv.detach(), goal if self.targeted else None, {}
