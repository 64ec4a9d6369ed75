"""Write a :class:`SkeletonSet` as NTU RGB+D raw ``.skeleton`` files (one per sample).

The format is described in :mod:`pipeline.formats.ntu_raw_text`."""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

import numpy as np

from pipeline.classes import NTU120_CLASSES
from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    ValidationError,
)
from pipeline.formats.ntu_names import (
    SKELETON_SUFFIX,
    parse_ntu_name,
)
from pipeline.formats.ntu_raw_text import NUM_JOINTS
from pipeline.io_utils import atomic_outputs
from pipeline.layouts import get_layout
from pipeline.skeleton_set import SkeletonSet

log = logging.getLogger(__name__)

# Nominal Kinect v2 intrinsics used by the writer (pixels).
DEPTH_INTRINSICS = {"fx": 365.5, "fy": 365.5, "cx": 256.0, "cy": 212.0}  # 512 x 424
COLOR_INTRINSICS = {"fx": 1081.4, "fy": 1081.4, "cx": 960.0, "cy": 540.0}  # 1920 x 1080

#: Base of the body IDs the writer invents (real Kinect IDs look like 72057594037931101).
BODY_ID_BASE = 72057594037927936  # 2**56


def project_to_pixels(xyz: np.ndarray, intr: dict[str, float]) -> np.ndarray:
    """``(..., 2)`` pixel coordinates of ``(..., 3)`` Kinect camera points (metres).

    Sign convention: ``u = cx + fx * X / Z``, ``v = cy - fy * Y / Z``. Kinect v2 delivers
    horizontally mirrored images, and real NTU files follow that: in
    ``S001C001P001R001A001`` the spine base at X = +0.218 m, Y = +0.173 m, Z = 3.786 m has
    depthX = 277.4 > 256 and depthY = 191.8 < 212. Since X points to the sensor's left,
    a point on the sensor's left lands right of the image centre, as in a mirror. Points
    with ``Z <= 0`` (not a visible point) get ``(0, 0)``.
    """
    z = xyz[..., 2]
    ok = z > 0
    safe = np.where(ok, z, 1.0)
    u = np.where(ok, intr["cx"] + intr["fx"] * xyz[..., 0] / safe, 0.0)
    v = np.where(ok, intr["cy"] - intr["fy"] * xyz[..., 1] / safe, 0.0)
    return np.stack([u, v], axis=-1)


def body_id_for(name: str, slot: int) -> int:
    """A deterministic Kinect-like body ID for body ``slot`` of sample ``name``."""
    return BODY_ID_BASE + (zlib.crc32(name.encode("utf-8")) & 0xFFFFF) * 16 + slot


# x y z (float32 exact), depthX depthY colorX colorY, orientation, trackingState.
_JOINT_LINE = "%.9g %.9g %.9g %.7g %.7g %.7g %.7g 0 0 0 0 2\n"
_JOINT_BLOCK = _JOINT_LINE * NUM_JOINTS
_ABSENT_BLOCK = "0 0 0 0 0 0 0 0 0 0 0 0\n" * NUM_JOINTS


def _joint_columns(per_body: np.ndarray) -> np.ndarray:
    """``(..., 25, 7)`` float64: x y z, depthX depthY, colorX colorY of ``(..., 25, 3)``."""
    xyz = per_body.astype(np.float64)
    return np.concatenate(
        [xyz, project_to_pixels(xyz, DEPTH_INTRINSICS), project_to_pixels(xyz, COLOR_INTRINSICS)],
        axis=-1,
    )


def _body_text(body_id: int, cols: np.ndarray | None) -> str:
    """One body record from ``cols (25, 7)``; ``None`` for an untracked placeholder."""
    if cols is None:
        return f"{body_id} 0 0 0 0 0 0 0 0 0\n{NUM_JOINTS}\n{_ABSENT_BLOCK}"
    return f"{body_id} 0 0 0 0 0 0 0 0 2\n{NUM_JOINTS}\n" + _JOINT_BLOCK % tuple(
        cols.ravel().tolist()
    )


def format_skeleton_text(xyz: np.ndarray, num_frames: int, name: str) -> str:
    """The ``.skeleton`` text of one sample.

    Args:
        xyz: ``(3, T, 25, M)`` float32, metres, Kinect camera frame; zero = absent.
        num_frames: frames to write (``<= T``).
        name: sample name (seeds the body IDs).

    Each frame lists the bodies present in it in slot order. A present body in slot
    ``m`` is preceded by placeholders for the absent slots below ``m`` (all-zero joints,
    tracking state 0), so a reader that assigns slots by position (st-gcn, this module)
    puts every body back in its slot.
    """
    per_body = np.transpose(xyz[:, :num_frames], (1, 3, 2, 0))  # (F, M, 25, 3)
    present = (per_body != 0).any(axis=(2, 3))  # (F, M)
    cols = _joint_columns(per_body)  # (F, M, 25, 7)
    ids = [body_id_for(name, m) for m in range(per_body.shape[1])]
    parts = [f"{num_frames}\n"]
    for t in range(num_frames):
        slots = np.flatnonzero(present[t])
        count = int(slots[-1]) + 1 if slots.size else 0
        parts.append(f"{count}\n")
        for m in range(count):
            parts.append(_body_text(ids[m], cols[t, m] if present[t, m] else None))
    return "".join(parts)


def _check_writable(sset: SkeletonSet) -> None:
    if get_layout(sset.layout).name != "ntu25" or sset.coordinate_frame != "kinect_camera":
        raise ValidationError(
            f"ntu-raw holds NTU-25 joints in the Kinect camera frame; this set has layout "
            f"{sset.layout!r}, coordinate frame {sset.coordinate_frame!r}",
            field="layout",
        )
    present = sset.valid_mask().any(axis=(1, 2))
    for n, raw in enumerate(sset.name.tolist()):
        try:
            nm = parse_ntu_name(raw)
        except FormatError as exc:
            raise ValidationError(
                f"{exc.reason}; ntu-raw stores the label only in the file name",
                sample=raw, field="name",
            ) from None
        if raw != nm.name:  # "X.skeleton" would be written as X.skeleton.skeleton
            raise ValidationError(
                f"sample name must be the bare NTU name {nm.name!r} (the writer adds "
                f"{SKELETON_SUFFIX})", sample=raw, field="name",
            )
        lab = int(sset.label[n])
        same_name = 0 <= lab < len(sset.class_names) and sset.class_names[lab] == NTU120_CLASSES[nm.action - 1]
        if nm.label != lab and not same_name:
            raise LabelMismatchError(
                f"label {lab} disagrees with action A{nm.action:03d} in the name (label must be "
                "action - 1, or name the same NTU class)", sample=raw, field="label",
            )
        if not present[n]:
            raise ValidationError(
                "no body in any frame; it would be read back as a missing-skeleton sample",
                sample=raw, field="data",
            )


def write_ntu_raw(sset: SkeletonSet, out: Path) -> list[Path]:
    """Write one ``<name>.skeleton`` per sample into directory ``out``, atomically.

    Only sets with layout ``ntu25`` in the ``kinect_camera`` frame whose names are bare
    NTU sample names (``SsssCcccPpppRrrrAaaa``, no ``.skeleton`` suffix) with
    ``label == action - 1`` (or a label whose class name is the NTU
    name of that action, as in the synthetic set; reading back then gives NTU labels)
    can be written. ``num_frames[n]`` frames
    are written; body info fields are zero except trackingState 2, body IDs are
    deterministic (:func:`body_id_for`), x y z are written with 9 significant digits
    (float32 values round-trip exactly), depth/colour pixels are projected with nominal
    Kinect v2 intrinsics (:func:`project_to_pixels`), orientations are 0 and joint
    tracking states 2. A frame where a lower slot is absent but a higher one present
    gets an all-zero placeholder body (tracking state 0) in the lower position, so slots
    survive the round trip (:func:`format_skeleton_text`). Either every file appears or
    none does.

    Raises:
        ValidationError: wrong layout / frame, a non-NTU name, a sample with no body,
            or ``out`` is an existing file.
        LabelMismatchError: a label disagrees with the action in its name.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValidationError("ntu-raw output must be a directory", path=out)
    sset.validate()
    _check_writable(sset)
    written: list[Path] = []
    with atomic_outputs() as group:
        for n, name in enumerate(sset.name.tolist()):
            final = out / f"{name}{SKELETON_SUFFIX}"
            text = format_skeleton_text(np.asarray(sset.data[n]), int(sset.num_frames[n]), name)
            group.path(final).write_text(text, encoding="utf-8")
            written.append(final)
    log.info("wrote %d .skeleton files to %s", len(written), out)
    return written

