"""What a run's stages start from and what identifies it: the torch device, the
recogniser's and the source data's fingerprints, the clean sequences and their hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.io_utils import file_sha256
from flows.stage_outputs import SampleRef


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU here, else ``cpu``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def model_fingerprint(spec: str) -> str:
    """SHA-256 over the name and the bytes of the checkpoint file(s) behind ``spec``; for a
    ``module:factory`` spec, over its source file and its weights."""
    import hashlib

    from pipeline.models import resolve
    from pipeline.models.external import is_external_spec, load_external

    h = hashlib.sha256(str(spec).encode("utf-8"))
    if is_external_spec(spec):  # the user's code: its source file and its weights
        h.update(load_external(spec).meta["content_hash"].encode("ascii"))
        return h.hexdigest()
    for f in resolve(spec):
        h.update(file_sha256(f).encode("ascii"))
    return h.hexdigest()


def source_fingerprint(source: Any) -> dict[str, Any]:
    """What identifies the source data of a :class:`~flows.config.SourceConfig`: the
    synthetic generator's settings; a file's (and its manifest's) bytes; for a folder (a
    dataset of many files), every file's name, size and modification time."""
    if source.data is None and source.world == "ntu60":
        from pipeline.synth.ntu60.world import GENERATOR_NAME, GENERATOR_VERSION

        return {"world": GENERATOR_NAME, "ntu60": source.ntu60.model_dump(mode="json"),
                "generator_version": GENERATOR_VERSION, "benchmark": source.benchmark, "part": source.part}
    if source.data is None:
        from pipeline.synth.generate import GENERATOR_VERSION

        return {"synth": source.synth.model_dump(mode="json"), "generator_version": GENERATOR_VERSION,
                "part": source.part}
    path = Path(source.data)
    if path.is_dir():
        return {"folder": {str(f.relative_to(path)): [f.stat().st_size, f.stat().st_mtime_ns]
                           for f in sorted(path.rglob("*")) if f.is_file()}, "part": source.part}
    return {"data": {f.name: file_sha256(f) for f in (path, path.with_suffix(".json")) if f.is_file()},
            "part": source.part}


def sequence_hash(sset: Any, index: int) -> str:
    """SHA-256 over sample ``index``'s valid frames and name (what its render depends on)."""
    import numpy as np

    from pipeline.io_utils import hash_arrays

    nf = int(sset.num_frames[index])
    return hash_arrays({"data": np.asarray(sset.data[index], dtype=np.float64)[:, :nf],
                        "name": np.array(str(sset.name[index]))})


def sample_refs(sset: Any) -> list[SampleRef]:
    """One :class:`SampleRef` per sample of ``sset``."""
    return [SampleRef(name=str(sset.name[i]), index=i, label=int(sset.label[i]), num_frames=int(sset.num_frames[i]),
                      content_hash=sequence_hash(sset, i)) for i in range(len(sset))]


def load_source(source: Any) -> Any:
    """The skeleton set a :class:`~flows.config.SourceConfig` describes (its ``part``)."""
    if source.data is None and source.world == "ntu60":
        from pipeline.synth.ntu60.world import generate_ntu60, split_indices

        indices = None if source.part is None else split_indices(source.ntu60, source.benchmark, source.part)
        return generate_ntu60(source.ntu60, indices=indices)
    if source.data is None:
        from pipeline.synth import generate_synthetic

        sset = generate_synthetic(source.synth)
        return sset if source.part is None else sset.split(source.part)
    from pipeline.evaluate import load_evaluation_set

    return load_evaluation_set(source.data, source.part)
