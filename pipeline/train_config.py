"""The training recipe (:class:`TrainConfig`), kept free of torch so the CLI can read its
defaults without importing it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Base channels when ``width`` is not given: the official widths (MS-G3D's first block
#: has 96 channels, the other architectures' 64).
DEFAULT_WIDTH = 64
OFFICIAL_WIDTHS: dict[str, int] = {"msg3d": 96, "msg3d-bone": 96}


class TrainConfig(BaseModel):
    """Every training setting with its one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    arch: Literal["stgcn", "agcn-joint", "agcn-bone", "ctrgcn", "ctrgcn-bone", "ctrgcn-motion",
                  "ctrgcn-bone-motion", "msg3d", "msg3d-bone"] = Field("stgcn", description="architecture")
    epochs: int = Field(6, ge=1, description="training epochs")
    batch_size: int = Field(16, ge=1, description="sequences per step")
    lr: float = Field(0.05, gt=0, description="peak learning rate (SGD)")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum (Nesterov)")
    weight_decay: float = Field(1e-4, ge=0, description="L2 weight decay")
    warmup_epochs: float = Field(0.5, ge=0, description="linear warm-up length, epochs")
    schedule: Literal["cosine", "step"] = Field("cosine", description="learning-rate schedule after the warm-up: cosine to 0, or the official step decay (x0.1 at each of lr_steps)")
    lr_steps: tuple[float, ...] = Field((0.125, 0.625), description="step schedule: where the rate drops x0.1, as fractions of the epochs (official ST-GCN 10 and 50 of 80 epochs; 2s-AGCN 30 and 40 of 50)")
    window: int | None = Field(None, ge=8, le=300, description="resample each sample's valid frames to this many frames inside the recogniser (the CTR-GCN feeder's resize; None: raw length; CTR-GCN's official input always resizes, to 64 frames unless set; MS-G3D's feeder has none)")
    pad_to: int | None = Field(None, ge=8, le=1000, description="zero-pad the (resampled) frames to this many inside the recogniser, as the official ST-GCN feeder pads NTU to 300 frames, so that its pooled features mix the motion with the padding's (None: no padding beyond the input's)")
    precision: Literal["fp32", "bf16"] = Field("fp32", description="arithmetic of the training forward and backward: fp32, or bf16 autocast (weights and optimiser stay fp32; about 2x faster on CPUs with AMX / AVX-512 BF16)")
    width: int | None = Field(None, ge=4, description="base channels (default: the architecture's official width, 64; MS-G3D 96, whose widths are multiples of 6)")
    dropout: float = Field(0.5, ge=0, lt=1, description="ST-GCN block dropout (official 0.5)")
    num_person: int = Field(2, ge=1, le=4, description="2s-AGCN / CTR-GCN / MS-G3D bodies M (official 2)")
    preprocess: Literal["official", "none", "center"] = Field("official", description="input transform inside the recogniser: the architecture's official one (ST-GCN none, 2s-AGCN and MS-G3D pre-normalisation, CTR-GCN translation and central crop resized to 64 frames), none, or centre on body 0's root at frame 0")
    random_crop: float = Field(0.9, gt=0, le=1.0, description="shortest crop as a fraction of the valid frames (1: no crop)")
    random_move: bool = Field(True, description="st-gcn random move on x, y")
    eval_every: int = Field(1, ge=1, description="evaluate on the validation set after every k-th epoch (and always after the last)")
    max_train_samples: int | None = Field(None, ge=1, description="use only the first N training samples")
    seed: int = Field(0, description="seed for weights, shuffling, augmentation, dropout")
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's)")
    device: str = Field("cpu", description="torch device")

    @model_validator(mode="before")
    @classmethod
    def _official_width(cls, data: Any) -> Any:
        """``width`` None (not given) becomes the architecture's official width, so a
        recipe always records a number."""
        if isinstance(data, dict) and data.get("width") is None:
            arch = data.get("arch", "stgcn")
            data = {**data, "width": OFFICIAL_WIDTHS.get(str(arch), DEFAULT_WIDTH)}
        return data

    @field_validator("lr_steps")
    @classmethod
    def _check_lr_steps(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0.0 < f <= 1.0 for f in v) or list(v) != sorted(v):
            raise ValueError(f"lr_steps must be increasing fractions in (0, 1], got {list(v)}")
        return v
