"""The attack stage as plain functions over files: the whole set in one call
(:func:`attack_stage`), or in pieces that are saved as they end and joined
(:func:`attack_chunk_stage`, :func:`attack_merge_stage`).

Pieces make a long attack resumable (the paper's 240 sequences take about an hour on one CPU
thread: an interrupted run redoes only the piece it was in) and let a process pool or a Dask
cluster attack several pieces at once. A piece's length is a multiple of the attack's batch
size, so every batch is the batch the one-call attack would form, and since a sample's
result depends only on its batch (CIASA seeds its targets, discriminator and real draws per
batch), the joined result is exactly the one-call result: same adversarial set, same
``attack.json``. Re-exported by :mod:`flows.stages`, where the tasks look them up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import pickle  # noqa: S403 - only for its error type; the load is weights_only
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows.rundir import mark_complete, marker_seconds, seconds_since
from flows.sources import resolve_device, sample_refs
from flows.stage_outputs import SetOutput, StageOutput

log = logging.getLogger(__name__)

#: torch threads of the attack on the CPU (see :func:`attack_stage`).
ATTACK_CPU_THREADS = 1
#: The file a piece of the attack writes: its batches' results (:meth:`AttackResult.to_state`).
CHUNK_FILE = "batches.pt"


class ChunkOutput(StageOutput):
    """One piece of the attack: samples ``start`` to ``stop - 1`` of the clean set, their
    batches' results in ``path``."""

    folder: str
    start: int
    stop: int
    path: str
    successes: int = 0


def chunk_bounds(samples: int, chunk: int) -> list[tuple[int, int]]:
    """The pieces ``[(start, stop), ...]`` of a set of ``samples`` attacked ``chunk`` at a
    time (one piece, the whole set, when ``chunk`` is 0 or covers it)."""
    if chunk <= 0 or chunk >= samples:
        return [(0, samples)]
    return [(lo, min(samples, lo + chunk)) for lo in range(0, samples, chunk)]


def write_attack_outputs(out: str | Path, adv_set: Any, report: dict[str, Any]) -> list[Path]:
    """Write ``adversarial.npz`` (+ ``.json``) and ``attack.json`` into ``out``, together
    (both appear or neither does)."""
    from pipeline.io_utils import atomic_outputs
    from pipeline.skeleton_set import save_skeleton_set

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_outputs() as group:
        written = [save_skeleton_set(adv_set, out / "adversarial.npz")]
        group.path(out / "attack.json").write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    return written + [out / "attack.json"]


class _Setup:
    """What every piece of the attack stage builds from its inputs: the device, the
    recogniser, the clean set, its labels in the model's class order and the attack."""

    def __init__(self, clean_path: str | Path, model: str, cfg: Any) -> None:
        from attack.runner import build_attack
        from pipeline.evaluate import align_labels
        from pipeline.models import load_recognizer
        from pipeline.skeleton_set import load_skeleton_set

        self.clean_path = str(clean_path)
        self.cfg = cfg
        self.device = resolve_device(cfg.device)
        self.attack_config = cfg.attack_config()
        self.rec = load_recognizer(model, device=self.device)
        self.sset = load_skeleton_set(clean_path)
        self.labels, _ = align_labels(self.sset.label, list(self.sset.class_names), list(self.rec.class_names),
                                      path=self.clean_path)
        self.atk = build_attack(self.attack_config, self.rec, layout=self.sset.layout, device=self.device)

    @contextlib.contextmanager
    def threads(self) -> Iterator[None]:
        """One torch thread on the CPU while attacking: float sums depend on the thread
        count, so a fixed count makes the adversarial set (and every key downstream of its
        content hash) identical in the main process, a process pool or a Dask worker; one
        thread is also the fastest setting for the attack on a shared CPU
        (docs/BENCHMARKS.md)."""
        import torch

        before = torch.get_num_threads()
        if str(self.device).startswith("cpu"):
            torch.set_num_threads(ATTACK_CPU_THREADS)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def finish(self, parts: list[Any], out_dir: Path, key: str, t0: float, pieces_seconds: float = 0.0) -> SetOutput:
        """Join the batches ``parts`` over the whole set, write the stage's outputs and
        completion marker, and return its record; ``pieces_seconds``: the seconds that
        computed the pieces joined here, counted in the marker's ``compute_seconds``."""
        import numpy as np

        from attack.runner import adversarial_set, attack_provenance, attack_report, join_batches

        result = join_batches(self.atk, parts, self.sset)
        provenance = attack_provenance(self.atk, self.attack_config.model_dump(mode="json"), self.rec, self.sset,
                                       source_data=self.clean_path, device=self.device)
        adv = adversarial_set(self.sset, result, provenance)
        report = attack_report(result, self.sset, self.rec)
        report["source_data"] = self.clean_path
        written = write_attack_outputs(out_dir, adv, report)
        seconds = seconds_since(t0)
        mark_complete(out_dir, key, [p.relative_to(out_dir) for p in written] + ["adversarial.json"],
                      compute_seconds=round(seconds + pieces_seconds, 3))
        metrics = {k: v for k, v in result.metrics.items() if isinstance(v, (int, float)) or v is None}
        log.info("attack: success %.3f on %d samples", float(np.mean(result.success.numpy())), len(self.sset))
        return SetOutput(stage="attack", key=key, folder=str(out_dir), path=str(written[0]),
                         content_hash=adv.content_hash(), samples=sample_refs(adv),
                         info={"metrics": metrics, "success": result.success.numpy().astype(bool).tolist(),
                               "device": self.device}, seconds=seconds)


def attack_stage(clean_path: str | Path, model: str, cfg: Any, out_dir: str | Path, key: str,
                 progress: Any = None) -> SetOutput:
    """Attack the set at ``clean_path`` with the attack of ``cfg``
    (:class:`~flows.config.AttackStageConfig`) in one call; writes ``adversarial.npz`` and
    ``attack.json`` into ``out_dir``."""
    from attack.runner import attack_batches

    t0 = time.perf_counter()
    s = _Setup(clean_path, model, cfg)
    with s.threads():
        parts = attack_batches(s.atk, s.sset, labels=s.labels, batch_size=cfg.batch_size, progress=progress)
    return s.finish(parts, Path(out_dir), key, t0)


def attack_chunk_stage(clean_path: str | Path, model: str, cfg: Any, start: int, stop: int, out_dir: str | Path,
                       key: str, progress: Any = None) -> ChunkOutput:
    """Attack samples ``start`` to ``stop - 1`` of the set at ``clean_path`` and write their
    batches' results to ``<out_dir>/batches.pt`` (with its completion marker).

    Raises:
        ValidationError: ``start`` is not a multiple of the attack's batch size, or the
            piece is empty or outside the set (its batches would differ from the one-call
            attack's).
    """
    import torch

    from attack.runner import attack_batches
    from pipeline.errors import ValidationError
    from pipeline.io_utils import atomic_outputs

    t0 = time.perf_counter()
    s = _Setup(clean_path, model, cfg)
    if start % cfg.batch_size or not 0 <= start < stop <= len(s.sset):
        raise ValidationError(f"attack piece {start}-{stop - 1} of {len(s.sset)} samples does not start on a batch "
                              f"of {cfg.batch_size}", path=str(clean_path), field="attack.chunk")
    piece = s.sset.subset(slice(start, stop))
    with s.threads():
        parts = attack_batches(s.atk, piece, labels=s.labels[start:stop], batch_size=cfg.batch_size,
                               progress=progress)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CHUNK_FILE
    with atomic_outputs() as group:
        torch.save({"start": start, "stop": stop, "batches": [p.to_state() for p in parts]}, group.path(path))
    successes = int(sum(int(p.success.sum()) for p in parts))
    seconds = seconds_since(t0)
    mark_complete(out_dir, key, [CHUNK_FILE], start=start, stop=stop, successes=successes, compute_seconds=seconds)
    log.info("attack piece %d-%d: %d of %d fooled", start, stop - 1, successes, stop - start)
    return ChunkOutput(key=key, folder=str(out_dir), start=start, stop=stop, path=str(path), successes=successes,
                       seconds=seconds)


def reuse_chunk(key: str, out_dir: str | Path) -> ChunkOutput:
    """The record of a complete piece found in ``out_dir``, from its completion marker
    (bounds and successes; the piece's tensors are read only when the pieces are joined)."""
    from flows.rundir import read_marker

    marker = read_marker(out_dir)
    if marker is None:
        raise FileNotFoundError(f"no complete attack piece in {out_dir}")
    return ChunkOutput(key=key, folder=str(out_dir), start=int(marker["start"]), stop=int(marker["stop"]),
                       path=str(Path(out_dir) / CHUNK_FILE), successes=int(marker["successes"]), reused=True)


def load_chunk(path: str | Path) -> tuple[int, int, list[Any]]:
    """``(start, stop, batch results)`` of a piece :func:`attack_chunk_stage` wrote
    (``weights_only`` load).

    Raises:
        FormatError: the file is not such a piece (the message names it).
    """
    import torch

    from attack.result import AttackResult
    from pipeline.errors import FormatError

    try:
        doc = torch.load(path, map_location="cpu", weights_only=True)
        return int(doc["start"]), int(doc["stop"]), [AttackResult.from_state(b) for b in doc["batches"]]
    except (KeyError, TypeError, ValueError, RuntimeError, OSError, EOFError, pickle.UnpicklingError) as exc:
        raise FormatError(f"not a piece of an attack: {exc}", path=str(path)) from exc


def attack_merge_stage(clean_path: str | Path, model: str, cfg: Any, chunks: list[str | Path], out_dir: str | Path,
                       key: str) -> SetOutput:
    """Join the pieces ``chunks`` (files of :func:`attack_chunk_stage`, any order) of the
    attack of the set at ``clean_path`` into the stage's outputs, as :func:`attack_stage`
    writes them.

    Raises:
        ValidationError: the pieces do not tile the set (a gap, an overlap or a piece
            missing; the message names the samples).
    """
    from pipeline.errors import ValidationError

    t0 = time.perf_counter()
    s = _Setup(clean_path, model, cfg)
    loaded = sorted((load_chunk(p) for p in chunks), key=lambda c: c[0])
    at = 0
    parts: list[Any] = []
    for start, stop, batches in loaded:
        if start != at:
            raise ValidationError(f"the attack's pieces leave samples {at}-{start - 1} out or overlap there",
                                  path=str(clean_path), field="attack.chunk")
        parts.extend(batches)
        at = stop
    if at != len(s.sset):
        raise ValidationError(f"the attack's pieces end at sample {at} of {len(s.sset)}", path=str(clean_path),
                              field="attack.chunk")
    pieces_seconds = sum(marker_seconds(Path(p).parent) or 0.0 for p in chunks)
    return s.finish(parts, Path(out_dir), key, t0, pieces_seconds=pieces_seconds)


__all__ = ["ATTACK_CPU_THREADS", "CHUNK_FILE", "ChunkOutput", "attack_chunk_stage", "attack_merge_stage",
           "attack_stage", "chunk_bounds", "load_chunk", "reuse_chunk", "write_attack_outputs"]
