"""Benchmark: the cost of a CIASA iteration against the bare input gradient of its model.

Model: the bundled ST-GCN at the official width (``stgcn-synth``; an untrained official-
width ST-GCN if the bundled file is missing), 64-frame synthetic sequences, M = 1 body,
batch 16. Baseline, measured in the same run on the same batch: one forward + backward
with respect to the input only (eval mode, parameters frozen, summed cross-entropy,
``torch.autograd.grad`` on the input): the least an iterative attack can cost.

Figures (seconds per sequence, and the ratio to the baseline; goal <= 1.25x):

* per CIASA iteration, basic mode, eps 0.01, every regulariser on (smoothness, SSR, GAN
  with its default frame subset), the same with the GAN scoring every frame (the paper's
  loss computed exactly, the cost before the subset), and without the GAN. An
  iteration is timed from the start of one gradient-enabled forward pass of the model
  to the start of the next (a forward pre-hook on the model), so each call gives one
  timing per iteration and the per-call set-up (clean and final forward passes,
  discriminator, real pool, metrics) is left out; that set-up is printed too.
* batched (16 sequences in one call) vs one by one (16 calls of one sequence) for the
  same number of iterations: total seconds and the ratio one-by-one / batched.

Timings are the best of all measured iterations and repeats, with the cases alternating,
because the CPU is shared with other jobs (the output says so): the best run is the least
disturbed one.

Run: ``.venv/bin/python bench/bench_attack.py [--threads 2] [--repeats 3] [--iterations 5]``

``--default-set`` (issue 16) instead times whole CIASA calls on the default cross-modal run's
attack (``ciasa run``'s defaults: the class-balanced draw from the NTU-60-like world, the
bundled ``stgcn-ntu60``, advanced mode on the legs, 100 iterations, its batch size) with
each speed lever, against the code as it was before them, measured in the same run:
every body through the network (the absent-body shortcut of
``pipeline.models.bodies`` switched off), fp32, no early stopping. Figures per case: wall
seconds of the call, the ratio to that baseline, the targeted and untargeted fooling
rates, and the largest coordinate difference of its adversarial set from the baseline's.
``--samples N`` draws N sequences instead of the default 12; ``--set field=value`` changes
an attack setting (``--set mode=basic --set eps=0.05``: a setting where targets are reached).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch

import attack
from attack.config import DEFAULT_GAN_FRAMES
from pipeline.models import build_recognizer, load_recognizer
from pipeline.synth import SynthConfig, generate_synthetic

BATCH = 16
FRAMES = 64


def _model() -> tuple[torch.nn.Module, str]:
    try:
        return load_recognizer("stgcn-synth"), "stgcn-synth"
    except Exception as exc:  # noqa: BLE001 - a bench falls back and says so
        return build_recognizer("stgcn", 12).eval().requires_grad_(False), f"untrained ST-GCN ({exc})"


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(x (16, 3, 64, 25, 1) metres, labels (16,), num_frames (16,))`` from the generator."""
    sset = generate_synthetic(SynthConfig(samples=BATCH, frames=FRAMES, seed=0))
    return (torch.from_numpy(np.ascontiguousarray(sset.data, dtype=np.float32)),
            torch.from_numpy(sset.label.astype(np.int64)), torch.from_numpy(np.asarray(sset.num_frames)))


def best_of(cases: dict[str, Callable[[], None]], repeats: int, warm_up: bool = True) -> dict[str, float]:
    """Best wall time (s) of every case over ``repeats`` rounds (cases alternate)."""
    if warm_up:
        for fn in cases.values():
            fn()
    best = {k: math.inf for k in cases}
    for _ in range(repeats):
        for k, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


class IterationClock:
    """Forward pre-hook on the model: the start time of every forward pass and whether
    gradients were on. In a CIASA call, iteration ``k`` runs from the ``k``-th
    gradient-enabled forward start to the next forward start (the next iteration, or the
    final no-grad pass)."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.starts: list[tuple[float, bool]] = []
        self.handle = model.register_forward_pre_hook(self._hook)

    def _hook(self, _module: torch.nn.Module, _args: object) -> None:
        self.starts.append((time.perf_counter(), torch.is_grad_enabled()))

    def iterations(self) -> list[float]:
        """Seconds of every iteration recorded since the last call (then cleared)."""
        out = [b[0] - a[0] for a, b in zip(self.starts, self.starts[1:]) if a[1]]
        self.starts.clear()
        return out


@contextlib.contextmanager
def every_body_computed() -> Iterator[None]:
    """The recognisers as before the absent-body shortcut: every body of every sample
    through the network (``may_skip_absent`` answers False in every architecture)."""
    import pipeline.models.agcn as agcn_module
    import pipeline.models.stgcn as stgcn_module

    saved = stgcn_module.may_skip_absent, agcn_module.may_skip_absent
    stgcn_module.may_skip_absent = agcn_module.may_skip_absent = lambda module, x: False
    try:
        yield
    finally:
        stgcn_module.may_skip_absent, agcn_module.may_skip_absent = saved


def default_set_comparison(samples: int | None, overrides: list[str]) -> None:
    """Whole CIASA calls on the default run's attack, one per lever (module docstring);
    ``overrides``: ``field=value`` changes to the attack's settings (YAML values)."""
    import yaml

    import tempfile

    from attack.runner import attack_set, build_attack
    from flows.config import CrossModalConfig
    from flows.stages import select_stage
    from pipeline.skeleton_set import load_skeleton_set

    cfg = CrossModalConfig() if samples is None else \
        CrossModalConfig.model_validate({"source": {"samples": samples}})
    with tempfile.TemporaryDirectory() as tmp:
        sset = load_skeleton_set(select_stage(cfg.source, cfg.model, tmp, "bench", device="cpu").path)
    rec = load_recognizer(cfg.model)
    changes = {}
    for text in overrides:
        key, _, value = text.partition("=")
        changes[key.strip()] = yaml.safe_load(value)
    base_cfg = cfg.attack.attack_config().model_copy(update=changes)
    two = int((np.abs(sset.data[..., 1]).sum(axis=(1, 2, 3)) > 0).sum()) if sset.data.shape[-1] > 1 else 0
    print(f"default set: {len(sset)} sequences of {cfg.model} ({two} with a second person), attack "
          f"{base_cfg.mode} mode, region {base_cfg.region or ('legs' if base_cfg.mode == 'advanced' else 'all joints')}, {base_cfg.iterations} iterations, "
          f"batch {cfg.attack.batch_size}")
    cases: list[tuple[str, bool, dict]] = [
        ("before: every body, fp32 (baseline)", False, {}),
        ("absent bodies shared, fp32 (the default)", True, {}),
        ("absent bodies shared, bf16", True, {"precision": "bf16"}),
        ("absent bodies shared, fp32, early stop at p(target) 0.5", True, {"early_stop": 0.5}),
        ("absent bodies shared, bf16, early stop at p(target) 0.5", True, {"precision": "bf16", "early_stop": 0.5}),
    ]
    rows, base_t, base_adv = [], math.nan, None
    for name, shared, change in cases:
        atk = build_attack(base_cfg.model_copy(update=change), rec, layout=sset.layout)
        with contextlib.nullcontext() if shared else every_body_computed():
            t0 = time.perf_counter()
            res = attack_set(atk, sset, batch_size=cfg.attack.batch_size)
            seconds = time.perf_counter() - t0
        if base_adv is None:
            base_t, base_adv = seconds, res.adversarial
        diff = float((res.adversarial - base_adv).abs().max())
        rows.append((name, seconds, res.metrics["targeted_fooling_rate_over_all"],
                     float(res.metrics.get("untargeted_fooling_rate_over_all", float("nan"))), diff,
                     float(res.iterations.double().mean())))
        print(f"  {name}: {seconds:.1f} s", flush=True)
    print(f"\n{'case':<58} {'seconds':>8} {'speed-up':>8} {'targeted':>9} {'untargeted':>10} "
          f"{'max |adv - baseline| m':>22} {'mean its':>8}")
    for name, seconds, tf, uf, diff, its in rows:
        print(f"{name:<58} {seconds:>8.1f} {base_t / seconds:>7.2f}x {100 * tf:>8.1f}% {100 * uf:>9.1f}% "
              f"{diff:>22.2e} {its:>8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=4, help="CIASA iterations per call (>= 2)")
    ap.add_argument("--default-set", action="store_true", help="time whole calls on the default run's attack, "
                    "one per speed lever (issue 16)")
    ap.add_argument("--samples", type=int, default=None, help="with --default-set: sequences to draw")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="with --default-set: change an attack setting (e.g. mode=basic, eps=0.05)")
    args = ap.parse_args()
    if args.iterations < 2:
        ap.error("--iterations must be >= 2")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
          f"torch={torch.__version__} threads={torch.get_num_threads()} load(1 min)={load:.2f}")
    if args.default_set:
        default_set_comparison(args.samples, args.set)
        return
    print(f"timings: best of {args.repeats} alternating rounds (per iteration: best of every iteration of "
          "those rounds); the CPU is shared with other jobs, so absolute seconds are upper bounds and the "
          "ratios (same run, same batch) are the figures")
    rec, model_name = _model()
    x, y, nf = _batch()
    print(f"model: {model_name}, T={FRAMES}, batch {BATCH}, M=1, valid frames {int(nf.sum())}/{BATCH * FRAMES}")

    def fwd_bwd() -> None:
        xi = x.clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(rec(xi), y, reduction="sum")
        (g,) = torch.autograd.grad(loss, xi)
        assert torch.isfinite(g).all()

    variants = {
        f"all regularisers (GAN on {DEFAULT_GAN_FRAMES} frames/sample)": {},
        "all regularisers (GAN on every frame)": {"gan_frames": None},
        "smoothness + SSR, no GAN": {"gan": False},
    }

    def call(kw: dict, iterations: int, x_: torch.Tensor = x, y_: torch.Tensor = y,
             nf_: torch.Tensor = nf) -> None:
        attack.CIASA(rec, eps=0.01, mode="basic", iterations=iterations, **kw)(x_, y_, nf_)

    fwd_bwd()  # warm-up
    clock = IterationClock(rec)
    call(variants[next(iter(variants))], 1)  # warm-up
    clock.iterations()
    base_t = math.inf
    iter_t = {k: math.inf for k in variants}
    setup_t = {k: math.inf for k in variants}  # the call minus its iterations
    for _ in range(args.repeats):
        for name, kw in variants.items():
            t0 = time.perf_counter()
            fwd_bwd()
            t1 = time.perf_counter()
            base_t = min(base_t, t1 - t0)
            clock.iterations()
            call(kw, args.iterations)
            whole = time.perf_counter() - t1
            its = clock.iterations()
            iter_t[name] = min([iter_t[name], *its])
            setup_t[name] = min(setup_t[name], whole - sum(its))
    clock.handle.remove()
    base = base_t / BATCH
    print(f"\nbaseline forward+backward w.r.t. the input: {base:.4f} s/seq ({base_t:.3f} s per batch)")
    print(f"{'CIASA iteration, basic, eps 0.01':<48} {'s/iter/seq':>10} {'ratio':>7} {'set-up s/call':>14}")
    for name in variants:
        per_iter, setup = iter_t[name], setup_t[name]
        print(f"{name:<48} {per_iter / BATCH:>10.4f} {per_iter / BATCH / base:>6.2f}x {setup:>14.3f}")

    iters = args.iterations
    batched = {"batched": lambda: call({}, iters),
               "one-by-one": lambda: [call({}, iters, x[i:i + 1], y[i:i + 1], nf[i:i + 1]) for i in range(BATCH)]}
    tb = best_of(batched, max(1, args.repeats - 1), warm_up=False)
    print(f"\nbatched vs one-by-one, {BATCH} sequences, {iters} iterations, all regularisers:")
    print(f"  batched (1 call of {BATCH}): {tb['batched']:.2f} s   one-by-one ({BATCH} calls of 1): "
          f"{tb['one-by-one']:.2f} s   ratio one-by-one / batched {tb['one-by-one'] / tb['batched']:.2f}x")


if __name__ == "__main__":
    main()
