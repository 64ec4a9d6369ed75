"""NTU RGB+D raw ``.skeleton`` text files: parse, select bodies, read a folder, write.

File format (whitespace separated, one record per line)::

    F                                  frame count (>= 1)
    per frame:
      B                                body count (>= 0; 0 = nobody tracked)
      per body:
        bodyID clippedEdges handLeftConfidence handLeftState handRightConfidence
          handRightState isRestricted leanX leanY trackingState        (10 fields)
        25                             joint count
        25 lines: x y z depthX depthY colorX colorY
                  orientationW orientationX orientationY orientationZ trackingState

``x y z`` are metres in the Kinect v2 camera frame (origin at the depth sensor, Y up, Z
from the sensor into the scene, X to the sensor's left seen from behind it); depthX/Y
and colorX/Y are pixels in the 512x424 depth and 1920x1080 colour images.

Body selection (``(3, T, 25, M)`` arrays, M = ``max_bodies``):

* ``"first"`` (st-gcn ``ntu_gendata``): slot ``m`` is the ``m``-th body listed in each
  frame; the first ``max_bodies`` are kept.
* ``"energy"`` (2s-AGCN ``ntu_gendata``, reproduced exactly): up to
  :data:`ENERGY_CANDIDATE_SLOTS` slots are filled by position; a frame of a slot counts
  when the *sum* of all its coordinates (x, y, z over every joint) is non-zero; the slot's
  motion energy is ``std(x) + std(y) + std(z)`` (population std over those frames and all
  joints; 0 when no frame counts); the ``max_bodies`` slots with the highest energy are
  kept, highest first. 2s-AGCN orders with ``energy.argsort()[::-1]``, and numpy's classic
  default sort is an insertion sort on so few elements (stable), so among equal energies
  the *later* slot comes first; this module applies that rule explicitly
  (:func:`energy_order`), whatever sort numpy dispatches to on the machine. Energy is
  measured on the whole file, before any ``max_frames`` truncation.
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipeline.classes import NTU60_CLASSES, NTU120_CLASSES
from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    UnknownFormatError,
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
from pipeline.io_utils import atomic_outputs
from pipeline.layouts import get_layout
from pipeline.skeleton_set import SkeletonSet

log = logging.getLogger(__name__)

NUM_JOINTS = 25
JOINT_FIELDS = 12
BODY_INFO_FIELDS = 10
NTU_FPS = 30.0

#: Slots scored by the ``"energy"`` selection (2s-AGCN reads at most 4 bodies).
ENERGY_CANDIDATE_SLOTS = 4

BodySelection = Literal["first", "energy"]
BODY_SELECTIONS: tuple[str, ...] = ("first", "energy")

#: Names of the joint columns, in file order.
JOINT_COLUMNS: tuple[str, ...] = (
    "x", "y", "z", "depthX", "depthY", "colorX", "colorY",
    "orientationW", "orientationX", "orientationY", "orientationZ", "trackingState",
)  # fmt: skip

#: Names of the body info fields, in file order.
BODY_INFO_COLUMNS: tuple[str, ...] = (
    "bodyID", "clippedEdges", "handLeftConfidence", "handLeftState", "handRightConfidence",
    "handRightState", "isRestricted", "leanX", "leanY", "trackingState",
)  # fmt: skip

# Nominal Kinect v2 intrinsics used by the writer (pixels).
DEPTH_INTRINSICS = {"fx": 365.5, "fy": 365.5, "cx": 256.0, "cy": 212.0}  # 512 x 424
COLOR_INTRINSICS = {"fx": 1081.4, "fy": 1081.4, "cx": 960.0, "cy": 540.0}  # 1920 x 1080

#: Base of the body IDs the writer invents (real Kinect IDs look like 72057594037931101).
BODY_ID_BASE = 72057594037927936  # 2**56


# --------------------------------------------------------------------------- records


@dataclass(eq=False)
class NtuBody:
    """One tracked body in one frame, exactly as in the file.

    Attributes:
        body_id: Kinect tracking ID (a large integer, kept exact).
        clipped_edges .. tracking_state: the other nine info-line fields.
        joints: ``(25, 12)`` float64, columns :data:`JOINT_COLUMNS` (x, y, z in metres,
            Kinect camera frame; depth/colour pixels; orientation quaternion w, x, y, z;
            joint tracking state).
    """

    body_id: int
    clipped_edges: int
    hand_left_confidence: int
    hand_left_state: int
    hand_right_confidence: int
    hand_right_state: int
    is_restricted: int
    lean_x: float
    lean_y: float
    tracking_state: int
    joints: np.ndarray

    @property
    def info(self) -> tuple[int | float, ...]:
        """The 10 info-line values in file order (:data:`BODY_INFO_COLUMNS`)."""
        return (
            self.body_id, self.clipped_edges, self.hand_left_confidence, self.hand_left_state,
            self.hand_right_confidence, self.hand_right_state, self.is_restricted,
            self.lean_x, self.lean_y, self.tracking_state,
        )  # fmt: skip

    @property
    def xyz(self) -> np.ndarray:
        """``(25, 3)`` joint positions, metres, Kinect camera frame (a view)."""
        return self.joints[:, :3]


@dataclass(eq=False)
class NtuRawSequence:
    """A whole ``.skeleton`` file, lossless.

    Attributes:
        path: the file read.
        frames: per frame, the bodies in file order (an empty list for a frame with no
            body). ``frames[t][m].joints`` is a view into ``joints``.
        joints: ``(K, 25, 12)`` float64, every body of every frame in file order.
        body_frame: ``(K,)`` int64 0-based frame of each body.
        body_position: ``(K,)`` int64 position of each body in its frame's list.
    """

    path: Path
    frames: list[list[NtuBody]]
    joints: np.ndarray = field(repr=False)
    body_frame: np.ndarray = field(repr=False)
    body_position: np.ndarray = field(repr=False)

    @property
    def num_frames(self) -> int:
        return len(self.frames)

    @property
    def body_counts(self) -> np.ndarray:
        """``(F,)`` number of bodies listed in each frame."""
        return np.array([len(f) for f in self.frames], dtype=np.int64)

    @property
    def has_bodies(self) -> bool:
        """False for a "missing skeleton" file (every frame lists zero bodies)."""
        return self.joints.shape[0] > 0


# --------------------------------------------------------------------------- parsing


class _Recheck(Exception):
    """The fast path met something it does not diagnose; the strict pass will."""


class _Lines:
    """A cursor over the lines of one file, raising :class:`FormatError` with the line.

    With ``strict`` every joint line is checked as it is passed (field count, numeric,
    finite), so the first error in file order is the one reported. Without it, joint
    lines are only counted and are checked in bulk afterwards.
    """

    def __init__(self, text: str, path: Path, *, strict: bool) -> None:
        self.lines = text.split("\n")
        self.path = path
        self.strict = strict
        self.i = 0
        # Trailing blank lines are allowed; reading past them is "unexpected end".
        end = len(self.lines)
        while end > 0 and not self.lines[end - 1].strip():
            end -= 1
        self.end = end

    def error(self, reason: str, line: int) -> FormatError:
        return FormatError(reason, path=self.path, line=line)

    def _need(self, n: int, what: str) -> None:
        if self.i + n > self.end:
            raise self.error(
                f"unexpected end of file (truncated) while reading the {what}", self.end + 1
            )

    def fields(self, n: int, what: str) -> list[str]:
        """The tokens of the next line, which must have exactly ``n``."""
        self._need(1, what)
        toks = self.lines[self.i].split()
        self.i += 1
        if len(toks) != n:
            raise self.error(
                f"wrong number of fields on the {what} line: expected {n}, got {len(toks)}",
                self.i,
            )
        return toks

    def count(self, what: str) -> int:
        """A non-negative integer alone on the next line."""
        (tok,) = self.fields(1, what)
        value = _to_int(tok)
        if value is None:
            raise self.error(f"non-numeric {what}: {tok!r} is not an integer", self.i)
        if value < 0:
            raise self.error(f"negative {what}: {value}", self.i)
        return value

    def joint_block(self) -> int:
        """Pass the 25 joint lines of one body; return the 0-based index of the first."""
        self._need(NUM_JOINTS, "joint lines")
        start = self.i
        self.i += NUM_JOINTS
        if self.strict:
            for k in range(start, self.i):
                _check_joint_line(self.lines[k], k + 1, self)
        return start

    def check_end(self) -> None:
        if self.i < self.end:
            raise self.error("trailing data after the last frame", self.i + 1)


def _to_int(tok: str) -> int | None:
    """An ASCII decimal integer with an optional sign, else ``None``."""
    if tok.isdigit() and tok.isascii():
        return int(tok)
    if tok[:1] in ("+", "-") and tok[1:].isdigit() and tok.isascii():
        return int(tok)
    return None


def _to_float(tok: str) -> float | None:
    if "_" in tok or not tok.isascii():  # float() takes "1_0" and non-ASCII digits
        return None
    try:
        return float(tok)
    except ValueError:
        return None


def _check_joint_line(line: str, lineno: int, cur: _Lines) -> None:
    toks = line.split()
    if len(toks) != JOINT_FIELDS:
        raise cur.error(
            f"wrong number of fields on a joint line: expected {JOINT_FIELDS}, got {len(toks)}",
            lineno,
        )
    for tok, col in zip(toks, JOINT_COLUMNS):
        v = _to_float(tok)
        if v is None:
            raise cur.error(f"non-numeric joint value {col}: {tok!r}", lineno)
        if not math.isfinite(v):
            raise cur.error(f"non-finite joint value {col}: {tok!r}", lineno)


_INFO_FLOATS = (BODY_INFO_COLUMNS.index("leanX"), BODY_INFO_COLUMNS.index("leanY"))


def _parse_body_info(toks: list[str], cur: _Lines) -> tuple[int | float, ...]:
    """The 10 info values (``leanX``, ``leanY`` floats, the others integers)."""
    out = [_to_float(t) if k in _INFO_FLOATS else _to_int(t) for k, t in enumerate(toks)]
    if None not in out and all(math.isfinite(out[k]) for k in _INFO_FLOATS):  # type: ignore
        return tuple(out)  # type: ignore[arg-type]
    for k, (v, tok, name) in enumerate(zip(out, toks, BODY_INFO_COLUMNS)):
        if v is None:
            kind = "a number" if k in _INFO_FLOATS else "an integer"
            raise cur.error(f"non-numeric body info field {name}: {tok!r} is not {kind}", cur.i)
        if k in _INFO_FLOATS and not math.isfinite(v):
            raise cur.error(f"non-finite body info field {name}: {tok!r}", cur.i)
    raise AssertionError("unreachable")  # pragma: no cover


def _convert_joint_lines(lines: list[str]) -> np.ndarray:
    """``(K, 25, 12)`` float64 from ``25 K`` joint lines; :class:`_Recheck` on any doubt."""
    k = len(lines) // NUM_JOINTS
    if k == 0:
        return np.zeros((0, NUM_JOINTS, JOINT_FIELDS), dtype=np.float64)
    try:  # numpy's C text parser; blank lines would be skipped, hence the shape check
        flat = np.loadtxt(lines, dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        raise _Recheck from None
    if flat.shape != (k * NUM_JOINTS, JOINT_FIELDS) or not np.isfinite(flat).all():
        raise _Recheck
    return flat.reshape(k, NUM_JOINTS, JOINT_FIELDS)


def _parse(text: str, path: Path, *, strict: bool) -> NtuRawSequence:
    cur = _Lines(text, path, strict=strict)
    num_frames = cur.count("frame count")
    if num_frames == 0:
        raise cur.error("zero-frame sequence (frame count is 0)", cur.i)
    infos: list[tuple[int | float, ...]] = []
    starts: list[int] = []
    frame_of: list[int] = []
    pos_of: list[int] = []
    for t in range(num_frames):
        nb = cur.count(f"body count (frame {t + 1})")
        for m in range(nb):
            infos.append(_parse_body_info(cur.fields(BODY_INFO_FIELDS, "body info"), cur))
            nj = cur.count("joint count")
            if nj != NUM_JOINTS:
                raise cur.error(f"wrong joint count: expected {NUM_JOINTS}, got {nj}", cur.i)
            starts.append(cur.joint_block())
            frame_of.append(t)
            pos_of.append(m)
    cur.check_end()
    joint_lines = [line for s in starts for line in cur.lines[s : s + NUM_JOINTS]]
    if not strict and "_" in "".join(joint_lines):  # loadtxt reads "1_0"; strict rejects it
        raise _Recheck
    joints = _convert_joint_lines(joint_lines)
    frames: list[list[NtuBody]] = [[] for _ in range(num_frames)]
    for k, (info, t) in enumerate(zip(infos, frame_of)):
        frames[t].append(NtuBody(*info, joints=joints[k]))  # type: ignore[arg-type]
    return NtuRawSequence(
        path=path,
        frames=frames,
        joints=joints,
        body_frame=np.asarray(frame_of, dtype=np.int64),
        body_position=np.asarray(pos_of, dtype=np.int64),
    )


def parse_skeleton_text(text: str, path: Path) -> NtuRawSequence:
    """Parse the content of a ``.skeleton`` file (see :func:`parse_skeleton_file`).

    A fast pass checks the structure line by line and converts all joint lines at once;
    if anything is wrong, a strict pass that checks every line in order reports the
    first error.
    """
    try:
        return _parse(text, path, strict=False)
    except (FormatError, _Recheck):
        pass
    try:
        return _parse(text, path, strict=True)
    except _Recheck:  # every line passed the strict checks but numpy still refused
        raise FormatError("joint values could not be converted to numbers", path=path) from None


def parse_skeleton_file(path: str | Path) -> NtuRawSequence:
    """Parse one NTU ``.skeleton`` file into a lossless :class:`NtuRawSequence`.

    Raises:
        MissingInputError: the file does not exist.
        FormatError: with the file and 1-based ``line``: truncated file, non-numeric
            token, wrong number of fields, wrong joint count, NaN/inf value, zero-frame
            sequence, negative count, trailing data.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such .skeleton file", path=path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not a text file: {exc}", path=path) from exc
    return parse_skeleton_text(text, path)


# --------------------------------------------------------------------------- bodies


def body_slots(seq: NtuRawSequence, num_slots: int) -> np.ndarray:
    """``(num_slots, F, 25, 3)`` float64 xyz by body position; absent slots are zero."""
    out = np.zeros((num_slots, seq.num_frames, NUM_JOINTS, 3), dtype=np.float64)
    keep = seq.body_position < num_slots
    out[seq.body_position[keep], seq.body_frame[keep]] = seq.joints[keep, :, :3]
    return out


def motion_energy(slots: np.ndarray) -> np.ndarray:
    """``(S,)`` motion energy of ``(S, F, V, 3)`` float64 slots, as 2s-AGCN's
    ``get_nonzero_std`` computes it.

    A frame of a slot counts when the sum of its coordinates (``slot.sum(-1).sum(-1)``:
    over x, y, z, then over the joints) is non-zero, so a frame whose coordinates cancel
    out is skipped like an absent one. Energy = ``std(x) + std(y) +
    std(z)``, each the population standard deviation over the counted frames and all
    joints, added in that order; 0 when no frame counts.
    """
    energy = np.zeros(slots.shape[0], dtype=np.float64)
    for s, slot in enumerate(slots):
        counted = slot[slot.sum(-1).sum(-1) != 0]  # (F', V, 3)
        if len(counted):
            energy[s] = counted[:, :, 0].std() + counted[:, :, 1].std() + counted[:, :, 2].std()
    return energy


def energy_order(energy: np.ndarray) -> np.ndarray:
    """Slot indices by descending energy; equal energies: the later slot first.

    This is 2s-AGCN's ``energy.argsort()[::-1]`` under numpy's classic default sort
    (an insertion sort, hence stable, on up to 16 elements). Written with an explicit
    stable sort because numpy >= 1.25 on AVX-512 machines dispatches the default sort of
    float64 to a sorting network that orders ties differently.
    """
    return np.argsort(np.asarray(energy), kind="stable")[::-1]


def select_bodies(
    seq: NtuRawSequence, body_selection: str = "first", max_bodies: int = 2
) -> np.ndarray:
    """``(3, F, 25, max_bodies)`` float64 xyz (metres, Kinect camera frame).

    See the module docstring for the ``"first"`` and ``"energy"`` rules. Absent bodies
    are exactly zero.
    """
    _check_selection(body_selection, max_bodies)
    if body_selection == "first":
        chosen = body_slots(seq, max_bodies)
    else:
        slots = body_slots(seq, max(ENERGY_CANDIDATE_SLOTS, max_bodies))
        order = energy_order(motion_energy(slots))[:max_bodies]
        chosen = slots[order]
    return chosen.transpose(3, 1, 2, 0)  # (M, F, V, C) -> (C, F, V, M)


def _check_selection(body_selection: str, max_bodies: int) -> None:
    if body_selection not in BODY_SELECTIONS:
        raise UnknownFormatError(
            f"unknown body selection {body_selection!r}; known: {', '.join(BODY_SELECTIONS)}",
            field="body_selection",
        )
    if not (is_int(max_bodies) and max_bodies >= 1):
        raise ValidationError(f"max_bodies must be an integer >= 1, got {max_bodies!r}",
                              field="max_bodies")


# --------------------------------------------------------------------------- reading


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
    _check_selection(body_selection, max_bodies)
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


# --------------------------------------------------------------------------- writing


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


__all__ = [
    "BENCHMARKS",
    "BODY_SELECTIONS",
    "COLOR_INTRINSICS",
    "DEPTH_INTRINSICS",
    "NtuBody",
    "NtuRawSequence",
    "body_id_for",
    "body_slots",
    "energy_order",
    "format_skeleton_text",
    "motion_energy",
    "parse_skeleton_file",
    "parse_skeleton_text",
    "project_to_pixels",
    "read_ntu_raw",
    "select_bodies",
    "write_ntu_raw",
]
