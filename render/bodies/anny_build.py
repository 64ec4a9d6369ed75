"""Build (or verify) Anny's model-data cache once, in set-up: ``python -m render.bodies.anny_build``.

The first build takes about 5 minutes on 2 cores and writes about 0.8 GB to the cache
directory (``--cache-dir``, else ``ANNY_CACHE_DIR``, else ``~/.cache/anny``); later runs
load the cache in about a second. On success it writes the ready-marker that
:class:`render.bodies.anny_body.AnnyBody` checks (see :mod:`render.bodies.anny_cache`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
from pathlib import Path

from render.bodies.anny_cache import ANNY_CONFIG, MARKER_NAME, cache_dir

log = logging.getLogger(__name__)

_CACHE_LINE = re.compile(r"(?:from|cache at) (\S+\.safetensors)")


class _CacheFiles(logging.Handler):
    """Collects the cache files anny reports loading or saving."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.paths: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        m = _CACHE_LINE.search(record.getMessage())
        if m:
            self.paths.append(m.group(1))


def build(directory: str | Path | None = None) -> Path:
    """Build or load Anny's model data with ciasa's configuration; write the marker.

    Returns:
        the marker path.
    """
    root = cache_dir(directory)
    root.mkdir(parents=True, exist_ok=True)
    import anny
    import anny.paths

    anny.paths.set_anny_cache_path(root)
    handler = _CacheFiles()
    anny_log = logging.getLogger("anny")
    old_level = anny_log.level
    anny_log.addHandler(handler)
    anny_log.setLevel(logging.INFO)
    start = time.perf_counter()
    try:
        model = anny.Anny(**ANNY_CONFIG)
        model()  # one forward pass: everything the renderer needs is in place
    finally:
        anny_log.removeHandler(handler)
        anny_log.setLevel(old_level)
    seconds = time.perf_counter() - start
    files = []
    for p in handler.paths:
        path = Path(p)
        try:
            rel = path.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        if path.is_file() and "compact" in path.name:
            files.append(str(rel))
    if not files:  # fall back on everything in the cache
        files = sorted(str(p.relative_to(root)) for p in root.glob("v*/*.safetensors"))
    marker = root / MARKER_NAME
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "anny_version": getattr(anny, "__version__", "unknown"),
                "config": ANNY_CONFIG,
                "files": sorted(set(files)),
                "build_seconds": round(seconds, 1),
            },
            indent=2,
        )
    )
    os.replace(tmp, marker)
    log.info("Anny model data ready in %s (%.1f s); marker %s", root, seconds, marker)
    return marker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m render.bodies.anny_build",
        description="Build Anny's model-data cache once (about 5 min, 0.8 GB) and mark it ready.",
    )
    parser.add_argument("--cache-dir", default=None, help="cache directory (default: ANNY_CACHE_DIR or ~/.cache/anny)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        build(args.cache_dir)
    except Exception as exc:  # one line, non-zero exit
        print(f"error: Anny build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
