"""Dataset formats, read and written through one registry.

=================  ==================================================  =====  =====
name               what                                                read   write
=================  ==================================================  =====  =====
``npz``            ciasa SkeletonSet (``X.npz`` + ``X.json``)          yes    yes
``ntu-raw``        NTU RGB+D ``.skeleton`` text (file or folder)       yes    yes
``stgcn``          st-gcn ``{part}_data.npy`` + ``{part}_label.pkl``   yes    yes
``kinetics-json``  Kinetics-skeleton per-video JSON + label JSON       yes    yes
``pyskl``          pyskl / mmaction2 annotation pickle                 yes    yes
=================  ==================================================  =====  =====

``read_set(fmt, src, **options)`` returns a validated :class:`SkeletonSet`;
``write_set(fmt, sset, out, **options)`` writes atomically and returns the paths written.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

from pipeline.errors import MissingInputError, UnknownFormatError
from pipeline.skeleton_set import SkeletonSet

# format name -> (module, reader function, writer function)
_REGISTRY: dict[str, tuple[str, str, str]] = {
    "npz": ("pipeline.formats.npz", "read_npz", "write_npz"),
    "ntu-raw": ("pipeline.formats.ntu_raw", "read_ntu_raw", "write_ntu_raw"),
    "stgcn": ("pipeline.formats.stgcn", "read_stgcn", "write_stgcn"),
    "kinetics-json": ("pipeline.formats.kinetics_json", "read_kinetics_json", "write_kinetics_json"),
    "pyskl": ("pipeline.formats.pyskl", "read_pyskl", "write_pyskl"),
}

FORMATS: tuple[str, ...] = tuple(_REGISTRY)


def _lookup(fmt: str, which: int) -> Callable[..., Any]:
    if fmt not in _REGISTRY:
        raise UnknownFormatError(
            f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}", field="format"
        )
    module, *funcs = _REGISTRY[fmt]
    return getattr(importlib.import_module(module), funcs[which])


def detect_format(path: str | Path) -> str:
    """Guess the format of ``path`` from its name and, for folders, their contents."""
    p = Path(path)
    if not p.exists():
        raise MissingInputError("no such file or directory", path=p)
    if p.is_file():
        if p.suffix == ".npz":
            return "npz"
        if p.name.endswith("_data.npy"):
            return "stgcn"
        if p.suffix in (".pkl", ".pickle"):
            return "pyskl"
        if p.suffix == ".skeleton":
            return "ntu-raw"
    else:
        if any(p.glob("*.skeleton")):
            return "ntu-raw"
        if any(p.glob("*_data.npy")):
            return "stgcn"
        if any(p.glob("*.json")):
            return "kinetics-json"
    raise UnknownFormatError(
        f"cannot tell the format of {p.name!r}; name it with --from ({', '.join(FORMATS)})",
        path=p,
    )


def read_set(fmt: str, src: str | Path, **options: Any) -> SkeletonSet:
    """Read ``src`` in format ``fmt`` into a validated :class:`SkeletonSet`."""
    reader = _lookup(fmt, 0)
    if not Path(src).exists():
        raise MissingInputError("no such file or directory", path=src)
    return reader(Path(src), **options)


def write_set(fmt: str, sset: SkeletonSet, out: str | Path, **options: Any) -> list[Path]:
    """Write ``sset`` in format ``fmt`` to ``out``; returns the files written."""
    writer = _lookup(fmt, 1)
    return writer(sset, Path(out), **options)


__all__ = ["FORMATS", "detect_format", "read_set", "write_set"]
