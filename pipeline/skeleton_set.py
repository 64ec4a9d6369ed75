"""The ``SkeletonSet`` artifact: skeleton sequences plus everything needed to use them.

On disk a set is ``X.npz`` (arrays ``data``, ``label``, ``name``, ``num_frames`` and
optional per-sample ``meta__<key>`` arrays; no pickled objects) plus ``X.json`` (the
manifest: layout, fps, coordinate frame, class names, splits, provenance, shape and a
content hash). Both are written atomically; loading checks the hash.

:func:`check_metadata` (:mod:`pipeline.set_metadata`, re-exported here) checks the
manifest's metadata as it checks the st-gcn sidecar's and pyskl's.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import (
    FormatError,
    LabelMismatchError,
    MissingInputError,
    UnknownFormatError,
    ValidationError,
)
from pipeline.io_utils import atomic_outputs, hash_arrays, load_json_document
from pipeline.layouts import get_layout
from pipeline.set_metadata import (
    COORDINATE_FRAMES,
    check_metadata,
    fps_problem,
    frame_problem,
    layout_key,
)
from pipeline.tensor import check_skeleton_array, row_chunks, valid_mask

MANIFEST_FORMAT = "ciasa.skeleton_set"
#: 2: the content hash covers the arrays and the metadata that changes their meaning
#: (:meth:`SkeletonSet.content_hash`); 1: it covered the arrays only (still read).
MANIFEST_VERSION = 1

#: dtype kinds a per-sample meta array may have (bool, int, uint, float, str): anything
#: else (object arrays) would make ``np.savez`` embed a pickle that loading refuses.
SAMPLE_META_KINDS = "biufU"

#: Bytes of data scanned at a time when checking padding (memory-mapped sets).
_CHUNK_BYTES = 2**26


# --------------------------------------------------------------------------- the set


@dataclass
class SkeletonSet:
    """A set of skeleton sequences in the ``(N, C, T, V, M)`` contract.

    Attributes:
        data: ``(N, C, T, V, M)`` float32; metres in the Kinect camera frame for NTU.
            Frames ``t >= num_frames[n]`` and absent bodies are exactly zero.
        label: ``(N,)`` int64 class index into ``class_names`` (-1: unknown).
        name: ``(N,)`` unique sample names (str).
        num_frames: ``(N,)`` int64 valid frames per sample, ``1 <= num_frames <= T``.
        layout: layout key (``"ntu25"``, ``"openpose18"``, ``"coco17"``); an alias
            (``"kinect"``, ``"ntu-rgb+d"``, ``"openpose"``...) is replaced by its key.
        fps: frames per second of the sequences (finite, > 0).
        coordinate_frame: one of :data:`COORDINATE_FRAMES`.
        class_names: class names, index = label.
        provenance: where the data came from (source files, generator and seed, config).
        splits: named subsets, e.g. ``{"train": [names], "val": [names]}``.
        sample_meta: extra per-sample ``(N, ...)`` arrays (e.g. camera distance in m) of
            dtype kind bool, int, uint, float or str (:data:`SAMPLE_META_KINDS`).
    """

    data: np.ndarray
    label: np.ndarray
    name: np.ndarray
    num_frames: np.ndarray
    layout: str
    fps: float = 30.0
    coordinate_frame: str = "kinect_camera"
    class_names: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    splits: dict[str, list[str]] = field(default_factory=dict)
    sample_meta: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.label = np.asarray(self.label, dtype=np.int64).reshape(-1)
        self.name = np.asarray(self.name, dtype=np.str_).reshape(-1)
        self.num_frames = np.asarray(self.num_frames, dtype=np.int64).reshape(-1)
        if not isinstance(self.data, np.memmap) and self.data.dtype != np.float32:
            self.data = np.asarray(self.data, dtype=np.float32)
        self.class_names = [str(c) for c in self.class_names]
        try:  # aliases -> canonical key; an unknown name is reported by validate()
            self.layout = layout_key(self.layout)
        except UnknownFormatError:
            pass

    def __len__(self) -> int:
        return int(self.data.shape[0])

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        """``(N, C, T, V, M)``."""
        return tuple(int(s) for s in self.data.shape)  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def valid_mask(self) -> np.ndarray:
        """``(N, T, M)`` mask of real (frame, body) slots."""
        return valid_mask(self.data, self.num_frames)

    def validate(self, *, path: str | Path | None = None, check_values: bool = True) -> "SkeletonSet":
        """Check the whole contract; raise a typed error naming the sample and field.

        With ``check_values`` every value is scanned (chunk-wise, so memory-mapped data
        are not loaded whole): no NaN / inf, and every frame at or after ``num_frames[n]``
        exactly zero.
        """
        p = None if path is None else str(path)
        try:
            lay = get_layout(layout_key(self.layout))
        except UnknownFormatError as exc:
            raise UnknownFormatError(exc.reason, path=p, field="layout") from None
        check_skeleton_array(
            self.data, num_joints=lay.num_joints, num_channels=len(lay.channels), path=p,
            check_values=False,
        )
        n = len(self)
        if n == 0:
            raise ValidationError("no samples (N = 0): an empty set cannot be used or written",
                                  path=p, field="data")
        for fname, arr in (("label", self.label), ("name", self.name), ("num_frames", self.num_frames)):
            if arr.shape[0] != n:
                raise LabelMismatchError(
                    f"{fname} has {arr.shape[0]} entries but data has {n} samples", path=p, field=fname
                )
        if check_values:
            check_skeleton_array(self.data, path=p, names=self.name, check_values=True)
        for key, arr in self.sample_meta.items():
            if not isinstance(key, str) or not key:
                raise ValidationError(f"per-sample meta key {key!r} is not a non-empty str",
                                      path=p, field="sample_meta")
            arr = np.asarray(arr)
            if arr.shape[:1] != (n,):
                raise LabelMismatchError(
                    f"per-sample meta has {arr.shape[:1]} rows for {n} samples",
                    path=p, field=f"meta__{key}",
                )
            if arr.dtype.kind not in SAMPLE_META_KINDS:
                raise ValidationError(
                    f"per-sample meta of dtype {arr.dtype} cannot be stored without pickling; "
                    "use bool, integer, float or str arrays", path=p, field=f"meta__{key}",
                )
        if len(set(self.name.tolist())) != n:
            seen: set[str] = set()
            dup = next(s for s in self.name.tolist() if s in seen or seen.add(s))  # type: ignore[func-returns-value]
            raise ValidationError("duplicate sample name", path=p, sample=dup, field="name")
        bad = np.flatnonzero((self.num_frames < 1) | (self.num_frames > self.data.shape[2]))
        if bad.size:
            i = int(bad[0])
            raise ValidationError(
                f"num_frames={int(self.num_frames[i])} outside 1..{self.data.shape[2]}"
                + (" (zero-frame sequence)" if self.num_frames[i] < 1 else ""),
                path=p, sample=str(self.name[i]), field="num_frames",
            )
        if check_values:
            self._check_padding(p)
        k = len(self.class_names)
        if k:
            badl = np.flatnonzero((self.label < -1) | (self.label >= k))
            if badl.size:
                i = int(badl[0])
                raise LabelMismatchError(
                    f"label {int(self.label[i])} outside 0..{k - 1} ({k} class names)",
                    path=p, sample=str(self.name[i]), field="label",
                )
        problem = frame_problem(self.coordinate_frame)
        if problem:
            raise ValidationError(problem, path=p, field="coordinate_frame")
        problem = fps_problem(self.fps)
        if problem:
            raise ValidationError(problem, path=p, field="fps")
        names = set(self.name.tolist())
        for split, members in self.splits.items():
            missing = [m for m in members if m not in names]
            if missing:
                raise LabelMismatchError(
                    f"split {split!r} names {len(missing)} samples not in the set",
                    path=p, sample=missing[0], field="splits",
                )
        return self

    def _check_padding(self, p: str | None) -> None:
        """Every frame ``t >= num_frames[n]`` must be exactly zero (scanned chunk-wise)."""
        t_total = self.data.shape[2]
        for rows in row_chunks(self.data, _CHUNK_BYTES):
            nf = self.num_frames[rows]
            t0 = int(nf.min())
            if t0 >= t_total:
                continue
            block = np.asarray(self.data[rows, :, t0:])  # only frames that may be padding
            nonzero = (block != 0).any(axis=(1, 3, 4))  # (n_blk, T - t0)
            padding = np.arange(t0, t_total)[None, :] >= nf[:, None]
            bad = nonzero & padding
            if bad.any():
                i, t = (int(x) for x in np.argwhere(bad)[0])
                raise ValidationError(
                    f"padding frame {t0 + t} is not zero (num_frames={int(nf[i])}; frames at "
                    "or after num_frames must be exactly zero)",
                    path=p, sample=str(self.name[rows.start + i]), field="data",
                )

    def subset(self, index: np.ndarray | list[int] | slice, *, keep_splits: bool = False) -> "SkeletonSet":
        """A new set with the samples at ``index`` (data copied into memory)."""
        idx = np.arange(len(self))[index]
        names = set(self.name[idx].tolist())
        splits = (
            {k: [s for s in v if s in names] for k, v in self.splits.items()} if keep_splits else {}
        )
        return replace(
            self,
            data=np.ascontiguousarray(self.data[idx]),
            label=self.label[idx],
            name=self.name[idx],
            num_frames=self.num_frames[idx],
            splits=splits,
            sample_meta={k: np.asarray(v)[idx] for k, v in self.sample_meta.items()},
        )

    def split(self, split_name: str) -> "SkeletonSet":
        """The samples of a named split, in set order."""
        if split_name not in self.splits:
            raise KeyError(
                f"no split {split_name!r}; splits: {', '.join(self.splits) or '(none)'}"
            )
        members = set(self.splits[split_name])
        idx = np.array([i for i, s in enumerate(self.name.tolist()) if s in members], dtype=np.int64)
        return self.subset(idx)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays stored in the ``.npz`` (meta arrays prefixed ``meta__``)."""
        out = {
            "data": self.data,
            "label": self.label,
            "name": self.name,
            "num_frames": self.num_frames,
        }
        for k, v in self.sample_meta.items():
            out[f"meta__{k}"] = np.asarray(v)
        return out

    def meaning(self) -> dict[str, Any]:
        """The metadata that changes what the arrays mean (covered by :meth:`content_hash`)."""
        return {
            "layout": self.layout,
            "fps": float(self.fps),
            "coordinate_frame": self.coordinate_frame,
            "class_names": list(self.class_names),
            "splits": {k: list(v) for k, v in self.splits.items()},
        }

    def content_hash(self) -> str:
        """SHA-256 over the arrays plus layout, fps, coordinate frame, class names and splits.

        Provenance is not covered: the same data read from another place hashes the same.
        """
        h = hashlib.sha256()
        h.update(hash_arrays(self.arrays()).encode("ascii"))
        h.update(b"\x00")
        meaning = json.dumps(self.meaning(), sort_keys=True, separators=(",", ":"),
                             ensure_ascii=False)
        h.update(meaning.encode("utf-8"))
        return h.hexdigest()

    def manifest(self) -> dict[str, Any]:
        """The JSON manifest describing this set."""
        lay = get_layout(self.layout)
        return {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "num_samples": len(self),
            "shape": {"N": self.shape[0], "C": self.shape[1], "T": self.shape[2],
                      "V": self.shape[3], "M": self.shape[4]},
            "layout": lay.name,
            "channels": list(lay.channels),
            "fps": float(self.fps),
            "coordinate_frame": self.coordinate_frame,
            "coordinate_frame_meaning": COORDINATE_FRAMES.get(self.coordinate_frame, ""),
            "class_names": list(self.class_names),
            "splits": {k: list(v) for k, v in self.splits.items()},
            "sample_meta": sorted(self.sample_meta),
            "provenance": self.provenance,
            "content_hash": self.content_hash(),
        }  # fmt: skip


def manifest_path(npz_path: str | Path) -> Path:
    """The manifest beside a set's ``.npz``: same stem, ``.json``."""
    return Path(npz_path).with_suffix(".json")


def save_skeleton_set(sset: SkeletonSet, path: str | Path) -> Path:
    """Validate and write ``sset`` to ``path`` (``.npz``) and its ``.json`` manifest, atomically.

    Returns the ``.npz`` path.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    sset.validate(path=path)
    manifest = sset.manifest()
    with atomic_outputs() as out:
        with open(out.path(path), "wb") as f:
            np.savez(f, **sset.arrays())
        out.path(manifest_path(path)).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


_REQUIRED_MANIFEST = ("layout", "fps", "coordinate_frame", "class_names", "content_hash")


def load_skeleton_set(path: str | Path, *, verify_hash: bool = True) -> SkeletonSet:
    """Read a set written by :func:`save_skeleton_set`; checks manifest, hash and contract.

    Raises:
        MissingInputError: the ``.npz`` or its manifest is missing.
        FormatError: a manifest field is missing or of the wrong type (the manifest and
            field named), the ``.npz`` is unreadable or lacks an array, or (with
            ``verify_hash``) the arrays or the metadata covered by
            :meth:`SkeletonSet.content_hash` differ from what was written.
        ValidationError, LabelMismatchError: the set breaks the contract.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such skeleton set (.npz)", path=path)
    mpath = manifest_path(path)
    if not mpath.is_file():
        raise MissingInputError(f"manifest {mpath.name} is missing beside the .npz", path=mpath)
    manifest = load_json_document(mpath, MANIFEST_FORMAT, "manifest")
    version = manifest.get("version")
    if version != MANIFEST_VERSION or isinstance(version, bool):
        raise FormatError(
            f"unsupported manifest version {version!r} (readable: {MANIFEST_VERSION})",
            path=mpath, field="version",
        )
    meta = check_metadata(manifest, path=mpath, required=_REQUIRED_MANIFEST)
    if not isinstance(manifest["content_hash"], str):
        raise FormatError(f"content_hash must be a str, got {manifest['content_hash']!r}",
                          path=mpath, field="content_hash")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise FormatError(f"not a readable .npz: {exc}", path=path) from exc
    for key in ("data", "label", "name", "num_frames"):
        if key not in arrays:
            raise FormatError("array missing from .npz", path=path, field=key)
    sset = SkeletonSet(
        data=arrays["data"],
        label=arrays["label"],
        name=arrays["name"],
        num_frames=arrays["num_frames"],
        layout=meta["layout"],
        fps=meta["fps"],
        coordinate_frame=meta["coordinate_frame"],
        class_names=meta["class_names"],
        provenance=meta.get("provenance", {}),
        splits=meta.get("splits", {}),
        sample_meta={k[len("meta__"):]: v for k, v in arrays.items() if k.startswith("meta__")},
    )
    if verify_hash:
        if sset.content_hash() != manifest["content_hash"]:
            raise FormatError(
                "content hash does not match the manifest (arrays, or the layout, fps, "
                "coordinate frame, class names or splits, changed since writing; or the "
                "file is truncated)", path=path, field="content_hash",
            )
    return sset.validate(path=path)
