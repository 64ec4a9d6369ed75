"""Atomic file output and hashing helpers.

Outputs are written to a temporary file in the destination folder and renamed into
place only when complete, so an interrupted or failed write never leaves a partial
file under the final name.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import FormatError, ValidationError
from pipeline.tensor import row_chunks

# The outermost group open in this context; nested atomic_outputs() calls join it.
_ACTIVE_GROUP: contextvars.ContextVar["_Outputs | None"] = contextvars.ContextVar(
    "ciasa_atomic_outputs", default=None
)


@contextlib.contextmanager
def atomic_outputs() -> Iterator["_Outputs"]:
    """Group several output files so that all appear together or none does.

    Usage::

        with atomic_outputs() as out:
            with open(out.path(final_a), "wb") as f: ...
            with open(out.path(final_b), "w") as f: ...
        # both renamed into place here; on an exception, temporaries are removed.

    Groups nest. When ``atomic_outputs()`` is entered while another group is open in
    the same context (thread or task), it yields that outer group and neither commits
    nor discards the group itself: only the outermost ``with`` renames every file into
    place, or removes every temporary on an exception. A caller can therefore wrap
    several writers, each of which opens its own group, in one outer group::

        with atomic_outputs():
            write_set("stgcn", train, out, part="train")
            write_set("stgcn", val, out, part="val")
        # all six files appear here, or none does

    If an exception leaves a nested ``with`` and the caller catches it inside the outer
    group, the temporaries registered inside that nested ``with`` are removed so that the
    failed writer's files are not committed with the others.

    ``out.path(final)`` refuses (:class:`ValidationError`) a ``final`` that is an existing
    directory, and the commit checks every final name again before renaming anything. If
    a rename still fails at commit, the remaining temporaries are removed and the error
    re-raised (files already renamed stay: a rename cannot be undone safely). Folders
    that ``out.path`` created are removed again on discard when they are left empty.
    """
    outer = _ACTIVE_GROUP.get()
    if outer is not None:
        mark = len(outer._pending)
        try:
            yield outer
        except BaseException:
            outer._discard_from(mark)
            raise
        return
    group = _Outputs()
    token = _ACTIVE_GROUP.set(group)
    try:
        try:
            yield group
        except BaseException:
            group.discard()
            raise
        group.commit()
    finally:
        _ACTIVE_GROUP.reset(token)


@functools.cache
def _umask() -> int:
    """The process umask, read once (reading it means setting it for an instant, which
    must not race with file creation in other threads more than once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _refuse_directory(final: Path) -> None:
    if final.is_dir():
        raise ValidationError(
            "cannot write this file: a directory of that name is in the way", path=final
        )


class _Outputs:
    """Temporaries to rename into place together; made by :func:`atomic_outputs`."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []
        self._made_dirs: list[Path] = []  # folders path() created; removed (if empty) on discard

    def path(self, final: str | Path) -> Path:
        """A temporary path to write ``final`` to; renamed on commit.

        Raises :class:`ValidationError` if ``final`` is an existing directory.
        """
        final = Path(final)
        _refuse_directory(final)
        self._made_dirs.extend(d for d in (final.parent, *final.parent.parents) if not d.exists())
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        os.close(fd)
        self._pending.append((Path(tmp), final))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal permissions
        return Path(tmp)

    def commit(self) -> None:
        """Rename every temporary into place; on a failure remove the rest and re-raise."""
        try:
            for _, final in self._pending:  # refuse before renaming anything
                _refuse_directory(final)
            while self._pending:
                tmp, final = self._pending[0]
                os.replace(tmp, final)
                self._pending.pop(0)
        except BaseException:
            self.discard()
            raise
        self._made_dirs.clear()

    def discard(self) -> None:
        """Remove every temporary not yet renamed, and the folders made for them if empty."""
        self._discard_from(0)
        for d in sorted(set(self._made_dirs), key=lambda d: len(d.parts), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only succeeds on an empty folder
        self._made_dirs.clear()

    def _discard_from(self, start: int) -> None:
        for tmp, _ in self._pending[start:]:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        del self._pending[start:]


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_outputs() as out:
        out.path(path).write_text(text, encoding="utf-8")


def hash_arrays(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over named arrays (name, dtype, shape and bytes), in key order.

    Large (memory-mapped) arrays are hashed in chunks of rows; empty arrays hash
    their name, dtype and shape.
    """
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = arrays[key]
        h.update(key.encode())
        h.update(str(a.dtype.str if a.dtype.kind != "U" else "U").encode())
        h.update(str(tuple(a.shape)).encode())
        if a.dtype.kind == "U":
            h.update("\x00".join(str(s) for s in a.reshape(-1)).encode("utf-8"))
            continue
        if a.ndim == 0:
            h.update(np.ascontiguousarray(a).tobytes())
            continue
        for rows in row_chunks(a, 2**24):
            h.update(np.ascontiguousarray(a[rows]).tobytes())
    return h.hexdigest()


def load_json(path: str | Path, what: str = "file") -> Any:
    """Parse a JSON file; :class:`FormatError` naming ``path`` when it is not valid JSON
    (``what`` names the document in the message)."""
    import json

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{what} is not valid JSON: {exc}", path=path) from exc


def load_json_document(path: str | Path, fmt: str, what: str) -> dict:
    """Read a JSON object whose ``"format"`` field must equal ``fmt``.

    Raises :class:`FormatError` naming ``path`` for invalid JSON or another format;
    ``what`` names the document in the message (``"manifest"``, ``"sidecar"``).
    """
    doc = load_json(path, what)
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise FormatError(f"not a {fmt} {what}", path=path, field="format")
    return doc


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file's bytes, read in ``chunk``-byte blocks: a file's identity in
    cache keys, manifests and provenance."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
