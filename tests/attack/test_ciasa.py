"""CIASA: masks, modes, Kinetics channels, early stop, model state, and an end-to-end check."""

from __future__ import annotations

import logging

import pytest
import torch

import attack
from attack.result import AttackResult
from pipeline.errors import ValidationError
from pipeline.layouts import NTU25
from pipeline.models import build_recognizer

log = logging.getLogger(__name__)

FAST = dict(iterations=3)


def test_padding_and_absent_bodies_bit_identical(tiny_model, batch, untouched):
    x, y, nf = batch
    res = attack.CIASA(tiny_model, eps=0.05, **FAST)(x, y, nf)
    keep = untouched(x, nf)
    assert torch.equal(res.adversarial[keep], x[keep])
    assert not torch.equal(res.adversarial[~keep], x[~keep])
    assert res.adversarial.shape == x.shape and res.adversarial.dtype == x.dtype
    assert res.iterations.tolist() == [3] * 4
    assert set(res.history) >= {"loss", "ce", "smooth", "gan", "disc", "success_rate"}
    assert all(len(v) == 3 for v in res.history.values())
    assert res.metrics["bone_length_error_mean"] < 1e-5


@pytest.mark.parametrize("region", ["legs", "trunk_head", "elbow_left,hand_left"])
def test_localized_non_region_joints_bit_identical(tiny_model, batch, region):
    x, y, nf = batch
    res = attack.CIASA(tiny_model, eps=0.05, mode="localized", region=region, **FAST)(x, y, nf)
    joints = set(attack.regions.resolve_joints(NTU25, region))
    others = [j for j in range(25) if j not in joints]
    assert torch.equal(res.adversarial[:, :, :, others], x[:, :, :, others])
    assert not torch.equal(res.adversarial[:, :, :, sorted(joints)], x[:, :, :, sorted(joints)])


def test_advanced_mode_defaults_and_clip_excess(tiny_model, batch):
    x, y, nf = batch
    atk = attack.CIASA(tiny_model, mode="advanced", **FAST)
    assert atk.config()["eps"]["foot_left"] == 0.25 and atk.config()["eps"]["hip_right"] == 0.01
    res = atk(x, y, nf)
    log.info("advanced legs, 3 iterations: clip excess after SSR max %.4f m, exceeded fraction %.3f",
             res.metrics["clip_excess_max"], res.metrics["clip_exceeded_fraction"])
    alt = attack.CIASA(tiny_model, mode="advanced", alternate_tol=1e-4, **FAST)(x, y, nf)
    assert alt.metrics["clip_excess_max"] <= 1e-4 + 1e-6
    assert alt.metrics["bone_length_error_max"] < 1e-4
    assert res.metrics["clip_excess_max"] >= alt.metrics["clip_excess_max"]


def test_kinetics_layout_moves_only_xy(rng):
    torch.manual_seed(0)
    model = build_recognizer("stgcn", 5, layout="openpose18", width=8).eval()
    x = torch.from_numpy(rng.uniform(-0.4, 0.4, size=(2, 3, 16, 18, 1))).float()
    x[:, 2] = torch.from_numpy(rng.uniform(0.2, 1.0, size=(2, 16, 18, 1))).float()
    x[0, :, 12:] = 0
    x[1, :, :, 5] = 0  # an undetected joint
    res = attack.CIASA(model, eps=0.02, iterations=2)(x, None, torch.tensor([12, 16]))
    assert torch.equal(res.adversarial[:, 2], x[:, 2])
    assert torch.equal(res.adversarial[0, :, 12:], x[0, :, 12:])
    assert torch.equal(res.adversarial[1, :, :, 5], x[1, :, :, 5])
    assert not torch.equal(res.adversarial[:, :2], x[:, :2])


def test_targets_given_random_least_likely(tiny_model, batch):
    x, y, nf = batch
    with torch.no_grad():
        clean = tiny_model(x)
    ll = attack.CIASA(tiny_model, iterations=1, gan=False)(x, y, nf)
    assert torch.equal(ll.targets, clean.argmin(dim=1))
    rnd = attack.CIASA(tiny_model, iterations=1, gan=False, target="random", seed=5)(x, y, nf)
    assert bool((rnd.targets != y).all())
    again = attack.CIASA(tiny_model, iterations=1, gan=False, target="random", seed=5)(x, y, nf)
    assert torch.equal(rnd.targets, again.targets)
    given = attack.CIASA(tiny_model, iterations=1, gan=False, target="given")(x, y, nf, targets=[1, 2, 3, 4])
    assert given.targets.tolist() == [1, 2, 3, 4]
    assert attack.CIASA(tiny_model, iterations=1, gan=False, target=7)(x, y, nf).targets.tolist() == [7] * 4


def test_model_state_restored(batch):
    torch.manual_seed(1)
    model = build_recognizer("stgcn", 12, width=8)  # train mode, trainable
    x, y, nf = batch
    attack.CIASA(model, iterations=1)(x, y, nf)
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert all(p.grad is None for p in model.parameters())


def test_early_stop_records_iterations(tiny_model, batch):
    x, y, nf = batch
    with torch.no_grad():
        clean = tiny_model(x)
    top = clean.argmax(dim=1)  # already reached at iteration 0 with any confidence
    res = attack.CIASA(tiny_model, iterations=5, target="given", early_stop=1e-6)(x, y, nf, targets=top)
    assert res.iterations.tolist() == [0] * 4
    assert torch.equal(res.adversarial, x) and bool(res.success.all())
    mixed = top.clone()
    mixed[0] = clean.argmin(dim=1)[0]
    threshold = float(torch.softmax(clean, dim=1).max(dim=1).values[1:].min()) * 0.999
    res = attack.CIASA(tiny_model, iterations=4, target="given", early_stop=threshold)(x, y, nf, targets=mixed)
    assert res.iterations.tolist()[1:] == [0, 0, 0] and int(res.iterations[0]) >= 1
    assert torch.equal(res.adversarial[1:], x[1:])


def test_concat_results(tiny_model, batch):
    x, y, nf = batch
    atk = attack.CIASA(tiny_model, iterations=2, gan=False)
    parts = [atk(x[:2], y[:2], nf[:2]), atk(x[2:], y[2:], nf[2:])]
    joined = AttackResult.concat(parts)
    assert joined.adversarial.shape == x.shape and len(joined.history["ce"]) == 2
    metrics = atk.metrics_for(joined, x, nf)
    assert metrics["num_samples"] == 4
    assert joined.summary()["per_sample"]["iterations"] == [2, 2, 2, 2]


def test_ciasa_fools_a_trained_model(trained_model, synth_set):
    """End to end: all paper components on, a tiny trained ST-GCN, runner-up targets."""
    x = torch.from_numpy(synth_set.data[:6].copy())
    y = torch.from_numpy(synth_set.label[:6])
    nf = torch.from_numpy(synth_set.num_frames[:6])
    with torch.no_grad():
        second = trained_model(x).topk(2, dim=1).indices[:, 1]
    res = attack.CIASA(trained_model, eps=0.1, iterations=30, target="given")(x, y, nf, targets=second)
    log.info("end-to-end: success %s, targeted fooling over all %.2f, displacement %.1f mm, clip excess %.4f",
             res.success.tolist(), res.metrics["targeted_fooling_rate_over_all"],
             res.metrics["mean_joint_displacement_mm"], res.metrics["clip_excess_max"])
    assert res.metrics["targeted_fooling_rate_over_all"] >= 4 / 6
    assert res.history["ce"][-1] < res.history["ce"][0]
    assert res.metrics["bone_length_error_mean"] < 1e-5


def test_bf16_iterations_fool_as_fp32_does(trained_model, synth_set):
    """precision="bf16": the model runs under bf16 autocast inside the iterations; the
    constraints and the reported predictions stay fp32."""
    x = torch.from_numpy(synth_set.data[:6].copy())
    y = torch.from_numpy(synth_set.label[:6])
    nf = torch.from_numpy(synth_set.num_frames[:6])
    with torch.no_grad():
        second = trained_model(x).topk(2, dim=1).indices[:, 1]
    runs = {p: attack.CIASA(trained_model, eps=0.1, iterations=30, target="given", precision=p)(
        x, y, nf, targets=second) for p in ("fp32", "bf16")}
    bf16 = runs["bf16"]
    assert bf16.config["precision"] == "bf16" and bf16.adversarial.dtype == torch.float32
    assert bf16.metrics["targeted_fooling_rate_over_all"] >= runs["fp32"].metrics["targeted_fooling_rate_over_all"] - 1 / 6
    assert bf16.metrics["bone_length_error_mean"] < 1e-5
    with torch.no_grad():  # the reported predictions are the fp32 model's
        assert torch.equal(bf16.final_pred, trained_model(bf16.adversarial).argmax(1))
    with pytest.raises(ValidationError, match="precision"):
        attack.CIASA(trained_model, precision="fp16")


def test_shared_absent_bodies_leave_the_attack_unchanged(tiny_model, batch, monkeypatch):
    """The attacks compute absent bodies once per batch (pipeline.models.bodies); with the
    shortcut disabled, every body through the network, the attack ends in the same place."""
    import pipeline.models.stgcn as stgcn_module

    x, y, nf = batch
    x, model = x.double(), tiny_model.double()
    try:
        atk = attack.CIASA(model, iterations=3, gan=False)
        shared = atk(x, y, nf)
        calls: list[bool] = []
        real = stgcn_module.may_skip_absent

        def never(module, inp):
            calls.append(real(module, inp))
            return False

        monkeypatch.setattr(stgcn_module, "may_skip_absent", never)
        full = atk(x, y, nf)
    finally:
        tiny_model.float()
    assert calls and all(calls)  # inside the attack the shortcut was allowed
    assert torch.allclose(shared.adversarial, full.adversarial, atol=1e-9, rtol=0)
    assert torch.equal(shared.final_pred, full.final_pred)


def test_stopped_samples_leave_the_model_batch(tiny_model, batch):
    """With early stopping, a frozen sample is no longer sent through the model, and the
    others follow the same trajectory as when it still was (eval mode: per-sample)."""
    x, y, nf = batch
    with torch.no_grad():
        clean = tiny_model(x)
    targets = clean.argmax(dim=1)
    targets[0] = clean.argmin(dim=1)[0]  # sample 0 has work to do, 1-3 are done at once
    threshold = float(torch.softmax(clean, dim=1).max(dim=1).values[1:].min()) * 0.999
    sizes: list[int] = []
    hook = tiny_model.register_forward_pre_hook(lambda mod, args: sizes.append(args[0].shape[0]))
    try:
        res = attack.CIASA(tiny_model, iterations=3, target="given", early_stop=threshold, gan=False)(
            x, y, nf, targets=targets)
    finally:
        hook.remove()
    # clean pass, iteration 1 on all four, iterations 2-3 on sample 0 alone, final pass
    assert sizes == [4, 4, 1, 1, 4]
    alone = attack.CIASA(tiny_model, iterations=3, target="given", gan=False)(
        x[:1], y[:1], nf[:1], targets=targets[:1])
    assert torch.allclose(res.adversarial[:1], alone.adversarial, atol=1e-6, rtol=0)
    assert torch.equal(res.adversarial[1:], x[1:]) and res.iterations.tolist() == [3, 0, 0, 0]
