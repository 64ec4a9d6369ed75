"""The :class:`AttackResult`: what an attack returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class AttackResult:
    """The outcome of attacking one batch.

    Attributes:
        adversarial: ``(N, C, T, V, M)`` adversarial skeletons, same dtype and device as
            the attack ran on (metres for NTU); padding, absent bodies, non-region joints
            and the Kinetics score channel are bit-identical to the input.
        labels: ``(N,)`` true classes (``-1`` unknown), or ``None`` when none were given.
        targets: ``(N,)`` target classes (targeted attacks), or ``None`` (untargeted).
        original_pred, final_pred: ``(N,)`` predicted classes before / after.
        original_conf, final_conf: ``(N,)`` softmax probability of those predictions.
        target_conf: ``(N,)`` final probability of the target class, or ``None``.
        success: ``(N,)`` bool: predicted as the target (targeted) or prediction changed
            (untargeted).
        iterations: ``(N,)`` int: optimisation steps applied to each sample (fewer than
            the budget when the sample stopped early).
        history: per-iteration batch means, one list entry per iteration: ``loss``,
            ``ce``, ``smooth``, ``gan``, ``disc``, ``success_rate`` (share of samples
            successful at the start of the iteration), ``active`` (samples still updated).
        metrics: success and perceptibility metrics (:mod:`attack.metrics`) plus
            ``clip_excess_max`` / ``clip_excess_mean`` (data units: by how much realignment
            pushed coordinates past their clip bound; mean over moved coordinates).
        config: the attack's name and settings (for provenance).
    """

    adversarial: torch.Tensor
    labels: torch.Tensor | None
    targets: torch.Tensor | None
    original_pred: torch.Tensor
    original_conf: torch.Tensor
    final_pred: torch.Tensor
    final_conf: torch.Tensor
    target_conf: torch.Tensor | None
    success: torch.Tensor
    iterations: torch.Tensor
    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def success_rate(self) -> float:
        """Share of successful samples (over all)."""
        return float(self.success.float().mean())

    def summary(self) -> dict[str, Any]:
        """Plain JSON-able per-sample arrays, history, metrics and config."""
        def lst(t: torch.Tensor | None) -> list | None:
            return None if t is None else t.detach().cpu().tolist()

        return {
            "config": self.config,
            "metrics": self.metrics,
            "history": self.history,
            "per_sample": {
                "label": lst(self.labels), "target": lst(self.targets),
                "original_pred": lst(self.original_pred), "original_conf": lst(self.original_conf),
                "final_pred": lst(self.final_pred), "final_conf": lst(self.final_conf),
                "target_conf": lst(self.target_conf), "success": lst(self.success),
                "iterations": lst(self.iterations),
            },
        }

    @staticmethod
    def concat(parts: list["AttackResult"]) -> "AttackResult":
        """Join the results of consecutive batches (tensors moved to CPU). ``history`` is
        averaged over batches weighted by their size (iteration by iteration); ``metrics``
        are left empty: recompute them over the whole set."""
        if not parts:
            raise ValueError("no results to join")

        def cat(name: str) -> torch.Tensor | None:
            vals = [getattr(p, name) for p in parts]
            return None if any(v is None for v in vals) else torch.cat([v.detach().cpu() for v in vals])

        sizes = [p.adversarial.shape[0] for p in parts]
        history: dict[str, list[float]] = {}
        for key in parts[0].history:
            length = max(len(p.history.get(key, [])) for p in parts)
            merged = []
            for i in range(length):
                num = den = 0.0
                for p, s in zip(parts, sizes):
                    seq = p.history.get(key, [])
                    if seq:
                        num += s * seq[min(i, len(seq) - 1)]
                        den += s
                merged.append(num / den if den else float("nan"))
            history[key] = merged
        return AttackResult(
            adversarial=cat("adversarial"), labels=cat("labels"), targets=cat("targets"),
            original_pred=cat("original_pred"), original_conf=cat("original_conf"),
            final_pred=cat("final_pred"), final_conf=cat("final_conf"), target_conf=cat("target_conf"),
            success=cat("success"), iterations=cat("iterations"), history=history, metrics={},
            config=dict(parts[0].config))

    def to_state(self) -> dict[str, Any]:
        """The result as plain tensors, lists and dicts (CPU), for ``torch.save`` and a
        ``torch.load(..., weights_only=True)``; :meth:`from_state` restores it exactly."""
        state: dict[str, Any] = {name: None if getattr(self, name) is None else getattr(self, name).detach().cpu()
                                 for name in _TENSORS}
        state.update(history={k: [float(v) for v in vals] for k, vals in self.history.items()},
                     metrics=dict(self.metrics), config=dict(self.config))
        return state

    @staticmethod
    def from_state(state: dict[str, Any]) -> "AttackResult":
        """The result :meth:`to_state` gave.

        Raises:
            ValueError: a field missing, or a per-sample field whose length is not the
                number of adversarial samples (the message names the field).
        """
        missing = [name for name in (*_TENSORS, "history", "config") if name not in state]
        if missing:
            raise ValueError(f"attack result state lacks {', '.join(missing)}")
        n = state["adversarial"].shape[0]
        for name in _TENSORS:
            t = state[name]
            if t is not None and t.shape[0] != n:
                raise ValueError(f"attack result state: {name} has {t.shape[0]} rows for {n} samples")
        return AttackResult(**{name: state[name] for name in _TENSORS}, history=dict(state["history"]),
                            metrics=dict(state.get("metrics", {})), config=dict(state["config"]))


#: The tensor fields of :class:`AttackResult`, in declaration order.
_TENSORS = ("adversarial", "labels", "targets", "original_pred", "original_conf", "final_pred", "final_conf",
            "target_conf", "success", "iterations")
