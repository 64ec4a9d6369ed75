"""The training recipe (:class:`TrainConfig`), kept free of torch so the CLI can read its
defaults without importing it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainConfig(BaseModel):
    """Every training setting with its one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    arch: Literal["stgcn", "agcn-joint", "agcn-bone"] = Field("stgcn", description="architecture")
    epochs: int = Field(6, ge=1, description="training epochs")
    batch_size: int = Field(16, ge=1, description="sequences per step")
    lr: float = Field(0.05, gt=0, description="peak learning rate (SGD)")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum (Nesterov)")
    weight_decay: float = Field(1e-4, ge=0, description="L2 weight decay")
    warmup_epochs: float = Field(0.5, ge=0, description="linear warm-up length, epochs")
    width: int = Field(64, ge=4, description="base channels (official 64)")
    dropout: float = Field(0.5, ge=0, lt=1, description="ST-GCN block dropout (official 0.5)")
    num_person: int = Field(2, ge=1, le=4, description="2s-AGCN bodies M (official 2)")
    preprocess: Literal["official", "none", "center"] = Field("official", description="input transform inside the recogniser: the architecture's official one (ST-GCN none, 2s-AGCN pre-normalisation), none, or centre on body 0's root at frame 0")
    random_crop: float = Field(0.9, gt=0, le=1.0, description="shortest crop as a fraction of the valid frames (1: no crop)")
    random_move: bool = Field(True, description="st-gcn random move on x, y")
    max_train_samples: int | None = Field(None, ge=1, description="use only the first N training samples")
    seed: int = Field(0, description="seed for weights, shuffling, augmentation, dropout")
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's)")
    device: str = Field("cpu", description="torch device")
