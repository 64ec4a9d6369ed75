"""pyskl / mmaction2 skeleton annotation pickles.

One pickle holds ``{"split": {"xsub_train": [frame_dir, ...], ...}, "annotations": [...]}``;
each annotation is a dict:

* ``frame_dir`` (str): the sample name; ``label`` (int); ``total_frames`` (int, ``T_n``);
* ``keypoint``: float ``(M, T_n, V, C)``; ``C = 3`` for 3D (NTU: x, y, z metres in the
  Kinect camera frame, ``V = 25``) or ``C = 2`` for 2D (x, y image pixels, y down;
  ``V = 17`` COCO or ``V = 18`` OpenPose);
* ``keypoint_score``: float ``(M, T_n, V)`` (2D only);
* ``img_shape``, ``original_shape``: ``(height, width)`` pixels (2D; optional for 3D).

Reading pads every sample to the longest ``total_frames`` and the most bodies (or
``max_bodies``, keeping the first bodies in file order as pyskl's ``FormatGCNInput``
does) and stores 2D scores as the third channel. Writing keeps, per sample, the bodies
present in some valid frame (at least one) and its ``num_frames`` frames.

ciasa also writes a top-level ``"ciasa"`` entry (layout, coordinate frame, fps, class
names; plain strings and numbers). pyskl and mmaction2 read only ``split`` and
``annotations`` and ignore it; files without it are read with defaults.

The pickle is untrusted input and is read only through :func:`pipeline.safe_pickle.safe_load`.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.classes import default_class_names
from pipeline.errors import FormatError, LabelMismatchError, ValidationError
from pipeline.formats._checks import is_int
from pipeline.io_utils import atomic_outputs
from pipeline.layouts import get_layout
from pipeline.safe_pickle import safe_load
from pipeline.set_metadata import check_metadata
from pipeline.skeleton_set import SkeletonSet
from pipeline.tensor import body_mask

log = logging.getLogger(__name__)

PICKLE_PROTOCOL = 4
META_KEY = "ciasa"
FPS = 30.0
#: Layout by (keypoint dims C, joints V).
_LAYOUTS: dict[tuple[int, int], str] = {(3, 25): "ntu25", (2, 17): "coco17", (2, 18): "openpose18"}
_FRAMES = {3: "kinect_camera", 2: "image_pixels"}
#: Per-sample shapes kept in ``SkeletonSet.sample_meta``.
_SHAPE_KEYS = ("img_shape", "original_shape")


@dataclass
class _Sample:
    """One annotation, checked. ``array``: ``(3, T_n, V, M_n)`` float32 (x, y, z or score)."""

    name: str
    label: int
    total_frames: int
    array: np.ndarray
    dims: int
    shapes: dict[str, tuple[int, int]]


# --------------------------------------------------------------------------- reading


def _top_level(obj: Any, path: Path) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    """``(annotations, split, ciasa_meta)`` of the pickle, checked for type."""
    if not isinstance(obj, dict):
        raise FormatError(f"expected a dict with split and annotations, got {type(obj).__name__}",
                          path=path)
    if "annotations" not in obj:
        raise FormatError("key missing", path=path, field="annotations")
    annotations, split = obj["annotations"], obj.get("split", {})
    if not isinstance(annotations, list):
        raise FormatError("annotations must be a list", path=path, field="annotations")
    if not isinstance(split, dict):
        raise FormatError("split must be a dict of name -> list of frame_dir", path=path,
                          field="split")
    # the optional ciasa entry: every field optional, checked and normalised (layout key...)
    meta = obj.get(META_KEY)
    return annotations, split, check_metadata({} if meta is None else meta, path=path,
                                              field_prefix=f"{META_KEY}.")


def _field(ann: dict[str, Any], key: str, path: Path, sample: str | int) -> Any:
    if key not in ann:
        raise FormatError("key missing", path=path, sample=sample, field=key)
    return ann[key]


def _float_array(value: Any, path: Path, sample: str, key: str) -> np.ndarray:
    """A finite float32 array, else FormatError / ValidationError naming the sample."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        raise FormatError(f"expected a numeric numpy array, got {type(value).__name__}",
                          path=path, sample=sample, field=key)
    arr = value.astype(np.float32, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValidationError(f"non-finite value {arr[idx]} at index {idx}", path=path,
                              sample=sample, field=key)
    return arr


def _shape2(value: Any, path: Path, sample: str, key: str) -> tuple[int, int]:
    if isinstance(value, np.ndarray) and value.ndim != 1:
        value = None  # a 0-d array has no len(); 2-d is not a (height, width) pair
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2 \
            or not all(is_int(v) for v in value):
        raise FormatError(f"expected (height, width) integers, got {value!r}", path=path,
                          sample=sample, field=key)
    return int(value[0]), int(value[1])


def _keypoints(ann: dict[str, Any], total: int, path: Path, name: str) -> tuple[np.ndarray, int]:
    """``((3, T, V, M) float32, C)`` from ``keypoint`` (and ``keypoint_score`` for 2D)."""
    kp = _float_array(_field(ann, "keypoint", path, name), path, name, "keypoint")
    if kp.ndim != 4 or kp.shape[3] not in (2, 3):
        raise ValidationError(f"keypoint must be (M, T, V, C) with C 2 or 3, got {kp.shape}",
                              path=path, sample=name, field="keypoint")
    if kp.shape[1] != total:
        raise ValidationError(f"keypoint has {kp.shape[1]} frames but total_frames={total}",
                              path=path, sample=name, field="keypoint")
    dims = int(kp.shape[3])
    if dims == 2:
        score = _float_array(_field(ann, "keypoint_score", path, name), path, name,
                             "keypoint_score")
        if score.shape != kp.shape[:3]:
            raise ValidationError(f"keypoint_score shape {score.shape} != keypoint {kp.shape[:3]}",
                                  path=path, sample=name, field="keypoint_score")
        kp = np.concatenate([kp, score[..., None]], axis=3)
    return np.ascontiguousarray(kp.transpose(3, 1, 2, 0)), dims


def _parse_sample(ann: Any, index: int, path: Path) -> _Sample:
    if not isinstance(ann, dict):
        raise FormatError(f"annotation is a {type(ann).__name__}, not a dict", path=path,
                          sample=index, field="annotations")
    name = _field(ann, "frame_dir", path, index)
    if not isinstance(name, str):
        raise FormatError(f"frame_dir {name!r} is not a str", path=path, sample=index,
                          field="frame_dir")
    total, label = _field(ann, "total_frames", path, name), _field(ann, "label", path, name)
    for key, val in (("total_frames", total), ("label", label)):
        if not is_int(val):
            raise FormatError(f"{val!r} is not an integer", path=path, sample=name, field=key)
    if total < 1:
        raise ValidationError(f"total_frames={total} (zero-frame sequence)", path=path,
                              sample=name, field="total_frames")
    array, dims = _keypoints(ann, int(total), path, name)
    shapes = {k: _shape2(ann[k], path, name, k) for k in _SHAPE_KEYS if k in ann}
    return _Sample(name, int(label), int(total), array, dims, shapes)


def _common(samples: list[_Sample], path: Path) -> tuple[int, int]:
    """``(C, V)`` shared by every sample; mixed dimensions or joint counts are an error."""
    first = samples[0]
    dims, joints = first.dims, first.array.shape[2]
    for s in samples[1:]:
        if (s.dims, s.array.shape[2]) != (dims, joints):
            raise ValidationError(
                f"keypoint has C={s.dims}, V={s.array.shape[2]} but {first.name!r} has "
                f"C={dims}, V={joints} (mixed layouts)", path=path, sample=s.name,
                field="keypoint",
            )
    return dims, joints


def _layout(dims: int, joints: int, meta: dict[str, Any], path: Path) -> str:
    """Layout key from the ciasa entry, else from ``(C, V)``."""
    key = meta.get("layout") or _LAYOUTS.get((dims, joints))
    if key is None:
        raise ValidationError(
            f"no layout for {dims}D keypoints with V={joints} joints (known: "
            + ", ".join(f"{c}D V={v} {k}" for (c, v), k in _LAYOUTS.items()) + ")",
            path=path, field="keypoint",
        )
    lay = get_layout(key)
    if lay.num_joints != joints or (lay.channels[2] == "score") != (dims == 2):
        raise FormatError(f"layout {key} does not fit {dims}D keypoints with V={joints}",
                          path=path, field=f"{META_KEY}.layout")
    return lay.name


def _stack(samples: list[_Sample], max_bodies: int | None) -> np.ndarray:
    """``(N, 3, T_max, V, M_max)`` float32, zero-padded; bodies beyond ``max_bodies`` dropped."""
    t_max = max(s.total_frames for s in samples)
    m_max = max(1, max(s.array.shape[3] for s in samples))
    if max_bodies is not None:
        m_max = min(m_max, max_bodies)
    v = samples[0].array.shape[2]
    data = np.zeros((len(samples), 3, t_max, v, m_max), dtype=np.float32)
    for i, s in enumerate(samples):
        arr = s.array[..., :m_max]
        data[i, :, : arr.shape[1], :, : arr.shape[3]] = arr
    return data


def _splits(split: dict[Any, Any], names: set[str], path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, members in split.items():
        if isinstance(members, np.ndarray) and members.ndim != 1:
            members = None  # a 0-d array is not a list
        if not isinstance(key, str) or not isinstance(members, (list, tuple, np.ndarray)):
            raise FormatError(f"split {key!r} must map a name to a list", path=path, field="split")
        members = list(members)
        for m in members:
            if not isinstance(m, str):
                raise FormatError(f"split {key!r} holds {m!r}, not a frame_dir str", path=path,
                                  field="split")
            if m not in names:
                raise LabelMismatchError(f"split {key!r} names a sample with no annotation",
                                         path=path, sample=m, field="split")
        out[key] = members
    return out


def read_pyskl(src: Path, *, max_bodies: int | None = None,
               class_names: list[str] | None = None) -> SkeletonSet:
    """Read a pyskl / mmaction2 annotation pickle.

    Args:
        src: the ``.pkl`` file (read with the restricted unpickler).
        max_bodies: keep at most this many bodies per sample (the first in file order).
        class_names: names when the file has no ciasa entry; default
            :func:`pipeline.classes.default_class_names`.

    Returns:
        A validated :class:`SkeletonSet`, ``data`` ``(N, 3, T_max, V, M_max)`` float32:
        3D: x, y, z (metres, ``kinect_camera``), layout ``ntu25``; 2D: x, y (pixels) and
        score (``image_pixels``), layout ``coco17`` (V=17) or ``openpose18`` (V=18), with
        ``sample_meta["img_shape"]`` ``(N, 2)`` int64 ``(height, width)`` when every sample
        has it (likewise ``original_shape``). ``num_frames`` = ``total_frames``; splits are
        kept verbatim.

    Raises:
        UnsafePickleError: the pickle references a non-data global.
        FormatError: not a dict, missing keys or wrong types (file, sample and field named).
        ValidationError: keypoint shape inconsistent with ``total_frames`` or across samples,
            NaN / inf values, ``total_frames < 1``.
        LabelMismatchError: a split names a sample that has no annotation.
    """
    path = Path(src)
    annotations, split, meta = _top_level(safe_load(path), path)
    if not annotations:
        raise FormatError("no annotations", path=path, field="annotations")
    if max_bodies is not None and (not is_int(max_bodies) or max_bodies < 1):
        raise ValidationError(f"max_bodies must be a positive integer, got {max_bodies!r}",
                              field="max_bodies")
    samples = [_parse_sample(a, i, path) for i, a in enumerate(annotations)]
    dims, joints = _common(samples, path)
    layout = _layout(dims, joints, meta, path)
    labels = np.asarray([s.label for s in samples], dtype=np.int64)
    names_out = meta.get("class_names") or class_names
    if names_out is None:
        names_out = default_class_names(int(labels.max()) + 1, layout)
    sset = SkeletonSet(
        data=_stack(samples, max_bodies),
        label=labels,
        name=np.asarray([s.name for s in samples], dtype=np.str_),
        num_frames=np.asarray([s.total_frames for s in samples], dtype=np.int64),
        layout=layout,
        fps=meta.get("fps", FPS),
        coordinate_frame=meta.get("coordinate_frame") or _FRAMES[dims],
        class_names=list(names_out),
        provenance={"format": "pyskl", "source": str(path), "max_bodies": max_bodies},
        splits=_splits(split, {s.name for s in samples}, path),
        sample_meta=_sample_shapes(samples, path),
    )
    return sset.validate(path=path)


def _sample_shapes(samples: list[_Sample], path: Path) -> dict[str, np.ndarray]:
    """``img_shape`` / ``original_shape`` as ``(N, 2)`` int64 when all or no samples have it."""
    out = {}
    for key in _SHAPE_KEYS:
        have = [key in s.shapes for s in samples]
        if any(have) and not all(have):
            missing = samples[have.index(False)].name
            raise FormatError("key missing (other samples have it)", path=path, sample=missing,
                              field=key)
        if all(have):
            out[key] = np.asarray([s.shapes[key] for s in samples], dtype=np.int64)
    return out


# --------------------------------------------------------------------------- writing


def _annotation(sset: SkeletonSet, i: int, present: np.ndarray, two_d: bool) -> dict[str, Any]:
    """The pyskl annotation of sample ``i``; ``present`` ``(M,)`` bodies to keep."""
    nf = int(sset.num_frames[i])
    keep = np.flatnonzero(present)
    if keep.size == 0:
        keep = np.array([0])
    # (C, T, V, M) -> (M', nf, V, C)
    kp = np.asarray(sset.data[i, :, :nf][..., keep], dtype=np.float32).transpose(3, 1, 2, 0)
    ann: dict[str, Any] = {"frame_dir": str(sset.name[i]), "label": int(sset.label[i]),
                           "total_frames": nf}
    if two_d:
        ann["keypoint"] = np.ascontiguousarray(kp[..., :2])
        ann["keypoint_score"] = np.ascontiguousarray(kp[..., 2])
    else:
        ann["keypoint"] = np.ascontiguousarray(kp)
    for key in _SHAPE_KEYS:
        if key in sset.sample_meta:
            h, w = np.asarray(sset.sample_meta[key])[i]
            ann[key] = (int(h), int(w))
    return ann


def _dump(path: Path, obj: dict[str, Any]) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=PICKLE_PROTOCOL)


def write_pyskl(sset: SkeletonSet, out: Path) -> list[Path]:
    """Write ``sset`` as one pyskl annotation pickle at ``out`` (a ``.pkl`` path), atomically.

    Each annotation holds the sample's ``num_frames`` frames and the bodies present in some
    valid frame (at least one), ``keypoint`` float32 ``(M, T, V, C)`` (C = 3 for xyz
    layouts; C = 2 plus ``keypoint_score`` ``(M, T, V)`` for x, y, score layouts),
    ``img_shape`` / ``original_shape`` from ``sample_meta`` when present, and the label as
    a Python int. ``split`` is ``sset.splits``. Reading it back gives the same data when
    absent bodies are the trailing slots and ``T`` / ``M`` are the largest ones used.

    Returns:
        ``[out]``.
    """
    out = Path(out)
    if out.suffix != ".pkl":
        raise ValidationError("a pyskl annotation file must end in .pkl", path=out, field="out")
    sset.validate(path=out)
    lay = get_layout(sset.layout)
    two_d = lay.channels[2] == "score"
    if two_d and "img_shape" not in sset.sample_meta:
        log.warning("%s: 2D set without sample_meta['img_shape']; pyskl pipelines that crop "
                    "need it", out)
    annotations = [
        _annotation(sset, i, body_mask(sset.data[i : i + 1], sset.num_frames[i : i + 1])[0], two_d)
        for i in range(len(sset))
    ]
    obj = {
        "split": {k: list(v) for k, v in sset.splits.items()},
        "annotations": annotations,
        META_KEY: {"layout": lay.name, "coordinate_frame": sset.coordinate_frame,
                   "fps": float(sset.fps), "class_names": list(sset.class_names)},
    }
    with atomic_outputs() as group:
        _dump(group.path(out), obj)
    log.info("wrote %d annotations to %s", len(sset), out)
    return [out]
