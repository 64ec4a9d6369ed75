"""The st-gcn interchange format: ``{part}_data.npy`` + ``{part}_label.pkl``.

This is what the official ST-GCN tools (``tools/ntu_gendata.py``,
``tools/kinetics_gendata.py``) write and what their feeders read:

* ``{part}_data.npy``: ``(N, C, T, V, M)`` float32; for NTU ``C = 3`` (x, y, z metres in
  the Kinect camera frame), ``T = 300`` zero-padded frames, ``V = 25``, ``M = 2``; for
  Kinetics-skeleton ``C = 3`` (x, y centred image coordinates, score), ``V = 18``.
* ``{part}_label.pkl``: a pickle of the 2-tuple ``(sample_names: list[str],
  labels: list[int])``.

ciasa adds an optional sidecar ``{part}_meta.json`` (class names, layout, fps, coordinate
frame, the ``num_frames`` list, splits, provenance, per-sample meta). Official tools never
look at it, so files written here stay readable by them; files written by them (no
sidecar) are read by inferring the layout from ``V`` and the lengths from trailing
all-zero frames.

Label pickles are untrusted input and are read only through
:func:`pipeline.safe_pickle.safe_load`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.classes import default_class_names
from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    UnknownFormatError,
    ValidationError,
)
from pipeline.formats._checks import check_part_name, is_int
from pipeline.io_utils import atomic_outputs, load_json_document
from pipeline.layouts import get_layout, layout_for_joints
from pipeline.safe_pickle import safe_load
from pipeline.set_metadata import check_metadata
from pipeline.skeleton_set import SAMPLE_META_KINDS, SkeletonSet
from pipeline.tensor import check_skeleton_array, infer_num_frames

log = logging.getLogger(__name__)

DATA_SUFFIX = "_data.npy"
LABEL_SUFFIX = "_label.pkl"
META_SUFFIX = "_meta.json"
META_FORMAT = "ciasa.stgcn_meta"
META_VERSION = 1
#: Pickle protocol of the label file (what the official tools produce under Python 3).
PICKLE_PROTOCOL = 4
#: Frame rate assumed for files that do not record one (NTU and Kinetics are 30 fps).
DEFAULT_FPS = 30.0


# --------------------------------------------------------------------------- paths


def stgcn_paths(directory: Path, part: str) -> tuple[Path, Path, Path]:
    """``(data, label, meta)`` paths of ``part`` inside ``directory``."""
    check_part_name(part)
    return (
        directory / f"{part}{DATA_SUFFIX}",
        directory / f"{part}{LABEL_SUFFIX}",
        directory / f"{part}{META_SUFFIX}",
    )


def _resolve_data_path(src: Path, part: str | None) -> Path:
    """The ``*_data.npy`` file that ``src`` (a file or a directory) designates."""
    if src.is_dir():
        if part is not None:
            path = stgcn_paths(src, part)[0]
            if not path.is_file():
                raise MissingInputError(f"no {path.name} in the folder", path=path)
            return path
        found = sorted(src.glob(f"*{DATA_SUFFIX}"))
        if not found:
            raise MissingInputError(f"no *{DATA_SUFFIX} file in the folder", path=src)
        if len(found) > 1:
            parts = ", ".join(p.name[: -len(DATA_SUFFIX)] for p in found)
            raise FormatError(
                f"the folder holds several parts ({parts}); choose one with part=", path=src
            )
        return found[0]
    if not src.name.endswith(DATA_SUFFIX):
        raise FormatError(f"an st-gcn data file must be named <part>{DATA_SUFFIX}", path=src)
    if not src.is_file():
        raise MissingInputError("no such st-gcn data file", path=src)
    return src


def _sibling(data_path: Path, suffix: str) -> Path:
    return data_path.with_name(data_path.name[: -len(DATA_SUFFIX)] + suffix)


# --------------------------------------------------------------------------- reading


def _load_data(path: Path, mmap: bool) -> np.ndarray:
    """``(N, C, T, V, M)`` array from ``path``; a read-only memmap when ``mmap``."""
    try:
        data = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"not a readable .npy array: {exc}", path=path) from exc
    if data.dtype.kind != "f":
        raise FormatError(f"expected a float array, got dtype {data.dtype}", path=path,
                          field="data")
    check_skeleton_array(data, path=str(path), check_values=False)  # rank only here
    if data.dtype != np.float32:
        log.warning("%s: dtype %s converted to float32 (copied into memory)", path, data.dtype)
        data = np.asarray(data, dtype=np.float32)
    return data


def _infer_layout(data: np.ndarray, path: Path) -> str:
    """Layout key from the joint count ``V`` of ``(N, C, T, V, M)`` data."""
    try:
        return layout_for_joints(int(data.shape[3])).name
    except UnknownFormatError as exc:
        raise ValidationError(
            f"wrong joint count: V={data.shape[3]} matches no layout ({exc.reason}); "
            "pass layout= if the data has another layout", path=path, field="data",
        ) from exc


def _load_labels(path: Path) -> tuple[list[str], np.ndarray]:
    """``(names, labels)`` from an st-gcn label pickle, checked."""
    if not path.is_file():
        raise MissingInputError("label file missing beside the data file", path=path)
    obj = safe_load(path)
    if not isinstance(obj, (tuple, list)) or len(obj) != 2:
        raise FormatError(
            f"expected a pickled 2-tuple (sample_names, labels), got {type(obj).__name__}"
            + (f" of length {len(obj)}" if isinstance(obj, (tuple, list)) else ""),
            path=path,
        )
    names, labels = obj
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise FormatError(f"labels must be a list or 1-d array, got shape {labels.shape}",
                              path=path, field="labels")
        labels = labels.tolist() if labels.dtype.kind in "iu" else list(labels)
    if not isinstance(names, (list, tuple)) or not isinstance(labels, (list, tuple)):
        raise FormatError(
            "sample names and labels must be lists", path=path, field="sample_names/labels"
        )
    if len(names) != len(labels):
        raise LabelMismatchError(
            f"{len(names)} sample names but {len(labels)} labels", path=path, field="labels"
        )
    for i, s in enumerate(names):
        if not isinstance(s, str):
            raise FormatError(
                f"sample name is a {type(s).__name__}, not a str", path=path, sample=i,
                field="sample_names",
            )
    for i, lab in enumerate(labels):
        if not is_int(lab):
            raise FormatError(
                f"label {lab!r} is not an integer", path=path, sample=names[i], field="labels"
            )
    return list(names), np.asarray([int(x) for x in labels], dtype=np.int64)


def _names_digest(names: list[str] | np.ndarray) -> str:
    """SHA-256 of the sample names, to tie a sidecar to its label file."""
    return hashlib.sha256("\x00".join(str(s) for s in names).encode("utf-8")).hexdigest()


def _load_meta(path: Path, names: list[str], shape: tuple[int, ...]) -> dict[str, Any] | None:
    """The ciasa sidecar, checked against the data and labels; ``None`` when absent.

    Returns the fields normalised by :func:`pipeline.set_metadata.check_metadata` (layout
    as its canonical key, fps as float...) plus the raw ``sample_meta`` entry.
    """
    if not path.is_file():
        return None
    doc = load_json_document(path, META_FORMAT, "sidecar")
    stale = doc.get("shape") != list(shape) or doc.get("names_sha256") != _names_digest(names)
    if stale:
        raise LabelMismatchError(
            f"the sidecar describes other data (shape {doc.get('shape')} vs {list(shape)} or "
            "different sample names); it is stale: delete it or rewrite the set",
            path=path,
        )
    meta = check_metadata(doc, path=path)
    nf = meta.get("num_frames")
    if nf is not None and len(nf) != shape[0]:
        raise LabelMismatchError(
            f"num_frames has {len(nf)} entries for {shape[0]} samples", path=path,
            field="num_frames",
        )
    meta["sample_meta"] = doc.get("sample_meta")
    return meta


def _choose(stored: Any, given: Any, what: str, meta_path: Path) -> Any:
    """Sidecar value first, then the caller's; warn when the caller's is overridden."""
    if stored is None:
        return given
    if given is not None and given != stored:
        log.warning("%s: %s from the sidecar (%r) overrides the argument (%r)",
                    meta_path, what, stored, given)
    return stored


def _decode_sample_meta(raw: Any, n: int, path: Path) -> dict[str, np.ndarray]:
    """Per-sample arrays from the sidecar's ``{key: {"dtype": str, "data": list}}``.

    Only bool, integer, float and str dtypes (:data:`SAMPLE_META_KINDS`) are accepted.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FormatError("sample_meta must be an object", path=path, field="sample_meta")
    out = {}
    for key, spec in raw.items():
        where = {"path": path, "field": f"sample_meta.{key}"}
        if not isinstance(spec, dict) or "dtype" not in spec or "data" not in spec:
            raise FormatError("per-sample meta must be an object with dtype and data", **where)
        if not isinstance(spec["dtype"], str):
            raise FormatError(f"dtype must be a str, got {spec['dtype']!r}", **where)
        try:
            dtype = np.dtype(spec["dtype"])
        except TypeError as exc:
            raise FormatError(f"unknown dtype {spec['dtype']!r}: {exc}", **where) from None
        if dtype.kind not in SAMPLE_META_KINDS:
            raise FormatError(
                f"dtype {spec['dtype']!r} is not allowed (bool, integer, float or str only)",
                **where,
            )
        try:
            arr = np.asarray(spec["data"], dtype=dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            raise FormatError(f"unreadable per-sample meta: {exc}", **where) from None
        if arr.shape[:1] != (n,):
            raise LabelMismatchError(f"{arr.shape[:1]} rows for {n} samples", path=path,
                                     field=f"sample_meta.{key}")
        out[key] = arr
    return out


def read_stgcn(
    src: Path,
    *,
    mmap: bool = True,
    check_values: bool = True,
    part: str | None = None,
    class_names: list[str] | None = None,
    layout: str | None = None,
    fps: float | None = None,
) -> SkeletonSet:
    """Read an st-gcn ``{part}_data.npy`` / ``{part}_label.pkl`` pair.

    Args:
        src: the ``*_data.npy`` file, or a folder holding exactly one (or pick with ``part``).
            The label file is the sibling ``*_label.pkl``; the optional ciasa sidecar the
            sibling ``*_meta.json``.
        mmap: keep the data as a read-only ``np.memmap`` (not loaded into memory).
        check_values: scan every value for NaN / inf and non-zero padding after
            ``num_frames`` (chunked; works on memmaps).
        part: part name when ``src`` is a folder with several parts.
        class_names, layout, fps: used when the sidecar does not record them (official
            files). Defaults: layout from ``V`` (25 -> ntu25, 18 -> openpose18, 17 -> coco17),
            the layout's usual coordinate frame, 30 fps, class names from
            :func:`pipeline.classes.default_class_names`.

    Returns:
        A validated :class:`SkeletonSet`; ``data`` ``(N, C, T, V, M)`` float32 in the units
        of the file (metres, Kinect camera frame, for NTU). ``num_frames`` comes from the
        sidecar, else from the last non-zero frame of each sample.

    Raises:
        MissingInputError: data or label file missing.
        FormatError: unreadable array or pickle, label pickle not ``(names, labels)``, a
            sidecar field of the wrong type or value (the sidecar and field named).
        UnsafePickleError: the label pickle references a non-data global.
        LabelMismatchError: label and data counts disagree, stale sidecar.
        ValidationError: wrong joint count, non-finite values, a zero-frame sample,
            non-zero padding after ``num_frames``.
    """
    data_path = _resolve_data_path(Path(src), part)
    label_path = _sibling(data_path, LABEL_SUFFIX)
    meta_path = _sibling(data_path, META_SUFFIX)
    data = _load_data(data_path, mmap)
    names, labels = _load_labels(label_path)
    n = int(data.shape[0])
    if len(names) != n:
        raise LabelMismatchError(
            f"{len(names)} labels in {label_path} but {n} samples in {data_path}",
            path=label_path, field="labels",
        )
    meta = _load_meta(meta_path, names, tuple(int(s) for s in data.shape)) or {}
    lay = _choose(meta.get("layout"), get_layout(layout).name if layout else None, "layout",
                  meta_path)
    lay_key = get_layout(lay).name if lay else _infer_layout(data, data_path)
    frame = meta.get("coordinate_frame") or get_layout(lay_key).coordinate_frame
    nf = meta.get("num_frames")
    num_frames = np.asarray(nf, dtype=np.int64) if nf is not None else infer_num_frames(data)
    names_out = _choose(meta.get("class_names"), class_names, "class names", meta_path)
    if names_out is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
        names_out = default_class_names(num_classes, lay_key)
    provenance = dict(meta.get("provenance") or {})
    chosen_fps = _choose(meta.get("fps"), fps, "fps", meta_path)
    provenance["read_from"] = {"format": "stgcn", "data": str(data_path), "label": str(label_path),
                               "meta": str(meta_path) if meta else None}
    sset = SkeletonSet(
        data=data,
        label=labels,
        name=np.asarray(names, dtype=np.str_),
        num_frames=num_frames,
        layout=lay_key,
        fps=chosen_fps if chosen_fps is not None else DEFAULT_FPS,
        coordinate_frame=frame,
        class_names=list(names_out),
        provenance=provenance,
        splits=meta.get("splits") or {},
        sample_meta=_decode_sample_meta(meta.get("sample_meta"), n, meta_path),
    )
    return sset.validate(path=data_path, check_values=check_values)


# --------------------------------------------------------------------------- writing


def _encode_sample_meta(sample_meta: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        k: {"dtype": np.asarray(v).dtype.str, "data": np.asarray(v).tolist()}
        for k, v in sample_meta.items()
    }


def _meta_dict(sset: SkeletonSet) -> dict[str, Any]:
    """The sidecar contents (plain JSON types only)."""
    return {
        "format": META_FORMAT,
        "version": META_VERSION,
        "shape": list(sset.shape),
        "names_sha256": _names_digest(sset.name),
        "layout": sset.layout,
        "fps": float(sset.fps),
        "coordinate_frame": sset.coordinate_frame,
        "class_names": list(sset.class_names),
        "num_frames": [int(x) for x in sset.num_frames],
        "splits": {k: list(v) for k, v in sset.splits.items()},
        "provenance": sset.provenance,
        "sample_meta": _encode_sample_meta(sset.sample_meta),
    }


def _write_data(path: Path, data: np.ndarray) -> None:
    """``np.save`` the ``(N, C, T, V, M)`` float32 array through an open file handle."""
    with open(path, "wb") as f:
        np.save(f, np.asarray(data, dtype=np.float32))


def _write_labels(path: Path, names: list[str], labels: list[int]) -> None:
    """Pickle ``(names, labels)`` exactly as the official st-gcn tools do."""
    with open(path, "wb") as f:
        pickle.dump((names, labels), f, protocol=PICKLE_PROTOCOL)


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=1), encoding="utf-8")


def write_stgcn(sset: SkeletonSet, out: Path, *, part: str = "all") -> list[Path]:
    """Write ``sset`` as ``out/{part}_data.npy``, ``{part}_label.pkl`` and ``{part}_meta.json``.

    ``out`` is a folder (created if needed). The three files are written in one atomic
    group: they all appear, or (on any error) none does and older files stay untouched.
    The data and label files are byte-compatible with the official tools (float32
    ``(N, C, T, V, M)``; pickle protocol 4 of ``(list[str], list[int])``).

    Returns:
        ``[data_path, label_path, meta_path]``.
    """
    data_path, label_path, meta_path = stgcn_paths(Path(out), part)
    sset.validate(path=data_path)
    names = [str(s) for s in sset.name.tolist()]
    labels = [int(x) for x in sset.label.tolist()]
    meta = _meta_dict(sset)
    with atomic_outputs() as group:
        _write_data(group.path(data_path), sset.data)
        _write_labels(group.path(label_path), names, labels)
        _write_meta(group.path(meta_path), meta)
    log.info("wrote %d samples to %s", len(sset), data_path)
    return [data_path, label_path, meta_path]
