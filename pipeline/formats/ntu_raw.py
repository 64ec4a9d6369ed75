"""NTU RGB+D raw ``.skeleton`` files: read one file or a folder into a :class:`SkeletonSet`.

The format's pieces live in their own modules and are re-exported here, so
``pipeline.formats.ntu_raw`` stays the one import for users:

* :mod:`pipeline.formats.ntu_raw_text`: the file format (documented there), its records
  (:class:`NtuBody`, :class:`NtuRawSequence`) and the strict parser;
* :mod:`pipeline.formats.ntu_raw_bodies`: which bodies become the M slots (``"first"`` as
  st-gcn's ``ntu_gendata``, ``"energy"`` as 2s-AGCN's, reproduced exactly);
* :mod:`pipeline.formats.ntu_raw_write`: the writer (one ``.skeleton`` file per sample).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.classes import NTU60_CLASSES, NTU120_CLASSES
from pipeline.errors import (
    FormatError,
    MissingInputError,
    ValidationError,
)
from pipeline.formats._checks import is_int
from pipeline.formats.ntu_names import (
    BENCHMARKS,
    SKELETON_SUFFIX,
    NtuName,
    make_splits,
    parse_ntu_name,
    read_ignore_list,
)
from pipeline.formats.ntu_raw_bodies import (
    BODY_SELECTIONS,
    ENERGY_CANDIDATE_SLOTS,
    BodySelection,
    body_slots,
    check_selection,
    energy_order,
    motion_energy,
    select_bodies,
)
from pipeline.formats.ntu_raw_text import (
    BODY_INFO_COLUMNS,
    BODY_INFO_FIELDS,
    JOINT_COLUMNS,
    JOINT_FIELDS,
    NTU_FPS,
    NUM_JOINTS,
    NtuBody,
    NtuRawSequence,
    parse_skeleton_file,
    parse_skeleton_text,
)
from pipeline.formats.ntu_raw_write import (
    BODY_ID_BASE,
    COLOR_INTRINSICS,
    DEPTH_INTRINSICS,
    body_id_for,
    format_skeleton_text,
    project_to_pixels,
    write_ntu_raw,
)
from pipeline.skeleton_set import SkeletonSet

log = logging.getLogger(__name__)


def _list_inputs(src: Path) -> tuple[list[Path], bool]:
    """The ``.skeleton`` files of ``src`` (sorted by name) and whether it is a folder."""
    if src.is_dir():
        files = sorted((p for p in src.glob(f"*{SKELETON_SUFFIX}") if p.is_file()),
                       key=lambda p: p.name)
        if not files:
            raise MissingInputError(f"no *{SKELETON_SUFFIX} files in the directory", path=src)
        return files, True
    if src.is_file():
        return [src], False
    raise MissingInputError("no such file or directory", path=src)


def _resolve_ignore(ignore_list: str | Path | Iterable[str] | None) -> set[str]:
    if ignore_list is None:
        return set()
    if isinstance(ignore_list, (str, Path)):
        return read_ignore_list(ignore_list)
    return {parse_ntu_name(n).name for n in ignore_list}


def read_ntu_raw(
    src: Path,
    *,
    body_selection: BodySelection = "first",
    max_bodies: int = 2,
    max_frames: int | None = None,
    ignore_list: str | Path | Iterable[str] | None = None,
    benchmarks: Iterable[str] = ("xsub", "xview"),
    progress: Callable[[int], Any] | None = None,
) -> SkeletonSet:
    """Read one ``.skeleton`` file or a folder of them into a :class:`SkeletonSet`.

    Args:
        src: a ``.skeleton`` file or a directory (all ``*.skeleton`` files, sorted by name).
        body_selection: ``"first"`` (st-gcn) or ``"energy"`` (2s-AGCN); module docstring.
        max_bodies: ``M``, bodies kept per sample.
        max_frames: ``T``; longer sequences are truncated (logged), shorter zero padded.
            ``None``: the longest sequence read.
        ignore_list: sample names to skip in a folder (an iterable of names, or the path
            of the NTU "samples with missing skeletons" text file). Not applied to a
            single file given directly.
        benchmarks: splits to compute (``xsub``, ``xview``, ``xsub120``, ``xset``).
        progress: called with ``1`` after each file (skipped ones included).

    Returns:
        A validated set: ``data (N, 3, T, 25, M)`` float32 metres in the Kinect camera
        frame (layout ``ntu25``, 30 fps), ``label = action - 1``, NTU-60 class names if
        every action is <= 60 else NTU-120, ``num_frames`` = frames in the file capped at
        ``T``, pyskl-style ``splits``. ``provenance["skipped"]`` lists skipped samples with
        their reason (in the ignore list; no body in any frame).

    Raises:
        MissingInputError: ``src`` does not exist or a folder has no ``.skeleton`` file.
        FormatError: a bad file name or file content; a single file with no body at all;
            a folder in which every sample was skipped.
        UnknownFormatError: unknown ``body_selection`` or benchmark.
    """
    src = Path(src)
    check_selection(body_selection, max_bodies)
    if max_frames is not None and not (is_int(max_frames) and max_frames >= 1):
        raise ValidationError(f"max_frames must be an integer >= 1 or None, got {max_frames!r}",
                              field="max_frames")
    benchmarks = (benchmarks,) if isinstance(benchmarks, str) else tuple(benchmarks)
    make_splits([], benchmarks)  # validates the benchmark names before any work
    files, is_dir = _list_inputs(src)
    ignore = _resolve_ignore(ignore_list) if is_dir else set()
    parsed_names = [parse_ntu_name(p.name, path=p) for p in files]  # fail fast on bad names

    names: list[NtuName] = []
    arrays: list[np.ndarray] = []
    skipped: list[dict[str, str]] = []
    for path, nm in zip(files, parsed_names):
        if nm.name in ignore:
            skipped.append({"name": nm.name, "reason": "in ignore list"})
        else:
            seq = parse_skeleton_file(path)
            if not seq.has_bodies:
                if not is_dir:
                    raise FormatError(
                        "no body in any frame (a 'missing skeleton' sample)", path=path
                    )
                log.warning("%s: no body in any of its %d frames; skipped", path, seq.num_frames)
                skipped.append({"name": nm.name, "reason": "no body in any frame"})
            else:
                names.append(nm)
                arrays.append(select_bodies(seq, body_selection, max_bodies).astype(np.float32))
        if progress is not None:
            progress(1)
    if not names:
        raise FormatError("every sample was skipped; nothing to read", path=src)

    lengths = np.array([a.shape[1] for a in arrays], dtype=np.int64)
    t_len = int(max_frames) if max_frames is not None else int(lengths.max())
    truncated = [n.name for n, f in zip(names, lengths) if f > t_len]
    if truncated:
        log.warning(
            "%d sequence(s) longer than max_frames=%d were truncated (first: %s)",
            len(truncated), t_len, ", ".join(truncated[:5]),
        )
    data = np.zeros((len(names), 3, t_len, NUM_JOINTS, max_bodies), dtype=np.float32)
    for n, a in enumerate(arrays):
        data[n, :, : min(a.shape[1], t_len)] = a[:, :t_len]

    actions = [n.action for n in names]
    class_names = NTU60_CLASSES if max(actions) <= 60 else NTU120_CLASSES
    sset = SkeletonSet(
        data=data,
        label=np.array([n.label for n in names], dtype=np.int64),
        name=np.array([n.name for n in names]),
        num_frames=np.minimum(lengths, t_len),
        layout="ntu25",
        fps=NTU_FPS,
        coordinate_frame="kinect_camera",
        class_names=list(class_names),
        provenance={
            "format": "ntu-raw",
            "source": str(src),
            "body_selection": body_selection,
            "max_bodies": int(max_bodies),
            "max_frames": None if max_frames is None else int(max_frames),
            "benchmarks": list(benchmarks),
            "count": len(names),
            "skipped": skipped,
            "truncated": truncated,
        },
        splits=make_splits(names, benchmarks),
    )
    return sset.validate(path=src)


__all__ = [
    "BENCHMARKS", "BODY_ID_BASE", "BODY_INFO_COLUMNS", "BODY_INFO_FIELDS", "BODY_SELECTIONS", "COLOR_INTRINSICS",
    "DEPTH_INTRINSICS", "ENERGY_CANDIDATE_SLOTS", "JOINT_COLUMNS", "JOINT_FIELDS", "NTU_FPS", "NUM_JOINTS",
    "BodySelection", "NtuBody", "NtuRawSequence", "body_id_for", "body_slots", "energy_order",
    "format_skeleton_text", "motion_energy", "parse_skeleton_file", "parse_skeleton_text",
    "project_to_pixels", "read_ntu_raw", "select_bodies", "write_ntu_raw",
]
