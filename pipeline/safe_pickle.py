"""A restricted unpickler for label and annotation pickles.

Dataset pickles (st-gcn ``*_label.pkl``, pyskl annotation files) hold only containers,
strings, numbers and numpy arrays. Loading them with :func:`pickle.load` would execute
whatever callable a crafted file names. :func:`safe_load` resolves only the globals in
:data:`ALLOWED_GLOBALS`; any other global raises :class:`UnsafePickleError` before it is
imported or called, so nothing from the file is executed.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from pipeline.errors import FormatError, MissingInputError, UnsafePickleError

#: (module, name) pairs a dataset pickle may reference. numpy moved ``core`` to
#: ``_core`` in 2.0; pickles written by either are accepted.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "slice"),
        ("collections", "OrderedDict"),
        # protocol 0-2 pickles name the builtins module as in Python 2
        ("__builtin__", "set"),
        ("__builtin__", "frozenset"),
        ("__builtin__", "slice"),
        ("_codecs", "encode"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        *{
            (f"numpy.{core}.{mod}", name)
            for core in ("core", "_core")
            for mod, name in (
                ("multiarray", "_reconstruct"),
                ("multiarray", "scalar"),
                ("numeric", "_frombuffer"),
            )
        },
    }
)


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, path: str) -> None:
        super().__init__(file)
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"refused to load: the pickle references {module}.{name}, which is not in the "
            "allow-list of a dataset pickle (nothing was executed)",
            path=self._path,
        )


def safe_loads(data: bytes, *, path: str = "<bytes>") -> Any:
    """Unpickle ``data`` through the restricted unpickler."""
    try:
        return _RestrictedUnpickler(io.BytesIO(data), path).load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError) as exc:  # fmt: skip
        raise FormatError(f"not a readable pickle: {type(exc).__name__}: {exc}", path=path) from exc


def safe_load(path: str | Path) -> Any:
    """Unpickle the file at ``path`` through the restricted unpickler."""
    p = Path(path)
    if not p.is_file():
        raise MissingInputError("no such file", path=p)
    return safe_loads(p.read_bytes(), path=str(p))
