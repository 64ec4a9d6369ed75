"""The small base every attack builds on (the torchattacks shape without its bulk).

:class:`Attack` owns the chores: resolving the layout, the attacked joints and per-joint
eps; validating the input, labels, targets and the model's output before any attack
compute; model mode (eval, parameters frozen during the attack, both restored after);
target selection (least likely, random, given); the masks of what may move; the result.
An attack subclass writes its hyperparameters and :meth:`Attack._run` only.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from attack.config import DEFAULT_FPS
from attack.constraints import clip_excess, coordinate_channels, joint_valid_mask
from attack.metrics import confidences, fooling_rates, perceptibility
from attack.regions import EpsSpec, RegionSpec, channel_mask, eps_vector, joint_mask, resolve_joints
from attack.result import AttackResult
from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts import Layout, get_layout
from pipeline.models.bodies import absent_body_gradients_dropped
from pipeline.tensor import valid_mask

log = logging.getLogger(__name__)

TARGET_KINDS = ("least_likely", "random", "given")
#: Coordinates past their clip bound by more than this (data units) count as exceeding it.
EXCESS_EPS = 1e-6


@dataclass
class Batch:
    """A validated batch on the attack's device.

    Attributes:
        x: ``(N, C, T, V, M)`` clean input.
        labels: ``(N,)`` int64 (``-1`` unknown) or ``None``.
        targets: ``(N,)`` int64 given targets or ``None``.
        valid: ``(N, T, M)`` real (frame, body) slots.
        joint_valid: ``(N, T, V, M)`` valid slots and present joints.
        mask: ``(N, C, T, V, M)`` positions the attack may change.
    """

    x: torch.Tensor
    labels: torch.Tensor | None
    targets: torch.Tensor | None
    valid: torch.Tensor
    joint_valid: torch.Tensor
    mask: torch.Tensor


def resolve_layout(model: Any, layout: str | Layout | None) -> Layout:
    """The attack's layout: ``layout`` (a name or :class:`Layout`), else the model's, else
    ``ntu25``; a layout other than the model's is an error naming both."""
    model_layout = getattr(model, "layout", None)
    model_layout = model_layout if isinstance(model_layout, Layout) else None
    if layout is None:
        return model_layout or get_layout("ntu25")
    lay = layout if isinstance(layout, Layout) else get_layout(layout)
    if model_layout is not None and model_layout.name != lay.name:
        raise ValidationError(f"the attack's layout is {lay.name} but the model takes {model_layout.name}",
                              field="layout")
    return lay


class Attack:
    """Base of the attacks.

    Args:
        model: any callable mapping ``(N, C, T, V, M)`` to logits ``(N, K)``: a
            :class:`~pipeline.models.Recognizer` or a foreign ``torch.nn.Module``.
        eps: clip bound(s), data units: see :func:`attack.regions.eps_vector`.
        region: the joints that may move (``None``: all); see
            :func:`attack.regions.resolve_joints`.
        target: ``"least_likely"``, ``"random"``, ``"given"`` (targets passed to the
            call), or the target classes themselves (an int or a sequence / tensor ``(N,)``).
        layout: layout name or :class:`Layout`; default: the model's, else ``ntu25``.
        seed: seed of every random choice of the attack.
        device: where to run; default: the model's parameters' device, else the input's.
        fps: frame rate for the metrics' speed, acceleration and jerk.
    Raises:
        ValidationError / UnknownFormatError: bad eps, region, target or layout.
    """

    name = "attack"

    def __init__(self, model: Callable[[torch.Tensor], torch.Tensor], *, eps: EpsSpec, region: RegionSpec = None,
                 target: str | int | Sequence[int] | torch.Tensor = "least_likely",
                 layout: str | Layout | None = None, seed: int = 0, device: str | torch.device | None = None,
                 fps: float = DEFAULT_FPS) -> None:
        if not callable(model):
            raise ValidationError(f"the model must be callable, got {type(model).__name__}", field="model")
        self.model = model
        self.layout = resolve_layout(model, layout)
        self.region = region
        self.joints = resolve_joints(self.layout, region)
        self.movable = joint_mask(self.layout, self.joints)
        self.eps_vec = eps_vector(self.layout, eps, self.joints)
        self.channels = coordinate_channels(self.layout)
        self.channel_mask = channel_mask(self.layout)
        self.given_targets: torch.Tensor | None = None
        if isinstance(target, str):
            if target not in TARGET_KINDS:
                raise UnknownFormatError(f"unknown target {target!r}; known: {', '.join(TARGET_KINDS)}",
                                         field="target")
            self.target = target
        else:
            self.target = "given"
            self.given_targets = self._as_classes(target, "target")
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValidationError(f"seed must be an int, got {seed!r}", field="seed")
        self.seed = int(seed)
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
            raise ValidationError(f"fps must be finite and > 0, got {fps!r}", field="fps")
        self.fps = float(fps)
        self.device = None if device is None else torch.device(device)

    # ------------------------------------------------------------------ configuration

    def config(self) -> dict[str, Any]:
        """The attack's name and settings (JSON-able), for provenance."""
        eps = self.eps_vec[list(self.joints)]
        return {
            "attack": self.name, "layout": self.layout.name,
            "region": None if len(self.joints) == self.layout.num_joints else
            [self.layout.joint_names[j] for j in self.joints],
            "eps": float(eps[0]) if np.all(eps == eps[0]) else
            {self.layout.joint_names[j]: float(self.eps_vec[j]) for j in self.joints},
            "target": self.target, "seed": self.seed, "fps": self.fps,
        }

    # ------------------------------------------------------------------ validation

    @staticmethod
    def _as_classes(value: Any, what: str) -> torch.Tensor:
        t = torch.as_tensor(value)
        if t.dim() > 1 or t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise ValidationError(f"{what} must be integer class indices (a scalar or (N,)), got "
                                  f"{t.dtype} of shape {tuple(t.shape)}", field=what)
        return t.to(torch.int64).reshape(-1)

    def _device(self, x: torch.Tensor) -> torch.device:
        if self.device is not None:
            return self.device
        if isinstance(self.model, torch.nn.Module):
            for p in self.model.parameters():
                return p.device
        return x.device

    def _dtype(self, x: torch.Tensor) -> torch.dtype:
        if isinstance(self.model, torch.nn.Module):
            for p in self.model.parameters():
                if p.is_floating_point():
                    return p.dtype
        return x.dtype

    def _num_classes(self) -> int | None:
        k = getattr(self.model, "num_classes", None)
        return int(k) if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else None

    def _check_classes(self, t: torch.Tensor | None, k: int | None, what: str, *, allow_unknown: bool) -> None:
        if t is None or k is None:
            return
        low = -1 if allow_unknown else 0
        bad = ((t < low) | (t >= k)).nonzero()
        if bad.numel():
            i = int(bad[0, 0])
            raise ValidationError(f"{what} {int(t[i])} outside the model's classes 0..{k - 1}"
                                  + (" (-1 = unknown)" if allow_unknown else ""), sample=i, field=what)

    def _prepare(self, x: Any, labels: Any, num_frames: Any, targets: Any) -> Batch:
        """Validate everything (no model call) and build the batch and its masks."""
        if not isinstance(x, torch.Tensor):
            raise ValidationError(f"expected a torch tensor (N, C, T, V, M), got {type(x).__name__}", field="data")
        if x.dim() != 5:
            raise ValidationError(f"expected (N, C, T, V, M), got shape {tuple(x.shape)}", field="data")
        if not x.is_floating_point():
            raise ValidationError(f"expected floating-point input, got {x.dtype}", field="data")
        n, c, t, v, m = x.shape
        if n < 1 or t < 1 or m < 1:
            raise ValidationError(f"empty input {tuple(x.shape)}", field="data")
        lay = self.layout
        if v != lay.num_joints:
            raise ValidationError(f"the data has V={v} joints but layout {lay.name} has {lay.num_joints}",
                                  field="layout")
        if c != len(lay.channels):
            raise ValidationError(f"the data has C={c} channels but layout {lay.name} has "
                                  f"{len(lay.channels)} ({', '.join(lay.channels)})", field="layout")
        finite = torch.isfinite(x)
        if not bool(finite.all()):
            i = int((~finite).reshape(n, -1).any(dim=1).nonzero()[0, 0])
            raise ValidationError("non-finite value in the input", sample=i, field="data")
        k = self._num_classes()
        lab = None
        if labels is not None:
            lab = self._as_classes(labels, "label")
            if lab.numel() != n:
                raise ValidationError(f"{lab.numel()} labels for {n} samples", field="label")
            self._check_classes(lab, k, "label", allow_unknown=True)
        tgt = None
        if self.target == "given":
            tgt = targets if targets is not None else self.given_targets
            if tgt is None:
                raise ValidationError("target='given' needs targets= in the call", field="target")
            tgt = self._as_classes(tgt, "target")
            if tgt.numel() == 1 and n > 1:
                tgt = tgt.expand(n).clone()
            if tgt.numel() != n:
                raise ValidationError(f"{tgt.numel()} targets for {n} samples", field="target")
            self._check_classes(tgt, k, "target", allow_unknown=False)
            if bool((tgt < 0).any()):
                raise ValidationError("targets must be >= 0", field="target")
        elif targets is not None:
            raise ValidationError(f"targets given but target={self.target!r}; use target='given'", field="target")
        nf = None
        if num_frames is not None:
            nf = torch.as_tensor(num_frames).reshape(-1)
            if nf.numel() != n or nf.is_floating_point() or bool(((nf < 0) | (nf > t)).any()):
                raise ValidationError(f"num_frames must be {n} integers in 0..{t}", field="num_frames")
        dev = self._device(x)
        x = x.detach().to(device=dev, dtype=self._dtype(x))
        valid, joint_valid, mask = self.masks(x, None if nf is None else nf.to(dev))
        return Batch(x=x, labels=None if lab is None else lab.to(dev), targets=None if tgt is None else tgt.to(dev),
                     valid=valid, joint_valid=joint_valid, mask=mask)

    def masks(self, x: torch.Tensor, num_frames: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(valid (N, T, M), joint_valid (N, T, V, M), mask (N, C, T, V, M))`` for ``x``:
        real slots, present joints, and the positions this attack may change (valid
        joints of the region, coordinate channels only)."""
        _, c, _, v, _ = x.shape
        valid = valid_mask(x, num_frames)
        joint_valid = joint_valid_mask(x, valid)
        mov = torch.as_tensor(self.movable, device=x.device).reshape(1, 1, 1, v, 1)
        chan = torch.as_tensor(self.channel_mask, device=x.device).reshape(1, c, 1, 1, 1)
        return valid, joint_valid, joint_valid[:, None] & mov & chan

    # ------------------------------------------------------------------ model

    @contextlib.contextmanager
    def model_mode(self) -> Iterator[None]:
        """Eval mode and frozen parameters for the attack; both restored afterwards. Absent
        (all-zero) bodies, which no attack moves (the masks exclude them), are computed
        once per batch by the bundled architectures (:mod:`pipeline.models.bodies`)."""
        if not isinstance(self.model, torch.nn.Module):
            yield
            return
        modes = [(mod, mod.training) for mod in self.model.modules()]
        grads = [(p, p.requires_grad) for p in self.model.parameters()]
        self.model.eval()
        for p, _ in grads:
            p.requires_grad_(False)
        try:
            with absent_body_gradients_dropped():
                yield
        finally:
            for mod, training in modes:
                mod.training = training
            for p, flag in grads:
                p.requires_grad_(flag)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The model's logits ``(N, K)`` for ``x``; raises if the output is not ``(N, K)``."""
        out = self.model(x)
        if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[0] != x.shape[0] or out.shape[1] < 2:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValidationError(f"the model must return logits (N, K) with N={x.shape[0]} and K >= 2, "
                                  f"got {shape}", field="model")
        return out

    def select_targets(self, clean_logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """``(N,)`` target classes: given, least likely (argmin of the clean logits), or
        random (uniform over the classes other than the label, or other than the clean
        prediction where the label is unknown; seeded)."""
        k = clean_logits.shape[1]
        if self.target == "given":
            self._check_classes(batch.targets, k, "target", allow_unknown=False)
            return batch.targets
        if self.target == "least_likely":
            return clean_logits.argmin(dim=1)
        ref = clean_logits.argmax(dim=1)
        if batch.labels is not None:
            ref = torch.where(batch.labels >= 0, batch.labels, ref)
        gen = torch.Generator().manual_seed(self.seed)
        offset = torch.randint(1, k, (clean_logits.shape[0],), generator=gen).to(ref.device)
        return (ref + offset) % k

    # ------------------------------------------------------------------ running

    def __call__(self, x: torch.Tensor, labels: Any = None, num_frames: Any = None, *,
                 targets: Any = None) -> AttackResult:
        """Attack a batch.

        Args:
            x: ``(N, C, T, V, M)`` clean skeletons (metres for NTU).
            labels: ``(N,)`` true classes (``-1`` unknown), optional.
            num_frames: ``(N,)`` valid frames per sample; frames at or after it are padding
                (default: padding = all-zero frames).
            targets: ``(N,)`` (or one int) target classes when ``target="given"``.
        Returns:
            An :class:`AttackResult` on the attack's device.
        """
        batch = self._prepare(x, labels, num_frames, targets)
        with self.model_mode():
            with torch.no_grad():
                clean = self.logits(batch.x)
            self._check_classes(batch.labels, clean.shape[1], "label", allow_unknown=True)
            adv, targets_used, extra = self._run(batch, clean)
            with torch.no_grad():
                final = self.logits(adv)
        return self._result(batch, clean, final, adv, targets_used, extra)

    def _run(self, batch: Batch, clean_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, Any]]:
        """The attack proper: returns ``(adversarial, targets or None, extra)`` where extra
        may hold ``history`` and ``iterations``."""
        raise NotImplementedError

    def _result(self, batch: Batch, clean: torch.Tensor, final: torch.Tensor, adv: torch.Tensor,
                targets: torch.Tensor | None, extra: dict[str, Any]) -> AttackResult:
        clean_pred, clean_conf = confidences(clean)
        final_pred, final_conf = confidences(final)
        target_conf = None if targets is None else confidences(final, targets)[1]
        success = final_pred == targets if targets is not None else final_pred != clean_pred
        n = adv.shape[0]
        result = AttackResult(
            adversarial=adv.detach(), labels=batch.labels, targets=targets,
            original_pred=clean_pred, original_conf=clean_conf, final_pred=final_pred, final_conf=final_conf,
            target_conf=target_conf, success=success,
            iterations=extra.get("iterations", torch.ones(n, dtype=torch.int64, device=adv.device)),
            history=extra.get("history", {}), metrics={}, config=self.config())
        result.metrics = self._metrics(result, batch.x, batch.joint_valid, batch.mask)
        return result

    def metrics_for(self, result: AttackResult, clean: torch.Tensor, num_frames: Any = None) -> dict[str, Any]:
        """Recompute ``result``'s metrics against ``clean`` ``(N, C, T, V, M)`` (e.g. after
        :meth:`AttackResult.concat` over a whole set); runs where ``result`` lives."""
        dev = result.adversarial.device
        clean = clean.to(device=dev, dtype=result.adversarial.dtype)
        nf = None if num_frames is None else torch.as_tensor(num_frames).reshape(-1).to(dev)
        _, joint_valid, mask = self.masks(clean, nf)
        return self._metrics(result, clean, joint_valid, mask)

    def _metrics(self, r: AttackResult, x: torch.Tensor, joint_valid: torch.Tensor, mask: torch.Tensor) -> dict[str, Any]:
        adv = r.adversarial
        dev = adv.device
        on = (lambda t: None if t is None else t.to(dev))  # noqa: E731
        metrics = fooling_rates(on(r.labels), on(r.original_pred), on(r.final_pred), on(r.targets))
        metrics["success_rate"] = float(r.success.float().mean())
        metrics["clean_confidence"] = float(r.original_conf.mean())
        metrics["adversarial_confidence"] = float(r.final_conf.mean())
        if r.target_conf is not None:
            metrics["target_confidence"] = float(r.target_conf.mean())
        metrics["mean_iterations"] = float(r.iterations.double().mean())
        with torch.no_grad():
            metrics.update(perceptibility(adv, x, joint_valid, self.layout, channels=self.channels,
                                          fps=self.fps, region=self.movable))
            eps_t = torch.as_tensor(self.eps_vec, dtype=adv.dtype, device=dev)
            excess = clip_excess(adv, x, eps_t, mask)
            count = mask.sum().clamp_min(1)
            metrics["clip_excess_max"] = float(excess.max()) if bool(mask.any()) else 0.0
            metrics["clip_excess_mean"] = float(excess.sum() / count)
            metrics["clip_exceeded_fraction"] = float((excess > EXCESS_EPS).sum() / count)
        return metrics
