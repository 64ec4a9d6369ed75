"""Atomic file output and hashing helpers.

Outputs are written to a temporary file in the destination folder and renamed into
place only when complete, so an interrupted or failed write never leaves a partial
file under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from pipeline.errors import FormatError


@contextlib.contextmanager
def atomic_outputs() -> Iterator["_Outputs"]:
    """Group several output files so that all appear together or none does.

    Usage::

        with atomic_outputs() as out:
            with open(out.path(final_a), "wb") as f: ...
            with open(out.path(final_b), "w") as f: ...
        # both renamed into place here; on an exception, temporaries are removed.
    """
    group = _Outputs()
    try:
        yield group
    except BaseException:
        group.discard()
        raise
    group.commit()


def _umask() -> int:
    """The process umask (read without changing it for long)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Outputs:
    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, final: str | Path) -> Path:
        """A temporary path to write ``final`` to; renamed on commit."""
        final = Path(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal permissions
        self._pending.append((Path(tmp), final))
        return Path(tmp)

    def commit(self) -> None:
        for tmp, final in self._pending:
            os.replace(tmp, final)
        self._pending.clear()

    def discard(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._pending.clear()


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_outputs() as out:
        out.path(path).write_text(text, encoding="utf-8")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_outputs() as out:
        out.path(path).write_bytes(data)


def hash_arrays(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over named arrays (name, dtype, shape and bytes), in key order.

    Large (memory-mapped) arrays are hashed in chunks.
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
        flat = a.reshape(a.shape[0], -1) if a.ndim > 1 else a.reshape(1, -1)
        step = max(1, int(2**24 // max(1, flat[0].nbytes)))
        for s in range(0, flat.shape[0], step):
            h.update(np.ascontiguousarray(flat[s : s + step]).tobytes())
    return h.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_json_document(path: str | Path, fmt: str, what: str) -> dict:
    """Read a JSON object whose ``"format"`` field must equal ``fmt``.

    Raises :class:`FormatError` naming ``path`` for invalid JSON or another format;
    ``what`` names the document in the message (``"manifest"``, ``"sidecar"``).
    """
    import json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{what} is not valid JSON: {exc}", path=path) from exc
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise FormatError(f"not a {fmt} {what}", path=path, field="format")
    return doc
