"""Reading the render presets and material recipes in ``blender_assets/`` (data only).

Every file there is a JSON object with ``"format": "ciasa.<kind>"`` and ``"version": 1``;
:func:`load_asset` checks both and names the file in a :class:`FormatError` otherwise.
No bpy here: the parent process resolves presets and appearance, the worker receives
the resolved values in its job file.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pipeline.errors import FormatError, MissingInputError, UnknownFormatError
from pipeline.io_utils import load_json

#: The folder holding the render presets (top level of the repository).
ASSETS_DIR = Path(__file__).resolve().parents[1] / "blender_assets"

#: Asset name -> file name.
ASSET_FILES = {
    "quality_presets": "quality_presets.json",
    "camera_defaults": "camera_defaults.json",
    "garments": "garments.json",
    "skin_tones": "skin_tones.json",
    "hair": "hair.json",
    "hdris": "hdris.json",
    "body_regions": "body_regions.json",
}

QUALITY_NAMES = ("preview", "default", "cropped", "classic", "high")


@functools.cache
def _load_cached(path: str, kind: str) -> dict[str, Any]:
    doc = load_json(path, f"{kind} asset")
    if not isinstance(doc, dict) or doc.get("format") != f"ciasa.{kind}":
        raise FormatError(f"not a ciasa.{kind} asset file", path=path, field="format")
    if doc.get("version") != 1:
        raise FormatError(f"unsupported version {doc.get('version')!r} (readable: 1)",
                          path=path, field="version")
    return doc


def load_asset(kind: str, assets_dir: str | Path | None = None) -> dict[str, Any]:
    """The parsed asset file ``kind`` (a key of :data:`ASSET_FILES`).

    The returned dict is shared (cached): callers must not mutate it.
    """
    if kind not in ASSET_FILES:
        raise UnknownFormatError(f"unknown asset {kind!r}; known: {', '.join(ASSET_FILES)}")
    path = Path(assets_dir or ASSETS_DIR) / ASSET_FILES[kind]
    if not path.is_file():
        raise MissingInputError(f"render asset {kind!r} is missing", path=path)
    return _load_cached(str(path), kind)


def quality_preset(name: str, assets_dir: str | Path | None = None) -> dict[str, Any]:
    """The settings of quality preset ``name`` (``preview``, ``default``, ``high``), a copy
    with ``"name"`` added."""
    presets = load_asset("quality_presets", assets_dir)["presets"]
    if name not in presets:
        raise UnknownFormatError(f"unknown quality preset {name!r}; known: {', '.join(presets)}",
                                 field="quality")
    return {"name": name, **presets[name]}


def hdri_dir() -> Path:
    """The folder of the world HDRIs inside the installed bpy wheel (found without
    importing bpy, which only the worker may do)."""
    import importlib.util

    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise MissingInputError("the bpy package is not installed (pip install bpy==5.0.1)")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob("*/datafiles/studiolights/world"))
    if not found:
        raise MissingInputError("no studiolights/world folder in the bpy package", path=root)
    return found[-1]
