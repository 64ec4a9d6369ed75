"""What every experiment of :mod:`attack.experiments` shares: the progress ticker, the
sample subset and its settings record, metric reading, the eps check and one CIASA run over
a subset."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from attack.ciasa import CIASA
from attack.paper_protocol import CORRECT_ONLY
from attack.result import AttackResult
from attack.runner import attack_set
from attack.sample_selection import SampleSpec, Subset, select_samples
from pipeline.errors import ValidationError

#: ``progress(done, total)``: units are samples attacked (or scored) so far in the experiment.
Progress = Callable[[int, int], None]
Model = Callable[[torch.Tensor], torch.Tensor]

class Ticker:
    """Turns per-run ``attack_set`` progress into experiment-wide ``progress(done, total)``."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def run(self) -> Callable[[int, int], None]:
        start = self.done

        def on_batch(done: int, _total: int) -> None:
            self.done = start + done
            if self.progress is not None:
                self.progress(self.done, self.total)

        return on_batch

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


def subset_for(model: Model, sset: Any, samples: SampleSpec | Subset | None, name: str, labels: np.ndarray | None,
            batch_size: int, device: str | torch.device | None) -> tuple[Any, Subset]:
    if isinstance(samples, Subset):
        sub = samples
    else:
        spec = samples if samples is not None else SampleSpec(correct_only=CORRECT_ONLY[name])
        sub = select_samples(model, sset, spec, labels=labels, batch_size=batch_size, device=device)
    return sset.subset(sub.indices), sub


def settings_for(model: Model, sub: Subset, **extra: Any) -> dict[str, Any]:
    return {"model": str(getattr(model, "name", type(model).__name__)), "num_samples": len(sub),
            "samples": sub.to_dict(), **extra}


def metric(result: AttackResult, key: str) -> float | None:
    value = result.metrics.get(key)
    return None if value is None else float(value)


def check_eps_list(eps: Sequence[float], what: str) -> list[float]:
    out = [float(e) for e in eps]
    if not out or any(not math.isfinite(e) or e < 0 for e in out):
        raise ValidationError(f"{what} must be a non-empty list of finite eps >= 0, got {list(eps)!r}", field="eps")
    return out


def ciasa_row_run(model: Model, sub_set: Any, sub: Subset, ticker: Ticker, batch_size: int,
                   **kw: Any) -> tuple[AttackResult, float, dict[str, Any]]:
    t = time.perf_counter()
    atk = CIASA(model, layout=sub_set.layout, **kw)
    r = attack_set(atk, sub_set, labels=sub.labels, batch_size=batch_size, progress=ticker.run())
    return r, time.perf_counter() - t, atk.config()
