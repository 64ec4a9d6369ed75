"""A restricted unpickler for label and annotation pickles.

Dataset pickles (st-gcn ``*_label.pkl``, pyskl annotation files) hold only containers,
strings, numbers and numpy arrays. Loading them with :func:`pickle.load` would execute
whatever callable a crafted file names, and even numpy's own reconstruction functions
accept states that crash the interpreter (a malformed ``dtype`` state segfaults).

:func:`safe_load` therefore resolves only the globals in :data:`ALLOWED_GLOBALS`, and the
numpy ones resolve to validating stand-ins written here, never to numpy's functions:

* ``numpy.dtype(spec, align, copy)`` + its state: ``spec`` must be a plain numeric,
  boolean, bytes or unicode type code (``f4``, ``i8``, ``U2``, ...); structured,
  object, datetime and void dtypes are refused;
* ``numpy.core.multiarray._reconstruct`` + state, ``numpy.core.numeric._frombuffer``:
  the array is rebuilt with :func:`numpy.frombuffer` after checking that the buffer
  length equals ``prod(shape) * itemsize``;
* ``numpy.core.multiarray.scalar``: the same for one value;
* ``_codecs.encode``: only the ``latin1`` text-to-bytes step protocol-2 pickles use
  (and ``bytes()`` without arguments, their empty buffer).

Any other global raises :class:`UnsafePickleError` before anything is imported or
called; any other failure becomes a :class:`FormatError` naming the file. Nothing
from the file is executed.
"""

from __future__ import annotations

import io
import math
import pickle
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import FormatError, MissingInputError, UnsafePickleError

_MAX_ELEMENTS = 2**34  # refuse absurd shapes before allocating anything
_SPEC = re.compile(r"^[?biufcUS]\d{0,6}$")


class _Refused(Exception):
    """A numpy stand-in found an invalid state (becomes a FormatError)."""


class _DtypeStub:
    """Stands for ``numpy.dtype(spec, align, copy)`` until its state has been checked."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = False) -> None:
        if not isinstance(spec, str) or not _SPEC.match(spec):
            raise _Refused(f"dtype {spec!r} is not a plain numeric, bytes or unicode type")
        self.spec = spec
        self.order = "|"
        self._dtype: np.dtype | None = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (8, 9):
            raise _Refused("malformed dtype state")
        version, order, subarray, names, fields, elsize = state[:6]
        if version not in (3, 4) or order not in ("<", ">", "|", "="):
            raise _Refused("malformed dtype state")
        if subarray is not None or names is not None or fields is not None:
            raise _Refused("structured dtypes are not allowed in a dataset pickle")
        self.order = order
        dt = self.resolve()
        if isinstance(elsize, int) and elsize not in (-1, dt.itemsize):
            raise _Refused(f"dtype item size {elsize} does not match {dt}")

    def resolve(self) -> np.dtype:
        if self._dtype is None:
            self._dtype = np.dtype(self.order + self.spec if self.order != "|" else self.spec)
        return self._dtype


class _NdarrayMarker:
    """Stands for ``numpy.ndarray`` as the first argument of ``_reconstruct``."""


def _checked_array(buf: Any, dtype: Any, shape: Any, order: str) -> np.ndarray:
    if not isinstance(dtype, _DtypeStub):
        raise _Refused("array dtype is not a checked dtype")
    if isinstance(buf, (bytearray, memoryview)):
        buf = bytes(buf)
    if not isinstance(buf, bytes):
        raise _Refused("array data is not a byte buffer (object arrays are not allowed)")
    if not isinstance(shape, tuple) or not all(isinstance(s, int) and 0 <= s for s in shape):
        raise _Refused(f"malformed array shape {shape!r}")
    count = math.prod(shape)
    dt = dtype.resolve()
    if count > _MAX_ELEMENTS or count * dt.itemsize != len(buf):
        raise _Refused(f"array buffer of {len(buf)} bytes does not hold shape {shape} of {dt}")
    if order not in ("C", "F"):
        raise _Refused(f"malformed array order {order!r}")
    return np.frombuffer(buf, dtype=dt, count=count).reshape(shape, order=order).copy()


class _ArrayStub:
    """Stands for ``_reconstruct(ndarray, ...)`` until its state arrives."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) != 5 or state[0] != 1:
            raise _Refused("malformed array state")
        _, shape, dtype, fortran, raw = state
        self.array = _checked_array(raw, dtype, shape, "F" if fortran else "C")


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> _ArrayStub:
    if cls is not _NdarrayMarker:
        raise _Refused("_reconstruct of something other than numpy.ndarray")
    return _ArrayStub()


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    return _checked_array(buf, dtype, shape, order)


def _scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, _DtypeStub) or not isinstance(data, bytes):
        raise _Refused("malformed numpy scalar")
    return _checked_array(data, dtype, (1,), "C")[0]


def _encode(obj: Any, encoding: Any = "utf-8") -> bytes:
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused("only latin1 text-to-bytes encoding is allowed")
    return obj.encode("latin1")


def _empty_bytes(*args: Any) -> bytes:
    """``bytes()`` as protocol-2 pickles write an empty buffer; nothing else."""
    if args:
        raise _Refused("only bytes() without arguments is allowed")
    return b""


_NUMPY_STANDINS: dict[tuple[str, str], Any] = {
    ("numpy", "dtype"): _DtypeStub,
    ("numpy", "ndarray"): _NdarrayMarker,
    **{
        (f"numpy.{core}.{mod}", name): fn
        for core in ("core", "_core")
        for mod, name, fn in (
            ("multiarray", "_reconstruct", _reconstruct),
            ("multiarray", "scalar", _scalar),
            ("numeric", "_frombuffer", _frombuffer),
        )
    },
}

_PLAIN: dict[tuple[str, str], Any] = {
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("__builtin__", "set"): set,  # protocol 0-2 pickles name builtins as in Python 2
    ("__builtin__", "frozenset"): frozenset,
    ("collections", "OrderedDict"): OrderedDict,
    ("_codecs", "encode"): _encode,
    ("builtins", "bytes"): _empty_bytes,
    ("__builtin__", "bytes"): _empty_bytes,
}

#: (module, name) pairs a dataset pickle may reference, and what they resolve to.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {**_PLAIN, **_NUMPY_STANDINS}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, path: str) -> None:
        super().__init__(file)
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refused to load: the pickle references {module}.{name}, which is not in the "
                "allow-list of a dataset pickle (nothing was executed)",
                path=self._path,
            ) from None


def _materialise(obj: Any, memo: dict[int, Any]) -> Any:
    """Replace array stand-ins by their arrays throughout containers (cycle-safe)."""
    if isinstance(obj, _ArrayStub):
        if obj.array is None:
            raise _Refused("an array was never given its data")
        return obj.array
    if isinstance(obj, (_DtypeStub,)):
        return obj.resolve()
    if isinstance(obj, (str, bytes, int, float, bool, complex, type(None), np.ndarray, np.generic)):
        return obj
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, dict):
        out: Any = type(obj)()
        memo[key] = out
        for k, v in obj.items():
            out[_materialise(k, memo)] = _materialise(v, memo)
        return out
    if isinstance(obj, list):
        out = []
        memo[key] = out
        out.extend(_materialise(v, memo) for v in obj)
        return out
    if isinstance(obj, tuple):
        return tuple(_materialise(v, memo) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return type(obj)(_materialise(v, memo) for v in obj)
    if isinstance(obj, slice):
        return obj
    raise _Refused(f"unexpected object of type {type(obj).__name__}")


def safe_loads(data: bytes, *, path: str = "<bytes>") -> Any:
    """Unpickle ``data`` through the restricted unpickler (see the module docstring)."""
    try:
        return _materialise(_RestrictedUnpickler(io.BytesIO(data), path).load(), {})
    except UnsafePickleError:
        raise
    except _Refused as exc:
        raise FormatError(f"refused to load: {exc}", path=path) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure of an untrusted file is a format error
        raise FormatError(f"not a readable pickle: {type(exc).__name__}: {exc}", path=path) from None


def safe_load(path: str | Path) -> Any:
    """Unpickle the file at ``path`` through the restricted unpickler."""
    p = Path(path)
    if not p.is_file():
        raise MissingInputError("no such file", path=p)
    return safe_loads(p.read_bytes(), path=str(p))
