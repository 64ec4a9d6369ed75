"""NTU RGB+D sample names, benchmark splits and the missing-skeleton ignore list.

An NTU sample is named ``SsssCcccPpppRrrrAaaa`` (e.g. ``S001C002P003R002A013``): setup
``sss``, camera ``ccc``, performer ``ppp``, replication ``rrr`` and action ``aaa``, each a
1-based, zero-padded three-digit number. NTU RGB+D 60 has setups 1-17, performers 1-40 and
actions 1-60; NTU RGB+D 120 adds setups 18-32, performers 41-106 and actions 61-120.

Benchmarks (``split_of``):

* ``xsub``  -- NTU-60 cross-subject: the performers in :data:`XSUB_TRAIN_PERFORMERS` train.
* ``xview`` -- NTU-60 cross-view: cameras 2 and 3 train, camera 1 validates.
* ``xsub120`` -- NTU-120 cross-subject: the performers in :data:`XSUB120_TRAIN_PERFORMERS`.
* ``xset``  -- NTU-120 cross-setup: even setup numbers train, odd ones validate.

All functions here are pure except :func:`read_ignore_list`, which reads one text file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.errors import FormatError, MissingInputError, UnknownFormatError

#: Suffix of raw NTU skeleton files.
SKELETON_SUFFIX = ".skeleton"

_NAME_RE = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")

#: Valid ranges (inclusive) of each name field, NTU-60 and NTU-120 together.
FIELD_RANGES: dict[str, tuple[int, int]] = {
    "setup": (1, 32),
    "camera": (1, 3),
    "performer": (1, 106),
    "replication": (1, 2),
    "action": (1, 120),
}

#: NTU-60 cross-subject training performers.
XSUB_TRAIN_PERFORMERS: frozenset[int] = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
)

#: NTU-120 cross-subject training performers.
XSUB120_TRAIN_PERFORMERS: frozenset[int] = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38, 45, 46, 47,
     49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91,
     92, 93, 94, 95, 97, 98, 100, 103)
)  # fmt: skip

#: NTU-60 cross-view training cameras.
XVIEW_TRAIN_CAMERAS: frozenset[int] = frozenset((2, 3))

#: Known benchmarks, in the order they are documented.
BENCHMARKS: tuple[str, ...] = ("xsub", "xview", "xsub120", "xset")

Split = Literal["train", "val"]


@dataclass(frozen=True)
class NtuName:
    """A parsed NTU sample name; every field is the 1-based number from the name."""

    setup: int
    camera: int
    performer: int
    replication: int
    action: int

    @property
    def label(self) -> int:
        """0-based class index: ``action - 1``."""
        return self.action - 1

    @property
    def name(self) -> str:
        """The canonical name, ``SsssCcccPpppRrrrAaaa``."""
        return (
            f"S{self.setup:03d}C{self.camera:03d}P{self.performer:03d}"
            f"R{self.replication:03d}A{self.action:03d}"
        )

    def __str__(self) -> str:
        return self.name


def parse_ntu_name(name: str | Path, *, path: str | Path | None = None) -> NtuName:
    """Parse ``SsssCcccPpppRrrrAaaa`` (a trailing ``.skeleton`` is allowed).

    Args:
        name: the sample name, a file name, or a :class:`~pathlib.Path` (its last part
            is used).
        path: the file to name in the error (defaults to ``name``).

    Raises:
        FormatError: the name does not match or a field is out of range.
    """
    text = name.name if isinstance(name, Path) else str(name)
    where = path if path is not None else text
    stem = text[: -len(SKELETON_SUFFIX)] if text.endswith(SKELETON_SUFFIX) else text
    match = _NAME_RE.fullmatch(stem)
    if match is None:
        raise FormatError(
            f"not an NTU sample name: {stem!r} (expected SsssCcccPpppRrrrAaaa, "
            "e.g. S001C002P003R002A013)",
            path=where, field="name",
        )
    values = dict(zip(FIELD_RANGES, (int(g) for g in match.groups())))
    for key, (lo, hi) in FIELD_RANGES.items():
        if not lo <= values[key] <= hi:
            raise FormatError(
                f"NTU sample name {stem!r}: {key} {values[key]} outside {lo}..{hi}",
                path=where, field="name",
            )
    return NtuName(**values)


def _check_benchmark(benchmark: str) -> None:
    if benchmark not in BENCHMARKS:
        raise UnknownFormatError(
            f"unknown NTU benchmark {benchmark!r}; valid benchmarks: {', '.join(BENCHMARKS)}",
            field="benchmark",
        )


def split_of(name: NtuName | str, benchmark: str) -> Split:
    """``"train"`` or ``"val"`` for sample ``name`` under ``benchmark``.

    Raises:
        UnknownFormatError: ``benchmark`` is not one of :data:`BENCHMARKS`.
        FormatError: ``name`` is a string that does not parse.
    """
    _check_benchmark(benchmark)
    n = name if isinstance(name, NtuName) else parse_ntu_name(name)
    if benchmark == "xsub":
        train = n.performer in XSUB_TRAIN_PERFORMERS
    elif benchmark == "xview":
        train = n.camera in XVIEW_TRAIN_CAMERAS
    elif benchmark == "xsub120":
        train = n.performer in XSUB120_TRAIN_PERFORMERS
    else:  # xset
        train = n.setup % 2 == 0
    return "train" if train else "val"


def make_splits(
    names: Iterable[NtuName | str], benchmarks: Sequence[str] = ("xsub", "xview")
) -> dict[str, list[str]]:
    """pyskl-style splits ``{"<benchmark>_train": [...], "<benchmark>_val": [...]}``.

    Names keep their input order inside each list; both keys exist for every requested
    benchmark even when a list is empty.

    Raises:
        UnknownFormatError: a benchmark is unknown (checked before any name is parsed).
    """
    if isinstance(benchmarks, str):
        benchmarks = (benchmarks,)
    for b in benchmarks:
        _check_benchmark(b)
    parsed = [n if isinstance(n, NtuName) else parse_ntu_name(n) for n in names]
    out: dict[str, list[str]] = {}
    for b in benchmarks:
        out[f"{b}_train"] = []
        out[f"{b}_val"] = []
        for n in parsed:
            out[f"{b}_{split_of(n, b)}"].append(n.name)
    return out


def read_ignore_list(path: str | Path) -> set[str]:
    """Read the NTU "samples with missing skeletons" list: one sample name per line.

    Blank lines are ignored; every other line (a trailing ``.skeleton`` allowed) must be an
    NTU sample name. Returns the canonical names.

    Raises:
        MissingInputError: ``path`` does not exist.
        FormatError: a line is not an NTU sample name (naming the file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such ignore-list file", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"ignore list is not UTF-8 text: {exc}", path=path) from exc
    out: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry:
            continue
        try:
            out.add(parse_ntu_name(entry).name)
        except FormatError as exc:
            raise FormatError(exc.reason, path=path, line=lineno, field="name") from None
    return out


__all__ = [
    "BENCHMARKS",
    "FIELD_RANGES",
    "NtuName",
    "SKELETON_SUFFIX",
    "XSUB120_TRAIN_PERFORMERS",
    "XSUB_TRAIN_PERFORMERS",
    "XVIEW_TRAIN_CAMERAS",
    "make_splits",
    "parse_ntu_name",
    "read_ignore_list",
    "split_of",
]
