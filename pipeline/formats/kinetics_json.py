"""Kinetics-skeleton JSON (the st-gcn release of OpenPose poses on Kinetics-400).

On disk (official layout)::

    kinetics_train/<video_id>.json    one file per video
    kinetics_train_label.json         {video_id: {"has_skeleton": bool, "label": str,
                                                  "label_index": int}}

A video file is ``{"data": [{"frame_index": k, "skeleton": [{"pose": [x0, y0, x1, y1, ...],
"score": [s0, ..., s17]}, ...]}, ...], "label": str, "label_index": int}`` with 18 OpenPose
joints and x, y normalised to [0, 1] by the image width and height (y down).

Reading reproduces the official st-gcn Kinetics feeder: an array ``(3, T, 18,
num_person_in)`` of zeros; person ``m`` of frame ``frame_index`` is the ``m``-th entry of
the frame's skeleton list; channels x, y, score; then x, y minus 0.5 and x = y = 0 where
the score is 0; then per frame the persons are sorted by descending summed score (ties
keep file order) and the first ``num_person_out`` are kept. The result is in the
``image_normalized_centered`` frame: x, y in [-0.5, 0.5], third channel the score.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    ValidationError,
)
from pipeline.formats._checks import check_part_name, is_int
from pipeline.io_utils import atomic_outputs, load_json
from pipeline.layouts import get_layout
from pipeline.skeleton_set import SkeletonSet

log = logging.getLogger(__name__)

NUM_JOINTS = 18
LAYOUT = "openpose18"
FPS = 30.0
#: Largest ``label_index`` accepted (Kinetics-700 needs 699); a larger one is refused
#: rather than making a class-name list of that length. -1 marks an unlabelled video.
MAX_LABEL_INDEX = 99_999
#: Offset between the file's [0, 1] coordinates and the set's, per coordinate frame.
_OFFSETS = {"image_normalized_centered": 0.5, "image_normalized": 0.0}


# --------------------------------------------------------------------------- label file


def default_label_path(src: Path) -> Path:
    """``.../kinetics_val`` -> ``.../kinetics_val_label.json``."""
    return src.parent / f"{src.name}_label.json"


def _is_label_index(value: Any) -> bool:
    return is_int(value) and -1 <= value <= MAX_LABEL_INDEX


def _load_label_file(path: Path) -> dict[str, dict[str, Any]]:
    """The label JSON, checked: every entry has ``has_skeleton``, ``label``, ``label_index``."""
    if not path.is_file():
        raise MissingInputError("Kinetics label JSON not found", path=path)
    info = load_json(path, "JSON file")
    if not isinstance(info, dict):
        raise FormatError("label JSON must be an object {video_id: {...}}", path=path)
    for vid, entry in info.items():
        if not isinstance(entry, dict):
            raise FormatError("entry must be an object", path=path, sample=vid)
        for key, ok in (("has_skeleton", lambda v: isinstance(v, bool)),
                        ("label", lambda v: isinstance(v, str)),
                        ("label_index", _is_label_index)):  # fmt: skip
            if key not in entry:
                raise FormatError("key missing", path=path, sample=vid, field=key)
            if not ok(entry[key]):
                raise FormatError(f"bad value {entry[key]!r}", path=path, sample=vid, field=key)
    return info


def _class_names(info: dict[str, dict[str, Any]], path: Path) -> list[str]:
    """Names indexed by ``label_index`` from every (index, label) pair; ``class_<k>`` gaps."""
    by_index: dict[int, str] = {}
    for vid, entry in info.items():
        k, name = entry["label_index"], entry["label"]
        if k < 0:
            continue
        if by_index.setdefault(k, name) != name:
            raise LabelMismatchError(
                f"label_index {k} is called both {by_index[k]!r} and {name!r}",
                path=path, sample=vid, field="label",
            )
    top = max(by_index, default=-1)
    return [by_index.get(k, f"class_{k}") for k in range(top + 1)]


# --------------------------------------------------------------------------- one video


def _numbers(values: Any, length: int, path: Path, frame: int, field: str) -> np.ndarray:
    """``values`` as a float64 vector of ``length`` numbers, else a typed error.

    Only JSON numbers are accepted: a nested list (a ragged ``pose``), a string, a bool
    or ``null`` is a :class:`FormatError` naming the file, frame and field.
    """
    where = {"path": path, "sample": path.stem, "field": field}
    if not isinstance(values, list):
        raise FormatError(f"frame_index {frame}: {field} must be a flat list of numbers, "
                          f"got {type(values).__name__}", **where)
    for i, v in enumerate(values):
        if type(v) not in (int, float):  # json gives int, float, str, bool, None, list, dict
            raise FormatError(f"frame_index {frame}: {field} must be a flat list of numbers; "
                              f"value {i} is {v!r}", **where)
    if len(values) != length:
        raise FormatError(
            f"frame_index {frame}: wrong joint count: {field} has {len(values)} values, "
            f"expected {length} ({NUM_JOINTS} joints)", **where,
        )
    try:
        arr = np.asarray(values, dtype=np.float64)
    except OverflowError:  # an integer beyond the float range
        raise FormatError(f"frame_index {frame}: {field} holds a number out of range",
                          **where) from None
    if not np.isfinite(arr).all():
        raise ValidationError(f"frame_index {frame}: non-finite value in {field}", **where)
    return arr


def _fill_frame(buf: np.ndarray, frame: Any, path: Path) -> None:
    """Write one frame's persons into ``buf`` ``(3, T, 18, num_person_in)`` (float64)."""
    if not isinstance(frame, dict) or "frame_index" not in frame or "skeleton" not in frame:
        raise FormatError("each frame needs frame_index and skeleton", path=path,
                          sample=path.stem, field="data")
    t = frame["frame_index"]
    if not is_int(t):
        raise FormatError(f"frame_index {t!r} is not an integer", path=path, sample=path.stem,
                          field="frame_index")
    if not 0 <= t < buf.shape[1]:
        raise FormatError(
            f"frame_index {t} outside 0..{buf.shape[1] - 1} (max_frames={buf.shape[1]})",
            path=path, sample=path.stem, field="frame_index",
        )
    people = frame["skeleton"]
    if not isinstance(people, list):
        raise FormatError(f"frame_index {t}: skeleton must be a list", path=path,
                          sample=path.stem, field="skeleton")
    for m, person in enumerate(people[: buf.shape[3]]):
        if not isinstance(person, dict) or "pose" not in person or "score" not in person:
            raise FormatError(f"frame_index {t}: person {m} needs pose and score", path=path,
                              sample=path.stem, field="skeleton")
        pose = _numbers(person["pose"], 2 * NUM_JOINTS, path, t, "pose")
        buf[0, t, :, m] = pose[0::2]
        buf[1, t, :, m] = pose[1::2]
        buf[2, t, :, m] = _numbers(person["score"], NUM_JOINTS, path, t, "score")


def _feeder_array(frames: list[Any], path: Path, max_frames: int, num_person_in: int,
                  num_person_out: int) -> np.ndarray:
    """The st-gcn feeder's ``(3, max_frames, 18, num_person_out)`` float32 array."""
    buf = np.zeros((3, max_frames, NUM_JOINTS, num_person_in), dtype=np.float64)
    for frame in frames:
        _fill_frame(buf, frame, path)
    buf[0:2] -= 0.5
    absent = buf[2] == 0
    buf[0][absent] = 0
    buf[1][absent] = 0
    # per frame: persons by descending summed score, ties in file order
    order = np.argsort(-buf[2].sum(axis=1), axis=1, kind="stable")  # (T, M_in)
    buf = np.take_along_axis(buf, order[None, :, None, :], axis=3)
    return buf[:, :, :, :num_person_out].astype(np.float32)


def _read_video(path: Path, max_frames: int, num_person_in: int,
                num_person_out: int) -> tuple[np.ndarray, int, int]:
    """``(array (3, T, 18, M_out), num_frames, label_index)`` of one video file."""
    video = load_json(path, "JSON file")
    if not isinstance(video, dict):
        raise FormatError("video JSON must be an object", path=path)
    for key in ("data", "label_index"):
        if key not in video:
            raise FormatError("key missing", path=path, field=key)
    if not isinstance(video["data"], list):
        raise FormatError("data must be a list of frames", path=path, field="data")
    if not _is_label_index(video["label_index"]):
        raise FormatError(f"bad value {video['label_index']!r}", path=path, field="label_index")
    arr = _feeder_array(video["data"], path, max_frames, num_person_in, num_person_out)
    scored = (arr[2] != 0).any(axis=(1, 2))  # (T,)
    num_frames = int(np.flatnonzero(scored)[-1]) + 1 if scored.any() else 0
    return arr, num_frames, video["label_index"]


# --------------------------------------------------------------------------- reading


def _check_counts(**counts: int) -> None:
    for key, value in counts.items():
        if not is_int(value) or value < 1:
            raise ValidationError(f"must be a positive integer, got {value!r}", field=key)
    if counts["num_person_out"] > counts["num_person_in"]:
        raise ValidationError("num_person_out cannot exceed num_person_in",
                              field="num_person_out")


def _video_files(src: Path) -> list[Path]:
    if not src.is_dir():
        if src.exists():
            raise FormatError("expected the folder of per-video JSON files", path=src)
        raise MissingInputError("no such folder", path=src)
    files = sorted(p for p in src.glob("*.json") if p.is_file())
    if not files:
        raise FormatError("no .json files in the folder", path=src)
    return files


def _select(files: list[Path], info: dict[str, dict[str, Any]], label_path: Path,
            ignore_empty: bool) -> tuple[list[Path], list[str]]:
    """Files to read, and the ids skipped for ``has_skeleton`` false."""
    keep, skipped = [], []
    for f in files:
        if f.stem not in info:
            raise LabelMismatchError(f"video has no entry in {label_path}", path=f,
                                     sample=f.stem, field="label")
        if ignore_empty and not info[f.stem]["has_skeleton"]:
            skipped.append(f.stem)
        else:
            keep.append(f)
    if not keep:
        raise ValidationError("every video is marked has_skeleton=false", path=label_path)
    return keep, skipped


def read_kinetics_json(
    src: Path,
    *,
    labels: Path | None = None,
    max_frames: int = 300,
    num_person_in: int = 5,
    num_person_out: int = 2,
    ignore_empty: bool = True,
) -> SkeletonSet:
    """Read a folder of Kinetics-skeleton JSON files as the st-gcn feeder does.

    Args:
        src: folder of ``<video_id>.json`` files (read in file-name order).
        labels: the label JSON; default ``<src>_label.json`` beside the folder.
        max_frames: ``T`` of the output; a ``frame_index`` outside ``0..T-1`` is an error.
        num_person_in: persons read per frame (list position; later ones ignored).
        num_person_out: persons kept per frame after sorting by summed score (``M``).
        ignore_empty: skip videos whose label entry says ``has_skeleton: false``
            (recorded in ``provenance["skipped"]``).

    Returns:
        A validated :class:`SkeletonSet`, ``data`` ``(N, 3, max_frames, 18, num_person_out)``
        float32 with channels x, y (image size units, centred: [-0.5, 0.5], y down) and
        the OpenPose score; layout ``openpose18``, 30 fps. ``num_frames`` is the last frame
        with any non-zero score, plus one.

    Raises:
        MissingInputError: the folder or the label JSON is missing.
        FormatError: invalid JSON, missing keys, wrong joint count, non-numeric values,
            a frame index out of range (the file and frame are named).
        LabelMismatchError: a video's ``label_index`` disagrees with the label JSON, or it
            has no entry there.
        ValidationError: NaN / inf values; a video with no skeleton at all.
    """
    src = Path(src)
    _check_counts(max_frames=max_frames, num_person_in=num_person_in,
                  num_person_out=num_person_out)
    files = _video_files(src)
    label_path = Path(labels) if labels is not None else default_label_path(src)
    info = _load_label_file(label_path)
    keep, skipped = _select(files, info, label_path, ignore_empty)
    data = np.zeros((len(keep), 3, max_frames, NUM_JOINTS, num_person_out), dtype=np.float32)
    num_frames = np.zeros(len(keep), dtype=np.int64)
    label = np.zeros(len(keep), dtype=np.int64)
    for i, path in enumerate(keep):
        arr, nf, label_index = _read_video(path, max_frames, num_person_in, num_person_out)
        expected = info[path.stem]["label_index"]
        if label_index != expected:
            raise LabelMismatchError(
                f"label_index {label_index} in the video but {expected} in {label_path}",
                path=path, sample=path.stem, field="label_index",
            )
        if nf == 0:
            raise ValidationError("zero-frame sequence: no skeleton with a non-zero score",
                                  path=path, sample=path.stem, field="data")
        data[i], num_frames[i], label[i] = arr, nf, label_index
    sset = SkeletonSet(
        data=data, label=label, name=np.asarray([p.stem for p in keep], dtype=np.str_),
        num_frames=num_frames, layout=LAYOUT, fps=FPS,
        coordinate_frame="image_normalized_centered",
        class_names=_class_names(info, label_path),
        provenance={"format": "kinetics-json", "source": str(src), "labels": str(label_path),
                    "skipped": skipped, "max_frames": max_frames,
                    "num_person_in": num_person_in, "num_person_out": num_person_out},
    )
    return sset.validate(path=src)


# --------------------------------------------------------------------------- writing


def _check_writable(sset: SkeletonSet) -> float:
    """The offset to add to x, y; raises unless the set is openpose18 in a normalised frame."""
    if get_layout(sset.layout).name != LAYOUT:
        raise ValidationError(f"Kinetics-skeleton JSON holds openpose18 sets, not {sset.layout}",
                              field="layout")
    if sset.coordinate_frame not in _OFFSETS:
        raise ValidationError(
            f"coordinate frame {sset.coordinate_frame!r} cannot be written as [0, 1] image "
            f"coordinates (need one of {', '.join(_OFFSETS)})", field="coordinate_frame",
        )
    for s in sset.name.tolist():
        if not s or "/" in s or "\\" in s or "\x00" in s or s.startswith("."):
            raise ValidationError("sample name cannot be a file name", sample=s, field="name")
    return _OFFSETS[sset.coordinate_frame]


def _label_name(sset: SkeletonSet, k: int) -> str:
    if 0 <= k < len(sset.class_names):
        return sset.class_names[k]
    return "unknown" if k < 0 else f"class_{k}"


def _video_dict(sample: np.ndarray, num_frames: int, label: int, label_name: str,
                offset: float) -> dict[str, Any]:
    """One video's JSON object from ``sample`` ``(3, T, 18, M)`` (x, y, score).

    Frames ``0..num_frames-1``; per frame one skeleton per body slot whose summed score
    is positive, in slot order; x, y shifted by ``offset`` and written as the exact
    float64 value of the sum (so reading subtracts it back to the same float32).
    """
    frames = []
    for t in range(num_frames):
        people = []
        for m in range(sample.shape[3]):
            score = sample[2, t, :, m]
            if float(score.sum(dtype=np.float64)) <= 0:
                continue
            xy = sample[0:2, t, :, m].astype(np.float64) + offset  # (2, 18)
            people.append({"pose": [float(v) for v in xy.T.reshape(-1)],
                           "score": [float(v) for v in score]})
        frames.append({"frame_index": t, "skeleton": people})
    return {"data": frames, "label": label_name, "label_index": int(label)}


def write_kinetics_json(sset: SkeletonSet, out: Path, *, part: str = "all") -> list[Path]:
    """Write an openpose18 set as ``out/<part>/<name>.json`` plus ``out/<part>_label.json``.

    All files are written in one atomic group (all appear or none). Coordinates are
    written back to [0, 1] (x + 0.5, y + 0.5 for the centred frame).

    Round trip: :func:`read_kinetics_json` with ``max_frames=T`` and
    ``num_person_out=M`` returns the same data exactly when, in every valid frame, the
    bodies are already sorted by descending summed score (present bodies before absent
    ones), x = y = 0 wherever a joint's score is 0, and ``num_frames`` ends on a frame
    with a non-zero score. Sets read by :func:`read_kinetics_json` satisfy all three.
    Class names survive only for labels that occur (others become ``class_<k>``).

    Returns:
        The video files in set order, then the label file.
    """
    offset = _check_writable(sset)
    check_part_name(part)
    sset.validate(path=out)
    folder, label_path = Path(out) / part, Path(out) / f"{part}_label.json"
    names = sset.name.tolist()
    _refuse_foreign_files(folder, set(names))
    written, info = [], {}
    with atomic_outputs() as group:
        for i, name in enumerate(names):
            k = int(sset.label[i])
            video = _video_dict(np.asarray(sset.data[i]), int(sset.num_frames[i]), k,
                                _label_name(sset, k), offset)
            path = folder / f"{name}.json"
            group.path(path).write_text(json.dumps(video), encoding="utf-8")
            info[name] = {"has_skeleton": True, "label": _label_name(sset, k), "label_index": k}
            written.append(path)
        group.path(label_path).write_text(json.dumps(info, indent=1), encoding="utf-8")
    log.info("wrote %d Kinetics-skeleton videos to %s", len(names), folder)
    return [*written, label_path]


def _refuse_foreign_files(folder: Path, names: set[str]) -> None:
    """Refuse to write into a folder holding video JSONs of another set (they would be
    read back as part of this one)."""
    if not folder.is_dir():
        return
    foreign = sorted(p.name for p in folder.glob("*.json") if p.stem not in names)
    if foreign:
        raise ValidationError(
            f"the output folder holds {len(foreign)} .json files not in this set (e.g. "
            f"{foreign[0]}); write to an empty folder", path=folder, field="out",
        )
