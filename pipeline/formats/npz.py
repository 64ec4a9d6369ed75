"""The ciasa ``.npz`` + ``.json`` SkeletonSet format as a registry entry.

``out`` for writing is a file path ending in ``.npz``, or a directory, in which case
the set is written as ``<dir>/<part>.npz`` (``part`` defaults to ``all``).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.formats._checks import check_part_name
from pipeline.skeleton_set import SkeletonSet, load_skeleton_set, manifest_path, save_skeleton_set


def read_npz(src: Path, *, verify_hash: bool = True) -> SkeletonSet:
    """Read a SkeletonSet ``.npz`` (its ``.json`` manifest must be beside it)."""
    return load_skeleton_set(src, verify_hash=verify_hash)


def write_npz(sset: SkeletonSet, out: Path, *, part: str = "all") -> list[Path]:
    """Write ``sset``; returns ``[npz, json]``."""
    path = out if out.suffix == ".npz" else out / f"{check_part_name(part)}.npz"
    written = save_skeleton_set(sset, path)
    return [written, manifest_path(written)]
