"""NTU RGB+D raw ``.skeleton`` text files: the records and the parser.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import (
    FormatError,
    MissingInputError,
)

NUM_JOINTS = 25
JOINT_FIELDS = 12
BODY_INFO_FIELDS = 10
NTU_FPS = 30.0

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
