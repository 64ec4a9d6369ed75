"""Small input checks shared by the format readers and writers.

Kept free of imports from :mod:`pipeline.skeleton_set` so that module can use them too
(it imports this one lazily: ``pipeline.formats`` itself imports ``pipeline.skeleton_set``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.errors import ValidationError


def is_int(x: Any) -> bool:
    """True for a Python or numpy integer; ``bool`` and ``np.bool_`` are not integers here."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_part_name(part: Any, *, field: str = "part") -> str:
    """``part`` if it is a plain file-name fragment (``train``, ``xsub_val``, ``all``...).

    Refused: anything but a non-empty ``str``, a path separator (``/``, ``\\``), a NUL
    character, ``.`` and ``..``.

    Raises:
        ValidationError: naming ``field``.
    """
    if (
        not isinstance(part, str)
        or not part
        or "/" in part
        or "\\" in part
        or "\x00" in part
        or part in (".", "..")
    ):
        raise ValidationError(f"invalid part name {part!r}", field=field)
    return part


__all__ = ["check_part_name", "is_int"]
