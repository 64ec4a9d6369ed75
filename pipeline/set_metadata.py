"""Set metadata read from a file, checked in one place.

:func:`check_metadata` is the one checker of set metadata (layout, fps, coordinate frame,
class names, splits, provenance, ``num_frames``) read from a file: the ``SkeletonSet``
manifest, the st-gcn sidecar and the ``"ciasa"`` entry of pyskl pickles all go through it.
The small ``*_problem`` predicates are shared with :meth:`SkeletonSet.validate`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import FormatError, UnknownFormatError
from pipeline.layouts import get_layout

#: Known coordinate frames and their meaning.
COORDINATE_FRAMES: dict[str, str] = {
    "kinect_camera": "metres; Kinect v2 camera space: origin at the depth sensor, Y up, "
    "Z from the sensor into the scene, X to the sensor's left seen from behind it",
    "image_normalized_centered": "x, y in [-0.5, 0.5] (image coordinates / size - 0.5, y "
    "down), third channel the detection score (Kinetics-skeleton st-gcn feeder)",
    "image_normalized": "x, y in [0, 1] image coordinates (y down), third channel score",
    "image_pixels": "x, y in pixels (y down), third channel the keypoint score",
    "unknown": "not recorded",
}


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def fps_problem(value: Any) -> str | None:
    """Why ``value`` is not a frame rate (a finite number > 0), or ``None``."""
    if not _is_number(value):
        return f"fps must be a number, got {value!r}"
    if not (math.isfinite(float(value)) and float(value) > 0):
        return f"fps must be finite and > 0, got {value!r}"
    return None


def frame_problem(value: Any) -> str | None:
    """Why ``value`` is not a known coordinate frame, or ``None``."""
    if not isinstance(value, str) or value not in COORDINATE_FRAMES:
        return f"unknown coordinate frame {value!r}; known: " + ", ".join(COORDINATE_FRAMES)
    return None


def layout_key(value: Any) -> str:
    """The canonical layout key of ``value`` (aliases resolved); UnknownFormatError if none."""
    if not isinstance(value, str):
        raise UnknownFormatError(f"a layout name must be a str, got {value!r}", field="layout")
    return get_layout(value).name


def _str_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{what} must be a list of str, got {type(value).__name__}")
    for i, x in enumerate(value):
        if not isinstance(x, str):
            raise ValueError(f"{what} must be a list of str; entry {i} is {x!r}")
    return [str(x) for x in value]


def _check_layout(value: Any) -> str:
    try:
        return layout_key(value)
    except UnknownFormatError as exc:
        raise ValueError(exc.reason) from None


def _check_fps(value: Any) -> float:
    problem = fps_problem(value)
    if problem:
        raise ValueError(problem)
    return float(value)


def _check_frame(value: Any) -> str:
    problem = frame_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _check_splits(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError(f"splits must map names to lists of sample names, got "
                         f"{type(value).__name__}")
    out = {}
    for key, members in value.items():
        if not isinstance(key, str):
            raise ValueError(f"split name {key!r} is not a str")
        out[key] = _str_list(members, f"split {key!r}")
    return out


def _check_provenance(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"provenance must be an object, got {type(value).__name__}")
    return dict(value)


def _check_num_frames(value: Any) -> list[int]:
    from pipeline.formats._checks import is_int  # lazy: pipeline.formats imports this module

    if not isinstance(value, (list, tuple)):
        raise ValueError(f"num_frames must be a list of integers, got {type(value).__name__}")
    for i, x in enumerate(value):
        if not is_int(x) or not -(2**63) <= x < 2**63:
            raise ValueError(f"num_frames must be a list of integers; entry {i} is {x!r}")
    return [int(x) for x in value]


#: Field -> checker returning the normalised value (ValueError with the reason if bad).
_METADATA_CHECKS: dict[str, Any] = {
    "layout": _check_layout,
    "fps": _check_fps,
    "coordinate_frame": _check_frame,
    "class_names": lambda v: _str_list(v, "class_names"),
    "splits": _check_splits,
    "provenance": _check_provenance,
    "num_frames": _check_num_frames,
}


def check_metadata(
    doc: Any,
    *,
    path: str | Path | None,
    required: tuple[str, ...] = (),
    field_prefix: str = "",
) -> dict[str, Any]:
    """Check the set metadata in ``doc`` (a manifest, sidecar or pickle entry); normalise it.

    Fields checked when present (a JSON ``null`` / ``None`` counts as absent):

    * ``layout``: a layout name; returned as its canonical key (``"kinect"`` -> ``"ntu25"``).
    * ``fps``: a finite number > 0; returned as ``float``.
    * ``coordinate_frame``: a key of :data:`COORDINATE_FRAMES`.
    * ``class_names``: a list of ``str``.
    * ``splits``: a dict ``str -> list of str``.
    * ``provenance``: a dict.
    * ``num_frames``: a list of integers (their range is checked by
      :meth:`SkeletonSet.validate`, their count by the caller).

    Other fields (``sample_meta``, ``content_hash``...) are the caller's business; they are
    only checked for presence when listed in ``required``.

    Args:
        doc: the parsed document.
        path: the file it came from (named in errors).
        required: fields that must be present and not null.
        field_prefix: prepended to field names in errors (``"ciasa."`` for pyskl).

    Returns:
        ``{field: normalised value}`` for the checked fields present in ``doc``.

    Raises:
        FormatError: naming ``path`` and the field.
    """
    if not isinstance(doc, dict):
        raise FormatError(f"metadata must be an object, got {type(doc).__name__}", path=path,
                          field=field_prefix.rstrip(".") or None)
    for key in required:
        if doc.get(key) is None:
            raise FormatError("field missing", path=path, field=field_prefix + key)
    out: dict[str, Any] = {}
    for key, check in _METADATA_CHECKS.items():
        if doc.get(key) is None:
            continue
        try:
            out[key] = check(doc[key])
        except ValueError as exc:
            raise FormatError(str(exc), path=path, field=field_prefix + key) from None
    return out
