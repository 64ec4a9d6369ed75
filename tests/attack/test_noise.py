"""The noise control (attack.noise): a smooth random displacement under CIASA's bounds and
realignment, no gradient, untargeted."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import attack
from attack.constraints import bone_lengths
from attack.noise import smooth_noise
from pipeline.errors import ValidationError


def test_smooth_noise_peaks_at_one_per_track_and_is_smooth():
    shape = (3, 3, 60, 25, 2)
    u = smooth_noise(shape, 5.0, torch.Generator().manual_seed(4))
    assert u.shape == shape and u.dtype == torch.float64
    peak = u.abs().amax(dim=2)
    torch.testing.assert_close(peak, torch.ones_like(peak))
    white = smooth_noise(shape, 0.0, torch.Generator().manual_seed(4))
    step = lambda v: float(v.diff(dim=2).abs().mean())  # noqa: E731
    assert step(u) < 0.25 * step(white)  # a motion, not per-frame jitter
    again = smooth_noise(shape, 5.0, torch.Generator().manual_seed(4))
    assert torch.equal(u, again)
    assert not torch.equal(u, smooth_noise(shape, 5.0, torch.Generator().manual_seed(5)))


def test_advanced_legs_move_within_bounds_keep_bones_and_target_nothing(tiny_model, batch, untouched):
    x, y, nf = batch
    atk = attack.RandomPerturbation(tiny_model, mode="advanced", seed=3)
    cfg = atk.config()
    assert cfg["attack"] == "noise" and cfg["target"] is None and cfg["eps"]["foot_left"] == 0.25
    res = atk(x, y, nf)
    assert res.targets is None
    legs = sorted(tiny_model.layout.region("legs"))
    others = [j for j in range(25) if j not in legs]
    assert torch.equal(res.adversarial[:, :, :, others], x[:, :, :, others])
    keep = untouched(x, nf)
    assert torch.equal(res.adversarial[keep], x[keep])
    moved = (res.adversarial - x)[:, :, :, legs].abs()
    feet = [tiny_model.layout.joint_names.index(n) for n in ("foot_left", "foot_right")]
    assert float((res.adversarial - x)[:, :, :, feet].abs().max()) > 0.1  # near the 0.25 m bound
    # realignment may push a coordinate past its bound, as in CIASA (recorded, not hidden)
    assert float(moved.max()) <= 0.25 + res.metrics["clip_excess_max"] + 1e-9
    valid = ~keep[:, 0]  # (N, T, V, M)
    lb, la = bone_lengths(x, tiny_model.layout), bone_lengths(res.adversarial, tiny_model.layout)
    assert float((lb - la).abs()[valid].max()) < 1e-5  # (N, T, V, M): every bone, every valid slot
    again = attack.RandomPerturbation(tiny_model, mode="advanced", seed=3)(x, y, nf)
    assert torch.equal(again.adversarial, res.adversarial)
    other = attack.RandomPerturbation(tiny_model, mode="advanced", seed=4)(x, y, nf)
    assert not torch.equal(other.adversarial, res.adversarial)
    # a sample's draw is its own, whatever its batch: sample 2 alone equals sample 2 of four
    alone = attack.RandomPerturbation(tiny_model, mode="advanced", seed=3)(x[2:3], y[2:3], nf[2:3])
    assert torch.equal(alone.adversarial[0], res.adversarial[2])
    assert not torch.allclose((res.adversarial - x)[2], (res.adversarial - x)[3])


def test_modes_and_settings_are_checked_like_ciasa(tiny_model):
    with pytest.raises(ValidationError, match="noise control mode 'basic' attacks every joint"):
        attack.RandomPerturbation(tiny_model, mode="basic", region="legs")
    with pytest.raises(ValidationError, match="needs a region"):
        attack.RandomPerturbation(tiny_model, mode="localized")
    with pytest.raises(ValidationError, match="smooth_frames"):
        attack.RandomPerturbation(tiny_model, smooth_frames=-1.0)
    basic = attack.RandomPerturbation(tiny_model)
    assert basic.config()["eps"] == 0.01 and basic.config()["region"] is None


def test_the_run_config_builds_the_control(tiny_model, synth_set):
    from attack.config import AttackConfig
    from attack.runner import attack_set, build_attack

    cfg = AttackConfig(method="noise", mode="advanced", seed=1)
    atk = build_attack(cfg, tiny_model, layout="ntu25")
    assert isinstance(atk, attack.RandomPerturbation)
    sub = synth_set.subset(np.arange(4))
    res = attack_set(atk, sub)
    assert res.targets is None and res.adversarial.shape[0] == len(sub)
