"""Every default of the attacks, in one place (:class:`AttackConfig`).

The attack classes, the ``ciasa attack`` CLI, the (later) Prefect flow and the tests all
read their defaults from here. Kept free of torch so the CLI can show ``--help`` fast.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Global eps (metres for NTU) of basic and localized mode when none is given.
DEFAULT_EPS = 0.01
#: Paper: Adam on the skeleton with step size alpha = 0.01.
DEFAULT_LR = 0.01
#: Paper: lambda = 10 weighs the regularisers against the classification loss.
DEFAULT_LAM = 10.0
#: Attack iterations (the paper does not state M for every table; 100 reaches the
#: paper's fooling rates on the bundled models).
DEFAULT_ITERATIONS = 100
#: Discriminator's Adam step size. The paper states alpha = 0.01 for the skeleton; with
#: the paper's discriminator (FC over 32 x B x B features) a fresh discriminator stepped at
#: 0.01 saturates its sigmoid within one or two steps (D = 0 everywhere, L_adv(D) = 1,
#: no gradient left for the skeleton); 1e-3 keeps it near the LSGAN equilibrium.
DEFAULT_DISC_LR = 1e-3
#: Valid (frame, body) slots per sample that the GAN regulariser scores each iteration,
#: drawn afresh (seeded) every iteration; 0 here (``None`` in :class:`attack.CIASA`) scores
#: every valid frame. The subset mean is an unbiased estimate of the mean over all frames
#: (the paper's loss) and costs ~k/T of the all-frame discriminator work: at 64 frames the
#: all-frame GAN term adds ~50 % to an official-width ST-GCN iteration on one CPU thread,
#: 8 frames ~5-10 % (bench/bench_attack.py).
DEFAULT_GAN_FRAMES = 8
#: Advanced mode's hierarchical eps for the legs, by joint kind (metres), root outwards.
ADVANCED_LEG_EPS: dict[str, float] = {"hip": 0.01, "knee": 0.05, "ankle": 0.15, "foot": 0.25}
#: Region advanced mode attacks when none is given.
ADVANCED_DEFAULT_REGION = "legs"
#: Tolerance (data units) of the alternating clip/realign setting when it is switched on.
DEFAULT_ALTERNATE_TOL = 1e-4
#: Most clip/realign rounds of the alternating setting per iteration.
DEFAULT_ALTERNATE_ROUNDS = 50
#: Samples attacked at once when a whole set is attacked.
DEFAULT_BATCH_SIZE = 16
#: Samples per class that an experiment (``ciasa experiment``) attacks by default.
DEFAULT_EXPERIMENT_PER_CLASS = 4
#: Frame rate used to express accelerations (m/s^2) and jerk (m/s^3) in the metrics.
DEFAULT_FPS = 30.0

Method = Literal["fgsm", "ciasa", "noise"]
Mode = Literal["basic", "localized", "advanced"]
TargetKind = Literal["least_likely", "random", "given"]
Precision = Literal["fp32", "bf16"]


class AttackConfig(BaseModel):
    """An attack run's settings, as the CLI takes them and the output manifest records them.

    ``eps`` is a scalar (global clipping) or per-joint values (hierarchical clipping:
    a joint-name -> eps map, or one value per joint of the region / of the layout);
    ``None`` means the mode's default (:data:`DEFAULT_EPS`, or :data:`ADVANCED_LEG_EPS`
    in advanced mode).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Method = Field("ciasa", description="attack: fgsm (one step, paper Eq. 10), ciasa (iterative), or "
                          "noise (the control: a smooth random displacement in the same bounds, realigned, no "
                          "gradient)")
    mode: Mode = Field("basic", description="basic (all joints, global eps), localized (one region), "
                       "advanced (region + per-joint eps; legs by default)")
    region: str | None = Field(None, description="region name (left_arm, right_arm, legs, trunk_head) or "
                               "comma-separated joint names; localized/advanced only")
    eps: float | list[float] | dict[str, float] | None = Field(
        None, description="clipping bound |V'-V| per coordinate, data units (metres for NTU): one number, "
        "or per joint (name=value,... or one value per region joint); default 0.01, advanced: legs "
        "hips 0.01 knees 0.05 ankles 0.15 feet 0.25")
    iterations: int = Field(DEFAULT_ITERATIONS, ge=1, description="CIASA iterations")
    lr: float = Field(DEFAULT_LR, gt=0, description="Adam step size on the skeleton")
    lam: float = Field(DEFAULT_LAM, ge=0, description="weight of smoothness + GAN regularisers")
    disc_lr: float = Field(DEFAULT_DISC_LR, gt=0, description="Adam step size of the discriminator")
    target: TargetKind = Field("least_likely", description="target class: least_likely, random, or given")
    targeted: bool = Field(True, description="FGSM only: targeted (subtract) or untargeted (add)")
    smoothness: bool = Field(True, description="use the temporal smoothness loss")
    realign: bool = Field(True, description="apply spatial skeleton realignment every iteration")
    gan: bool = Field(True, description="use the GAN regulariser")
    gan_frames: int = Field(DEFAULT_GAN_FRAMES, ge=0, description="frames per sample the GAN regulariser "
                            "scores each iteration, drawn at random (seeded): an unbiased estimate of the mean "
                            "over all frames; 0: every frame (exact, slower)")
    early_stop: float | None = Field(None, gt=0, le=1, description="stop a sample once the target has this "
                                     "probability (default: run every iteration)")
    precision: Precision = Field("fp32", description="arithmetic of the model's forward and backward inside "
                                 "the iterations: fp32, or bf16 (autocast; about 2x faster on CPUs with native "
                                 "bf16 and on GPUs; the clean and final predictions stay fp32)")
    alternate_tol: float | None = Field(None, gt=0, description="alternate clipping and realignment until the "
                                        "clip bound holds within this tolerance (default: one round)")
    seed: int = Field(0, description="seed of target choice, discriminator and real-sample draws")
    fps: float = Field(DEFAULT_FPS, gt=0, description="frame rate for accelerations in the metrics")

    @field_validator("eps")
    @classmethod
    def _finite_eps(cls, value):  # noqa: ANN001, ANN206 - pydantic hook
        values = ([value] if isinstance(value, (int, float)) else
                  list(value.values()) if isinstance(value, dict) else value or [])
        for v in values:
            if not math.isfinite(float(v)) or float(v) < 0:
                raise ValueError(f"eps must be finite and >= 0, got {v}")
        return value
