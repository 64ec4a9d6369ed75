"""CIASA and FGSM attacks on skeleton action recognisers (issue: the CIASA attack).

Imports only ``pipeline``; knows nothing of files, CLIs or Prefect.

Usage, in the torchattacks style::

    atk = attack.CIASA(model, eps=0.01, mode="basic", iterations=100)
    result = atk(x, labels, num_frames=None)   # x: (N, C, T, V, M)
    result.adversarial, result.success, result.metrics

Modules: :mod:`attack.base` (the base class), :mod:`attack.fgsm`, :mod:`attack.ciasa`
(one attack each), :mod:`attack.constraints` (clip, SSR, smoothness), :mod:`attack.gan`
(bone-angle discriminator), :mod:`attack.regions`, :mod:`attack.metrics`,
:mod:`attack.transfer`, :mod:`attack.config` (every default), :mod:`attack.experiments` (the
paper's tables and Fig. 2; their numbers in :mod:`attack.paper_protocol`, their samples from
:mod:`attack.sample_selection`, their rows in :mod:`attack.experiment_result`) and
:mod:`attack.plots` (their figures).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> defining module; imported on first use so that ``attack.config`` (the
#: defaults the CLI reads for ``--help``) does not pull in torch.
_EXPORTS = {
    "Attack": "attack.base", "AttackConfig": "attack.config", "AttackResult": "attack.result",
    "CIASA": "attack.ciasa", "FGSM": "attack.fgsm", "RandomPerturbation": "attack.noise",
    "TransferReport": "attack.transfer",
    "evaluate_transfer": "attack.transfer", "transfer_table": "attack.transfer", "attack_set": "attack.runner",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in {"base", "ciasa", "config", "constraints", "experiment_result", "experiments", "fgsm", "gan",
                "metrics", "noise", "paper_protocol", "plots", "regions", "result", "runner", "sample_selection", "transfer"}:
        return importlib.import_module(f"attack.{name}")
    raise AttributeError(f"module 'attack' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
