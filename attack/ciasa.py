"""CIASA: the Constrained Iterative Attack for Skeleton Actions (Liu, Akhtar, Mian).

Every iteration, for the whole batch at once:

1. ``L = CE(F(V'), c_target) + lam * (L_smooth(V') + L_adv(V'))`` per sample (summed
   over samples, so each sample's optimisation does not depend on the batch size);
2. one Adam step (lr ``alpha``) on ``V'`` with the gradient masked to the positions that
   may move, and one Adam step on the discriminator with the LSGAN loss against clean
   frames drawn unpaired from the real-sample pool;
3. clip ``|V' - V| <= eps`` (scalar eps: global; per-joint: hierarchical), then spatial
   skeleton realignment (bone lengths restored root outwards); optionally alternate the
   two until the clip bound holds within a tolerance.

Modes: ``basic`` (every joint, global eps), ``localized`` (a region or joint list, global
eps; other joints bit-identical), ``advanced`` (a region, ``legs`` by default, with
per-joint eps; leg defaults hips 0.01, knees 0.05, ankles 0.15, feet 0.25 m).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from attack.base import Attack, Batch, resolve_layout
from attack.config import (
    DEFAULT_ALTERNATE_ROUNDS,
    DEFAULT_DISC_LR,
    DEFAULT_FPS,
    DEFAULT_GAN_FRAMES,
    DEFAULT_ITERATIONS,
    DEFAULT_LAM,
    DEFAULT_LR,
)
from attack.constraints import project, smoothness_loss
from attack.gan import (
    RealPool,
    bone_cosines,
    discriminator_loss,
    frame_subset,
    frames_of,
    generator_loss,
    make_discriminator,
    subset_weights,
    valid_frame_index,
)
from attack.regions import EpsSpec, RegionSpec, mode_region_eps
from pipeline.errors import ValidationError
from pipeline.layouts import Layout
from pipeline.precision import warn_if_emulated
from pipeline.tensor import valid_mask

log = logging.getLogger(__name__)

HISTORY_KEYS = ("loss", "ce", "smooth", "gan", "disc", "success_rate", "active")


#: Arithmetic of the model inside the iterations.
PRECISIONS = ("fp32", "bf16")


class CIASA(Attack):
    """The CIASA attack (targeted).

    Args:
        model: callable ``(N, C, T, V, M) -> (N, K)`` logits (a Recognizer or any module).
        eps: clip bound, data units (metres for NTU). ``None``: 0.01 (basic, localized) or
            the leg defaults (advanced). Basic and localized take a scalar; advanced takes
            per-joint values (name -> eps mapping or one value per region joint / layout
            joint).
        mode: ``"basic"``, ``"localized"`` or ``"advanced"``.
        region: localized / advanced: a region name, comma-separated joint names, or a
            sequence of names or indices (advanced: default ``legs``). Basic: must be None.
        iterations: optimisation steps.
        lr: Adam step size on the skeleton (paper alpha = 0.01).
        lam: weight of ``L_smooth + L_adv`` (paper lambda = 10).
        target: ``"least_likely"`` (default), ``"random"``, ``"given"``, or the classes.
        layout: layout name / Layout (default: the model's, else ntu25).
        smoothness, realignment, gan: switch the temporal smoothness loss, SSR and the GAN
            regulariser (all on in the paper; off for ablations).
        disc_lr: the discriminator's Adam step size.
        gan_frames: valid (frame, body) slots per sample the GAN regulariser scores each
            iteration, drawn uniformly without replacement from the attack's seeded
            generator (default 8). The per-sample mean over the subset, and the weighted
            discriminator loss, are unbiased estimates of the paper's means over all
            frames (so are their gradients; Adam's per-coordinate scaling makes the
            trajectory itself not identical in expectation). ``None``: every valid frame,
            every iteration (exact, ~T/k times the discriminator cost).
        real_pool: ``(P, C, T, V, M)`` clean sequences that real frames are drawn from
            (default: the clean input batch); ``real_pool_frames`` their ``(P,)`` lengths.
        early_stop: stop updating a sample once its target class is predicted with at
            least this probability (``None``: every sample runs every iteration); a
            stopped sample is frozen where it hit and leaves the model's batch, so the
            iterations after it cost only what the active samples cost.
        alternate_tol: alternate clipping and SSR each iteration until the clip bound holds
            within this tolerance (data units); ``None``: one clip and one SSR (the paper).
        alternate_rounds: most rounds of that alternation.
        seed: seeds target choice, the discriminator's initial weights and real draws.
        device: default: the model's device.
        fps: frame rate for the metrics.
        precision: ``"fp32"``, or ``"bf16"``: the model's forward and backward inside the
            iterations under bf16 autocast (the losses, the projection and the clean and
            final predictions stay in the input's precision).
    Raises:
        ValueError (ValidationError): a mode this attack cannot do, or bad settings; all
        before any compute.
    """

    name = "ciasa"

    def __init__(self, model: Callable[[torch.Tensor], torch.Tensor], eps: EpsSpec = None, mode: str = "basic",
                 region: RegionSpec = None, iterations: int = DEFAULT_ITERATIONS, lr: float = DEFAULT_LR,
                 lam: float = DEFAULT_LAM, target: str | int | Sequence[int] | torch.Tensor = "least_likely",
                 layout: str | Layout | None = None, *, smoothness: bool = True, realignment: bool = True,
                 gan: bool = True, disc_lr: float = DEFAULT_DISC_LR,
                 gan_frames: int | None = DEFAULT_GAN_FRAMES, real_pool: torch.Tensor | None = None,
                 real_pool_frames: Any = None, early_stop: float | None = None,
                 alternate_tol: float | None = None, alternate_rounds: int = DEFAULT_ALTERNATE_ROUNDS,
                 seed: int = 0, device: str | torch.device | None = None, fps: float = DEFAULT_FPS,
                 precision: str = "fp32") -> None:
        region, eps = mode_region_eps(mode, region, eps, resolve_layout(model, layout))
        super().__init__(model, eps=eps, region=region, target=target, layout=layout, seed=seed, device=device,
                         fps=fps)
        self.mode = mode
        self.iterations = _positive_int(iterations, "iterations")
        self.lr = _positive(lr, "lr")
        self.lam = _positive(lam, "lam", allow_zero=True)
        self.disc_lr = _positive(disc_lr, "disc_lr")
        self.gan_frames = None if gan_frames is None else _positive_int(gan_frames, "gan_frames")
        self.smoothness, self.realignment, self.gan = bool(smoothness), bool(realignment), bool(gan)
        if early_stop is not None and not (isinstance(early_stop, (int, float)) and 0 < early_stop <= 1):
            raise ValidationError(f"early_stop must be a probability in (0, 1], got {early_stop!r}",
                                  field="early_stop")
        self.early_stop = None if early_stop is None else float(early_stop)
        if precision not in PRECISIONS:
            raise ValidationError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}",
                                  field="precision")
        self.precision = precision
        self.alternate_tol = None if alternate_tol is None else _positive(alternate_tol, "alternate_tol")
        self.alternate_rounds = _positive_int(alternate_rounds, "alternate_rounds")
        self.real_pool = real_pool
        self.real_pool_frames = real_pool_frames
        if real_pool is not None:
            if not isinstance(real_pool, torch.Tensor) or real_pool.dim() != 5 or \
                    real_pool.shape[1] != len(self.layout.channels) or real_pool.shape[3] != self.layout.num_joints:
                raise ValidationError("real_pool must be a (P, C, T, V, M) tensor of the attack's layout",
                                      field="real_pool")

    def config(self) -> dict[str, Any]:
        return {**super().config(), "mode": self.mode, "iterations": self.iterations, "lr": self.lr,
                "lam": self.lam, "disc_lr": self.disc_lr, "smoothness": self.smoothness,
                "realignment": self.realignment, "gan": self.gan, "gan_frames": self.gan_frames,
                "early_stop": self.early_stop, "precision": self.precision,
                "alternate_tol": self.alternate_tol, "alternate_rounds": self.alternate_rounds,
                "real_pool": None if self.real_pool is None else int(self.real_pool.shape[0])}

    # ------------------------------------------------------------------ pieces

    def _pool(self, batch: Batch, gen: torch.Generator) -> RealPool:
        if self.real_pool is None:
            return RealPool(batch.x, batch.valid, self.layout, self.channels, gen)
        data = self.real_pool.detach().to(device=batch.x.device, dtype=batch.x.dtype)
        frames = None if self.real_pool_frames is None else torch.as_tensor(self.real_pool_frames).to(data.device)
        return RealPool(data, valid_mask(data, frames), self.layout, self.channels, gen)

    # ------------------------------------------------------------------ the attack

    def _run(self, batch: Batch, clean_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
        x, mask = batch.x, batch.mask
        n = x.shape[0]
        dev = x.device
        warn_if_emulated(self.precision, dev, "CIASA")
        targets = self.select_targets(clean_logits, batch)
        eps = torch.as_tensor(self.eps_vec, dtype=x.dtype, device=dev)
        adv = x.clone().requires_grad_(True)
        opt = torch.optim.Adam([adv], lr=self.lr)
        gen = torch.Generator().manual_seed(self.seed + 1)
        zero = x.new_zeros(n)
        if self.gan:
            disc = make_discriminator(self.layout, seed=self.seed, device=dev, dtype=x.dtype)
            disc_params = list(disc.parameters())
            disc_opt = torch.optim.Adam(disc_params, lr=self.disc_lr)
            pool = self._pool(batch, gen)
            all_frames = valid_frame_index(batch.valid)  # F
            frame_owner, frames_per_sample, _ = subset_weights(all_frames, batch.valid)
            use_gan = all_frames.numel() > 0
        else:
            use_gan = False
        active = torch.ones(n, dtype=torch.bool, device=dev)
        steps = torch.zeros(n, dtype=torch.int64, device=dev)
        history: list[torch.Tensor] = []
        hit = torch.zeros(n, dtype=torch.bool, device=dev)
        for _ in range(self.iterations):
            # stopped samples are frozen: only the active ones go through the model
            rows = None if bool(active.all()) else active.nonzero().squeeze(1)
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
                logits = self.logits(adv if rows is None else adv.index_select(0, rows))
            logits = logits.to(x.dtype)
            tgt = targets if rows is None else targets[rows]
            with torch.no_grad():
                prob_t = torch.softmax(logits.detach().double(), dim=1).gather(1, tgt[:, None]).squeeze(1)
                hit_now = logits.detach().argmax(dim=1) == tgt
                if rows is None:
                    hit = hit_now
                else:
                    hit[rows] = hit_now
                if self.early_stop is not None:
                    stop = hit_now & (prob_t >= self.early_stop)
                    if rows is None:
                        active = active & ~stop
                    else:
                        active[rows[stop]] = False
            if self.early_stop is not None and not bool(active.any()):
                break
            ce = F.cross_entropy(logits, tgt, reduction="none")
            if rows is not None:
                ce = zero.index_add(0, rows, ce)
            smooth = smoothness_loss(adv, batch.joint_valid, self.channels) if self.smoothness else zero
            gan_loss, disc_loss = zero, zero.sum()
            if use_gan:
                # every frame (exact), or a fresh seeded subset per sample (unbiased estimate)
                if self.gan_frames is None:
                    fake_index, owner, picked, weights = all_frames, frame_owner, frames_per_sample, None
                else:
                    fake_index = frame_subset(batch.valid, self.gan_frames, gen)  # F_s
                    owner, picked, weights = subset_weights(fake_index, batch.valid)
                scores = disc(bone_cosines(frames_of(adv, fake_index), self.layout, self.channels))
                gan_loss = zero.index_add(0, owner, generator_loss(scores)) / picked.to(x.dtype)
                real = disc(pool.sample(fake_index.numel(), gen))
                disc_loss = discriminator_loss(real, scores, weights)
            per_sample = ce + self.lam * (smooth + gan_loss)
            total = (per_sample * active).sum()
            (grad,) = torch.autograd.grad(total, adv, retain_graph=use_gan)
            if use_gan:
                disc_grads = torch.autograd.grad(disc_loss, disc_params)
            before = adv.detach().clone() if self.early_stop is not None else None
            adv.grad = grad * mask
            opt.step()
            if use_gan:
                for p, g in zip(disc_params, disc_grads):
                    p.grad = g
                disc_opt.step()
            with torch.no_grad():
                new, _ = project(adv, x, eps, self.layout, mask=mask, movable=self.movable, channels=self.channels,
                                 realignment=self.realignment, alternate_tol=self.alternate_tol,
                                 max_rounds=self.alternate_rounds)
                if before is not None:
                    new = torch.where(active.reshape(n, 1, 1, 1, 1), new, before)
                adv.copy_(new)
                steps += active.to(torch.int64)
                history.append(torch.stack([
                    per_sample.detach().mean(), ce.detach().mean(), smooth.detach().mean(),
                    gan_loss.detach().mean(), disc_loss.detach(), hit.double().mean().to(x.dtype),
                    active.sum().to(x.dtype)]).double())
        hist = torch.stack(history).cpu() if history else torch.zeros(0, len(HISTORY_KEYS), dtype=torch.float64)
        return adv.detach(), targets, {
            "iterations": steps,
            "history": {k: hist[:, i].tolist() for i, k in enumerate(HISTORY_KEYS)},
        }


def _positive(value: Any, what: str, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and \
        value != float("inf") and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ValidationError(f"{what} must be a finite number {'>=' if allow_zero else '>'} 0, got {value!r}",
                              field=what)
    return float(value)


def _positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(f"{what} must be an integer >= 1, got {value!r}", field=what)
    return value
