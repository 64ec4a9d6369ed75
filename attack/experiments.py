"""The paper's experiments as pure functions over :func:`attack.runner.attack_set`,
:class:`attack.FGSM`, :class:`attack.CIASA` and :func:`attack.transfer.evaluate_transfer`.

Each experiment attacks a seeded, class-balanced subset of a skeleton set (so that it runs
on a 2-core CPU in minutes), returns an :class:`ExperimentResult` (typed rows, the paper's
numbers side by side, the settings that reproduce it, the run time) that renders itself as
markdown or JSON; :mod:`attack.plots` draws its figure. Nothing here reads or writes files.

* :func:`fgsm_sweep` (paper Fig. 2): FGSM fooling rate against eps, untargeted (label
  changed) and targeted (least-likely class reached).
* :func:`basic_sweep` (Table I): CIASA basic mode, eps x 1e-3 = 4, 6, 8, 10, 12,
  least-likely targets, targeted fooling rate.
* :func:`localized_regions` (Table II): CIASA localized mode, eps 0.04, on each of the
  layout's four regions (the paper's regions 1-4 for NTU).
* :func:`transfer` (Table III): CIASA on the source model (ST-GCN), the adversarial
  skeletons scored by other models (2s-AGCN joint, bone, ensemble; each applies its own
  preprocessing inside its forward): clean accuracy, attacked accuracy, fooling rate.
* :func:`ablation`: CIASA with everything, without smoothness, without SSR, without the
  GAN: fooling rate and perceptibility.

All rates are fractions in ``[0, 1]`` (the markdown shows percentages); the paper's
numbers are stored as fractions too. Displacements are millimetres for NTU (metres x 1000).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import torch

from attack.ciasa import CIASA
from attack.config import DEFAULT_BATCH_SIZE, DEFAULT_EXPERIMENT_PER_CLASS, DEFAULT_GAN_FRAMES, DEFAULT_ITERATIONS
from attack.fgsm import FGSM
from attack.regions import region_names
from attack.result import AttackResult
from attack.runner import attack_set
from attack.transfer import evaluate_transfer
from pipeline.errors import ValidationError
from pipeline.layouts import get_layout

log = logging.getLogger(__name__)

#: ``progress(done, total)``: units are samples attacked (or scored) so far in the experiment.
Progress = Callable[[int, int], None]
Model = Callable[[torch.Tensor], torch.Tensor]

# --------------------------------------------------------------------------- paper numbers

#: Fig. 2: no table in the paper; its claim, used as a lower bound per row.
PAPER_FIG2: dict[str, Any] = {
    "claim": "FGSM fooling rate above 90 % for every protocol (NTU-XS, NTU-XV, Kinetics) from eps = 0.02",
    "min_fooling_rate": 0.90, "from_eps": 0.02,
}
#: Table I: basic mode, targeted (least likely), fooling rate by eps x 1e-3.
PAPER_TABLE1: dict[str, Any] = {
    "eps_x1e3": [4, 6, 8, 10, 12],
    "ntu_xs": [0.894, 0.966, 0.987, 0.992, 0.998],
    "ntu_xv": [0.782, 0.855, 0.933, 0.989, 0.996],
    "kinetics": [0.825, 0.925, 0.965, 0.975, 0.993],
}
#: Table II: localized mode, eps 0.04, fooling rate for regions 1-4.
PAPER_TABLE2: dict[str, Any] = {
    "eps": 0.04,
    "ntu_xs": [0.908, 0.933, 0.613, 0.833],
    "ntu_xv": [0.852, 0.917, 0.600, 0.817],
}
#: Table III: ST-GCN -> 2s-AGCN transfer on NTU-XV, eps 0.012.
PAPER_TABLE3: dict[str, Any] = {
    "eps": 0.012, "dataset": "NTU-XV",
    "joint": {"clean_accuracy": 0.937, "attacked_accuracy": 0.135, "fooling_rate": 0.861},
    "bone": {"clean_accuracy": 0.932, "attacked_accuracy": 0.068, "fooling_rate": 0.931},
    "ensemble": {"clean_accuracy": 0.951, "attacked_accuracy": 0.118, "fooling_rate": 0.884},
}
#: The ablation has no table in the paper (Figs. 6-7 show the effect on the skeletons).
PAPER_ABLATION: dict[str, Any] = {
    "claim": "Figs. 6-7: without the regularisers the perturbation is visibly less smooth and "
             "bones change length; no numbers are given",
}

#: Defaults of the sweeps.
FIG2_EPS: tuple[float, ...] = (0.0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04)
TABLE1_EPS: tuple[float, ...] = (0.004, 0.006, 0.008, 0.010, 0.012)
TABLE2_EPS = 0.04
TABLE3_EPS = 0.012
ABLATION_EPS = 0.01
#: Samples per class of the subset when none is given.
DEFAULT_PER_CLASS = DEFAULT_EXPERIMENT_PER_CLASS
#: Whether an experiment attacks only samples the (source) model classifies correctly:
#: the attack tables report fooling over those; Table III reports the target models'
#: clean accuracy, so it attacks a balanced subset regardless of correctness.
CORRECT_ONLY: dict[str, bool] = {"fig2": True, "table1": True, "table2": True, "table3": False, "ablation": True}

# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class SampleSpec:
    """Which samples an experiment attacks.

    Attributes:
        per_class: samples per class (fewer where a class has fewer); ``None``: all.
        seed: seeds the draw within each class.
        correct_only: keep only samples the model classifies correctly (drawn in a seeded
            order until ``per_class`` correct ones are found).
    """

    per_class: int | None = DEFAULT_PER_CLASS
    seed: int = 0
    correct_only: bool = True

    def __post_init__(self) -> None:
        if self.per_class is not None and (not isinstance(self.per_class, (int, np.integer))
                                           or isinstance(self.per_class, bool) or self.per_class < 1):
            raise ValidationError(f"per_class must be an integer >= 1 or None, got {self.per_class!r}",
                                  field="per_class")
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool):
            raise ValidationError(f"seed must be an int, got {self.seed!r}", field="seed")


@dataclass
class Subset:
    """The samples chosen by :func:`select_samples`.

    Attributes:
        indices: ``(S,)`` indices into the set, ascending.
        labels: ``(S,)`` their labels in the model's class order.
        spec: the specification they were drawn by.
        candidates_scored: samples the model classified while drawing (0 if not needed).
    """

    indices: np.ndarray
    labels: np.ndarray
    spec: SampleSpec
    candidates_scored: int = 0

    def __len__(self) -> int:
        return int(self.indices.size)

    def to_dict(self) -> dict[str, Any]:
        return {"indices": self.indices.tolist(), "num_samples": len(self), "per_class": self.spec.per_class,
                "seed": self.spec.seed, "correct_only": self.spec.correct_only,
                "classes": int(np.unique(self.labels).size), "candidates_scored": self.candidates_scored}


def _model_device(model: Any, device: str | torch.device | None) -> torch.device:
    if device is not None:
        return torch.device(device)
    if isinstance(model, torch.nn.Module):
        for p in model.parameters():
            return p.device
    return torch.device("cpu")


@torch.no_grad()
def predict(model: Model, data: np.ndarray, *, batch_size: int = DEFAULT_BATCH_SIZE,
            device: str | torch.device | None = None) -> np.ndarray:
    """``(N,)`` predicted classes of ``model`` on ``data`` ``(N, C, T, V, M)`` (eval mode,
    restored afterwards)."""
    dev = _model_device(model, device)
    was = model.training if isinstance(model, torch.nn.Module) else None
    if was is not None:
        model.eval()
    try:
        out = []
        for lo in range(0, len(data), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(data[lo:lo + batch_size], dtype=np.float32)).to(dev)
            logits = model(x)
            if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
                raise ValidationError("the model must return logits (N, K)", field="model")
            out.append(logits.argmax(dim=1).cpu().numpy())
    finally:
        if was is not None:
            model.train(was)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def select_samples(model: Model, sset: Any, spec: SampleSpec, *, labels: np.ndarray | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None) -> Subset:
    """A seeded, class-balanced subset of ``sset``.

    Within every class the samples are put in a seeded random order; the first
    ``per_class`` are taken, or, with ``correct_only``, the first ``per_class`` that the
    model classifies correctly (candidates are scored in rounds, only as many as needed).

    Args:
        model: the attacked model (callable ``(N, C, T, V, M) -> (N, K)``).
        sset: a SkeletonSet (``data``, ``label``).
        spec: the subset's specification.
        labels: ``(N,)`` labels in the model's class order (default ``sset.label``); ``-1``
            (unknown) samples are never chosen.
    Raises:
        ValidationError: wrong label count, or no sample qualifies.
    """
    lab = np.asarray(sset.label if labels is None else labels, dtype=np.int64)
    if lab.shape != (len(sset),):
        raise ValidationError(f"{lab.size} labels for {len(sset)} samples", field="label")
    rng = np.random.default_rng(spec.seed)
    queues = {int(c): rng.permutation(np.flatnonzero(lab == c)) for c in np.unique(lab[lab >= 0])}
    chosen: dict[int, list[int]] = {c: [] for c in queues}
    want = {c: len(q) if spec.per_class is None else min(spec.per_class, len(q)) for c, q in queues.items()}
    scored = 0
    if not spec.correct_only:
        for c, q in queues.items():
            chosen[c] = q[:want[c]].tolist()
    else:
        pos = {c: 0 for c in queues}
        while True:
            batch = []
            for c, q in queues.items():
                need = want[c] - len(chosen[c])
                take = q[pos[c]:pos[c] + need]
                pos[c] += take.size
                batch += [(c, int(i)) for i in take]
            if not batch:
                break
            idx = np.array([i for _, i in batch])
            pred = predict(model, sset.data[idx], batch_size=batch_size, device=device)
            scored += idx.size
            for (c, i), p in zip(batch, pred):
                if int(p) == c:
                    chosen[c].append(i)
    indices = np.array(sorted(i for v in chosen.values() for i in v), dtype=np.int64)
    if indices.size == 0:
        raise ValidationError("no sample qualifies for the experiment"
                              + (" (the model classifies none correctly)" if spec.correct_only else ""),
                              field="data")
    short = {c: len(v) for c, v in chosen.items() if spec.per_class is not None and len(v) < spec.per_class}
    if short:
        log.info("classes with fewer than %s qualifying samples: %s", spec.per_class, short)
    return Subset(indices=indices, labels=lab[indices], spec=spec, candidates_scored=scored)


def select_total(model: Model, sset: Any, total: int, *, seed: int = 0, correct_only: bool = True,
                 labels: np.ndarray | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 device: str | torch.device | None = None) -> Subset:
    """``total`` samples of ``sset``, class-balanced: :func:`select_samples` with
    ``ceil(total / classes)`` per class, then taken round-robin over the classes (in a
    seeded order) until ``total`` are chosen (fewer when too few qualify).

    Raises:
        ValidationError: ``total < 1``, or as :func:`select_samples`.
    """
    if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 1:
        raise ValidationError(f"total must be an integer >= 1, got {total!r}", field="samples")
    lab = np.asarray(sset.label if labels is None else labels, dtype=np.int64)
    classes = np.unique(lab[lab >= 0])
    spec = SampleSpec(per_class=max(1, math.ceil(total / max(1, classes.size))), seed=seed,
                      correct_only=correct_only)
    sub = select_samples(model, sset, spec, labels=lab, batch_size=batch_size, device=device)
    if len(sub) <= total:
        return sub
    by_class = {int(c): sub.indices[sub.labels == c].tolist() for c in np.unique(sub.labels)}
    order = np.random.default_rng([seed, 1]).permutation(sorted(by_class)).tolist()
    keep: list[int] = []
    for r in range(spec.per_class):
        keep += [by_class[c][r] for c in order if r < len(by_class[c])]
    keep_arr = np.array(sorted(keep[:total]), dtype=np.int64)
    return Subset(indices=keep_arr, labels=lab[keep_arr], spec=spec, candidates_scored=sub.candidates_scored)


# --------------------------------------------------------------------------- results


@dataclass
class FgsmRow:
    """Fig. 2, one point: FGSM at ``eps`` (data units, metres for NTU).

    ``fooling_rate_*``: targeted: predicted as the least-likely class; untargeted: the
    prediction changed. ``paper_min_fooling_rate``: the paper's lower bound (0.9 from eps
    0.02 on), else ``None``."""

    eps: float
    targeted: bool
    fooling_rate_over_correct: float | None
    fooling_rate_over_all: float | None
    adversarial_accuracy: float | None
    mean_joint_displacement_mm: float | None
    paper_min_fooling_rate: float | None


@dataclass
class BasicRow:
    """Table I, one column: CIASA basic mode at ``eps`` (least-likely targets)."""

    eps: float
    eps_x1e3: float
    targeted_fooling_rate_over_correct: float | None
    targeted_fooling_rate_over_all: float | None
    untargeted_fooling_rate_over_correct: float | None
    mean_joint_displacement_mm: float | None
    bone_length_error_mean: float | None
    seconds: float
    paper_ntu_xs: float | None
    paper_ntu_xv: float | None
    paper_kinetics: float | None


@dataclass
class RegionRow:
    """Table II, one column: CIASA localized mode on region ``region`` (1-based)."""

    region: int
    name: str
    joints: int
    targeted_fooling_rate_over_correct: float | None
    targeted_fooling_rate_over_all: float | None
    untargeted_fooling_rate_over_correct: float | None
    mean_joint_displacement_mm_region: float | None
    seconds: float
    paper_ntu_xs: float | None
    paper_ntu_xv: float | None


@dataclass
class TransferRow:
    """Table III, one row: a model scoring the source model's adversarial skeletons
    (``white_box``: the source model itself). ``fooling_rate_over_correct``: misclassified
    after the attack among the samples this model classified correctly before it."""

    model: str
    white_box: bool
    num_samples: int
    clean_accuracy: float | None
    attacked_accuracy: float | None
    fooling_rate_over_correct: float | None
    targeted_transfer_over_correct: float | None
    paper_clean_accuracy: float | None
    paper_attacked_accuracy: float | None
    paper_fooling_rate: float | None


@dataclass
class AblationRow:
    """The ablation, one variant: which regularisers are on, fooling and perceptibility
    (displacement mm; bone-length error relative; speed, acceleration, jerk differences
    in data units per s, s^2, s^3; clip excess in data units)."""

    variant: str
    smoothness: bool
    realignment: bool
    gan: bool
    targeted_fooling_rate_over_correct: float | None
    targeted_fooling_rate_over_all: float | None
    mean_joint_displacement_mm: float | None
    bone_length_error_mean: float | None
    speed_difference: float | None
    acceleration_difference: float | None
    jerk_difference: float | None
    clip_excess_max: float | None
    seconds: float


#: Row fields shown as percentages in markdown (everything else keeps its unit).
_PERCENT_MARKERS = ("rate", "accuracy", "paper_ntu", "paper_kinetics", "transfer")


def _is_percent(name: str) -> bool:
    return any(m in name for m in _PERCENT_MARKERS)


def _cell(name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if _is_percent(name):
            return f"{100 * value:.1f}"
        if name == "eps":
            return f"{value:g}"
        return f"{value:.4g}"
    return str(value)


@dataclass
class ExperimentResult:
    """An experiment's outcome.

    Attributes:
        name: ``fig2``, ``table1``, ``table2``, ``table3`` or ``ablation``.
        title: one line saying what was measured.
        rows: the typed rows (:class:`FgsmRow`, :class:`BasicRow`, :class:`RegionRow`,
            :class:`TransferRow`, :class:`AblationRow`), measured values next to the
            paper's (``paper_*`` fields, fractions).
        paper: the paper's numbers as published (fractions) and their protocol.
        settings: everything needed to rerun it (model, subset indices, eps, iterations,
            seeds, attack config).
        seconds: wall time of the experiment.
        notes: caveats worth printing with the table.
    """

    name: str
    title: str
    rows: list[Any]
    paper: dict[str, Any]
    settings: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The row fields, in order."""
        return [f.name for f in fields(self.rows[0])] if self.rows else []

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (rows as dicts; rates as fractions)."""
        return {"name": self.name, "title": self.title, "seconds": self.seconds, "settings": self.settings,
                "paper": self.paper, "notes": self.notes, "rows": [asdict(r) for r in self.rows]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def to_markdown(self) -> str:
        """A markdown section: title, settings line, the table (rates in %), notes."""
        cols = self.columns
        heads = [c + (" (%)" if _is_percent(c) else "") for c in cols]
        s = self.settings
        lines = [f"## {self.name}: {self.title}", ""]
        lines.append(f"Model `{s.get('model')}`, {s.get('num_samples')} samples "
                     f"({s.get('samples', {}).get('per_class')} per class, seed {s.get('samples', {}).get('seed')}, "
                     f"{'correctly classified only' if s.get('samples', {}).get('correct_only') else 'any'})"
                     + (f", {s['iterations']} iterations" if s.get("iterations") else "")
                     + f"; {self.seconds:.1f} s.")
        lines += ["", "| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        for r in self.rows:
            lines.append("| " + " | ".join(_cell(c, getattr(r, c)) for c in cols) + " |")
        if self.notes:
            lines.append("")
            lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


# --------------------------------------------------------------------------- plumbing


class _Ticker:
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


def _subset(model: Model, sset: Any, samples: SampleSpec | Subset | None, name: str, labels: np.ndarray | None,
            batch_size: int, device: str | torch.device | None) -> tuple[Any, Subset]:
    if isinstance(samples, Subset):
        sub = samples
    else:
        spec = samples if samples is not None else SampleSpec(correct_only=CORRECT_ONLY[name])
        sub = select_samples(model, sset, spec, labels=labels, batch_size=batch_size, device=device)
    return sset.subset(sub.indices), sub


def _settings(model: Model, sub: Subset, **extra: Any) -> dict[str, Any]:
    return {"model": str(getattr(model, "name", type(model).__name__)), "num_samples": len(sub),
            "samples": sub.to_dict(), **extra}


def _metric(result: AttackResult, key: str) -> float | None:
    value = result.metrics.get(key)
    return None if value is None else float(value)


def _check_eps_list(eps: Sequence[float], what: str) -> list[float]:
    out = [float(e) for e in eps]
    if not out or any(not math.isfinite(e) or e < 0 for e in out):
        raise ValidationError(f"{what} must be a non-empty list of finite eps >= 0, got {list(eps)!r}", field="eps")
    return out


# --------------------------------------------------------------------------- experiments


def fgsm_sweep(model: Model, sset: Any, *, eps: Sequence[float] = FIG2_EPS, samples: SampleSpec | Subset | None = None,
               labels: np.ndarray | None = None, seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE,
               device: str | torch.device | None = None, progress: Progress | None = None) -> ExperimentResult:
    """Fig. 2: FGSM fooling rate against eps, untargeted and targeted (least likely).

    Args:
        model: the attacked recogniser.
        sset: the SkeletonSet (the model's layout).
        eps: step sizes, data units (metres for NTU).
        samples: subset specification (default: 4 per class, correctly classified) or a
            ready :class:`Subset`.
        labels: ``(N,)`` labels in the model's class order (default ``sset.label``).
        seed: the attacks' seed.
        batch_size, device: as for :func:`attack.runner.attack_set`.
        progress: ``progress(done, total)`` in attacked samples.
    Returns:
        Rows for every (eps, untargeted/targeted), eps ascending, untargeted first.
    """
    t0 = time.perf_counter()
    eps_list = _check_eps_list(eps, "eps")
    sub_set, sub = _subset(model, sset, samples, "fig2", labels, batch_size, device)
    ticker = _Ticker(2 * len(eps_list) * len(sub), progress)
    rows = []
    for e in eps_list:
        for targeted in (False, True):
            atk = FGSM(model, eps=e, targeted=targeted, layout=sub_set.layout, seed=seed, device=device)
            r = attack_set(atk, sub_set, labels=sub.labels, batch_size=batch_size, progress=ticker.run())
            kind = "targeted" if targeted else "untargeted"
            rows.append(FgsmRow(
                eps=e, targeted=targeted, fooling_rate_over_correct=_metric(r, f"{kind}_fooling_rate_over_correct"),
                fooling_rate_over_all=_metric(r, f"{kind}_fooling_rate_over_all"),
                adversarial_accuracy=_metric(r, "adversarial_accuracy"),
                mean_joint_displacement_mm=_metric(r, "mean_joint_displacement_mm"),
                paper_min_fooling_rate=PAPER_FIG2["min_fooling_rate"] if e >= PAPER_FIG2["from_eps"] - 1e-12
                else None))
    return ExperimentResult(
        name="fig2", title="FGSM fooling rate vs eps (paper Fig. 2), untargeted and least-likely targeted",
        rows=rows, paper=PAPER_FIG2, seconds=time.perf_counter() - t0,
        settings=_settings(model, sub, eps=eps_list, seed=seed, method="fgsm", target="least_likely"),
        notes=["targeted: share predicted as the least-likely class; untargeted: share whose prediction "
               "changed; both over correctly classified samples",
               "the paper gives Fig. 2 as a plot; its stated bound (>= 90 % from eps 0.02) is the paper column"])


def _ciasa_row_run(model: Model, sub_set: Any, sub: Subset, ticker: _Ticker, batch_size: int,
                   **kw: Any) -> tuple[AttackResult, float, dict[str, Any]]:
    t = time.perf_counter()
    atk = CIASA(model, layout=sub_set.layout, **kw)
    r = attack_set(atk, sub_set, labels=sub.labels, batch_size=batch_size, progress=ticker.run())
    return r, time.perf_counter() - t, atk.config()


def basic_sweep(model: Model, sset: Any, *, eps: Sequence[float] = TABLE1_EPS,
                samples: SampleSpec | Subset | None = None, labels: np.ndarray | None = None,
                iterations: int = DEFAULT_ITERATIONS, gan_frames: int | None = DEFAULT_GAN_FRAMES, seed: int = 0,
                batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None,
                progress: Progress | None = None) -> ExperimentResult:
    """Table I: CIASA basic mode (all regularisers, least-likely targets) over ``eps``.

    Args:
        eps: global clip bounds, data units (paper: 0.004 ... 0.012 m).
        iterations: CIASA iterations per sample.
        gan_frames: see :class:`attack.CIASA`.
        Others: see :func:`fgsm_sweep`.
    Returns:
        One row per eps with the paper's NTU-XS / NTU-XV / Kinetics numbers where the eps
        is one of the paper's.
    """
    t0 = time.perf_counter()
    eps_list = _check_eps_list(eps, "eps")
    sub_set, sub = _subset(model, sset, samples, "table1", labels, batch_size, device)
    ticker = _Ticker(len(eps_list) * len(sub), progress)
    rows, configs = [], []
    paper_eps = [x / 1000 for x in PAPER_TABLE1["eps_x1e3"]]
    for e in eps_list:
        r, secs, cfg = _ciasa_row_run(model, sub_set, sub, ticker, batch_size, eps=e, mode="basic",
                                      iterations=iterations, gan_frames=gan_frames, seed=seed, device=device)
        configs.append(cfg)
        k = next((i for i, p in enumerate(paper_eps) if abs(p - e) < 1e-9), None)
        rows.append(BasicRow(
            eps=e, eps_x1e3=round(e * 1000, 6),
            targeted_fooling_rate_over_correct=_metric(r, "targeted_fooling_rate_over_correct"),
            targeted_fooling_rate_over_all=_metric(r, "targeted_fooling_rate_over_all"),
            untargeted_fooling_rate_over_correct=_metric(r, "untargeted_fooling_rate_over_correct"),
            mean_joint_displacement_mm=_metric(r, "mean_joint_displacement_mm"),
            bone_length_error_mean=_metric(r, "bone_length_error_mean"), seconds=secs,
            paper_ntu_xs=None if k is None else PAPER_TABLE1["ntu_xs"][k],
            paper_ntu_xv=None if k is None else PAPER_TABLE1["ntu_xv"][k],
            paper_kinetics=None if k is None else PAPER_TABLE1["kinetics"][k]))
    return ExperimentResult(
        name="table1", title="CIASA basic mode, least-likely targets: targeted fooling rate vs eps (paper Table I)",
        rows=rows, paper=PAPER_TABLE1, seconds=time.perf_counter() - t0,
        settings=_settings(model, sub, eps=eps_list, iterations=iterations, seed=seed, attack=configs[0]),
        notes=["fooling rate = share predicted as the least-likely class"])


def localized_regions(model: Model, sset: Any, *, eps: float = TABLE2_EPS, regions: Sequence[str] | None = None,
                      samples: SampleSpec | Subset | None = None, labels: np.ndarray | None = None,
                      iterations: int = DEFAULT_ITERATIONS, gan_frames: int | None = DEFAULT_GAN_FRAMES,
                      seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None,
                      progress: Progress | None = None) -> ExperimentResult:
    """Table II: CIASA localized mode at ``eps`` on each region (default: the layout's
    four regions, the paper's regions 1-4 for NTU), least-likely targets.

    Args:
        eps: global clip bound inside the region (paper 0.04).
        regions: region names (default: all of the layout's, in order).
        Others: see :func:`basic_sweep`.
    """
    t0 = time.perf_counter()
    eps = _check_eps_list([eps], "eps")[0]
    sub_set, sub = _subset(model, sset, samples, "table2", labels, batch_size, device)
    lay = get_layout(sub_set.layout)
    names = list(region_names(lay)) if regions is None else list(regions)
    ticker = _Ticker(len(names) * len(sub), progress)
    rows, configs = [], []
    paper_ok = lay.name == "ntu25"
    for name in names:
        r, secs, cfg = _ciasa_row_run(model, sub_set, sub, ticker, batch_size, eps=eps, mode="localized",
                                      region=name, iterations=iterations, gan_frames=gan_frames, seed=seed,
                                      device=device)
        configs.append(cfg)
        k = list(lay.regions).index(name) if name in lay.regions else None
        paper_k = k if paper_ok and k is not None and k < 4 else None
        rows.append(RegionRow(
            region=(k + 1) if k is not None else 0, name=name,
            joints=len(lay.regions[name]) if name in lay.regions else len(cfg["region"] or []),
            targeted_fooling_rate_over_correct=_metric(r, "targeted_fooling_rate_over_correct"),
            targeted_fooling_rate_over_all=_metric(r, "targeted_fooling_rate_over_all"),
            untargeted_fooling_rate_over_correct=_metric(r, "untargeted_fooling_rate_over_correct"),
            mean_joint_displacement_mm_region=_metric(r, "mean_joint_displacement_mm_region"), seconds=secs,
            paper_ntu_xs=None if paper_k is None else PAPER_TABLE2["ntu_xs"][paper_k],
            paper_ntu_xv=None if paper_k is None else PAPER_TABLE2["ntu_xv"][paper_k]))
    return ExperimentResult(
        name="table2", title=f"CIASA localized mode, eps {eps:g}: targeted fooling rate per region (paper Table II)",
        rows=rows, paper=PAPER_TABLE2, seconds=time.perf_counter() - t0,
        settings=_settings(model, sub, eps=eps, regions=names, iterations=iterations, seed=seed,
                           attack=configs[0] if configs else None),
        notes=["regions in the layout's order = the paper's regions 1-4 (left arm, right arm, legs, trunk+head) "
               "for NTU; joints outside the region are bit-identical to the input"])


def _paper_transfer_key(name: str, model: Any) -> str | None:
    arch = str(getattr(model, "arch", "")) + " " + name.lower()
    for key in ("ensemble", "bone", "joint"):
        if key in arch:
            return key
    return None


def _labels_for(target: Any, source: Any, labels: np.ndarray) -> np.ndarray:
    """``labels`` (source class order) in ``target``'s class order, by class name."""
    from pipeline.evaluate import align_labels

    src, dst = getattr(source, "class_names", None), getattr(target, "class_names", None)
    if not src or not dst or list(src) == list(dst):
        return labels
    return align_labels(labels, list(src), list(dst))[0]


def transfer(model: Model, sset: Any, targets: Mapping[str, Model], *, eps: float = TABLE3_EPS,
             samples: SampleSpec | Subset | None = None, labels: np.ndarray | None = None,
             iterations: int = DEFAULT_ITERATIONS, gan_frames: int | None = DEFAULT_GAN_FRAMES, seed: int = 0,
             batch_size: int = DEFAULT_BATCH_SIZE, device: str | torch.device | None = None,
             progress: Progress | None = None) -> ExperimentResult:
    """Table III: attack ``model`` (CIASA basic, ``eps``, least-likely targets), then score
    the adversarial skeletons with every model of ``targets`` (each applies its own
    preprocessing: 2s-AGCN pre-normalisation, bones).

    Args:
        model: the source (white-box) model, e.g. ST-GCN.
        targets: name -> model B (e.g. ``{"2s-AGCN joint": ..., "2s-AGCN bone": ...,
            "2s-AGCN ensemble": ...}``); a name or ``arch`` containing joint / bone /
            ensemble gets the paper's row. Class orders are matched by class name.
        eps: global clip bound (paper 0.012).
        samples: default: 4 per class, whatever the source model predicts (the paper
            reports each model's clean accuracy over the test set).
        Others: see :func:`basic_sweep`.
    Returns:
        The source model's row (white box) then one row per target model.
    Raises:
        ValidationError: no target model.
    """
    if not targets:
        raise ValidationError("transfer needs at least one target model", field="model")
    t0 = time.perf_counter()
    eps = _check_eps_list([eps], "eps")[0]
    sub_set, sub = _subset(model, sset, samples, "table3", labels, batch_size, device)
    ticker = _Ticker(len(sub) * (1 + len(targets)), progress)
    r, secs, cfg = _ciasa_row_run(model, sub_set, sub, ticker, batch_size, eps=eps, mode="basic",
                                  iterations=iterations, gan_frames=gan_frames, seed=seed, device=device)
    clean = torch.from_numpy(np.ascontiguousarray(sub_set.data, dtype=np.float32))
    adv = r.adversarial.to(torch.float32)
    rows = [TransferRow(
        model=str(getattr(model, "name", "source")), white_box=True, num_samples=len(sub),
        clean_accuracy=_metric(r, "clean_accuracy"), attacked_accuracy=_metric(r, "adversarial_accuracy"),
        fooling_rate_over_correct=_metric(r, "untargeted_fooling_rate_over_correct"),
        targeted_transfer_over_correct=_metric(r, "targeted_fooling_rate_over_correct"),
        paper_clean_accuracy=None, paper_attacked_accuracy=None, paper_fooling_rate=None)]
    for name, target in targets.items():
        lab = _labels_for(target, model, sub.labels)
        rep = evaluate_transfer(target, clean, adv, torch.from_numpy(lab),
                                targets=None if r.targets is None else r.targets.cpu(), name=name,
                                batch_size=batch_size, device=device)
        ticker.add(len(sub))
        key = _paper_transfer_key(name, target)
        paper = PAPER_TABLE3.get(key, {}) if key else {}
        rows.append(TransferRow(
            model=name, white_box=False, num_samples=rep.num_samples, clean_accuracy=rep.clean_accuracy,
            attacked_accuracy=rep.attacked_accuracy, fooling_rate_over_correct=rep.fooling_rate_over_correct,
            targeted_transfer_over_correct=rep.targeted_transfer_over_correct,
            paper_clean_accuracy=paper.get("clean_accuracy"), paper_attacked_accuracy=paper.get("attacked_accuracy"),
            paper_fooling_rate=paper.get("fooling_rate")))
    return ExperimentResult(
        name="table3", title=f"transfer of CIASA (basic, eps {eps:g}) from {rows[0].model} (paper Table III)",
        rows=rows, paper=PAPER_TABLE3, seconds=time.perf_counter() - t0,
        settings=_settings(model, sub, eps=eps, iterations=iterations, seed=seed, attack=cfg, attack_seconds=secs,
                           targets=list(targets)),
        notes=["fooling = misclassified after the attack among the samples that model classified correctly; "
               "targeted transfer = predicted as the source attack's least-likely target",
               "the first row is the attacked (white-box) model itself"])


#: The ablation's variants: name -> (smoothness, realignment, gan).
ABLATION_VARIANTS: dict[str, tuple[bool, bool, bool]] = {
    "full": (True, True, True),
    "no smoothness": (False, True, True),
    "no SSR": (True, False, True),
    "no GAN": (True, True, False),
}


def ablation(model: Model, sset: Any, *, eps: float = ABLATION_EPS, samples: SampleSpec | Subset | None = None,
             labels: np.ndarray | None = None, iterations: int = DEFAULT_ITERATIONS,
             gan_frames: int | None = DEFAULT_GAN_FRAMES, seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE,
             device: str | torch.device | None = None, progress: Progress | None = None) -> ExperimentResult:
    """CIASA basic mode with all regularisers and without each of smoothness, SSR and the
    GAN (:data:`ABLATION_VARIANTS`): fooling rate and perceptibility metrics.

    Args:
        eps: global clip bound (default 0.01).
        Others: see :func:`basic_sweep`.
    """
    t0 = time.perf_counter()
    eps = _check_eps_list([eps], "eps")[0]
    sub_set, sub = _subset(model, sset, samples, "ablation", labels, batch_size, device)
    ticker = _Ticker(len(ABLATION_VARIANTS) * len(sub), progress)
    rows = []
    for name, (smooth, ssr, gan) in ABLATION_VARIANTS.items():
        r, secs, _ = _ciasa_row_run(model, sub_set, sub, ticker, batch_size, eps=eps, mode="basic",
                                    iterations=iterations, smoothness=smooth, realignment=ssr, gan=gan,
                                    gan_frames=gan_frames, seed=seed, device=device)
        rows.append(AblationRow(
            variant=name, smoothness=smooth, realignment=ssr, gan=gan,
            targeted_fooling_rate_over_correct=_metric(r, "targeted_fooling_rate_over_correct"),
            targeted_fooling_rate_over_all=_metric(r, "targeted_fooling_rate_over_all"),
            mean_joint_displacement_mm=_metric(r, "mean_joint_displacement_mm"),
            bone_length_error_mean=_metric(r, "bone_length_error_mean"),
            speed_difference=_metric(r, "speed_difference"),
            acceleration_difference=_metric(r, "acceleration_difference"),
            jerk_difference=_metric(r, "jerk_difference"), clip_excess_max=_metric(r, "clip_excess_max"),
            seconds=secs))
    return ExperimentResult(
        name="ablation", title=f"CIASA basic mode, eps {eps:g}: with and without each regulariser",
        rows=rows, paper=PAPER_ABLATION, seconds=time.perf_counter() - t0,
        settings=_settings(model, sub, eps=eps, iterations=iterations, seed=seed, gan_frames=gan_frames),
        notes=["speed / acceleration / jerk differences: mean norm of the perturbation's time derivatives "
               "(data units per s, s^2, s^3 at the attack's fps); bone-length error: mean |dl|/l"])


#: Experiment name -> function (the CLI's choices).
EXPERIMENTS: dict[str, Callable[..., ExperimentResult]] = {
    "fig2": fgsm_sweep, "table1": basic_sweep, "table2": localized_regions, "table3": transfer,
    "ablation": ablation,
}
