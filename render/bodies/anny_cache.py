"""Where Anny's built model data lives and how we know it has been built.

Anny (PyPI ``anny==0.6.2``) builds its model data from the MakeHuman sources the first time
a model is constructed (about 5 minutes on 2 cores, about 0.8 GB under ``~/.cache/anny``,
overridable with ``ANNY_CACHE_DIR``) and silently does so inside any constructor call when
the cache is missing. The render stage must never pay that inside a render, so the build
happens once in set-up (``python -m render.bodies.anny_build``, run by ``make setup``),
which writes a marker :data:`MARKER_NAME` into the cache directory listing the cache files
the model loads. :class:`render.bodies.anny_body.AnnyBody` refuses to start (a typed
:class:`pipeline.errors.MissingInputError`) unless the marker and every file it lists exist.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.errors import MissingInputError

#: The marker file written after a successful build, inside the cache directory.
MARKER_NAME = "ciasa_anny_ready.json"

#: The one Anny configuration ciasa uses (the model's own defaults, made explicit, with
#: dense torch LBS instead of NVIDIA Warp kernels: same maths, no JIT compile at start).
ANNY_CONFIG: dict[str, str] = {
    "rig": "anny",
    "topology": "anny",
    "pose_parameterization": "local-ref",
    "skinning_method": "lbs",
}

BUILD_COMMAND = "python -m render.bodies.anny_build"


def cache_dir(override: str | Path | None = None) -> Path:
    """The Anny cache directory: ``override``, else ``ANNY_CACHE_DIR``, else ``~/.cache/anny``."""
    if override is not None:
        return Path(override)
    env = os.environ.get("ANNY_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "anny"


def marker_path(directory: str | Path | None = None) -> Path:
    """Path of the ready-marker in the cache directory."""
    return cache_dir(directory) / MARKER_NAME


def check_cache(directory: str | Path | None = None) -> Path:
    """Return the cache directory if the built model data is there; else raise
    :class:`MissingInputError` naming the missing file and the set-up command."""
    root = cache_dir(directory)
    marker = root / MARKER_NAME
    hint = (
        f"Anny's model data has not been built in {root}: run `{BUILD_COMMAND}` "
        "(part of `make setup`; about 5 minutes and 0.8 GB once)"
    )
    if not marker.is_file():
        raise MissingInputError(hint, path=marker)
    try:
        info = json.loads(marker.read_text())
        files = [str(f) for f in info["files"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MissingInputError(f"unreadable build marker ({exc}); {hint}", path=marker) from None
    for rel in files:
        if not (root / rel).is_file():
            raise MissingInputError(f"cache file missing; {hint}", path=root / rel)
    return root
